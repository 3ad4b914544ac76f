import type * as z from 'zod';
import {
  commentBodySchema,
  confirmBodySchema,
  createIncidentBodySchema,
  requestToIncidentBodySchema,
  escalateBodySchema,
  incidentPageSchema,
  incidentSchema,
  listIncidentsQuerySchema,
  rejectBodySchema,
  timelineEntrySchema,
  timelinePageSchema,
  timelineQuerySchema,
  updateIncidentBodySchema,
} from '../modules/incidents/schemas/incident-schemas';
import { acknowledgeBodySchema, incidentSlaSchema, slaReportQuerySchema, slaReportSchema } from '../modules/incidents/schemas/sla-schemas';
import {
  availabilityQuerySchema,
  availabilityReportSchema,
  capacityMeasurementBodySchema,
  capacityMeasurementSchema,
  capacityQuerySchema,
  capacityReportSchema,
  createImprovementBodySchema,
  improvementPageSchema,
  improvementSchema,
  listImprovementsQuerySchema,
  serviceReportQuerySchema,
  serviceReportSchema,
  updateImprovementBodySchema,
} from '../modules/reports/schemas/report-schemas';
import { auditPageSchema, auditVerificationSchema, listAuditQuerySchema, verifyAuditQuerySchema } from '../modules/audit/schemas/audit-schemas';
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
} from '../modules/catalogue/schemas/catalogue-schemas';
import {
  analysisBodySchema,
  analysisPageSchema,
  analysisSchema,
  articlePageSchema,
  articleSchema,
  updateArticleBodySchema,
  candidatesQuerySchema,
  candidatesSchema,
  changeLinkPageSchema,
  changeLinkSchema,
  createArticleBodySchema,
  createKnownErrorBodySchema,
  createProblemBodySchema,
  decisionBodySchema,
  incidentLinkPageSchema,
  incidentLinkSchema,
  knownErrorPageSchema,
  knownErrorSchema,
  linkChangeBodySchema,
  linkIncidentBodySchema,
  listKnownErrorsQuerySchema,
  listProblemsQuerySchema,
  pageQuerySchema as problemPageQuerySchema,
  problemLogBodySchema,
  problemLogEntrySchema,
  problemLogPageSchema,
  problemPageSchema,
  problemSchema,
  searchArticlesQuerySchema,
  solutionBodySchema,
  suggestionsSchema,
  updateKnownErrorBodySchema,
  updateProblemBodySchema,
} from '../modules/problems/schemas/problem-schemas';
import {
  calendarQuerySchema,
  calendarSchema,
  changePageSchema,
  changeSchema,
  createChangeBodySchema,
  listChangesQuerySchema,
  milestonePageSchema,
  milestonesQuerySchema,
  updateChangeBodySchema,
  voteBodySchema,
  createRequestBodySchema,
  listRequestsQuerySchema,
  requestCommentBodySchema,
  requestPageSchema,
  requestSchema,
  transferRequestBodySchema,
  requestToIncidentSchema,
  updateRequestBodySchema,
  requestsChangesQuerySchema,
  requestsChangesReportSchema,
} from '../modules/changes/schemas/change-schemas';
import { eventPageSchema, eventTrendsQuerySchema, eventTrendsSchema, listEventsQuerySchema } from '../modules/monitoring/schemas/event-schemas';

/**
 * Every route of the REST API: which function group serves it, whether it needs a token, and its
 * schemas. The stack creates API Gateway methods from this list, the OpenAPI description is
 * generated from it, and a test checks each handler serves exactly its group's routes.
 */
