import type * as z from 'zod';
import {
  commentBodySchema,
  confirmBodySchema,
  createIncidentBodySchema,
  escalateBodySchema,
  incidentPageSchema,
  incidentSchema,
  listIncidentsQuerySchema,
  rejectBodySchema,
  timelineEntrySchema,
  timelinePageSchema,
  timelineQuerySchema,
  updateIncidentBodySchema,
} from './incident-schemas';
import { acknowledgeBodySchema, incidentSlaSchema, slaReportQuerySchema, slaReportSchema } from './sla-schemas';
import { availabilityQuerySchema, availabilityReportSchema, serviceReportQuerySchema, serviceReportSchema } from './report-schemas';
import { auditPageSchema, auditVerificationSchema, listAuditQuerySchema, verifyAuditQuerySchema } from './audit-schemas';
import {
  ciPageSchema,
  ciSchema,
  createCiBodySchema,
  createServiceBodySchema,
  listCisQuerySchema,
  listServicesQuerySchema,
  pageQuerySchema,
  retireServiceBodySchema,
  serviceCisPageSchema,
  servicePageSchema,
  serviceSchema,
  sharedPlatformPageSchema,
  softwareInventoryPageSchema,
  softwareQuerySchema,
  updateCiBodySchema,
  updateServiceBodySchema,
} from './catalogue-schemas';

/**
 * Every route of the REST API: which function group serves it, whether it needs a token, and its
 * schemas. The stack creates API Gateway methods from this list, the OpenAPI description is
 * generated from it, and a test checks each handler serves exactly its group's routes.
 */
export type FunctionGroup = 'incidents' | 'audit' | 'catalogue' | 'meta' | 'reports';

export interface ApiRoute {
  readonly method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  /** API Gateway resource path, with {param} placeholders. */
  readonly path: string;
  readonly group: FunctionGroup;
  /** `none` only for health and the API description. */
  readonly auth: 'token' | 'none';
  readonly summary: string;
  readonly operationId: string;
  readonly body?: z.ZodType;
  readonly query?: z.ZodType;
  readonly response?: { readonly status: number; readonly schema?: z.ZodType; readonly description: string };
  /** Problem statuses the route may answer besides 400/401/403/500. */
  readonly problems?: readonly number[];
}

