import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { availabilityReport, serviceReport } from '../app/report-use-cases';
import { eventTrends, listEvents } from '../app/event-use-cases';
import { DynamoDbEventReader } from '../adapters/dynamodb/dynamodb-event-reader';
import { eventTrendsQuerySchema, listEventsQuerySchema } from '../schemas/event-schemas';
import { slaPolicyOf, slaReport } from '../app/sla-use-cases';
import { createDocumentClient } from '../adapters/dynamodb/document-client';
import { DynamoDbAuditTrail } from '../adapters/dynamodb/dynamodb-audit-trail';
import { DynamoDbIncidentRepository } from '../adapters/dynamodb/dynamodb-incident-repository';
import { DynamoDbReportAggregates } from '../adapters/dynamodb/report-aggregates';
import { availabilityQuerySchema, serviceReportQuerySchema } from '../schemas/report-schemas';
import { reportToCsv } from '../schemas/csv';
import { authenticated, createHttpHandler, type HttpResult, type RouteTable } from './http/http-router';
import { header, parseQuery } from './http/http-request';
import { createClock, createObservability, loadClientSettings, requireEnv } from './runtime-environment';
import { requestScopedAuditLog } from './request-context';

/**
 * The report routes (function group `reports`): read the aggregates kept in the incidents' write
 * path; the service report adds the SLA compliance of every service. Also the monitoring events
 * list and trends, read from the events table (records and counters kept by event ingestion).
 * Read only; it appends only the audit records of the requests it refuses.
 */
const observability = createObservability('reports');
const settings = loadClientSettings();
const clock = createClock();
const documents = createDocumentClient(observability.tracer.captureAWSv3Client(new DynamoDBClient({})));
const incidentsTable = requireEnv('INCIDENTS_TABLE_NAME');
const slaPolicy = slaPolicyOf(settings);
const incidents = new DynamoDbIncidentRepository(documents, incidentsTable);
const deps = {
  aggregates: new DynamoDbReportAggregates(documents, incidentsTable),
  clock,
  slaReport: (caller: Parameters<typeof slaReport>[1], period: { from: string; to: string }) => slaReport({ incidents, clock, policy: slaPolicy }, caller, period),
};
const eventDeps = { reader: new DynamoDbEventReader(documents, requireEnv('EVENTS_TABLE_NAME')) };
const audit = requestScopedAuditLog(
  new DynamoDbAuditTrail(documents, requireEnv('AUDIT_TABLE_NAME'), { clock, ids: { newId: () => randomUUID() } }),
  (error, entry) => {
    observability.logger.error('audit record not appended', { error: error as Error, entry });
    observability.metrics.addMetric('AuditWriteFailed', MetricUnit.Count, 1);
  },
);

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
};

export const handler = createHttpHandler(routes, observability, { audit });
