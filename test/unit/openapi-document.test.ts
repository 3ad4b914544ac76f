import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { API_ROUTES, PEOPLE_SCOPE, machineScopeOf, routeKey } from '../../src/api/api-catalogue';
import { API_BASE_PATH, buildOpenApiDocument, renderOpenApiDocument } from '../../src/api/openapi-document';

/**
 * The document GET /openapi.json serves, checked by three independent tools a client would use:
 * a validator (@apidevtools/swagger-parser), a linter (@redocly/openapi-core, `recommended` rules)
 * and a client-type generator (openapi-typescript). They run in a child Node process
 * (test/unit/openapi-checkers.mjs): @redocly/openapi-core 2 is ESM only.
 */

interface Findings {
  swaggerParser: { valid: boolean; message?: string };
  redocly: { crashed?: string; problems?: { ruleId: string; severity: string; message: string; pointer?: string }[] };
  openapiTypescript: { ok: boolean; message?: string; hasPaths?: boolean; source?: string };
}

type Json = Record<string, unknown>;
const document = JSON.parse(renderOpenApiDocument()) as Json;
let findings: Findings;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'openapi-'));
  try {
    const file = join(dir, 'openapi.json');
    writeFileSync(file, renderOpenApiDocument());
    const { stdout } = await promisify(execFile)(process.execPath, [join(__dirname, 'openapi-checkers.mjs'), file], { maxBuffer: 64 * 1024 * 1024 });
    findings = JSON.parse(stdout) as Findings;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('@apidevtools/swagger-parser validates the document', () => {
  expect(findings.swaggerParser).toEqual({ valid: true });
});

test('@redocly/openapi-core lints it with the recommended rules at 0 errors', () => {
  expect(findings.redocly.crashed).toBeUndefined();
  const errors = (findings.redocly.problems ?? []).filter((p) => p.severity === 'error');
  expect(errors).toEqual([]);
});

test('openapi-typescript generates client types from it, with the hoisted schemas named', () => {
  expect(findings.openapiTypescript.message).toBeUndefined();
  expect(findings.openapiTypescript.ok).toBe(true);
  expect(findings.openapiTypescript.hasPaths).toBe(true);
  const source = findings.openapiTypescript.source ?? '';
  for (const name of ['Problem', 'KnownError', 'KnowledgeArticle', 'RootCauseAnalysis', 'ProblemDetails']) {
    expect(source).toMatch(new RegExp(`\\b${name}: \\{`));
  }
  // openapi-typescript types a top-level `$defs` too: nothing is left there.
  expect(source).toContain('export type $defs = Record<string, never>;');
  expect(source).not.toContain('#/$defs');
});

describe('references', () => {
  const refs: string[] = [];
  const leftDefs: string[] = [];
  const walk = (node: unknown, inside: string): void => {
    if (Array.isArray(node)) node.forEach((item) => walk(item, inside));
    else if (node && typeof node === 'object') {
      for (const [key, value] of Object.entries(node)) {
        if (key === '$ref' && typeof value === 'string') refs.push(value);
        else {
          if (key === '$defs') leftDefs.push(inside);
          walk(value, `${inside}/${key}`);
        }
      }
    }
  };
  walk(document, '#');
  const schemas = ((document['components'] as Json)['schemas'] ?? {}) as Json;

  test('no $defs are left, and every $ref names a schema under components.schemas', () => {
    expect(leftDefs).toEqual([]);
    expect(refs.length).toBeGreaterThan(400);
    expect(refs.filter((ref) => !ref.startsWith('#/components/schemas/'))).toEqual([]);
    expect([...new Set(refs.map((ref) => ref.slice('#/components/schemas/'.length)))].filter((name) => !(name in schemas))).toEqual([]);
  });

  test('the RFC 9457 problem and the ITIL problem are two schemas with their own names', () => {
    expect(schemas['ProblemDetails']).toMatchObject({ required: ['type', 'title', 'status', 'detail'] });
    expect(schemas['Problem']).toMatchObject({ properties: { number: expect.anything(), knownErrorId: expect.anything(), resolution: expect.anything() } });
  });

  test('rendering is stable: the same text every time', () => {
    expect(renderOpenApiDocument()).toBe(JSON.stringify(document));
  });
});

describe('servers and security', () => {
  test('servers: the stage base path, relative to the host serving the document, or the URL given', async () => {
    const { STAGE_NAME } = await import('../../src/stack/itsm-api');
    expect(API_BASE_PATH).toBe(`/${STAGE_NAME}`);
    expect(document['servers']).toEqual([expect.objectContaining({ url: `/${STAGE_NAME}` })]);
    expect(buildOpenApiDocument({ serverUrl: 'https://api.example.org/v1' })['servers']).toEqual([expect.objectContaining({ url: 'https://api.example.org/v1' })]);
  });

  const schemes = (document['components'] as Json)['securitySchemes'] as Record<string, Json>;
  const operations = Object.values(document['paths'] as Record<string, Record<string, Json>>).flatMap((item) => Object.values(item));

  test('access tokens of the Cognito user pool: OAuth2 client credentials with every machine scope, or a person\'s bearer access token', () => {
    const oauth = schemes['cognitoClientCredentials'] as { type: string; flows: { clientCredentials: { tokenUrl: string; scopes: Record<string, string> } } };
    expect(oauth.type).toBe('oauth2');
    const machineScopes = [...new Set(API_ROUTES.filter((r) => r.auth === 'token').map(machineScopeOf))].sort();
    expect(Object.keys(oauth.flows.clientCredentials.scopes).sort()).toEqual(machineScopes);
    expect(oauth.flows.clientCredentials.tokenUrl).toMatch(/^https:\/\/.+\/oauth2\/token$/);
    expect(schemes['cognitoUserAccessToken']).toMatchObject({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
    expect(JSON.stringify(schemes)).not.toMatch(/ID token \(people\)/);
  });

  test.each(API_ROUTES.map((route) => [routeKey(route), route] as const))('%s lists the scopes it accepts', (_key, route) => {
    const operation = (document['paths'] as Record<string, Record<string, Json>>)[route.path]![route.method.toLowerCase()]!;
    expect(operation['security']).toEqual(
      route.auth === 'none' ? [] : [{ cognitoClientCredentials: [machineScopeOf(route)] }, { cognitoUserAccessToken: [PEOPLE_SCOPE] }],
    );
  });

  test('every operation is described', () => {
    expect(operations.length).toBe(API_ROUTES.length);
  });
});
