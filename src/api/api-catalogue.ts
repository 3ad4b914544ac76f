import type { HttpResult } from '../kernel/http/http-router';
import { routeKey, type FunctionGroup, type ModuleRoutes, type RouteContract } from '../kernel/http/route-declaration';
import { META_ROUTES } from '../modules/meta/http/routes';
import { INCIDENT_ROUTES } from '../modules/incidents/http/routes';
import { REPORT_ROUTES } from '../modules/reports/http/routes';
import { AUDIT_ROUTES } from '../modules/audit/http/routes';
import { CATALOGUE_ROUTES } from '../modules/catalogue/http/routes';
import { PROBLEM_ROUTES } from '../modules/problems/http/routes';
import { CHANGE_ROUTES } from '../modules/changes/http/routes';
import { ONCALL_ROUTES } from '../modules/oncall/http/routes';
import { PEOPLE_SCOPE, RESOURCE_SERVER_ID } from './api-scopes';
import { SERVICENOW_ROUTES } from '../modules/servicenow/http/routes';
import { SITE_SIGN_IN_ROUTES } from '../modules/selfhelp/http/routes';

export { routeKey, type FunctionGroup };

/**
 * Every route of the REST API, assembled from the modules' declarations
 * (src/modules/<m>/http/routes.ts): which function group serves it, whether it needs a token, its
 * schemas and its handler. The stack creates API Gateway methods from this list, the OpenAPI
 * description and the README's route table are generated from it, and the local gateway serves it.
 */
export interface ApiRoute extends RouteContract {
  /** The function serving the route: the group of the module that declares it. */
  readonly group: FunctionGroup;
  /** The declaration's handler (its module's deps are bound by the Lambda entry file). */
  readonly handle: (request: never, deps: never) => Promise<HttpResult>;
}

/** Each HTTP module's routes, in API order (API Gateway methods and OpenAPI operations follow it). */
export const MODULE_ROUTES: readonly ModuleRoutes<never>[] = [
  META_ROUTES,
  INCIDENT_ROUTES,
  REPORT_ROUTES,
  AUDIT_ROUTES,
  CATALOGUE_ROUTES,
  PROBLEM_ROUTES,
  CHANGE_ROUTES,
  ONCALL_ROUTES,
  SERVICENOW_ROUTES,
  SITE_SIGN_IN_ROUTES,
];

export const API_ROUTES: readonly ApiRoute[] = MODULE_ROUTES.flatMap(({ group, routes }) => routes.map((route): ApiRoute => ({ ...route, group })));

export { COGNITO_SELF_SERVICE_SCOPE, PEOPLE_SCOPE, RESOURCE_SERVER_ID } from './api-scopes';

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
