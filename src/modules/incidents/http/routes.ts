import {
  commentBodySchema,
  confirmBodySchema,
  createIncidentBodySchema,
  escalateBodySchema,
  flagSecurityBodySchema,
  incidentIdSchema,
  incidentPageSchema,
  incidentSchema,
  listIncidentsQuerySchema,
  rejectBodySchema,
  requestToIncidentBodySchema,
  timelineEntrySchema,
  timelinePageSchema,
  timelineQuerySchema,
  updateIncidentBodySchema,
} from '../schemas/incident-schemas';
import { acknowledgeBodySchema, incidentSlaSchema, slaReportQuerySchema, slaReportSchema } from '../schemas/sla-schemas';
import { suggestionsSchema } from '../../problems/schemas';
import { requestIdSchema, requestToIncidentSchema } from '../../changes/schemas';
import { createHash } from 'node:crypto';
import type { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import {
  acknowledge,
  addTimelineEntry,
  confirmIncidentResolution,
  createIncident,
  createIncidentOnce,
  escalate,
  flagSecurity,
  getIncident,
  getIncidentSla,
  getIncidentSuggestions,
  getTimeline,
  type IncidentDeps,
  type IncidentView,
  listIncidents,
  rejectIncidentResolution,
  updateIncident,
} from '../app/incident-use-cases';
import { logIncidentFromRequest } from '../app/request-transfer-use-cases';
import { slaReport } from '../app/sla-use-cases';
import type { ReportAggregates } from '../app/ports';
import type { SlaPolicy } from '../domain/incident-sla';
import type { KnowledgeSearch } from '../../problems/app';
import type { RequestRepository } from '../../changes/app';
import { basePath } from '../../../kernel/http/http-router';
import { header, ifMatchVersion, parseJsonBody, parseQuery, validate } from '../../../kernel/http/http-request';
import { idempotencyMarkerFor, keyInProgressProblem, keyReusedProblem } from '../../../kernel/http/idempotency-key';
import { representation } from '../../../kernel/http/representation';
import { defineRoutes } from '../../../kernel/http/route-declaration';

/**
 * The incidents function's routes: incidents, their SLA clocks and suggestions, the SLA report,
 * and logging the incident a service request turned out to be.
 *
 * One declaration per route: what API Gateway deploys and the OpenAPI document describes, and the
 * `handle` answering it with the module's deps (built by the Lambda entry file in ../functions).
 * Adding a route: declare it here, write its use case in ../app, test both.
 */

/** What the incidents function's routes need, built once by functions/incidents-handler.ts. */
export interface IncidentHttpDeps extends IncidentDeps {
  /** Requests transferred to incidents: GetItem and a version-conditioned Put of request items only. */
  readonly requests: RequestRepository;
  /** Suggestions: known errors and articles from the problems table. */
  readonly knowledge: KnowledgeSearch;
  readonly slaPolicy: SlaPolicy;
  /** The report aggregates GET /reports/sla reads (the every-service SLA counters). */
  readonly reportAggregates: Pick<ReportAggregates, 'dayCounters'>;
  readonly metrics: Pick<Metrics, 'addMetric'>;
  readonly logger: Pick<Logger, 'warn'>;
}

/** The same UUID-shaped id for every attempt at transferring one request. */
const incidentIdForRequest = (requestId: string) => {
  const hex = createHash('sha256').update(`service-request-incident:${requestId}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
};

function countOpened(deps: Pick<IncidentHttpDeps, 'metrics'>, incident: IncidentView): void {
  for (const name of ['IncidentsOpened', `IncidentsOpened_${incident.priority}`, `IncidentsOpened_${incident.channel}`]) {
    deps.metrics.addMetric(name, MetricUnit.Count, 1);
  }
}

const pathId = (params: Record<string, string | undefined> | null) => validate(incidentIdSchema, params?.['id'], 'id');

export const INCIDENT_ROUTES = defineRoutes<IncidentHttpDeps>('incidents', [
  {
    method: 'POST', path: '/incidents', auth: 'token', operationId: 'createIncident',
    summary: 'Log an incident (Idempotency-Key honoured in the same transaction as the incident)', body: createIncidentBodySchema,
    response: { status: 201, schema: incidentSchema, description: 'Created; Location and ETag headers set' },
    problems: [409, 415, 422, 429],
    // Idempotency-Key is honoured by a marker in the incident's own transaction, not by the router's guard.
    idempotency: 'in-transaction',
    // Suggestions are not looked up here: GET /incidents/{id}/suggestions answers them (README, "Suggestions").
    handle: async ({ event, caller }, deps) => {
      const body = parseJsonBody(event, createIncidentBodySchema);
      const key = header(event, 'idempotency-key');
      const respond = (incident: IncidentView) => representation(incident, 201, { Location: `${basePath(event)}/incidents/${incident.id}` });
      if (key === undefined) {
        const incident = await createIncident(deps, caller, body);
        countOpened(deps, incident);
        return respond(incident);
      }
      const marker = idempotencyMarkerFor({ key, callerId: caller.id, method: event.httpMethod, path: event.path, body: event.body ?? '' });
      const logged = await createIncidentOnce(deps, caller, body, marker, respond);
      if (logged.kind === 'key-reused') throw keyReusedProblem();
      if (logged.kind === 'in-progress') throw keyInProgressProblem();
      // Counted once: a replay answers the stored response.
      if (logged.kind === 'created') countOpened(deps, logged.incident);
      return logged.response;
    },
  },
  {
    method: 'GET', path: '/incidents', auth: 'token', operationId: 'listIncidents',
    summary: 'List incidents by state, priority or service, newest first (by state: priority then age)',
    query: listIncidentsQuerySchema, response: { status: 200, schema: incidentPageSchema, description: 'One page' },
    handle: async ({ event, caller }, deps) => ({
      status: 200,
      body: await listIncidents(deps, caller, parseQuery(event, listIncidentsQuerySchema)),
    }),
  },
  {
    method: 'GET', path: '/incidents/{id}', auth: 'token', operationId: 'getIncident',
    summary: 'Read an incident by id or number', response: { status: 200, schema: incidentSchema, description: 'The incident; ETag header set' },
    problems: [404],
    handle: async ({ event, caller }, deps) => representation(await getIncident(deps, caller, pathId(event.pathParameters)), 200),
  },
  {
    method: 'PATCH', path: '/incidents/{id}', auth: 'token', operationId: 'updateIncident',
    summary: 'Change fields or state (If-Match required)', body: updateIncidentBodySchema,
    response: { status: 200, schema: incidentSchema, description: 'The changed incident; new ETag' },
    problems: [404, 409, 412, 415, 428],
    handle: async ({ event, caller }, deps) => {
      const id = pathId(event.pathParameters);
      const changes = parseJsonBody(event, updateIncidentBodySchema);
      return representation(await updateIncident(deps, caller, id, changes, ifMatchVersion(event)), 200);
    },
  },
  {
    method: 'POST', path: '/incidents/{id}/confirm', auth: 'token', operationId: 'confirmIncidentResolution',
    summary: "The reporter confirms the fix: the incident closes (If-Match required)", body: confirmBodySchema,
    response: { status: 200, schema: incidentSchema, description: 'The closed incident' }, problems: [404, 409, 412, 428],
    handle: async ({ event, caller }, deps) => {
      const id = pathId(event.pathParameters);
      if (event.body) parseJsonBody(event, confirmBodySchema);
      return representation(await confirmIncidentResolution(deps, caller, id, ifMatchVersion(event)), 200);
    },
  },
  {
    method: 'POST', path: '/incidents/{id}/reject', auth: 'token', operationId: 'rejectIncidentResolution',
    summary: 'The reporter rejects the fix: the incident reopens, counted (If-Match required)', body: rejectBodySchema,
    response: { status: 200, schema: incidentSchema, description: 'The reopened incident' }, problems: [404, 409, 412, 428],
    handle: async ({ event, caller }, deps) => {
      const id = pathId(event.pathParameters);
      const { reason } = parseJsonBody(event, rejectBodySchema);
      return representation(await rejectIncidentResolution(deps, caller, id, reason, ifMatchVersion(event)), 200);
    },
  },
  {
    method: 'POST', path: '/incidents/{id}/escalate', auth: 'token', operationId: 'escalateIncident',
    summary: 'Functional or hierarchical escalation with a reason (If-Match required)', body: escalateBodySchema,
    response: { status: 200, schema: incidentSchema, description: 'The escalated incident' }, problems: [404, 409, 412, 428],
    handle: async ({ event, caller }, deps) => {
      const id = pathId(event.pathParameters);
      const body = parseJsonBody(event, escalateBodySchema);
      return representation(await escalate(deps, caller, id, body, ifMatchVersion(event)), 200);
    },
  },
  {
    method: 'POST', path: '/incidents/{id}/security', auth: 'token', operationId: 'flagSecurityIncident',
    summary: "Flag as a security incident: the client's security contact and the provider's Information Security Manager are told (If-Match required)", body: flagSecurityBodySchema,
    response: { status: 200, schema: incidentSchema, description: 'The incident, now a security incident' }, problems: [404, 409, 412, 428],
    handle: async ({ event, caller }, deps) => {
      const id = pathId(event.pathParameters);
      return representation(await flagSecurity(deps, caller, id, parseJsonBody(event, flagSecurityBodySchema), ifMatchVersion(event)), 200);
    },
  },
  {
    method: 'POST', path: '/incidents/{id}/comments', auth: 'token', operationId: 'addIncidentComment',
    summary: 'Add a comment (visible to the reporter) or a work note (internal)', body: commentBodySchema,
    response: { status: 201, schema: timelineEntrySchema.omit({ id: true }), description: 'The timeline entry (its id is given by GET …/timeline)' }, problems: [404],
    handle: async ({ event, caller }, deps) => {
      const id = pathId(event.pathParameters);
      return { status: 201, body: await addTimelineEntry(deps, caller, id, parseJsonBody(event, commentBodySchema)) };
    },
  },
  {
    method: 'GET', path: '/incidents/{id}/timeline', auth: 'token', operationId: 'getIncidentTimeline',
    summary: 'The timeline, oldest first; requesters see public entries only', query: timelineQuerySchema,
    response: { status: 200, schema: timelinePageSchema, description: 'One page' }, problems: [404],
    handle: async ({ event, caller }, deps) => ({
      status: 200,
      body: await getTimeline(deps, caller, pathId(event.pathParameters), parseQuery(event, timelineQuerySchema)),
    }),
  },
  {
    method: 'POST', path: '/incidents/{id}/acknowledge', auth: 'token', operationId: 'acknowledgeIncident',
    summary: 'The desk takes the incident on: achieves the acknowledge target (idempotent; no If-Match)', body: acknowledgeBodySchema,
    response: { status: 200, schema: incidentSchema, description: 'The incident' }, problems: [404],
    handle: async ({ event, caller }, deps) => {
      const id = pathId(event.pathParameters);
      if (event.body) parseJsonBody(event, acknowledgeBodySchema);
      return representation(await acknowledge(deps, caller, id), 200);
    },
  },
  {
    method: 'GET', path: '/incidents/{id}/sla', auth: 'token', operationId: 'getIncidentSla',
    summary: "The incident's acknowledge, respond and resolve clocks",
    response: { status: 200, schema: incidentSlaSchema, description: 'Each target: start, due, elapsed, paused, state' }, problems: [404],
    handle: async ({ event, caller }, deps) => ({
      status: 200,
      body: await getIncidentSla(deps, caller, pathId(event.pathParameters), deps.slaPolicy),
    }),
  },
  {
    method: 'GET', path: '/incidents/{id}/suggestions', auth: 'token', operationId: 'getIncidentSuggestions',
    summary: "Known errors (with workarounds) and published knowledge articles matching the incident's service, category and words",
    response: { status: 200, schema: suggestionsSchema, description: 'Best matches first; requesters get articles only' }, problems: [404],
    handle: async ({ event, caller }, deps) => ({
      status: 200,
      body: await getIncidentSuggestions(deps, deps.knowledge, caller, pathId(event.pathParameters)),
    }),
  },
  {
    method: 'GET', path: '/reports/sla', auth: 'token', operationId: 'getSlaReport',
    summary: 'SLA compliance per priority of the incidents logged in a period', query: slaReportQuerySchema,
    response: { status: 200, schema: slaReportSchema, description: 'Per priority: achieved shares, median and 90th percentile times' },
    handle: async ({ event, caller }, deps) => {
      const { from, to } = parseQuery(event, slaReportQuerySchema);
      return { status: 200, body: await slaReport({ ...deps, policy: deps.slaPolicy, aggregates: deps.reportAggregates }, caller, { from: new Date(from).toISOString(), to: new Date(to).toISOString() }) };
    },
  },
  {
    // Served by the incidents function: logging an incident is its job (number, priority, SLA clocks,
    // notifications); it closes the request with a narrow grant on request items only.
    method: 'POST', path: '/requests/{id}/incident', auth: 'token', operationId: 'logIncidentFromRequest',
    summary: 'Log the incident a request turned out to be (reported by the requester) and close the request as transferred to it (If-Match: the request)',
    body: requestToIncidentBodySchema,
    response: { status: 201, schema: requestToIncidentSchema, description: 'Logged; Location names the incident. A retry finds the incident already logged' }, problems: [404, 409, 412, 415, 428],
    handle: async ({ event, caller }, deps) => {
      const id = validate(requestIdSchema, event.pathParameters?.['id'], 'id');
      const body = parseJsonBody(event, requestToIncidentBodySchema);
      const { request, incident } = await logIncidentFromRequest({ ...deps, incidentIdForRequest }, caller, id, body, ifMatchVersion(event));
      return { status: 201, body: { request, incident }, headers: { Location: `${basePath(event)}/incidents/${incident.id}` } };
    },
  },
]);
