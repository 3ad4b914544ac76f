import * as z from 'zod';
import { API_ROUTES, PEOPLE_SCOPE, machineScopeOf, type ApiRoute } from './api-catalogue';

/**
 * The base path of the API's one stage (`STAGE_NAME` in src/stack/itsm-api.ts, which this
 * file does not import: meta's bundle would carry the CDK). test/unit/openapi-document.test.ts
 * checks the two agree. Relative, so the document is right on whatever host serves it (the
 * execute-api URL, a custom domain, the local runtime).
 */
export const API_BASE_PATH = '/v1';

/** The client stack's user pool issues the tokens; its domain's OAuth 2.0 token endpoint is `/oauth2/token`. */
const DEFAULT_TOKEN_URL = 'https://your-user-pool-domain.auth.your-region.amazoncognito.com/oauth2/token';

export interface OpenApiOptions {
  /** The API's base URL, e.g. `https://abc123.execute-api.eu-west-1.amazonaws.com/v1`; default the relative stage path. */
  readonly serverUrl?: string;
  /** The token endpoint of the client's user pool domain, e.g. `https://acme-itsm.auth.eu-west-1.amazoncognito.com/oauth2/token`. */
  readonly tokenUrl?: string;
}

/** Builds the OpenAPI 3.1 description from the same catalogue and schemas that validate requests. */
export function buildOpenApiDocument(options: OpenApiOptions = {}): Record<string, unknown> {
  const components = new SchemaComponents({ ProblemDetails: PROBLEM_SCHEMA });
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of API_ROUTES) {
    (paths[route.path] ??= {})[route.method.toLowerCase()] = operation(route, components);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'rowe-itsm API',
      version: '0.1.0',
      description:
        'IT service management for managed-service clients. Errors are RFC 9457 problem details. ' +
        'Every route but GET /health and GET /openapi.json needs an access token of the client\'s Cognito user pool (see the security schemes). ' +
        'Changes to a versioned resource need If-Match (RFC 9110): the ETag you read, a list of ETags, or `*`.',
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    },
    servers: [
      options.serverUrl
        ? { url: options.serverUrl, description: 'The API' }
        : { url: API_BASE_PATH, description: 'The API stage, on the host serving this document' },
    ],
    paths,
    components: {
      securitySchemes: securitySchemes(options.tokenUrl ?? DEFAULT_TOKEN_URL),
      schemas: components.schemas,
    },
  };
}

/** The document as GET /openapi.json answers it: rendered at synth beside meta's bundle, or by meta on its first request. */
export const renderOpenApiDocument = (): string => JSON.stringify(buildOpenApiDocument());

/**
 * API Gateway's Cognito authorizer takes access tokens only (ID tokens are refused) and, per method,
 * requires one of two scopes: the route's machine scope (`itsm/<group>.read` for GET,
 * `.write` otherwise), which machine clients get by the client-credentials grant, or the sign-in
 * scope every person's access token carries. Roles (Cognito groups, or `integration` for machine
 * clients) then decide what the call may do.
 */
function securitySchemes(tokenUrl: string): Record<string, unknown> {
  const machineScopes = [...new Set(API_ROUTES.filter((r) => r.auth === 'token').map(machineScopeOf))].sort();
  return {
    cognitoClientCredentials: {
      type: 'oauth2',
      description:
        'A machine client\'s access token from the client\'s Cognito user pool (client-credentials grant at the user pool domain\'s /oauth2/token), ' +
        'sent as `Authorization: Bearer <token>`. Each operation names the scope it needs: `itsm/<group>.read` to read, `itsm/<group>.write` to change. ' +
        'The integration client is granted itsm/incidents.read and itsm/incidents.write.',
      flows: {
        clientCredentials: {
          tokenUrl,
          scopes: Object.fromEntries(machineScopes.map((scope) => [scope, `${scope.endsWith('.read') ? 'Read' : 'Change'} ${scope.slice(scope.indexOf('/') + 1, scope.lastIndexOf('.'))}`])),
        },
      },
    },
    cognitoUserAccessToken: {
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'JWT',
      description:
        `A person's access token from the client's Cognito user pool (SRP sign-in), carrying the scope \`${PEOPLE_SCOPE}\`; ` +
        'sent as `Authorization: Bearer <token>`. ID tokens are refused. The person\'s Cognito groups are their roles.',
    },
  };
}

