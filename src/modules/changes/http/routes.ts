import {
  calendarQuerySchema,
  calendarSchema,
  changeIdSchema,
  changePageSchema,
  changeSchema,
  createChangeBodySchema,
  createRequestBodySchema,
  listChangesQuerySchema,
  listRequestsQuerySchema,
  milestonePageSchema,
  milestonesQuerySchema,
  requestCommentBodySchema,
  requestIdSchema,
  requestPageSchema,
  requestsChangesQuerySchema,
  requestsChangesReportSchema,
  requestSchema,
  transferRequestBodySchema,
  updateChangeBodySchema,
  updateRequestBodySchema,
  voteBodySchema,
} from '../schemas/change-schemas';
import {
  changeCalendar,
  type ChangeUpdate,
  createChange,
  getChange,
  listChanges,
  serviceMilestones,
  updateChange,
  voteOnChange,
} from '../app/change-use-cases';
import {
  commentOnRequest,
  getRequest,
  listRequests,
  type RequestDeps,
  requestsChangesReport,
  submitRequest,
  transfer,
  updateRequest,
} from '../app/request-use-cases';
import type { ChangeInput } from '../domain/change';
import { basePath } from '../../../kernel/http/http-router';
import { ifMatchVersion, parseJsonBody, parseQuery, validate } from '../../../kernel/http/http-request';
import { reportRepresentation, representation } from '../../../kernel/http/representation';
import { defineRoutes } from '../../../kernel/http/route-declaration';

/**
 * The changes function's routes: changes and service requests (a request may raise a change),
 * and the requests-and-changes report.
 *
 * One declaration per route: what API Gateway deploys and the OpenAPI document describes, and the
 * `handle` answering it with the module's deps (built by the Lambda entry file in ../functions).
 * Adding a route: declare it here, write its use case in ../app, test both.
 */

const requestId = (params: Record<string, string | undefined> | null) => validate(requestIdSchema, params?.['id'], 'id');
const changeId = (params: Record<string, string | undefined> | null) => validate(changeIdSchema, params?.['id'], 'id');

