import middy from '@middy/core';
import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import type { Tracer } from '@aws-lambda-powertools/tracer';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import type { Caller } from '../domain/access-policy';
import { callerFromEvent } from './caller-from-claims';
import { problem, problemFromError, problemResponse } from './problem-details';
import { header, RequestProblem } from './http-request';
import type { IdempotencyGuard } from './idempotent-requests';
import type { AuditLog } from '../app/ports';
import { withRequestContext } from './request-scope';
import { routeKey, type AuthenticatedRequest, type ModuleRoutes } from './route-declaration';
import { traceHandler } from '../runtime/observability-factory';

export interface HttpRequest {
  readonly event: APIGatewayProxyEvent;
  /** Undefined only on public routes. */
  readonly caller: Caller | undefined;
  readonly requestId: string;
}

export interface HttpResult {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  /** Set-Cookie headers, one per cookie (API Gateway's multi-value headers). */
  readonly cookies?: readonly string[];
}

/** A module's declared route, bound to the module's deps: what the router dispatches to. */
type BoundRoute =
  | { readonly auth: 'token'; readonly ownIdempotency: boolean; readonly handle: (request: AuthenticatedRequest) => Promise<HttpResult> }
  | { readonly auth: 'none'; readonly handle: (request: HttpRequest) => Promise<HttpResult> };

export interface Observability {
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly tracer: Tracer;
}

export interface HandlerOptions {
  /** Makes POST routes honour the Idempotency-Key header. */
  readonly idempotency?: IdempotencyGuard;
  /** Where refused requests (401, 403) are recorded; required when any route needs a token. */
  readonly audit?: AuditLog;
}

/**
 * One Lambda serves a module's declared routes (src/modules/<m>/http/routes.ts). This wraps them
 * with middy and Powertools, picks the route API Gateway matched, hands it the module's deps, and
 * turns every failure into problem+json.
 */
export function createHttpHandler<D>(declared: ModuleRoutes<D>, deps: D, { logger, metrics, tracer }: Observability, options: HandlerOptions = {}) {
  // Keyed by `METHOD /resource/{param}`, exactly as API Gateway names the resource.
  const routes = new Map<string, BoundRoute>();
  for (const route of declared.routes) {
    if (routes.has(routeKey(route))) throw new Error(`${routeKey(route)} is declared twice`);
    routes.set(
      routeKey(route),
      route.auth === 'token'
        ? { auth: 'token', ownIdempotency: route.idempotency === 'in-transaction', handle: (request: AuthenticatedRequest) => route.handle(request, deps) }
        : { auth: 'none', handle: (request: HttpRequest) => route.handle(request, deps) },
    );
  }
  // Refusals are audited by the router; a function with token routes and nowhere to record them would lose that evidence.
  if (!options.audit && [...routes.values()].some((route) => route.auth === 'token')) {
    throw new Error('A handler serving routes that need a token must be given an audit log for the requests it refuses');
  }
  const dispatch = async (event: APIGatewayProxyEvent, context: Context): Promise<APIGatewayProxyResult> => {
    const requestId = event.requestContext?.requestId ?? context.awsRequestId;
    const sourceIp = event.requestContext?.identity?.sourceIp ?? undefined;
    return withRequestContext({ requestId, ...(sourceIp && { sourceIp }) }, () => serve(event, context, requestId));
  };
  /** A refused request is evidence too: who tried what, from where, and why it was refused. */
  const recordDenial = async (event: APIGatewayProxyEvent, caller: Caller | undefined, reason: string) => {
    await options.audit?.record({
      actor: caller?.name ?? 'anonymous',
      roles: [...(caller?.roles ?? [])],
      action: `${event.httpMethod} ${event.resource}`,
      resource: { type: 'route', id: `${event.httpMethod} ${event.path}` },
      outcome: 'denied',
      reason,
    });
  };
  const serve = async (event: APIGatewayProxyEvent, context: Context, requestId: string): Promise<APIGatewayProxyResult> => {
    const instance = event.path;
    const route = routes.get(`${event.httpMethod} ${event.resource}`);
    let caller: Caller | undefined;
    try {
      if (!route) {
        return countStatus(metrics, problemResponse(problem('method-not-allowed', `${event.httpMethod} ${event.resource} is not served here`, { instance })));
      }
      caller = callerFromEvent(event);
      let result: HttpResult;
      if (route.auth === 'none') {
        result = await route.handle({ event, caller, requestId });
      } else {
        // The authorizer guarantees claims on AWS; a request without them is refused, never served anonymously.
        if (!caller) {
          await recordDenial(event, undefined, 'The token carries no usable identity or role');
          return countStatus(metrics, problemResponse(problem('unauthorized', 'The token carries no usable identity or role', { instance }), { 'WWW-Authenticate': 'Bearer' }));
        }
        logger.appendKeys({ caller: caller.name });
        const key = header(event, 'idempotency-key');
        const authenticatedRoute = route;
        const authenticatedCaller = caller;
        result =
          key !== undefined && event.httpMethod === 'POST' && options.idempotency && !route.ownIdempotency
            ? await options.idempotency(
                { key, callerId: caller.id, method: event.httpMethod, path: event.path, body: event.body ?? '' },
                context,
                () => authenticatedRoute.handle({ event, caller: authenticatedCaller, requestId }),
              )
            : await route.handle({ event, caller, requestId });
      }
      return countStatus(metrics, toResponse(result));
    } catch (error) {
      const details = error instanceof RequestProblem ? error.details : problemFromError(error, instance);
      if (details) {
        logger.info('request refused', { status: details.status, detail: details.detail });
        if (details.status === 401 || details.status === 403) await recordDenial(event, caller, details.detail);
        return countStatus(metrics, problemResponse({ ...details, instance }));
      }
      logger.error('unexpected failure', error as Error);
      metrics.addMetric('UnexpectedError', MetricUnit.Count, 1);
      return countStatus(metrics, problemResponse(problem('internal', `Something went wrong; quote request id ${requestId}`, { instance })));
    }
  };
  return middy(dispatch)
    .use(traceHandler(tracer))
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics));
}

/** Every answer counts once under Http2xx … Http5xx, so dashboards see refusals as well as successes. */
function countStatus(metrics: Metrics, response: APIGatewayProxyResult): APIGatewayProxyResult {
  metrics.addMetric(`Http${Math.floor(response.statusCode / 100)}xx`, MetricUnit.Count, 1);
  return response;
}

/**
 * The base path the client called through (`/v1` on the execute-api URL, a base-path mapping on a
 * custom domain), so Location headers point where the client can follow them.
 */
export function basePath(event: Pick<APIGatewayProxyEvent, 'path' | 'requestContext'>): string {
  const full = event.requestContext?.path ?? event.path;
  return full.endsWith(event.path) ? full.slice(0, full.length - event.path.length) : '';
}

function toResponse(result: HttpResult): APIGatewayProxyResult {
  const hasBody = result.body !== undefined;
  // A text body with its own Content-Type (e.g. a report as text/csv) is sent as it is.
  const text = typeof result.body === 'string' && result.headers?.['Content-Type'] !== undefined;
  return {
    statusCode: result.status,
    headers: {
      ...(hasBody && { 'Content-Type': 'application/json' }),
      'Cache-Control': 'no-store',
      ...result.headers,
    },
    body: text ? (result.body as string) : hasBody ? JSON.stringify(result.body) : '',
    ...(result.cookies?.length && { multiValueHeaders: { 'Set-Cookie': [...result.cookies] } }),
  };
}
