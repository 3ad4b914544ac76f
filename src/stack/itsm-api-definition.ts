import * as z from 'zod';
import { requiredScopesOf, routeKey, type ApiRoute, type FunctionGroup } from '../api/api-catalogue';

/**
 * The REST API as API Gateway imports it: the `Body` of the stack's AWS::ApiGateway::RestApi, an
 * OpenAPI 3.0 document with API Gateway's extensions. It holds what the stack used to declare as
 * one CloudFormation resource each (61 resources, 81 methods, an authorizer, a request validator,
 * 11 gateway responses): a CloudFormation stack holds at most 500 resources.
 *
 * It carries only what the gateway enforces (paths, methods, the Cognito authorizer and each
 * method's scopes, required parameters, the Lambda proxy integrations, problem+json gateway
 * responses); the description published at GET /openapi.json, with schemas, is src/api's. The
 * local runtime reads its routes from this document in the synthesized template
 * (local/template-model.ts `routesOf`).
 */

/** Name of the Cognito user pool security scheme, and of the authorizer API Gateway creates for it. */
export const COGNITO_SCHEME = 'CognitoUserPool';
/** The one request validator: parameters only (the functions validate bodies, as problem+json). */
export const PARAMETER_VALIDATOR = 'parameters';

/**
 * The request parameters each method declares for the request validator, from the catalogue:
 * path parameters (always required) and the query schema's fields (required unless optional).
 * Headers are not declared: a missing token is the authorizer's 401, a missing If-Match the
 * function's 428, both as problem+json.
 */
export function requestParametersOf(route: ApiRoute): Record<string, boolean> {
  const parameters: Record<string, boolean> = {};
  for (const [, name] of route.path.matchAll(/\{([^}]+)\}/g)) parameters[`method.request.path.${name}`] = true;
  if (route.query instanceof z.ZodObject) {
    for (const [name, field] of Object.entries(route.query.shape as Record<string, z.ZodType>)) {
      parameters[`method.request.querystring.${name}`] = !field.safeParse(undefined).success;
    }
  }
  return parameters;
}

/** `method.request.path.id: true` → the OpenAPI parameter API Gateway imports as exactly that. */
function openApiParametersOf(route: ApiRoute): object[] {
  return Object.entries(requestParametersOf(route)).map(([key, required]) => {
    const [, location, name] = /^method\.request\.(path|querystring)\.(.+)$/.exec(key)!;
    return { name, in: location === 'path' ? 'path' : 'query', required, schema: { type: 'string' } };
  });
}

