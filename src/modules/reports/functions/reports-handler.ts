import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { availabilityReport, serviceReport } from '../app/report-use-cases';
import { eventTrends, listEvents } from '../../monitoring/app/event-use-cases';
import { DynamoDbEventReader } from '../../monitoring/adapters/dynamodb-event-reader';
import { eventTrendsQuerySchema, listEventsQuerySchema } from '../../monitoring/schemas/event-schemas';
import { slaPolicyOf, slaReport } from '../../incidents/app/sla-use-cases';
import { createDocumentClient } from '../../../kernel/adapters/document-client';
import { DynamoDbAuditTrail } from '../../../kernel/adapters/dynamodb-audit-trail';
import { DynamoDbIncidentRepository } from '../../incidents/adapters/dynamodb-incident-repository';
import { DynamoDbReportAggregates } from '../../incidents/adapters/report-aggregates';
import { DynamoDbKnownErrorImpactReader } from '../adapters/dynamodb-known-error-impact-reader';
import {
  availabilityQuerySchema,
  capacityMeasurementBodySchema,
  capacityQuerySchema,
  createImprovementBodySchema,
  improvementIdSchema,
  listImprovementsQuerySchema,
  serviceReportQuerySchema,
  updateImprovementBodySchema,
} from '../schemas/report-schemas';
import { serviceIdSchema } from '../../catalogue/schemas/catalogue-schemas';
import { capacityReport, recordCapacityMeasurement, type CapacityDeps } from '../app/capacity-use-cases';
import { createImprovement, getImprovement, listImprovements, updateImprovement, type ImprovementDeps } from '../app/improvement-use-cases';
import { createCapacitySource } from './capacity-source-factory';
import { DynamoDbCapacityMeasurements } from '../adapters/dynamodb-capacity-measurements';
import { DynamoDbImprovementRepository } from '../adapters/dynamodb-improvement-repository';
import { DynamoDbCatalogueRepository } from '../../catalogue/adapters/dynamodb-catalogue-repository';
import { reportToCsv } from '../../../kernel/http/csv';
import { authenticated, basePath, createHttpHandler, type HttpResult, type RouteTable } from '../../../kernel/http/http-router';
import { etagFor, header, ifMatchVersion, parseJsonBody, parseQuery, validate } from '../../../kernel/http/http-request';
import { createClock, createObservability, loadClientSettings, readEnvironment } from '../../../platform/runtime-environment';
import { REPORTS_ENVIRONMENT } from './environment';
import { requestScopedAuditLog } from '../../../platform/request-context';

const env = readEnvironment(REPORTS_ENVIRONMENT);

/**
 * The report routes (function group `reports`): read the aggregates kept in the incidents' write
 * path; the service report adds the SLA compliance of every service and the ongoing impact of the
 * open known errors (Queries on the problems table). Also the monitoring events list and trends,
 * read from the events table (records and counters kept by event ingestion). It records capacity
 * measurements (reports merge them with the CloudWatch metrics actions name) and keeps the
 * continual improvement register (the catalogue table's CAPACITY# and IMPROVEMENT# items),
 * auditing each change, and appends the audit records of the requests it refuses.
 */
const observability = createObservability('reports');
const settings = loadClientSettings();
const clock = createClock();
const documents = createDocumentClient(observability.tracer.captureAWSv3Client(new DynamoDBClient({})));
const incidentsTable = env.incidentsTable;
const slaPolicy = slaPolicyOf(settings);
const incidents = new DynamoDbIncidentRepository(documents, incidentsTable);
const deps = {
  aggregates: new DynamoDbReportAggregates(documents, incidentsTable),
  clock,
  knownErrors: new DynamoDbKnownErrorImpactReader(documents, env.problemsTable),
  slaReport: (caller: Parameters<typeof slaReport>[1], period: { from: string; to: string }) => slaReport({ incidents, clock, policy: slaPolicy }, caller, period),
};
const eventDeps = { reader: new DynamoDbEventReader(documents, env.eventsTable) };
const audit = requestScopedAuditLog(
  new DynamoDbAuditTrail(documents, env.auditTable, { clock, ids: { newId: () => randomUUID() } }),
  (error, entry) => {
    observability.logger.error('audit record not appended', { error: error as Error, entry });
    observability.metrics.addMetric('AuditWriteFailed', MetricUnit.Count, 1);
  },
);

