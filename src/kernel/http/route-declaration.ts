import type * as z from 'zod';
import type { Caller } from '../domain/access-policy';
import type { HttpRequest, HttpResult } from './http-router';

/**
 * One declaration per route, in the module that serves it: what API Gateway deploys (method, path,
 * whether a token is needed), what the OpenAPI document says (summary, operationId, schemas,
 * problems) and the code that answers it (`handle`). The stack, the OpenAPI document, the local
 * gateway, the machine scopes and the README's route table are all derived from these.
 *
 * Declarations are plain data and functions: importing them reads no environment variable and
 * creates no client (the CDK app and the OpenAPI renderer import them at synth). What a route needs
 * at run time arrives as `deps`, built once by the module's Lambda entry file.
 */

/** The Lambda function serving a module's routes; one per HTTP module. */
export type FunctionGroup = 'incidents' | 'audit' | 'catalogue' | 'problems' | 'changes' | 'meta' | 'reports' | 'oncall' | 'servicenow' | 'selfhelp';

/**
 * Groups only some clients deploy: `selfhelp` (the sign-in of a self-help site behind the client's
 * sign-in). A stack without the group's function has none of its routes.
 */
export const OPTIONAL_FUNCTION_GROUPS: readonly FunctionGroup[] = ['selfhelp'];

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

/** What a route promises, independent of the code answering it. */
export interface RouteContract {
  readonly method: HttpMethod;
  /** API Gateway resource path, with {param} placeholders. */
  readonly path: string;
  /** `none` only for health and the API description. */
  readonly auth: 'token' | 'none';
  readonly summary: string;
  readonly operationId: string;
  readonly body?: z.ZodType;
  readonly query?: z.ZodType;
  /** What a success answers: JSON described by `schema`, or a body of another `mediaType` (e.g. text/calendar), a string. */
  readonly response?: {
    readonly status: number;
    readonly schema?: z.ZodType;
    readonly mediaType?: string;
    /** Other media types the same answer comes in on request (Accept), each a string body, e.g. text/markdown. */
    readonly alternateMediaTypes?: readonly string[];
    readonly description: string;
  };
  /** Problem statuses the route may answer besides 400/401/403/500. */
  readonly problems?: readonly number[];
  /**
   * `in-transaction`: the route honours Idempotency-Key itself, with a marker in its write's own
   * transaction (POST /incidents); the router's Powertools guard leaves it alone.
   */
  readonly idempotency?: 'in-transaction';
}

/** A request whose caller the router has established from the token's claims. */
export type AuthenticatedRequest = HttpRequest & { readonly caller: Caller };

export interface TokenRouteDeclaration<D> extends RouteContract {
  readonly auth: 'token';
  readonly handle: (request: AuthenticatedRequest, deps: D) => Promise<HttpResult>;
}

export interface PublicRouteDeclaration<D> extends RouteContract {
  readonly auth: 'none';
  /** `caller` is whatever the request carries, usually nothing. */
  readonly handle: (request: HttpRequest, deps: D) => Promise<HttpResult>;
}

export type RouteDeclaration<D> = TokenRouteDeclaration<D> | PublicRouteDeclaration<D>;

/** A module's routes: all served by its function group's Lambda, with the module's deps. */
export interface ModuleRoutes<D> {
  readonly group: FunctionGroup;
  readonly routes: readonly RouteDeclaration<D>[];
}

/**
 * Declares the routes a module serves. `D` is the module's HTTP dependencies, handed to every
 * `handle` by the router; order is kept (API Gateway methods and OpenAPI operations follow it).
 */
export function defineRoutes<D>(group: FunctionGroup, routes: readonly RouteDeclaration<D>[]): ModuleRoutes<D> {
  return { group, routes };
}

export const routeKey = (route: Pick<RouteContract, 'method' | 'path'>) => `${route.method} ${route.path}`;
