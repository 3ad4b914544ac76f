import { problem } from '../../../kernel/http/problem-details';
import { header, parseQuery, RequestProblem, validate } from '../../../kernel/http/http-request';
import { defineRoutes } from '../../../kernel/http/route-declaration';
import { listExceptions, receiveEvent, settleExceptionAs, UnsignedEventError, type EventDeps } from '../app';
import { exceptionIdSchema, listExceptionsQuerySchema, serviceNowEventOutcomeSchema, serviceNowEventSchema, syncExceptionPageSchema, syncExceptionSchema } from '../schemas/servicenow-schemas';

/** What the routes need: the exchange's deps, or nothing where the client has no ServiceNow. */
export interface ServiceNowHttpDeps {
  readonly exchange: EventDeps | undefined;
}

const configured = (deps: ServiceNowHttpDeps): EventDeps => {
  if (!deps.exchange) throw new RequestProblem(problem('not-found', 'This client has no ServiceNow integration (integrations.servicenow)'));
  return deps.exchange;
};

/**
 * The ServiceNow exchange's routes (src/modules/servicenow, docs/servicenow.md). The event route
 * takes no token: the client's business rule signs its call with the shared key instead, checked
 * before anything is read.
 */
export const SERVICENOW_ROUTES = defineRoutes<ServiceNowHttpDeps>('servicenow', [
  {
    method: 'POST', path: '/integrations/servicenow/events', auth: 'none', operationId: 'receiveServiceNowEvent',
    summary: "The client's ServiceNow business rule: a record changed there (HMAC-signed, no token)",
    body: serviceNowEventSchema,
    response: { status: 202, schema: serviceNowEventOutcomeSchema, description: 'Taken: the record was read back and applied, or recognised as our own write' },
    problems: [404],
    handle: async ({ event }, deps) => {
      const exchange = configured(deps);
      const raw = event.isBase64Encoded ? Buffer.from(event.body ?? '', 'base64').toString('utf8') : (event.body ?? '');
      try {
        return { status: 202, body: { outcome: await receiveEvent(exchange, { rawBody: raw, signature: header(event, 'X-Rowe-Itsm-Signature') }) } };
      } catch (error) {
        if (!(error instanceof UnsignedEventError)) throw error;
        throw new RequestProblem(problem('unauthorized', error.reason, { errors: [{ field: 'X-Rowe-Itsm-Signature', message: error.reason }] }));
      }
    },
  },
  {
    method: 'GET', path: '/integrations/servicenow/exceptions', auth: 'token', operationId: 'listServiceNowExceptions',
    summary: 'Values the exchange could not keep in step (conflicts, refusals), newest first (the desk)', query: listExceptionsQuerySchema,
    response: { status: 200, schema: syncExceptionPageSchema, description: 'One page' },
    problems: [404],
    handle: async ({ event, caller }, deps) => ({ status: 200, body: await listExceptions(configured(deps), caller, parseQuery(event, listExceptionsQuerySchema)) }),
  },
  {
    method: 'POST', path: '/integrations/servicenow/exceptions/{id}/retry', auth: 'token', operationId: 'retryServiceNowException',
    summary: 'Sends the value that lost or was refused again, and closes the exception (the desk)',
    response: { status: 200, schema: syncExceptionSchema, description: 'The exception, resolved' },
    problems: [404],
    handle: async ({ event, caller }, deps) => ({
      status: 200,
      body: await settleExceptionAs(configured(deps), caller, validate(exceptionIdSchema, event.pathParameters?.['id'], 'id'), 'retry'),
    }),
  },
  {
    method: 'POST', path: '/integrations/servicenow/exceptions/{id}/resolve', auth: 'token', operationId: 'resolveServiceNowException',
    summary: 'Accepts the kept value and closes the exception (the desk)',
    response: { status: 200, schema: syncExceptionSchema, description: 'The exception, resolved' },
    problems: [404],
    handle: async ({ event, caller }, deps) => ({
      status: 200,
      body: await settleExceptionAs(configured(deps), caller, validate(exceptionIdSchema, event.pathParameters?.['id'], 'id'), 'resolve'),
    }),
  },
]);