export const CHANGE_ROUTES = defineRoutes<RequestDeps>('changes', [
  // Change management (function group `changes`).
  {
    method: 'POST', path: '/changes', auth: 'token', operationId: 'createChange',
    summary: 'Raise a standard, normal or emergency change (a Draft) with its plans and risk', body: createChangeBodySchema,
    response: { status: 201, schema: changeSchema, description: 'Created; Location and ETag headers set' }, problems: [415],
    handle: async ({ event, caller }, deps) => {
      const change = await createChange(deps, caller, parseJsonBody(event, createChangeBodySchema));
      return representation(change, 201, { Location: `${basePath(event)}/changes/${change.id}` });
    },
  },
  {
    method: 'GET', path: '/changes', auth: 'token', operationId: 'listChanges',
    summary: 'Changes in a state, most recently changed first', query: listChangesQuerySchema,
    response: { status: 200, schema: changePageSchema, description: 'One page' },
    handle: async ({ event, caller }, deps) => ({ status: 200, body: await listChanges(deps, caller, parseQuery(event, listChangesQuerySchema)) }),
  },
  {
    method: 'GET', path: '/changes/calendar', auth: 'token', operationId: 'getChangeCalendar',
    summary: "Scheduled changes starting in [from, to), by planned start, with the client's freeze windows", query: calendarQuerySchema,
    response: { status: 200, schema: calendarSchema, description: 'One page, and the freeze windows in the range' },
    handle: async ({ event, caller }, deps) => ({
      status: 200,
      body: await changeCalendar(deps, caller, parseQuery(event, calendarQuerySchema)),
    }),
  },
  {
    method: 'GET', path: '/changes/milestones', auth: 'token', operationId: 'listGoLiveMilestones',
    summary: "A service's go-live milestones (implemented changes), newest first", query: milestonesQuerySchema,
    response: { status: 200, schema: milestonePageSchema, description: 'One page' },
    handle: async ({ event, caller }, deps) => ({
      status: 200,
      body: await serviceMilestones(deps, caller, parseQuery(event, milestonesQuerySchema)),
    }),
  },
  {
    method: 'GET', path: '/changes/{id}', auth: 'token', operationId: 'getChange',
    summary: 'Read a change with its risk, approvals, votes and history', response: { status: 200, schema: changeSchema, description: 'The change; ETag header set' },
    problems: [404],
    handle: async ({ event, caller }, deps) => representation(await getChange(deps, caller, changeId(event.pathParameters)), 200),
  },
  {
    method: 'PATCH', path: '/changes/{id}', auth: 'token', operationId: 'updateChange',
    summary: 'Edit a draft or move the change on (If-Match required)', body: updateChangeBodySchema,
    response: { status: 200, schema: changeSchema, description: 'The changed change; new ETag' }, problems: [404, 409, 412, 415, 428],
    handle: async ({ event, caller }, deps) => {
      const id = changeId(event.pathParameters);
      const update = parseJsonBody(event, updateChangeBodySchema) as ChangeUpdate;
      return representation(await updateChange(deps, caller, id, update, ifMatchVersion(event)), 200);
    },
  },
  {
    method: 'POST', path: '/changes/{id}/approvals', auth: 'token', operationId: 'voteOnChange',
    summary: 'Approve or reject an assessed change (one vote each; never on your own change)', body: voteBodySchema,
    response: { status: 200, schema: changeSchema, description: 'The change, Approved or Rejected once the votes decide' }, problems: [404, 409, 415],
    handle: async ({ event, caller }, deps) => {
      const id = changeId(event.pathParameters);
      return representation(await voteOnChange(deps, caller, id, parseJsonBody(event, voteBodySchema)), 200);
    },
  },
  // Service requests (served by the changes function: a request may raise a change).
  {
    method: 'POST', path: '/requests', auth: 'token', operationId: 'submitRequest',
    summary: 'Submit a service request (standard delivery, information, access, feedback) on a service', body: createRequestBodySchema,
    response: { status: 201, schema: requestSchema, description: 'Created; Location and ETag headers set' }, problems: [415, 429],
    handle: async ({ event, caller }, deps) => {
      const request = await submitRequest(deps, caller, parseJsonBody(event, createRequestBodySchema));
      return representation(request, 201, { Location: `${basePath(event)}/requests/${request.id}` });
    },
  },
  {
    method: 'GET', path: '/requests', auth: 'token', operationId: 'listRequests',
    summary: 'Requests in a state, most recently changed first (the desk)', query: listRequestsQuerySchema,
    response: { status: 200, schema: requestPageSchema, description: 'One page' },
    handle: async ({ event, caller }, deps) => ({ status: 200, body: await listRequests(deps, caller, parseQuery(event, listRequestsQuerySchema)) }),
  },
  {
    method: 'GET', path: '/requests/{id}', auth: 'token', operationId: 'getRequest',
    summary: 'Read a request (requesters: their own)', response: { status: 200, schema: requestSchema, description: 'The request; ETag header set' }, problems: [404],
    handle: async ({ event, caller }, deps) => representation(await getRequest(deps, caller, requestId(event.pathParameters)), 200),
  },
  {
    method: 'PATCH', path: '/requests/{id}', auth: 'token', operationId: 'updateRequest',
    summary: 'Approve, reject, fulfil, close or assign a request (If-Match required)', body: updateRequestBodySchema,
    response: { status: 200, schema: requestSchema, description: 'The request; new ETag' }, problems: [404, 409, 412, 415, 428],
    handle: async ({ event, caller }, deps) => {
      const id = requestId(event.pathParameters);
      return representation(await updateRequest(deps, caller, id, parseJsonBody(event, updateRequestBodySchema), ifMatchVersion(event)), 200);
    },
  },
  {
    method: 'POST', path: '/requests/{id}/comments', auth: 'token', operationId: 'commentOnRequest',
    summary: 'Add a comment to a request', body: requestCommentBodySchema,
    response: { status: 200, schema: requestSchema, description: 'The request; new ETag' }, problems: [404, 415],
    handle: async ({ event, caller }, deps) => {
      const id = requestId(event.pathParameters);
      return representation(await commentOnRequest(deps, caller, id, parseJsonBody(event, requestCommentBodySchema).text), 200);
    },
  },
  {
    method: 'POST', path: '/requests/{id}/transfer', auth: 'token', operationId: 'transferRequest',
    summary: 'Close the request as an incident, or raise a linked change (If-Match required)', body: transferRequestBodySchema,
    response: { status: 200, schema: requestSchema, description: 'The closed request, with transferredTo' }, problems: [404, 409, 412, 415, 428],
    handle: async ({ event, caller }, deps) => {
      const id = requestId(event.pathParameters);
      const body = parseJsonBody(event, transferRequestBodySchema);
      const target = body.to === 'incident' ? body : { to: 'change' as const, change: body.change as ChangeInput };
      const { request, change } = await transfer(deps, caller, id, target, ifMatchVersion(event));
      return representation(request, 200, change ? { Link: `<${basePath(event)}/changes/${change}>; rel="related"` } : {});
    },
  },
  {
    method: 'GET', path: '/reports/requests-changes', auth: 'token', operationId: 'getRequestsChangesReport',
    summary: 'Requests and changes raised in [from, to) and their ratio, by service and by month', query: requestsChangesQuerySchema,
    response: { status: 200, schema: requestsChangesReportSchema, description: 'Totals, per service and per month (text/csv on request)' },
    handle: async ({ event, caller }, deps) => reportRepresentation(event, await requestsChangesReport(deps, caller, parseQuery(event, requestsChangesQuerySchema))),
  },
]);
