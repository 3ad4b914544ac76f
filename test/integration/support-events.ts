import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';

/**
 * Builds API Gateway REST (v1) proxy events the way the stage delivers them behind the Cognito
 * User Pool authorizer: claims are all strings and `cognito:groups` is comma-separated.
 */

export interface TestCaller {
  readonly sub: string;
  readonly username: string;
  /** Comma-separated, as a REST API authorizer hands them over, e.g. "agent" or "agent,engineer". */
  readonly groups: string;
}

export const callers = {
  agent: { sub: '0b7c1c1e-0000-4000-8000-000000000001', username: 'alice.agent', groups: 'agent' },
  otherAgent: { sub: '0b7c1c1e-0000-4000-8000-000000000002', username: 'bert.agent', groups: 'agent,engineer' },
  requester: { sub: '0b7c1c1e-0000-4000-8000-000000000003', username: 'rita.requester', groups: 'requester' },
  otherRequester: { sub: '0b7c1c1e-0000-4000-8000-000000000004', username: 'sam.requester', groups: 'requester' },
  auditor: { sub: '0b7c1c1e-0000-4000-8000-000000000005', username: 'audrey.auditor', groups: 'auditor' },
  engineer: { sub: '0b7c1c1e-0000-4000-8000-000000000006', username: 'erin.engineer', groups: 'engineer' },
  serviceOwner: { sub: '0b7c1c1e-0000-4000-8000-000000000007', username: 'oscar.owner', groups: 'service-owner' },
  changeManager: { sub: '0b7c1c1e-0000-4000-8000-000000000008', username: 'carl.changes', groups: 'change-manager' },
  admin: { sub: '0b7c1c1e-0000-4000-8000-000000000009', username: 'ada.admin', groups: 'admin' },
  securityManager: { sub: '0b7c1c1e-0000-4000-8000-00000000000a', username: 'ivy.ism', groups: 'security-manager' },
} as const satisfies Record<string, TestCaller>;

export interface RequestOptions {
  /** Path with the parameters filled in, e.g. `/incidents/INC0000001`. */
  readonly path: string;
  /** API Gateway resource template, e.g. `/incidents/{id}`; defaults to `path`. */
  readonly resource?: string;
  readonly pathParameters?: Record<string, string>;
  readonly query?: Record<string, string | readonly string[]>;
  readonly headers?: Record<string, string>;
  /** A string is sent as is; anything else is JSON-encoded. Undefined sends no body (null). */
  readonly body?: unknown;
  /** Undefined sends an event without authorizer claims. */
  readonly caller?: TestCaller | undefined;
}

export function apiEvent(httpMethod: string, options: RequestOptions): APIGatewayProxyEvent {
  const resource = options.resource ?? options.path;
  const hasBody = options.body !== undefined;
  const headers: Record<string, string> = {
    Accept: 'application/json',
    Host: 'abc123.execute-api.eu-west-2.amazonaws.com',
    'User-Agent': 'integration-test',
    'X-Forwarded-Proto': 'https',
    ...(hasBody && { 'Content-Type': 'application/json' }),
    ...(options.caller && { Authorization: 'Bearer test-id-token' }),
    ...options.headers,
  };
  const query = options.query ?? {};
  const queryEntries = Object.entries(query);
  const requestId = randomUUID();
  return {
    resource,
    path: options.path,
    httpMethod,
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
    queryStringParameters:
      queryEntries.length === 0
        ? null
        : Object.fromEntries(queryEntries.map(([k, v]) => [k, typeof v === 'string' ? v : (v.at(-1) as string)])),
    multiValueQueryStringParameters:
      queryEntries.length === 0
        ? null
        : Object.fromEntries(queryEntries.map(([k, v]) => [k, typeof v === 'string' ? [v] : [...v]])),
    pathParameters: options.pathParameters ?? null,
    stageVariables: null,
    body: hasBody ? (typeof options.body === 'string' ? options.body : JSON.stringify(options.body)) : null,
    isBase64Encoded: false,
    requestContext: {
      accountId: '123456789012',
      apiId: 'abc123',
      protocol: 'HTTP/1.1',
      httpMethod,
      path: `/v1${options.path}`,
      stage: 'v1',
      requestId,
      requestTimeEpoch: Date.now(),
      resourceId: 'res123',
      resourcePath: resource,
      identity: {
        sourceIp: '127.0.0.1',
        userAgent: 'integration-test',
        accessKey: null,
        accountId: null,
        apiKey: null,
        apiKeyId: null,
        caller: null,
        clientCert: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        user: null,
        userArn: null,
      },
      authorizer: options.caller
        ? {
            claims: {
              sub: options.caller.sub,
              'cognito:username': options.caller.username,
              'cognito:groups': options.caller.groups,
              token_use: 'id',
              iss: 'https://cognito-idp.eu-west-2.amazonaws.com/eu-west-2_test',
              aud: 'test-client-id',
              auth_time: '1767225600',
              iat: '1767225600',
              exp: '1767229200',
            },
          }
        : null,
    },
  };
}

/** A minimal Lambda context, as the runtime passes it. */
export function lambdaContext(functionName = 'rowe-itsm-example-incidents'): Context {
  const started = Date.now();
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:eu-west-2:123456789012:function:${functionName}`,
    memoryLimitInMB: '512',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: '2026/01/01/[$LATEST]0123456789abcdef',
    getRemainingTimeInMillis: () => Math.max(0, 29_000 - (Date.now() - started)),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

export type ProxyHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

export interface ApiResponse<B = any> {
  readonly status: number;
  /** Header names lower-cased. */
  readonly headers: Readonly<Record<string, string>>;
  readonly raw: string;
  /** The parsed JSON body, or undefined when the body is empty. */
  readonly body: B;
}

/** Invokes a handler with an event and parses the answer. */
export async function invoke(handler: ProxyHandler, httpMethod: string, options: RequestOptions): Promise<ApiResponse> {
  const result = await handler(apiEvent(httpMethod, options), lambdaContext());
  const headers = Object.fromEntries(Object.entries(result.headers ?? {}).map(([k, v]) => [k.toLowerCase(), String(v)]));
  return {
    status: result.statusCode,
    headers,
    raw: result.body,
    body: result.body ? JSON.parse(result.body) : undefined,
  };
}

/** Field names a problem+json answer blames, in order. */
export const blamedFields = (response: ApiResponse): string[] =>
  ((response.body?.errors ?? []) as { field: string }[]).map((e) => e.field);
