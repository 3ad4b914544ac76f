import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoDbEventReader } from '../../monitoring/adapters';
import { eventTrends } from '../../monitoring/app';
import { DynamoDbChangeRepository } from '../../changes/adapters';
import { requestsChangesReport } from '../../changes/app';
import { slaPolicyOf, slaReport } from '../../incidents/app';
import { createDocumentClient } from '../../../kernel/adapters/document-client';
import { DynamoDbAuditTrail } from '../../../kernel/adapters/dynamodb-audit-trail';
import { DynamoDbIncidentRepository } from '../../incidents/adapters';
import { DynamoDbReportAggregates } from '../../incidents/adapters';
import { DynamoDbKnownErrorImpactReader } from '../adapters/dynamodb-known-error-impact-reader';
import { type CapacityDeps } from '../app/capacity-use-cases';
import { type ImprovementDeps } from '../app/improvement-use-cases';
import { createCapacitySource } from './capacity-source-factory';
import { DynamoDbCapacityMeasurements } from '../adapters/dynamodb-capacity-measurements';
import { DynamoDbImprovementRepository } from '../adapters/dynamodb-improvement-repository';
import { DynamoDbCatalogueRepository } from '../../catalogue/adapters';
import { createHttpHandler } from '../../../kernel/http/http-router';
import { REPORT_ROUTES, type ReportsHttpDeps } from '../http/routes';
import { createClock, createObservability, loadClientSettings, readEnvironment } from '../../../platform/runtime-environment';
import { REPORTS_ENVIRONMENT } from './environment';
import { requestScopedAuditLog } from '../../../platform/request-context';

/**
 * The report routes (function group `reports`): read the aggregates kept in the incidents' write
 * path; the service report adds the SLA compliance of every service and the ongoing impact of the
 * open known errors (Queries on the problems table). Also the monitoring events list and trends,
 * read from the events table (records and counters kept by event ingestion). It records capacity
 * measurements (reports merge them with the CloudWatch metrics actions name) and keeps the
 * continual improvement register (the catalogue table's CAPACITY# and IMPROVEMENT# items),
 * auditing each change, and appends the audit records of the requests it refuses.
 */
const env = readEnvironment(REPORTS_ENVIRONMENT);
const observability = createObservability('reports');
const settings = loadClientSettings();
const clock = createClock();
const documents = createDocumentClient(observability.tracer.captureAWSv3Client(new DynamoDBClient({})));
const incidentsTable = env.incidentsTable;
const slaPolicy = slaPolicyOf(settings);
const incidents = new DynamoDbIncidentRepository(documents, incidentsTable);
const changes = new DynamoDbChangeRepository(documents, env.changesTable);
const eventDeps = { reader: new DynamoDbEventReader(documents, env.eventsTable) };
const aggregates = new DynamoDbReportAggregates(documents, incidentsTable);
const deps = {
  aggregates,
  clock,
  knownErrors: new DynamoDbKnownErrorImpactReader(documents, env.problemsTable),
  slaReport: (caller: Parameters<typeof slaReport>[1], period: { from: string; to: string }, readDays?: Parameters<typeof slaReport>[3]) =>
    slaReport({ incidents, aggregates, clock, policy: slaPolicy }, caller, period, readDays),
  requestsChanges: (caller: Parameters<typeof slaReport>[1], period: { from: string; to: string }) => requestsChangesReport({ changes }, caller, period),
  eventTrends: (caller: Parameters<typeof slaReport>[1], query: { bucket: 'day'; from: string; to: string }) => eventTrends(eventDeps, caller, query),
};
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
const httpDeps: ReportsHttpDeps = { reports: deps, events: eventDeps, capacity: capacityDeps, improvements: improvementDeps };

/** The routes this function serves, declared in ../http/routes.ts. */
export const routes = REPORT_ROUTES;

export const handler = createHttpHandler(routes, httpDeps, observability, { audit });
