import {
  availabilityQuerySchema,
  availabilityReportSchema,
  capacityMeasurementBodySchema,
  capacityMeasurementSchema,
  capacityQuerySchema,
  capacityReportSchema,
  createImprovementBodySchema,
  improvementIdSchema,
  improvementPageSchema,
  improvementSchema,
  listImprovementsQuerySchema,
  serviceReportQuerySchema,
  serviceReportSchema,
  updateImprovementBodySchema,
} from '../schemas/report-schemas';
import { eventPageSchema, eventTrendsQuerySchema, eventTrendsSchema, listEventsQuerySchema } from '../../monitoring/schemas';
import { availabilityReport, serviceReport, type ReportDeps } from '../app/report-use-cases';
import { eventTrends, listEvents, type EventReadDeps } from '../../monitoring/app';
import { serviceIdSchema } from '../../catalogue/schemas';
import { capacityReport, recordCapacityMeasurement, type CapacityDeps } from '../app/capacity-use-cases';
import { createImprovement, getImprovement, listImprovements, updateImprovement, type ImprovementDeps } from '../app/improvement-use-cases';
import { reportRepresentation } from '../../../kernel/http/representation';
import { basePath, type HttpResult } from '../../../kernel/http/http-router';
import { etagFor, ifMatchVersion, parseJsonBody, parseQuery, validate } from '../../../kernel/http/http-request';
import { defineRoutes } from '../../../kernel/http/route-declaration';

/**
 * The reports function's routes: availability, service and capacity reports, monitoring events
 * (read only) and the continual improvement register.
 *
 * One declaration per route: what API Gateway deploys and the OpenAPI document describes, and the
 * `handle` answering it with the module's deps (built by the Lambda entry file in ../functions).
 * Adding a route: declare it here, write its use case in ../app, test both.
 */

type Params = Record<string, string | undefined> | null;
const improvementId = (params: Params) => validate(improvementIdSchema, params?.['id'], 'id');
const versioned = (record: { readonly version: number }, status: number, extra: Record<string, string> = {}): HttpResult => ({
  status,
  body: record,
  headers: { ETag: etagFor(record.version), ...extra },
});


/** What the reports function's routes need, built once by functions/reports-handler.ts. */
export interface ReportsHttpDeps {
  readonly reports: ReportDeps;
  readonly events: EventReadDeps;
  readonly capacity: CapacityDeps;
  readonly improvements: ImprovementDeps;
}

