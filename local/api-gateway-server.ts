import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import type { FunctionHost } from './function-host';
import { verifyToken } from './local-tokens';
import type { TemplateRoute } from './template-model';

/** API Gateway's own payload limit for REST APIs; the functions enforce their smaller ones. */
const API_GATEWAY_MAX_PAYLOAD = 10 * 1024 * 1024;

interface CompiledRoute extends TemplateRoute {
  readonly pattern: RegExp;
  readonly params: readonly string[];
  /** Literal segments count more: API Gateway prefers /incidents/search over /incidents/{id}. */
  readonly specificity: number;
}

export interface LocalApiOptions {
  readonly routes: readonly TemplateRoute[];
  readonly functions: FunctionHost;
  readonly tokenKey: Uint8Array;
  readonly stage?: string;
  /** Extra local-only endpoints (under /_local), answered before the API's routes. */
  readonly localEndpoints?: (req: IncomingMessage, body: string) => Promise<{ status: number; body: unknown } | undefined>;
  readonly onRequest?: (line: string) => void;
  /** Static pages served before the API's routes (the self-help site at /help/); true when answered. */
  readonly staticPages?: (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;
  /**
   * Host names a request's Host header may carry (any port). Anything else is refused with 421
   * before routing: a web page on another name cannot reach the local API through DNS rebinding.
   * @default localhost, 127.0.0.1 and ::1
   */
  readonly allowedHosts?: readonly string[];
}

/** The names the local API always answers to. */
export const LOOPBACK_HOSTS = ['localhost', '127.0.0.1', '::1'] as const;

/** The host name of a Host header (`[::1]:3000` → `::1`), lower-cased; undefined when there is none. */
export function hostNameOf(hostHeader: string | undefined): string | undefined {
  if (!hostHeader) return undefined;
  const value = hostHeader.trim().toLowerCase();
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(value);
  if (bracketed) return bracketed[1];
  const plain = /^([^:]+)(?::\d+)?$/.exec(value);
  return plain?.[1];
}

/**
 * Plays API Gateway for the local runtime: matches the template's routes, checks the bearer token
 * where the template puts the Cognito authorizer, builds the same proxy event (claims as
 * strings) and returns the function's response as is.
 */
export function createLocalApiServer(options: LocalApiOptions): Server {
  const routes = compile(options.routes);
  const stage = options.stage ?? 'v1';
  const allowedHosts = new Set([...LOOPBACK_HOSTS, ...(options.allowedHosts ?? [])].map((h) => h.toLowerCase()));
  // Idle keep-alive sockets stay open longer than clients keep them (undici: 4 s by default), as
  // API Gateway's do: a server that closes first races a client reusing the socket ("other side closed").
  return createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
    handle(req, res).catch((error: Error) => {
      send(res, problemResult(500, 'Local runtime failure', error.message));
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (options.staticPages && (await options.staticPages(req, res))) return;
    const started = Date.now();
    const hostName = hostNameOf(req.headers.host);
    if (hostName === undefined || !allowedHosts.has(hostName)) {
      return send(res, problemResult(421, 'Misdirected request', `This local API answers only to ${[...allowedHosts].join(', ')}; the Host header named ${JSON.stringify(req.headers.host ?? '')}`));
    }
    const body = await readBody(req);
    if (body === undefined) {
      return send(res, problemResult(413, 'Request too large', `API Gateway accepts at most ${API_GATEWAY_MAX_PAYLOAD} bytes`));
    }
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname.replace(new RegExp(`^/${stage}(?=/)`), '');
    if (path.startsWith('/_local/') && options.localEndpoints) {
      const answer = await options.localEndpoints(req, body);
      if (answer) return send(res, { statusCode: answer.status, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(answer.body) });
    }
    const method = (req.method ?? 'GET').toUpperCase();
    // Like API Gateway: the most specific resource matching the path is chosen first, then its
    // method (PATCH /changes/calendar is 405 on the calendar resource, not PATCH /changes/{id}).
    const matching = routes.filter((r) => r.pattern.test(path));
    const candidates = matching.filter((r) => r.path === matching[0]?.path);
    const route = candidates.find((r) => r.method === method);
    if (!route) {
      const result =
        candidates.length > 0
          ? problemResult(405, 'Method not allowed', `${method} is not served on ${path}; try ${[...new Set(candidates.map((c) => c.method))].join(', ')}`)
          : problemResult(404, 'Not found', `No route matches ${path}`);
      return send(res, result);
    }

    let claims: Record<string, string> | undefined;
    if (route.authorization === 'COGNITO_USER_POOLS') {
      claims = await verifyToken(options.tokenKey, header(req, 'authorization'));
      // As the Cognito authorizer: with scopes on the method, only an access token holding one of them passes.
      const granted = (claims?.['scope'] ?? '').split(' ');
      if (claims && route.scopes.length > 0 && (claims['token_use'] !== 'access' || !route.scopes.some((s) => granted.includes(s)))) claims = undefined;
      if (!claims) {
        return send(res, {
          ...problemResult(401, 'Authentication required', 'Send a valid bearer token: npm run --silent token -- --role agent --user alice'),
          headers: { 'Content-Type': 'application/problem+json', 'WWW-Authenticate': 'Bearer' },
        });
      }
    }

    const requestId = randomUUID();
    const event = toProxyEvent(req, url, path, route, body, requestId, stage, claims);
    const outcome = await options.functions.invoke(route.functionId, event, requestId);
    const result = outcome.error
      ? (options.onRequest?.(`${route.functionId} failed: ${outcome.error}`), problemResult(502, 'Upstream failure', 'Internal server error'))
      : (outcome.result as APIGatewayProxyResult);
    send(res, result);
    options.onRequest?.(`${method} ${url.pathname} → ${result.statusCode} (${Date.now() - started} ms)`);
  }

  function toProxyEvent(
    req: IncomingMessage,
    url: URL,
    path: string,
    route: CompiledRoute,
    body: string,
    requestId: string,
    stageName: string,
    claims: Record<string, string> | undefined,
  ): APIGatewayProxyEvent {
    const headers: Record<string, string> = {};
    const multiValueHeaders: Record<string, string[]> = {};
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      const name = req.rawHeaders[i]!;
      const value = req.rawHeaders[i + 1]!;
      headers[name] = value;
      (multiValueHeaders[name] ??= []).push(value);
    }
    const query: Record<string, string> = {};
    const multiQuery: Record<string, string[]> = {};
    for (const [name, value] of url.searchParams) {
      query[name] = value;
      (multiQuery[name] ??= []).push(value);
    }
    const match = route.pattern.exec(path)!;
    const pathParameters = Object.fromEntries(route.params.map((name, i) => [name, decodeURIComponent(match[i + 1]!)]));
    const hasQuery = Object.keys(query).length > 0;
    return {
      resource: route.path,
      path,
      httpMethod: route.method,
      headers,
      multiValueHeaders,
      queryStringParameters: hasQuery ? query : null,
      multiValueQueryStringParameters: hasQuery ? multiQuery : null,
      pathParameters: route.params.length > 0 ? pathParameters : null,
      stageVariables: null,
      body: body.length > 0 ? body : null,
      isBase64Encoded: false,
      requestContext: {
        accountId: '000000000000',
        apiId: 'local',
        authorizer: claims ? { claims } : null,
        domainName: req.headers.host ?? 'localhost',
        domainPrefix: 'local',
        extendedRequestId: requestId,
        httpMethod: route.method,
        identity: identity(req),
        path: `/${stageName}${path}`,
        protocol: `HTTP/${req.httpVersion}`,
        requestId,
        requestTime: new Date().toUTCString(),
        requestTimeEpoch: Date.now(),
        resourceId: 'local',
        resourcePath: route.path,
        stage: stageName,
      },
    } as APIGatewayProxyEvent;
  }
}

function identity(req: IncomingMessage): APIGatewayProxyEvent['requestContext']['identity'] {
  return {
    sourceIp: req.socket.remoteAddress?.replace(/^::ffff:/, '') ?? '127.0.0.1',
    userAgent: req.headers['user-agent'] ?? null,
    accessKey: null, accountId: null, apiKey: null, apiKeyId: null, caller: null, clientCert: null,
    cognitoAuthenticationProvider: null, cognitoAuthenticationType: null, cognitoIdentityId: null,
    cognitoIdentityPoolId: null, principalOrgId: null, user: null, userArn: null,
  };
}

function compile(routes: readonly TemplateRoute[]): CompiledRoute[] {
  return routes
    .map((route) => {
      const params: string[] = [];
      const segments = route.path.split('/').filter(Boolean);
      const source = segments
        .map((segment) => {
          const param = /^\{(\w+)(\+?)\}$/.exec(segment);
          if (!param) return `/${segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`;
          params.push(param[1]!);
          return param[2] ? '/(.+)' : '/([^/]+)';
        })
        .join('');
      const specificity = segments.filter((s) => !s.startsWith('{')).length * 100 - segments.length;
      return { ...route, params, specificity, pattern: new RegExp(`^${source || '/'}/?$`) };
    })
    .sort((a, b) => b.specificity - a.specificity);
}

function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolveBody, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > API_GATEWAY_MAX_PAYLOAD) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('end', () => resolveBody(tooLarge ? undefined : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function problemResult(status: number, title: string, detail: string): APIGatewayProxyResult {
  return {
    statusCode: status,
    headers: { 'Content-Type': 'application/problem+json' },
    body: JSON.stringify({ type: 'about:blank', title, status, detail }),
  };
}

function send(res: ServerResponse, result: APIGatewayProxyResult): void {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(result.headers ?? {})) headers[name] = String(value);
  for (const [name, values] of Object.entries(result.multiValueHeaders ?? {})) headers[name] = values.map(String);
  res.writeHead(result.statusCode, headers);
  res.end(result.isBase64Encoded ? Buffer.from(result.body, 'base64') : result.body);
}