const catalogueTable = env.catalogueTable;
// Capacity metrics: CloudWatch, only when some action names a metric (the role has
// GetMetricData only then); locally a file stands in (registered by the local runtime, see capacity-source-factory.ts).
const capacityMetrics = settings.capacity.actions.some((a) => a.metric) ? createCapacitySource(observability.tracer) : undefined;
const capacityDeps: CapacityDeps = {
  actions: settings.capacity.actions,
  measurements: new DynamoDbCapacityMeasurements(documents, catalogueTable),
  ...(capacityMetrics && { metrics: capacityMetrics }),
  onMetricFailure: (error, action) => {
    observability.logger.warn('capacity metric not read: the report has the recorded measurements only', { service: action.service, action: action.id, error: error as Error });
    observability.metrics.addMetric('CapacityMetricReadFailed', MetricUnit.Count, 1);
  },
  services: new DynamoDbCatalogueRepository(documents, catalogueTable),
  clock,
  audit,
};
const improvementDeps: ImprovementDeps = {
  improvements: new DynamoDbImprovementRepository(documents, catalogueTable),
  reports: deps,
  ids: { newId: () => randomUUID() },
  audit,
};
type Params = Record<string, string | undefined> | null;
const improvementId = (params: Params) => validate(improvementIdSchema, params?.['id'], 'id');
const versioned = (record: { readonly version: number }, status: number, extra: Record<string, string> = {}): HttpResult => ({
  status,
  body: record,
  headers: { ETag: etagFor(record.version), ...extra },
});

/** JSON by default; CSV when the caller asks for text/csv. */
export function represent(event: Pick<APIGatewayProxyEvent, 'headers'>, report: unknown): HttpResult {
  const accept = header(event, 'accept') ?? '';
  if (/\btext\/csv\b/i.test(accept)) {
    return { status: 200, body: reportToCsv(report), headers: { 'Content-Type': 'text/csv; charset=utf-8', Vary: 'Accept' } };
  }
  return { status: 200, body: report, headers: { Vary: 'Accept' } };
}

export const routes: RouteTable = {
  'GET /reports/availability': authenticated(async ({ event, caller }) =>
    represent(event, await availabilityReport(deps, caller, parseQuery(event, availabilityQuerySchema))),
  ),
  'GET /reports/service': authenticated(async ({ event, caller }) =>
    represent(event, await serviceReport(deps, caller, parseQuery(event, serviceReportQuerySchema))),
  ),
  'GET /events': authenticated(async ({ event, caller }) => ({
    status: 200,
    body: await listEvents(eventDeps, caller, parseQuery(event, listEventsQuerySchema)),
  })),
  'GET /events/trends': authenticated(async ({ event, caller }) => ({
    status: 200,
    body: await eventTrends(eventDeps, caller, parseQuery(event, eventTrendsQuerySchema)),
  })),
  'GET /reports/capacity': authenticated(async ({ event, caller }) =>
    represent(event, await capacityReport(capacityDeps, caller, parseQuery(event, capacityQuerySchema))),
  ),
  'POST /services/{id}/capacity': authenticated(async ({ event, caller }) => {
    const serviceId = validate(serviceIdSchema, event.pathParameters?.['id'], 'id');
    const { measurement, created } = await recordCapacityMeasurement(capacityDeps, caller, serviceId, parseJsonBody(event, capacityMeasurementBodySchema));
    return { status: created ? 201 : 200, body: measurement };
  }),
  'POST /improvements': authenticated(async ({ event, caller }) => {
    const item = await createImprovement(improvementDeps, caller, parseJsonBody(event, createImprovementBodySchema));
    return versioned(item, 201, { Location: `${basePath(event)}/improvements/${item.id}` });
  }),
  'GET /improvements': authenticated(async ({ event, caller }) => ({
    status: 200,
    body: await listImprovements(improvementDeps, caller, parseQuery(event, listImprovementsQuerySchema)),
  })),
  'GET /improvements/{id}': authenticated(async ({ event, caller }) => versioned(await getImprovement(improvementDeps, caller, improvementId(event.pathParameters)), 200)),
  'PATCH /improvements/{id}': authenticated(async ({ event, caller }) => {
    const id = improvementId(event.pathParameters);
    const changes = parseJsonBody(event, updateImprovementBodySchema);
    return versioned(await updateImprovement(improvementDeps, caller, id, changes, ifMatchVersion(event)), 200);
  }),
};

export const handler = createHttpHandler(routes, observability, { audit });