export type FunctionGroup = 'incidents' | 'audit' | 'catalogue' | 'problems' | 'changes' | 'meta' | 'reports';

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
    method: 'GET', path: '/incidents/{id}/suggestions', group: 'incidents', auth: 'token', operationId: 'getIncidentSuggestions',
    summary: "Known errors (with workarounds) and published knowledge articles matching the incident's service, category and words",
    response: { status: 200, schema: suggestionsSchema, description: 'Best matches first; requesters get articles only' }, problems: [404],
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
    summary: 'Read a service; requesters see id, name, status and request types', response: { status: 200, schema: serviceSchema, description: 'The service; ETag header set' },
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
  // Problem management, the known-error database and knowledge (function group `problems`).
  {
    method: 'POST', path: '/problems', group: 'problems', auth: 'token', operationId: 'createProblem',
    summary: 'Record a problem (engineers, service owners)', body: createProblemBodySchema,
    response: { status: 201, schema: problemSchema, description: 'Created; Location and ETag headers set' }, problems: [415],
  },
  {
    method: 'GET', path: '/problems', group: 'problems', auth: 'token', operationId: 'listProblems',
    summary: 'List problems, by state or all, oldest first', query: listProblemsQuerySchema,
    response: { status: 200, schema: problemPageSchema, description: 'One page' },
  },
  {
    method: 'GET', path: '/problems/{id}', group: 'problems', auth: 'token', operationId: 'getProblem',
    summary: 'Read a problem, with its known-error search', response: { status: 200, schema: problemSchema, description: 'The problem; ETag header set' }, problems: [404],
  },
  {
    method: 'PATCH', path: '/problems/{id}', group: 'problems', auth: 'token', operationId: 'updateProblem',
    summary: 'Change fields or state (If-Match required); entering Root Cause Analysis searches the known-error database first and records it',
    body: updateProblemBodySchema, response: { status: 200, schema: problemSchema, description: 'The changed problem; new ETag' }, problems: [404, 409, 412, 415, 428],
  },
  {
    method: 'POST', path: '/problems/{id}/log', group: 'problems', auth: 'token', operationId: 'appendProblemLog',
    summary: "Append a fact, evidence, hypothesis, decision or note to the problem's log", body: problemLogBodySchema,
    response: { status: 201, schema: problemLogEntrySchema, description: 'The log entry' }, problems: [404, 409],
  },
  {
    method: 'GET', path: '/problems/{id}/log', group: 'problems', auth: 'token', operationId: 'getProblemLog',
    summary: "The problem's append-only log, oldest first", query: problemPageQuerySchema,
    response: { status: 200, schema: problemLogPageSchema, description: 'One page' }, problems: [404],
  },
  {
    method: 'POST', path: '/problems/{id}/analyses', group: 'problems', auth: 'token', operationId: 'addRootCauseAnalysis',
    summary: 'Start a structured analysis (5 Whys, Ishikawa or Kepner-Tregoe) once the problem is in Root Cause Analysis', body: analysisBodySchema,
    response: { status: 201, schema: analysisSchema, description: 'Version 1; ETag header set' }, problems: [404, 409],
  },
  {
    method: 'GET', path: '/problems/{id}/analyses', group: 'problems', auth: 'token', operationId: 'listRootCauseAnalyses',
    summary: 'Every version of every analysis of the problem', query: problemPageQuerySchema,
    response: { status: 200, schema: analysisPageSchema, description: 'One page' }, problems: [404],
  },
  {
    method: 'PUT', path: '/problems/{id}/analyses/{analysisId}', group: 'problems', auth: 'token', operationId: 'reviseRootCauseAnalysis',
    summary: 'Store the next version of an analysis (If-Match: the version revised); earlier versions are kept', body: analysisBodySchema,
    response: { status: 200, schema: analysisSchema, description: 'The new version; ETag header set' }, problems: [404, 409, 412, 428],
  },
  {
    method: 'POST', path: '/problems/{id}/incidents', group: 'problems', auth: 'token', operationId: 'linkIncidentToProblem',
    summary: 'Link an incident (id or number) to the problem; linking a linked pair again changes nothing', body: linkIncidentBodySchema,
    response: { status: 201, schema: incidentLinkSchema, description: 'Linked (201), or linked already (200)' }, problems: [404, 409],
  },
  {
    method: 'GET', path: '/problems/{id}/incidents', group: 'problems', auth: 'token', operationId: 'listProblemIncidents',
    summary: 'The incidents linked to the problem', query: problemPageQuerySchema,
    response: { status: 200, schema: incidentLinkPageSchema, description: 'One page' }, problems: [404],
  },
  {
    method: 'DELETE', path: '/problems/{id}/incidents/{incidentId}', group: 'problems', auth: 'token', operationId: 'unlinkIncidentFromProblem',
    summary: 'Remove the link between the problem and an incident', response: { status: 204, description: 'Unlinked' }, problems: [404],
  },
  {
    method: 'GET', path: '/incidents/{id}/problems', group: 'problems', auth: 'token', operationId: 'listIncidentProblems',
    summary: 'The problems an incident is linked to', query: problemPageQuerySchema,
    response: { status: 200, schema: incidentLinkPageSchema, description: 'One page' }, problems: [404],
  },
  {
    method: 'POST', path: '/problems/{id}/changes', group: 'problems', auth: 'token', operationId: 'linkChangeToProblem',
    summary: 'Name a change that fixes the problem (CHG number or change id)', body: linkChangeBodySchema,
    response: { status: 201, schema: changeLinkSchema, description: 'Linked (201), or linked already (200)' }, problems: [404, 409],
  },
  {
    method: 'GET', path: '/problems/{id}/changes', group: 'problems', auth: 'token', operationId: 'listProblemChanges',
    summary: 'The changes named as fixing the problem', query: problemPageQuerySchema,
    response: { status: 200, schema: changeLinkPageSchema, description: 'One page' }, problems: [404],
  },
  {
    method: 'POST', path: '/known-errors', group: 'problems', auth: 'token', operationId: 'createKnownError',
    summary: 'Record a known error: symptoms, root cause, workaround', body: createKnownErrorBodySchema,
    response: { status: 201, schema: knownErrorSchema, description: 'Created; Location and ETag headers set' }, problems: [404, 415],
  },
  {
    method: 'GET', path: '/known-errors', group: 'problems', auth: 'token', operationId: 'listKnownErrors',
    summary: 'Known errors: all, found by words and service (ranked), or review=true: by ongoing impact', query: listKnownErrorsQuerySchema,
    response: { status: 200, schema: knownErrorPageSchema, description: 'One page' },
  },
  {
    method: 'GET', path: '/known-errors/{id}', group: 'problems', auth: 'token', operationId: 'getKnownError',
    summary: 'Read a known error', response: { status: 200, schema: knownErrorSchema, description: 'The known error; ETag header set' }, problems: [404],
  },
  {
    method: 'PATCH', path: '/known-errors/{id}', group: 'problems', auth: 'token', operationId: 'updateKnownError',
    summary: 'Change a known error (If-Match required)', body: updateKnownErrorBodySchema,
    response: { status: 200, schema: knownErrorSchema, description: 'The changed known error; new ETag' }, problems: [404, 412, 415, 428],
  },
  {
    method: 'POST', path: '/known-errors/{id}/solutions', group: 'problems', auth: 'token', operationId: 'proposeKnownErrorSolution',
    summary: 'Add a candidate solution with estimated cost and expected benefit', body: solutionBodySchema,
    response: { status: 201, schema: knownErrorSchema, description: 'The known error with the solution' }, problems: [404, 412],
  },
  {
    method: 'POST', path: '/known-errors/{id}/decision', group: 'problems', auth: 'token', operationId: 'decideKnownError',
    summary: "Error control's decision: raise a change, accept or defer, with a reason (service owners; If-Match required)", body: decisionBodySchema,
    response: { status: 200, schema: knownErrorSchema, description: 'The known error with the decision' }, problems: [404, 412, 428],
  },
  {
    method: 'POST', path: '/knowledge', group: 'problems', auth: 'token', operationId: 'createKnowledgeArticle',
    summary: 'Write a knowledge article (draft or published)', body: createArticleBodySchema,
    response: { status: 201, schema: articleSchema, description: 'Created; Location and ETag headers set' }, problems: [415],
  },
  {
    method: 'GET', path: '/knowledge', group: 'problems', auth: 'token', operationId: 'searchKnowledgeArticles',
    summary: 'Published articles by words, service, category or tag, ranked', query: searchArticlesQuerySchema,
    response: { status: 200, schema: articlePageSchema, description: 'Best matches first' },
  },
  {
    method: 'GET', path: '/knowledge/{id}', group: 'problems', auth: 'token', operationId: 'getKnowledgeArticle',
    summary: 'Read a knowledge article; requesters read published ones only', response: { status: 200, schema: articleSchema, description: 'The article' }, problems: [404],
  },
  {
    method: 'PATCH', path: '/knowledge/{id}', group: 'problems', auth: 'token', operationId: 'updateKnowledgeArticle',
    summary: 'Edit, publish, archive or restore a knowledge article (If-Match required); archived articles leave search', body: updateArticleBodySchema,
    response: { status: 200, schema: articleSchema, description: 'The changed article; new ETag' }, problems: [404, 409, 412, 415, 428],
  },
  {
    method: 'GET', path: '/problems/candidates', group: 'problems', auth: 'token', operationId: 'listProblemCandidates',
    summary: 'Problems proposed from trends (service, category, alarm at or above a threshold within a window, not yet linked) and likely duplicate incidents',
    query: candidatesQuerySchema,
    response: { status: 200, schema: candidatesSchema, description: 'Candidates, most incidents first; duplicate pairs, most similar first' },
  },
  // Change management (function group `changes`).
  {
    method: 'POST', path: '/changes', group: 'changes', auth: 'token', operationId: 'createChange',
    summary: 'Raise a standard, normal or emergency change (a Draft) with its plans and risk', body: createChangeBodySchema,
    response: { status: 201, schema: changeSchema, description: 'Created; Location and ETag headers set' }, problems: [415],
  },
  {
    method: 'GET', path: '/changes', group: 'changes', auth: 'token', operationId: 'listChanges',
    summary: 'Changes in a state, most recently changed first', query: listChangesQuerySchema,
    response: { status: 200, schema: changePageSchema, description: 'One page' },
  },
  {
    method: 'GET', path: '/changes/calendar', group: 'changes', auth: 'token', operationId: 'getChangeCalendar',
    summary: "Scheduled changes starting in [from, to), by planned start, with the client's freeze windows", query: calendarQuerySchema,
    response: { status: 200, schema: calendarSchema, description: 'One page, and the freeze windows in the range' },
  },
  {
    method: 'GET', path: '/changes/milestones', group: 'changes', auth: 'token', operationId: 'listGoLiveMilestones',
    summary: "A service's go-live milestones (implemented changes), newest first", query: milestonesQuerySchema,
    response: { status: 200, schema: milestonePageSchema, description: 'One page' },
  },
  {
    method: 'GET', path: '/changes/{id}', group: 'changes', auth: 'token', operationId: 'getChange',
    summary: 'Read a change with its risk, approvals, votes and history', response: { status: 200, schema: changeSchema, description: 'The change; ETag header set' },
    problems: [404],
  },
  {
    method: 'PATCH', path: '/changes/{id}', group: 'changes', auth: 'token', operationId: 'updateChange',
    summary: 'Edit a draft or move the change on (If-Match required)', body: updateChangeBodySchema,
    response: { status: 200, schema: changeSchema, description: 'The changed change; new ETag' }, problems: [404, 409, 412, 415, 428],
  },
  {
    method: 'POST', path: '/changes/{id}/approvals', group: 'changes', auth: 'token', operationId: 'voteOnChange',
    summary: 'Approve or reject an assessed change (one vote each; never on your own change)', body: voteBodySchema,
    response: { status: 200, schema: changeSchema, description: 'The change, Approved or Rejected once the votes decide' }, problems: [404, 409, 415],
  },
  // Service requests (served by the changes function: a request may raise a change).
  {
    method: 'POST', path: '/requests', group: 'changes', auth: 'token', operationId: 'submitRequest',
    summary: 'Submit a service request (standard delivery, information, access, feedback) on a service', body: createRequestBodySchema,
    response: { status: 201, schema: requestSchema, description: 'Created; Location and ETag headers set' }, problems: [415],
  },
  {
    method: 'GET', path: '/requests', group: 'changes', auth: 'token', operationId: 'listRequests',
    summary: 'Requests in a state, most recently changed first (the desk)', query: listRequestsQuerySchema,
    response: { status: 200, schema: requestPageSchema, description: 'One page' },
  },
  {
    method: 'GET', path: '/requests/{id}', group: 'changes', auth: 'token', operationId: 'getRequest',
    summary: 'Read a request (requesters: their own)', response: { status: 200, schema: requestSchema, description: 'The request; ETag header set' }, problems: [404],
  },
  {
    method: 'PATCH', path: '/requests/{id}', group: 'changes', auth: 'token', operationId: 'updateRequest',
    summary: 'Approve, reject, fulfil, close or assign a request (If-Match required)', body: updateRequestBodySchema,
    response: { status: 200, schema: requestSchema, description: 'The request; new ETag' }, problems: [404, 409, 412, 415, 428],
  },
  {
    method: 'POST', path: '/requests/{id}/comments', group: 'changes', auth: 'token', operationId: 'commentOnRequest',
    summary: 'Add a comment to a request', body: requestCommentBodySchema,
    response: { status: 200, schema: requestSchema, description: 'The request; new ETag' }, problems: [404, 415],
  },
  {
    method: 'POST', path: '/requests/{id}/transfer', group: 'changes', auth: 'token', operationId: 'transferRequest',
    summary: 'Close the request as an incident, or raise a linked change (If-Match required)', body: transferRequestBodySchema,
    response: { status: 200, schema: requestSchema, description: 'The closed request, with transferredTo' }, problems: [404, 409, 412, 415, 428],
  },
  {
    // Served by the incidents function: logging an incident is its job (number, priority, SLA clocks,
    // notifications); it closes the request with a narrow grant on request items only.
    method: 'POST', path: '/requests/{id}/incident', group: 'incidents', auth: 'token', operationId: 'logIncidentFromRequest',
    summary: 'Log the incident a request turned out to be (reported by the requester) and close the request as transferred to it (If-Match: the request)',
    body: requestToIncidentBodySchema,
    response: { status: 201, schema: requestToIncidentSchema, description: 'Logged; Location names the incident. A retry finds the incident already logged' }, problems: [404, 409, 412, 415, 428],
  },
  {
    method: 'GET', path: '/reports/requests-changes', group: 'changes', auth: 'token', operationId: 'getRequestsChangesReport',
    summary: 'Requests and changes raised in [from, to) and their ratio, by service and by month', query: requestsChangesQuerySchema,
    response: { status: 200, schema: requestsChangesReportSchema, description: 'Totals, per service and per month' },
  },
  // Monitoring events as received, and their counts (function group `reports`: read only, like the reports).
  {
    method: 'GET', path: '/events', group: 'reports', auth: 'token', operationId: 'listMonitoringEvents',
    summary: 'Monitoring events received (CloudWatch alarms, GuardDuty and Inspector findings) by source, severity and time', query: listEventsQuerySchema,
    response: { status: 200, schema: eventPageSchema, description: 'One page' },
  },
  {
    method: 'GET', path: '/events/trends', group: 'reports', auth: 'token', operationId: 'getMonitoringEventTrends',
    summary: 'Monitoring events received per hour or day, by source and severity', query: eventTrendsQuerySchema,
    response: { status: 200, schema: eventTrendsSchema, description: 'Counts per bucket' },
  },
  // Capacity and the continual improvement register (function group `reports`).
  {
    method: 'POST', path: '/services/{id}/capacity', group: 'reports', auth: 'token', operationId: 'recordCapacityMeasurement',
    summary: "Record a measurement of one of the service's capacity actions (idempotent on action and instant)", body: capacityMeasurementBodySchema,
    response: { status: 201, schema: capacityMeasurementSchema, description: 'Recorded (200: the same measurement was recorded already)' }, problems: [404, 409, 415],
  },
  {
    method: 'GET', path: '/reports/capacity', group: 'reports', auth: 'token', operationId: 'getCapacityReport',
    summary: "Per capacity action of a service: actual vs baseline, peak utilisation, headroom, trend and the date the trend reaches capacity",
    query: capacityQuerySchema, response: { status: 200, schema: capacityReportSchema, description: 'The report (text/csv on request)' },
  },
  {
    method: 'POST', path: '/improvements', group: 'reports', auth: 'token', operationId: 'createImprovement',
    summary: 'Add an item to the continual improvement register', body: createImprovementBodySchema,
    response: { status: 201, schema: improvementSchema, description: 'Created (proposed); Location and ETag headers set' }, problems: [415],
  },
  {
    method: 'GET', path: '/improvements', group: 'reports', auth: 'token', operationId: 'listImprovements',
    summary: 'Improvement items by status, or all, oldest first', query: listImprovementsQuerySchema,
    response: { status: 200, schema: improvementPageSchema, description: 'One page (without progress)' },
  },
  {
    method: 'GET', path: '/improvements/{id}', group: 'reports', auth: 'token', operationId: 'getImprovement',
    summary: 'An improvement item with its progress, computed from the reports', response: { status: 200, schema: improvementSchema, description: 'The item; ETag header set' },
    problems: [404],
  },
  {
    method: 'PATCH', path: '/improvements/{id}', group: 'reports', auth: 'token', operationId: 'updateImprovement',
    summary: 'Change an improvement item or its status (If-Match required)', body: updateImprovementBodySchema,
    response: { status: 200, schema: improvementSchema, description: 'The changed item; new ETag' }, problems: [404, 409, 412, 415, 428],
  },
];