function operation(route: ApiRoute, components: SchemaComponents): Record<string, unknown> {
  const name = pascal(route.operationId);
  const params: unknown[] = [...route.path.matchAll(/\{(\w+)\}/g)].map(([, param]) => ({
    name: param, in: 'path', required: true, schema: { type: 'string' },
  }));
  if (route.query) {
    const shape = components.embed(route.query, 'input', `${name}Query`) as { properties?: Record<string, unknown>; required?: string[] };
    for (const [param, schema] of Object.entries(shape.properties ?? {})) {
      params.push({ name: param, in: 'query', required: shape.required?.includes(param) ?? false, schema });
    }
  }
  if (route.problems?.includes(428)) {
    params.push({
      name: 'If-Match', in: 'header', required: true, schema: { type: 'string' },
      description:
        'RFC 9110: the ETag of the version you read (e.g. `"3"`), a comma-separated list of ETags, or `*` for whatever version is current ' +
        '(the change is still made atomically on the version read). A list naming no current ETag (weak ETags never match) answers 412; no If-Match answers 428.',
    });
  }
  if (route.method === 'POST') {
    params.push({ name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string', maxLength: 128 }, description: 'Replays within 24 h return the first response; reusing a key with another body answers 422' });
  }
  const problems = [...new Set([400, ...(route.auth === 'token' ? [401, 403] : []), ...(route.problems ?? []), ...(route.body ? [415] : []), ...(route.method === 'POST' ? [422] : []), 500])].sort();
  const responses: Record<string, unknown> = {};
  if (route.response) {
    const content: Record<string, unknown> = {
      ...(route.response.schema && { 'application/json': { schema: components.embed(route.response.schema, 'output', `${name}Response`) } }),
      ...(route.response.mediaType && { [route.response.mediaType]: { schema: { type: 'string' } } }),
      ...Object.fromEntries((route.response.alternateMediaTypes ?? []).map((media) => [media, { schema: { type: 'string' } }])),
    };
    responses[String(route.response.status)] = {
      description: route.response.description,
      ...(Object.keys(content).length > 0 && { content }),
    };
  }
  for (const status of problems) {
    responses[String(status)] = {
      description: PROBLEM_DESCRIPTIONS[status] ?? 'Problem',
      content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/ProblemDetails' } } },
    };
  }
  return {
    operationId: route.operationId,
    summary: route.summary,
    security: route.auth === 'token' ? [{ cognitoClientCredentials: [machineScopeOf(route)] }, { cognitoUserAccessToken: [PEOPLE_SCOPE] }] : [],
    ...(params.length > 0 && { parameters: params }),
    ...(route.body && { requestBody: { required: true, content: { 'application/json': { schema: components.embed(route.body, 'input', `${name}Body`) } } } }),
    responses,
  };
}

type JsonSchema = Record<string, unknown>;
const SCHEMA_REF = '#/components/schemas/';

/**
 * `components.schemas`, filled from the zod schemas as they are embedded. zod's `toJSONSchema` puts
 * the schemas registered with an id (`.meta({ id })`) and cycles under the schema's own `$defs`,
 * referenced as `#/$defs/Name`; inside an OpenAPI document those refs resolve against the document
 * root, where there is no `$defs`. Here every definition moves to `components.schemas` and its refs
 * follow. Names: the zod id (or, for an unnamed cycle, the embedding place's name); a different
 * schema under a name already taken (an id's input form differing from its output form, or a
 * clash such as the RFC 9457 `ProblemDetails`) gets `Input`, then a number, appended. The routes
 * are embedded in catalogue order, so the names are the same at every rendering.
 */
class SchemaComponents {
  readonly schemas: Record<string, JsonSchema>;
  private readonly texts = new Map<string, string>();

  constructor(initial: Record<string, JsonSchema>) {
    this.schemas = { ...initial };
    for (const [name, schema] of Object.entries(initial)) this.texts.set(name, JSON.stringify(schema));
  }

  /** The JSON Schema of `schema`, with its definitions hoisted into `components.schemas`. */
  embed(schema: z.ZodType, io: 'input' | 'output', place: string): JsonSchema {
    const { $schema: _dialect, $defs: defs = {}, ...root } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema & { $defs?: Record<string, JsonSchema> };
    const local: Record<string, JsonSchema> = { ...defs };
    let rootRef: string | undefined;
    if (mentionsRef(root, '#') || Object.values(local).some((def) => mentionsRef(def, '#'))) {
      // The root refers to itself (a recursive schema without an id): it becomes a component too.
      rootRef = `__root__${place}`;
      local[rootRef] = root;
    }
    // Choose every definition's name, then rewrite refs; repeat until the names settle (a
    // definition's text depends on the names of those it refers to).
    let names = new Map(Object.keys(local).map((key) => [key, this.preferredName(key, place)] as const));
    for (let round = 0; ; round += 1) {
      const rewritten = new Map([...names.keys()].map((key) => [key, rewriteRefs(local[key], names, rootRef)] as const));
      const next = new Map([...names.keys()].map((key) => [key, this.freeName(this.preferredName(key, place), JSON.stringify(rewritten.get(key)), io, names, key)] as const));
      if ([...next].every(([key, chosen]) => names.get(key) === chosen) || round === 5) {
        names = next;
        for (const [key, chosen] of names) {
          const text = JSON.stringify(rewriteRefs(local[key], names, rootRef));
          if (!this.texts.has(chosen)) {
            this.texts.set(chosen, text);
            this.schemas[chosen] = JSON.parse(text) as JsonSchema;
          }
        }
        return rootRef ? { $ref: SCHEMA_REF + names.get(rootRef)! } : rewriteRefs(root, names, rootRef);
      }
      names = next;
    }
  }

  private preferredName(key: string, place: string): string {
    if (key.startsWith('__root__')) return place;
    // zod names unnamed cycles `__schema0`, `__schema1`…: name them after where they are embedded.
    const unnamed = /^__schema(\d+)$/.exec(key);
    return unnamed ? `${place}${unnamed[1]}` : key.replace(/[^A-Za-z0-9._-]/g, '_');
  }

  /** `preferred` if free or holding this very schema; otherwise the first free variant. */
  private freeName(preferred: string, text: string, io: 'input' | 'output', batch: Map<string, string>, self: string): string {
    const takenInBatch = (name: string) => [...batch].some(([key, chosen]) => key !== self && chosen === name);
    const fits = (name: string) => (!this.texts.has(name) || this.texts.get(name) === text) && !takenInBatch(name);
    if (fits(preferred)) return preferred;
    const base = io === 'input' ? `${preferred}Input` : preferred;
    if (fits(base)) return base;
    for (let n = 2; ; n += 1) if (fits(`${base}${n}`)) return `${base}${n}`;
  }
}

function rewriteRefs(node: unknown, names: Map<string, string>, rootRef: string | undefined): JsonSchema {
  const visit = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(visit);
    if (!value || typeof value !== 'object') return value;
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => {
        if (key !== '$ref' || typeof item !== 'string') return [key, visit(item)];
        if (item === '#' && rootRef) return [key, SCHEMA_REF + names.get(rootRef)!];
        const local = /^#\/\$defs\/(.+)$/.exec(item);
        const target = local && names.get(decodeURIComponent(local[1]!.replace(/~1/g, '/').replace(/~0/g, '~')));
        if (local && !target) throw new Error(`OpenAPI: ${item} names no definition`);
        return [key, target ? SCHEMA_REF + target : item];
      }),
    );
  };
  return visit(node) as JsonSchema;
}