export const API_ROUTES: readonly ApiRoute[] = [
  {
    method: 'GET', path: '/health', group: 'meta', auth: 'none', operationId: 'getHealth',
    summary: 'Liveness check', response: { status: 200, description: 'The API is up' },
  },
  {
    method: 'GET', path: '/openapi.json', group: 'meta', auth: 'none', operationId: 'getApiDescription',
    summary: 'This OpenAPI 3.1 description', response: { status: 200, description: 'OpenAPI document' },
  },
  {
    method: 'POST', path: '/incidents', group: 'incidents', auth: 'token', operationId: 'createIncident',
    summary: 'Log an incident', body: createIncidentBodySchema,
    response: { status: 201, schema: incidentSchema, description: 'Created; Location and ETag headers set' },
    problems: [415],
  },
  {
    method: 'GET', path: '/incidents', group: 'incidents', auth: 'token', operationId: 'listIncidents',
    summary: 'List incidents by state, priority or service, newest first (by state: priority then age)',
    query: listIncidentsQuerySchema, response: { status: 200, schema: incidentPageSchema, description: 'One page' },
  },
  {
    method: 'GET', path: '/incidents/{id}', group: 'incidents', auth: 'token', operationId: 'getIncident',
    summary: 'Read an incident by id or number', response: { status: 200, schema: incidentSchema, description: 'The incident; ETag header set' },
    problems: [404],
  },
  {
    method: 'PATCH', path: '/incidents/{id}', group: 'incidents', auth: 'token', operationId: 'updateIncident',
    summary: 'Change fields or state (If-Match required)', body: updateIncidentBodySchema,
    response: { status: 200, schema: incidentSchema, description: 'The changed incident; new ETag' },
    problems: [404, 409, 412, 415, 428],
  },
  {
    method: 'POST', path: '/incidents/{id}/confirm', group: 'incidents', auth: 'token', operationId: 'confirmIncidentResolution',
    summary: "The reporter confirms the fix: the incident closes (If-Match required)", body: confirmBodySchema,
    response: { status: 200, schema: incidentSchema, description: 'The closed incident' }, problems: [404, 409, 412, 428],
  },
  {
    method: 'POST', path: '/incidents/{id}/reject', group: 'incidents', auth: 'token', operationId: 'rejectIncidentResolution',
    summary: 'The reporter rejects the fix: the incident reopens, counted (If-Match required)', body: rejectBodySchema,
    response: { status: 200, schema: incidentSchema, description: 'The reopened incident' }, problems: [404, 409, 412, 428],
  },
  {
    method: 'POST', path: '/incidents/{id}/escalate', group: 'incidents', auth: 'token', operationId: 'escalateIncident',
    summary: 'Functional or hierarchical escalation with a reason (If-Match required)', body: escalateBodySchema,
    response: { status: 200, schema: incidentSchema, description: 'The escalated incident' }, problems: [404, 409, 412, 428],
  },
  {
    method: 'POST', path: '/incidents/{id}/comments', group: 'incidents', auth: 'token', operationId: 'addIncidentComment',
    summary: 'Add a comment (visible to the reporter) or a work note (internal)', body: commentBodySchema,
    response: { status: 201, schema: timelineEntrySchema, description: 'The timeline entry' }, problems: [404],
  },
  {
    method: 'GET', path: '/incidents/{id}/timeline', group: 'incidents', auth: 'token', operationId: 'getIncidentTimeline',
    summary: 'The timeline, oldest first; requesters see public entries only', query: timelineQuerySchema,
    response: { status: 200, schema: timelinePageSchema, description: 'One page' }, problems: [404],
  },
  {
    method: 'POST', path: '/incidents/{id}/acknowledge', group: 'incidents', auth: 'token', operationId: 'acknowledgeIncident',
    summary: 'The desk takes the incident on: achieves the acknowledge target (idempotent; no If-Match)', body: acknowledgeBodySchema,
    response: { status: 200, schema: incidentSchema, description: 'The incident' }, problems: [404],
  },
  {
    method: 'GET', path: '/incidents/{id}/sla', group: 'incidents', auth: 'token', operationId: 'getIncidentSla',
    summary: "The incident's acknowledge, respond and resolve clocks",
    response: { status: 200, schema: incidentSlaSchema, description: 'Each target: start, due, elapsed, paused, state' }, problems: [404],
  },
  {
    method: 'GET', path: '/reports/sla', group: 'incidents', auth: 'token', operationId: 'getSlaReport',
    summary: 'SLA compliance per priority of the incidents logged in a period', query: slaReportQuerySchema,
    response: { status: 200, schema: slaReportSchema, description: 'Per priority: achieved shares, median and 90th percentile times' },
  },
  // Reports from the aggregates kept in the write path (function group `reports`); JSON, or CSV with Accept: text/csv.
  {
    method: 'GET', path: '/reports/availability', group: 'reports', auth: 'token', operationId: 'getAvailabilityReport',
    summary: 'Availability of a service over a period: outages, availability %, outage and user outage minutes, failures, MTBF, MTRS, MTTA',
    query: availabilityQuerySchema, response: { status: 200, schema: availabilityReportSchema, description: 'The report (text/csv on request)' },
  },
  {
    method: 'GET', path: '/reports/service', group: 'reports', auth: 'token', operationId: 'getServiceReport',
    summary: 'Incident volume by priority, category, source and service; backlog age; reopen rate; MTTA; SLA compliance',
    query: serviceReportQuerySchema, response: { status: 200, schema: serviceReportSchema, description: 'The report (text/csv on request)' },
  },
  {
    method: 'GET', path: '/audit', group: 'audit', auth: 'token', operationId: 'listAuditRecords',
    summary: 'Audit records by resource, actor and time, oldest first (auditors only)', query: listAuditQuerySchema,
    response: { status: 200, schema: auditPageSchema, description: 'One page' },
  },
  {
    method: 'GET', path: '/audit/verify', group: 'audit', auth: 'token', operationId: 'verifyAuditTrail',
    summary: 'Whether the audit chain is intact over a time range, and where it first breaks (auditors only)', query: verifyAuditQuerySchema,
    response: { status: 200, schema: auditVerificationSchema, description: 'The verification result' },
  },
  // The service catalogue and configuration items (function group `catalogue`).
  {
    method: 'POST', path: '/services', group: 'catalogue', auth: 'token', operationId: 'createService',
    summary: 'Add a service to the catalogue (admins; service owners for services they own)', body: createServiceBodySchema,
    response: { status: 201, schema: serviceSchema, description: 'Created; Location and ETag headers set' }, problems: [409, 415],
  },
  {
    method: 'GET', path: '/services', group: 'catalogue', auth: 'token', operationId: 'listServices',
    summary: 'List services by status or owner (owner=me), by name', query: listServicesQuerySchema,
    response: { status: 200, schema: servicePageSchema, description: 'One page' },
  },
  {
    method: 'GET', path: '/services/{id}', group: 'catalogue', auth: 'token', operationId: 'getService',
    summary: 'Read a service; requesters see id, name and status', response: { status: 200, schema: serviceSchema, description: 'The service; ETag header set' },
    problems: [404],
  },
  {
    method: 'PATCH', path: '/services/{id}', group: 'catalogue', auth: 'token', operationId: 'updateService',
    summary: 'Change a service (its owner or an admin; If-Match required)', body: updateServiceBodySchema,
    response: { status: 200, schema: serviceSchema, description: 'The changed service; new ETag' }, problems: [404, 409, 412, 415, 428],
  },
  {
    method: 'POST', path: '/services/{id}/retire', group: 'catalogue', auth: 'token', operationId: 'retireService',
    summary: 'Retire a service: kept for the incidents that name it, new incidents refused (If-Match required)', body: retireServiceBodySchema,
    response: { status: 200, schema: serviceSchema, description: 'The retired service' }, problems: [404, 409, 412, 428],
  },
  {
    method: 'GET', path: '/services/{id}/cis', group: 'catalogue', auth: 'token', operationId: 'listServiceCis',
    summary: 'The configuration items a service uses, each with its dependencies', query: pageQuerySchema,
    response: { status: 200, schema: serviceCisPageSchema, description: 'One page' }, problems: [404],
  },
  {
    method: 'POST', path: '/cis', group: 'catalogue', auth: 'token', operationId: 'createConfigurationItem',
    summary: 'Add a configuration item (admins); secrets only as references', body: createCiBodySchema,
    response: { status: 201, schema: ciSchema, description: 'Created; Location and ETag headers set' }, problems: [415],
  },
  {
    method: 'GET', path: '/cis', group: 'catalogue', auth: 'token', operationId: 'listConfigurationItems',
    summary: 'Every configuration item of a type, by name', query: listCisQuerySchema,
    response: { status: 200, schema: ciPageSchema, description: 'One page' },
  },
  {
    method: 'GET', path: '/cis/{id}', group: 'catalogue', auth: 'token', operationId: 'getConfigurationItem',
    summary: 'Read a configuration item', response: { status: 200, schema: ciSchema, description: 'The CI; ETag header set' }, problems: [404],
  },
  {
    method: 'PATCH', path: '/cis/{id}', group: 'catalogue', auth: 'token', operationId: 'updateConfigurationItem',
    summary: 'Change a configuration item (admins; If-Match required); the previous version is kept', body: updateCiBodySchema,
    response: { status: 200, schema: ciSchema, description: 'The changed CI; new ETag' }, problems: [404, 412, 415, 428],
  },
  {
    method: 'GET', path: '/cis/{id}/history', group: 'catalogue', auth: 'token', operationId: 'getConfigurationItemHistory',
    summary: 'Every version of a configuration item, newest first', query: pageQuerySchema,
    response: { status: 200, schema: ciPageSchema, description: 'One page' }, problems: [404],
  },
  {
    method: 'GET', path: '/catalogue/shared-platforms', group: 'catalogue', auth: 'token', operationId: 'listSharedPlatforms',
    summary: 'Configuration items used by more than one service, most shared first', query: pageQuerySchema,
    response: { status: 200, schema: sharedPlatformPageSchema, description: 'One page' },
  },
  {
    method: 'GET', path: '/catalogue/software', group: 'catalogue', auth: 'token', operationId: 'listSoftwareInventory',
    summary: 'Which CIs, and so which services, run a software name at a version prefix (e.g. openssl 3.0.x)', query: softwareQuerySchema,
    response: { status: 200, schema: softwareInventoryPageSchema, description: 'One page' },
  },
];

export const routeKey = (route: Pick<ApiRoute, 'method' | 'path'>) => `${route.method} ${route.path}`;