export const REPORT_ROUTES = defineRoutes<ReportsHttpDeps>('reports', [
  // Reports from the aggregates kept in the write path (function group `reports`); JSON, or CSV with Accept: text/csv.
  {
    method: 'GET', path: '/reports/availability', auth: 'token', operationId: 'getAvailabilityReport',
    summary: 'Availability of a service over a period: outages, availability %, outage and user outage minutes, failures, MTBF, MTRS, MTTA',
    query: availabilityQuerySchema, response: { status: 200, schema: availabilityReportSchema, description: 'The report (text/csv on request)' },
    handle: async ({ event, caller }, deps) =>
      reportRepresentation(event, await availabilityReport(deps.reports, caller, parseQuery(event, availabilityQuerySchema))),
  },
  {
    method: 'GET', path: '/reports/service', auth: 'token', operationId: 'getServiceReport',
    summary: 'Incident volume by priority, category, source and service; backlog age; reopen rate; MTTA; SLA compliance',
    query: serviceReportQuerySchema, response: { status: 200, schema: serviceReportSchema, description: 'The report (text/csv on request)' },
    handle: async ({ event, caller }, deps) =>
      reportRepresentation(event, await serviceReport(deps.reports, caller, parseQuery(event, serviceReportQuerySchema))),
  },
  // Monitoring events as received, and their counts (function group `reports`: read only, like the reports).
  {
    method: 'GET', path: '/events', auth: 'token', operationId: 'listMonitoringEvents',
    summary: 'Monitoring events received (CloudWatch alarms, GuardDuty and Inspector findings) by source, severity and time', query: listEventsQuerySchema,
    response: { status: 200, schema: eventPageSchema, description: 'One page' },
    handle: async ({ event, caller }, deps) => ({
      status: 200,
      body: await listEvents(deps.events, caller, parseQuery(event, listEventsQuerySchema)),
    }),
  },
  {
    method: 'GET', path: '/events/trends', auth: 'token', operationId: 'getMonitoringEventTrends',
    summary: 'Monitoring events received per hour or day, by source and severity', query: eventTrendsQuerySchema,
    response: { status: 200, schema: eventTrendsSchema, description: 'Counts per bucket' },
    handle: async ({ event, caller }, deps) => ({
      status: 200,
      body: await eventTrends(deps.events, caller, parseQuery(event, eventTrendsQuerySchema)),
    }),
  },
  // Capacity and the continual improvement register (function group `reports`).
  {
    method: 'POST', path: '/services/{id}/capacity', auth: 'token', operationId: 'recordCapacityMeasurement',
    summary: "Record a measurement of one of the service's capacity actions (idempotent on action and instant)", body: capacityMeasurementBodySchema,
    response: { status: 201, schema: capacityMeasurementSchema, description: 'Recorded (200: the same measurement was recorded already)' }, problems: [404, 409, 415],
    handle: async ({ event, caller }, deps) => {
      const serviceId = validate(serviceIdSchema, event.pathParameters?.['id'], 'id');
      const { measurement, created } = await recordCapacityMeasurement(deps.capacity, caller, serviceId, parseJsonBody(event, capacityMeasurementBodySchema));
      return { status: created ? 201 : 200, body: measurement };
    },
  },
  {
    method: 'GET', path: '/reports/capacity', auth: 'token', operationId: 'getCapacityReport',
    summary: "Per capacity action of a service: actual vs baseline, peak utilisation, headroom, trend and the date the trend reaches capacity",
    query: capacityQuerySchema, response: { status: 200, schema: capacityReportSchema, description: 'The report (text/csv on request)' },
    handle: async ({ event, caller }, deps) =>
      reportRepresentation(event, await capacityReport(deps.capacity, caller, parseQuery(event, capacityQuerySchema))),
  },
  {
    method: 'POST', path: '/improvements', auth: 'token', operationId: 'createImprovement',
    summary: 'Add an item to the continual improvement register', body: createImprovementBodySchema,
    response: { status: 201, schema: improvementSchema, description: 'Created (proposed); Location and ETag headers set' }, problems: [415],
    handle: async ({ event, caller }, deps) => {
      const item = await createImprovement(deps.improvements, caller, parseJsonBody(event, createImprovementBodySchema));
      return versioned(item, 201, { Location: `${basePath(event)}/improvements/${item.id}` });
    },
  },
  {
    method: 'GET', path: '/improvements', auth: 'token', operationId: 'listImprovements',
    summary: 'Improvement items by status, or all, oldest first', query: listImprovementsQuerySchema,
    response: { status: 200, schema: improvementPageSchema, description: 'One page (without progress)' },
    handle: async ({ event, caller }, deps) => ({
      status: 200,
      body: await listImprovements(deps.improvements, caller, parseQuery(event, listImprovementsQuerySchema)),
    }),
  },
  {
    method: 'GET', path: '/improvements/{id}', auth: 'token', operationId: 'getImprovement',
    summary: 'An improvement item with its progress, computed from the reports', response: { status: 200, schema: improvementSchema, description: 'The item; ETag header set' },
    problems: [404],
    handle: async ({ event, caller }, deps) => versioned(await getImprovement(deps.improvements, caller, improvementId(event.pathParameters)), 200),
  },
  {
    method: 'PATCH', path: '/improvements/{id}', auth: 'token', operationId: 'updateImprovement',
    summary: 'Change an improvement item or its status (If-Match required)', body: updateImprovementBodySchema,
    response: { status: 200, schema: improvementSchema, description: 'The changed item; new ETag' }, problems: [404, 409, 412, 415, 428],
    handle: async ({ event, caller }, deps) => {
      const id = improvementId(event.pathParameters);
      const changes = parseJsonBody(event, updateImprovementBodySchema);
      return versioned(await updateImprovement(deps.improvements, caller, id, changes, ifMatchVersion(event)), 200);
    },
  },
]);