const mentionsRef = (node: unknown, ref: string): boolean =>
  Array.isArray(node)
    ? node.some((item) => mentionsRef(item, ref))
    : !!node && typeof node === 'object' && Object.entries(node).some(([key, value]) => (key === '$ref' && value === ref) || mentionsRef(value, ref));

const pascal = (operationId: string) => operationId.charAt(0).toUpperCase() + operationId.slice(1);

const PROBLEM_DESCRIPTIONS: Record<number, string> = {
  400: 'The request is invalid; `errors` names each field',
  401: 'No valid access token',
  403: 'The token\'s scope or the caller\'s role does not allow this',
  404: 'No such resource',
  409: 'Conflicts with the current state: the lifecycle does not allow it, the id exists already, or the same request is still being processed',
  412: 'If-Match names no current ETag of the resource: read it again',
  415: 'The body is not JSON',
  422: 'The Idempotency-Key was used with another body',
  428: 'If-Match is required',
  429: 'The caller has created as many as the client allows in the window (intake.createQuotas); `Retry-After` says when to try again',
  500: 'Unexpected error',
};

/** RFC 9457 problem details, the body of every error answer. */
const PROBLEM_SCHEMA: JsonSchema = {
  type: 'object',
  description: 'RFC 9457 problem details',
  required: ['type', 'title', 'status', 'detail'],
  properties: {
    type: { type: 'string', format: 'uri' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    instance: { type: 'string' },
    errors: { type: 'array', items: { type: 'object', properties: { field: { type: 'string' }, message: { type: 'string' } } } },
  },
};