/** A refusal API Gateway makes itself, answered as problem+json like the functions' own. */
export interface GatewayProblem {
  /** API Gateway's response type, e.g. UNAUTHORIZED. */
  readonly type: string;
  readonly status: number;
  readonly title: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export const GATEWAY_PROBLEMS: readonly GatewayProblem[] = [
  { type: 'UNAUTHORIZED', status: 401, title: 'Authentication required', headers: { 'WWW-Authenticate': "'Bearer'" } },
  { type: 'ACCESS_DENIED', status: 403, title: 'Not allowed' },
  { type: 'MISSING_AUTHENTICATION_TOKEN', status: 404, title: 'Not found' },
  { type: 'THROTTLED', status: 429, title: 'Too many requests', headers: { 'Retry-After': "'1'" } },
  { type: 'QUOTA_EXCEEDED', status: 429, title: 'Quota exceeded' },
  { type: 'BAD_REQUEST_BODY', status: 400, title: 'The request is not valid' },
  { type: 'BAD_REQUEST_PARAMETERS', status: 400, title: 'The request is not valid' },
  { type: 'REQUEST_TOO_LARGE', status: 413, title: 'The request is too large' },
  { type: 'UNSUPPORTED_MEDIA_TYPE', status: 415, title: 'The request body must be JSON' },
  { type: 'DEFAULT_4XX', status: 400, title: 'Request refused' },
  { type: 'DEFAULT_5XX', status: 502, title: 'Upstream failure' },
];

/**
 * `messageString` is the message already quoted for JSON, so a quote in it cannot break the body.
 */
function gatewayResponsesOf(problems: readonly GatewayProblem[]): Record<string, object> {
  return Object.fromEntries(
    problems.map(({ type, status, title, headers }) => [
      type,
      {
        statusCode: String(status),
        responseParameters: Object.fromEntries(
          Object.entries({ 'Content-Type': "'application/problem+json'", ...headers }).map(([name, value]) => [`gatewayresponse.header.${name}`, value]),
        ),
        responseTemplates: {
          'application/json': `{"type":"about:blank","title":"${title}","status":${status},"detail":$context.error.messageString,"instance":"$context.path"}`,
        },
      },
    ]),
  );
}

export interface ApiDefinitionProps {
  readonly title: string;
  readonly description: string;
  readonly routes: readonly ApiRoute[];
  /** ARN of the user pool whose tokens the authorizer accepts (may be a token). */
  readonly userPoolArn: string;
  /** ARN of the function serving each route group (may be tokens). */
  readonly functionArns: Readonly<Record<FunctionGroup, string>>;
  /**
   * Why each public route (`auth: 'none'`) has no authorizer; it becomes the operation's
   * description. A public route without a reason fails the synth.
   */
  readonly publicRouteReasons: Readonly<Record<string, string>>;
  /** `arn:aws:apigateway:<region>:lambda:path/2015-03-31/functions/<arn>/invocations`, built by the caller (partition and region tokens). */
  readonly invokeUriOf: (functionArn: string) => string;
}

/** The OpenAPI document API Gateway imports: one operation per catalogue route. */
export function apiDefinitionOf(props: ApiDefinitionProps): Record<string, unknown> {
  const paths: Record<string, Record<string, object>> = {};
  for (const route of props.routes) {
    const parameters = openApiParametersOf(route);
    const publicReason = route.auth === 'none' ? props.publicRouteReasons[routeKey(route)] : undefined;
    if (route.auth === 'none' && !publicReason) throw new Error(`${routeKey(route)} is public but has no reason in PUBLIC_ROUTE_REASONS`);
    const operation = {
      operationId: route.operationId,
      ...(publicReason && { description: publicReason }),
      ...(parameters.length > 0 && { parameters }),
      // Public routes carry no security requirement: no authorizer. Every other method names the
      // Cognito scheme with its scopes, which API Gateway sets as the method's authorization scopes.
      ...(route.auth !== 'none' && { security: [{ [COGNITO_SCHEME]: [...requiredScopesOf(route)] }] }),
      'x-amazon-apigateway-request-validator': PARAMETER_VALIDATOR,
      // No method responses: the Lambda proxy integration passes the function's response through.
      responses: {},
      'x-amazon-apigateway-integration': {
        type: 'aws_proxy',
        httpMethod: 'POST',
        uri: props.invokeUriOf(props.functionArns[route.group]),
        passthroughBehavior: 'when_no_match',
      },
    };
    const key = route.method.toLowerCase();
    const methods = (paths[route.path] ??= {});
    if (methods[key]) throw new Error(`${route.method} ${route.path} is declared twice in the route catalogue`);
    methods[key] = operation;
  }
  return {
    openapi: '3.0.1',
    info: { title: props.title, description: props.description, version: '1' },
    paths,
    components: {
      securitySchemes: {
        [COGNITO_SCHEME]: {
          type: 'apiKey',
          name: 'Authorization',
          in: 'header',
          'x-amazon-apigateway-authtype': 'cognito_user_pools',
          'x-amazon-apigateway-authorizer': { type: 'cognito_user_pools', providerARNs: [props.userPoolArn] },
        },
      },
    },
    'x-amazon-apigateway-request-validators': {
      [PARAMETER_VALIDATOR]: { validateRequestParameters: true, validateRequestBody: false },
    },
    'x-amazon-apigateway-gateway-responses': gatewayResponsesOf(GATEWAY_PROBLEMS),
  };
}
