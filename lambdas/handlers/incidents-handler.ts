import { randomUUID } from 'node:crypto';
import { createIncident, getIncident, listIncidents, updateIncident, type IncidentDeps } from '../app/incident-use-cases';
import { createDocumentClient } from '../adapters/dynamodb/document-client';
import { DynamoDbIncidentRepository } from '../adapters/dynamodb/dynamodb-incident-repository';
import {
  createIncidentBodySchema,
  incidentIdSchema,
  listIncidentsQuerySchema,
  updateIncidentBodySchema,
} from '../schemas/incident-schemas';
import { authenticated, basePath, createHttpHandler, type RouteTable } from './http/http-router';
import { etagFor, ifMatchVersion, parseJsonBody, parseQuery, validate } from './http/http-request';
import { createObservability, loadClientSettings, requireEnv } from './runtime-environment';
import type { Incident } from '../domain/incident';

const observability = createObservability('incidents');
const settings = loadClientSettings();
const deps: IncidentDeps = {
  incidents: new DynamoDbIncidentRepository(
    observability.tracer.captureAWSv3Client(createDocumentClient()),
    requireEnv('INCIDENTS_TABLE_NAME'),
  ),
  clock: { now: () => new Date() },
  ids: { newId: () => randomUUID() },
  priorityMatrix: settings.priorityMatrix,
};

const incidentRepresentation = (incident: Incident, status: number, extraHeaders: Record<string, string> = {}) => ({
  status,
  body: incident,
  headers: { ETag: etagFor(incident.version), ...extraHeaders },
});

const pathId = (params: Record<string, string | undefined> | null) => validate(incidentIdSchema, params?.['id'], 'id');

export const routes: RouteTable = {
  'POST /incidents': authenticated(async ({ event, caller }) => {
      const incident = await createIncident(deps, caller, parseJsonBody(event, createIncidentBodySchema));
      return incidentRepresentation(incident, 201, { Location: `${basePath(event)}/incidents/${incident.id}` });
    }),
  'GET /incidents': authenticated(async ({ event, caller }) => ({ status: 200, body: await listIncidents(deps, caller, parseQuery(event, listIncidentsQuerySchema)) })),
  'GET /incidents/{id}': authenticated(async ({ event, caller }) => incidentRepresentation(await getIncident(deps, caller, pathId(event.pathParameters)), 200)),
  'PATCH /incidents/{id}': authenticated(async ({ event, caller }) => {
      const id = pathId(event.pathParameters);
      const changes = parseJsonBody(event, updateIncidentBodySchema);
      return incidentRepresentation(await updateIncident(deps, caller, id, changes, ifMatchVersion(event)), 200);
    }),
};

export const handler = createHttpHandler(routes, observability);
