import { createHash, randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import {
  acknowledge,
  addTimelineEntry,
  getIncidentSla,
  confirmIncidentResolution,
  createIncident,
  escalate,
  getIncident,
  getIncidentSuggestions,
  getTimeline,
  listIncidents,
  rejectIncidentResolution,
  updateIncident,
  type IncidentDeps,
  type IncidentView,
} from '../app/incident-use-cases';
import { createDocumentClient } from '../../../kernel/adapters/document-client';
import { DynamoDbIncidentRepository } from '../adapters/dynamodb-incident-repository';
import { DynamoDbChangeRepository } from '../../changes/adapters/dynamodb-change-repository';
import { logIncidentFromRequest } from '../app/request-transfer-use-cases';
import { requestIdSchema } from '../../changes/schemas/change-schemas';
import { DynamoDbCatalogueRepository } from '../../catalogue/adapters/dynamodb-catalogue-repository';
import { DynamoDbKnowledgeSearch, DynamoDbResolutionDrafts } from '../../problems/adapters/dynamodb-problem-repository';
import { incidentSuggestions, type Suggestions } from '../../problems/app/problem-use-cases';
import { slaPolicyOf, slaReport } from '../app/sla-use-cases';
import { acknowledgeBodySchema, slaReportQuerySchema } from '../schemas/sla-schemas';
import {
  commentBodySchema,
  confirmBodySchema,
  createIncidentBodySchema,
  escalateBodySchema,
  incidentIdSchema,
  listIncidentsQuerySchema,
  rejectBodySchema,
  requestToIncidentBodySchema,
  timelineQuerySchema,
  updateIncidentBodySchema,
} from '../schemas/incident-schemas';
import { authenticated, basePath, createHttpHandler, type RouteTable } from '../../../kernel/http/http-router';
import { createIdempotencyGuard } from '../../../kernel/http/idempotent-requests';
import { ifMatchVersion, parseJsonBody, parseQuery, validate } from '../../../kernel/http/http-request';
import { representation } from '../../../kernel/http/representation';
import { createClock, createObservability, loadClientSettings, requireEnv } from '../../../platform/runtime-environment';
import { auditTrailOf, createAuditLog, requestScopedAuditPuts } from '../../../platform/request-context';
import { findingArchiveDeps } from './finding-archiver-factory';

const observability = createObservability('incidents');
const settings = loadClientSettings();
const dynamoDb = observability.tracer.captureAWSv3Client(new DynamoDBClient({}));
const clock = createClock();
// One document client for every table the function reads and writes.
const documents = createDocumentClient(dynamoDb);
const auditTrail = auditTrailOf({ documents, clock, ids: { newId: () => randomUUID() } });
const audit = createAuditLog(auditTrail, observability);
const deps: IncidentDeps = {
  // Incident changes carry their audit record in their own transaction.
  incidents: new DynamoDbIncidentRepository(documents, requireEnv('INCIDENTS_TABLE_NAME'), requestScopedAuditPuts(auditTrail)),
  services: new DynamoDbCatalogueRepository(documents, requireEnv('CATALOGUE_TABLE_NAME')),
  clock,
  ids: { newId: () => randomUUID() },
  audit,
  rules: {
    matrix: settings.priorityMatrix,
    usersAffected: settings.priorityThresholds.usersAffected,
    concurrentIncidents: settings.priorityThresholds.concurrentIncidents,
  },
  settings: {
    clientId: settings.id,
    autoCloseAfter: settings.autoCloseAfter,
    contacts: settings.contacts,
    ...(settings.disasterRecoveryPlan && { disasterRecoveryPlan: settings.disasterRecoveryPlan }),
  },
  // Notifications and the SLA workflow's start are stored as outbox items with each change and
  // delivered by the outbox consumer (src/modules/outbox), not from here.
  // A resolution's notes become a draft article in the problems table (PutItem on KA# keys only).
  resolutionDrafts: {
    drafts: new DynamoDbResolutionDrafts(documents, requireEnv('PROBLEMS_TABLE_NAME')),
    onFailure: (error, draft) => {
      observability.logger.error('resolution draft not stored', { error: error as Error, draft });
      observability.metrics.addMetric('ResolutionDraftFailed', MetricUnit.Count, 1);
    },
  },
  ...findingArchiveDeps(settings, observability),
};
const slaPolicy = slaPolicyOf(settings);
// Requests transferred to incidents: GetItem and a version-conditioned Put of request items only
// (the role's grant on the changes table is limited to REQUEST# keys).
const requests = new DynamoDbChangeRepository(documents, requireEnv('CHANGES_TABLE_NAME'));
/** The same UUID-shaped id for every attempt at transferring one request. */
const incidentIdForRequest = (requestId: string) => {
  const hex = createHash('sha256').update(`service-request-incident:${requestId}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
};
// Suggestions at logging: known errors and articles from the problems table (GetItem, Query on bySearchTerm).
const knowledge = new DynamoDbKnowledgeSearch(documents, requireEnv('PROBLEMS_TABLE_NAME'));

/** Never fails the logging: a failed look-up answers no suggestions beside the stored incident. */
async function suggestionsAtLogging(
  caller: Parameters<typeof incidentSuggestions>[1],
  incident: Pick<IncidentView, 'shortDescription' | 'description' | 'service' | 'category'>,
): Promise<Suggestions> {
  try {
    const { shortDescription = '', description = '', service = '', category = '' } = incident;
    return await incidentSuggestions(knowledge, caller, { shortDescription, description, service, category });
  } catch (error) {
    observability.logger.warn('suggestions not looked up', { error: error as Error });
    return { knownErrors: [], articles: [] };
  }
}

const pathId = (params: Record<string, string | undefined> | null) => validate(incidentIdSchema, params?.['id'], 'id');

export const routes: RouteTable = {
  'POST /incidents': authenticated(async ({ event, caller }) => {
    const body = parseJsonBody(event, createIncidentBodySchema);
    // The look-up reads only the request's words, so it runs alongside the write and adds no latency.
    const [incident, suggestions] = await Promise.all([createIncident(deps, caller, body), suggestionsAtLogging(caller, body)]);
    // Counted once: an Idempotency-Key replay answers the stored response without running this.
    for (const name of ['IncidentsOpened', `IncidentsOpened_${incident.priority}`, `IncidentsOpened_${incident.channel}`]) {
      observability.metrics.addMetric(name, MetricUnit.Count, 1);
    }
    return representation({ ...incident, suggestions }, 201, { Location: `${basePath(event)}/incidents/${incident.id}` });
  }),
  'GET /incidents': authenticated(async ({ event, caller }) => ({
    status: 200,
    body: await listIncidents(deps, caller, parseQuery(event, listIncidentsQuerySchema)),
  })),
  'GET /incidents/{id}/suggestions': authenticated(async ({ event, caller }) => ({
    status: 200,
    body: await getIncidentSuggestions(deps, knowledge, caller, pathId(event.pathParameters)),
  })),
  'GET /incidents/{id}': authenticated(async ({ event, caller }) => representation(await getIncident(deps, caller, pathId(event.pathParameters)), 200)),
  'PATCH /incidents/{id}': authenticated(async ({ event, caller }) => {
    const id = pathId(event.pathParameters);
    const changes = parseJsonBody(event, updateIncidentBodySchema);
    return representation(await updateIncident(deps, caller, id, changes, ifMatchVersion(event)), 200);
  }),
  'POST /incidents/{id}/confirm': authenticated(async ({ event, caller }) => {
    const id = pathId(event.pathParameters);
    if (event.body) parseJsonBody(event, confirmBodySchema);
    return representation(await confirmIncidentResolution(deps, caller, id, ifMatchVersion(event)), 200);
  }),
  'POST /incidents/{id}/reject': authenticated(async ({ event, caller }) => {
    const id = pathId(event.pathParameters);
    const { reason } = parseJsonBody(event, rejectBodySchema);
    return representation(await rejectIncidentResolution(deps, caller, id, reason, ifMatchVersion(event)), 200);
  }),
  'POST /incidents/{id}/escalate': authenticated(async ({ event, caller }) => {
    const id = pathId(event.pathParameters);
    const body = parseJsonBody(event, escalateBodySchema);
    return representation(await escalate(deps, caller, id, body, ifMatchVersion(event)), 200);
  }),
  'POST /incidents/{id}/comments': authenticated(async ({ event, caller }) => {
    const id = pathId(event.pathParameters);
    return { status: 201, body: await addTimelineEntry(deps, caller, id, parseJsonBody(event, commentBodySchema)) };
  }),
  'GET /incidents/{id}/timeline': authenticated(async ({ event, caller }) => ({
    status: 200,
    body: await getTimeline(deps, caller, pathId(event.pathParameters), parseQuery(event, timelineQuerySchema)),
  })),
  'POST /incidents/{id}/acknowledge': authenticated(async ({ event, caller }) => {
    const id = pathId(event.pathParameters);
    if (event.body) parseJsonBody(event, acknowledgeBodySchema);
    return representation(await acknowledge(deps, caller, id), 200);
  }),
  'GET /incidents/{id}/sla': authenticated(async ({ event, caller }) => ({
    status: 200,
    body: await getIncidentSla(deps, caller, pathId(event.pathParameters), slaPolicy),
  })),
  'POST /requests/{id}/incident': authenticated(async ({ event, caller }) => {
    const id = validate(requestIdSchema, event.pathParameters?.['id'], 'id');
    const body = parseJsonBody(event, requestToIncidentBodySchema);
    const { request, incident } = await logIncidentFromRequest({ ...deps, requests, incidentIdForRequest }, caller, id, body, ifMatchVersion(event));
    return { status: 201, body: { request, incident }, headers: { Location: `${basePath(event)}/incidents/${incident.id}` } };
  }),
  'GET /reports/sla': authenticated(async ({ event, caller }) => {
    const { from, to } = parseQuery(event, slaReportQuerySchema);
    return { status: 200, body: await slaReport({ ...deps, policy: slaPolicy }, caller, { from: new Date(from).toISOString(), to: new Date(to).toISOString() }) };
  }),
};

export const handler = createHttpHandler(routes, observability, {
  idempotency: createIdempotencyGuard(dynamoDb, requireEnv('IDEMPOTENCY_TABLE_NAME')),
  audit,
});