/** The resource server of the client's user pool: scopes read `itsm/<group>.read|write`. */
export const RESOURCE_SERVER_ID = 'itsm';
/** The scope of every person's access token (Cognito user-pool sign-in), whatever the app client. */
export const PEOPLE_SCOPE = 'aws.cognito.signin.user.admin';

/** The scope a machine client needs for a route: reading or writing its function group. */
export const machineScopeOf = (route: Pick<ApiRoute, 'method' | 'group'>) =>
  `${RESOURCE_SERVER_ID}/${route.group}.${route.method === 'GET' ? 'read' : 'write'}`;

/**
 * The OAuth scopes API Gateway requires on a token route: a person's access token, or a machine
 * client's token holding the route's scope. With scopes set, the authorizer accepts access tokens
 * only; roles still decide what each caller may do.
 */
export const requiredScopesOf = (route: ApiRoute): readonly string[] => (route.auth === 'none' ? [] : [machineScopeOf(route), PEOPLE_SCOPE]);

/** What the client stack's integration client may do: log and follow incidents. Other scopes exist for clients added later. */
export const INTEGRATION_SCOPES = ['incidents.read', 'incidents.write'] as const;

/** Every machine scope the API knows, for the resource server. */
export const MACHINE_SCOPES: readonly string[] = [...new Set(API_ROUTES.filter((r) => r.auth === 'token').map((r) => machineScopeOf(r).slice(RESOURCE_SERVER_ID.length + 1)))].sort();

export const routeKey = (route: Pick<ApiRoute, 'method' | 'path'>) => `${route.method} ${route.path}`;
