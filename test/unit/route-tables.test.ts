import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
// Imported before any environment variable is set: declarations must load without one (the CDK app
// and the OpenAPI renderer import them at synth).
import { API_ROUTES, MODULE_ROUTES, routeKey, type FunctionGroup } from '../../src/api/api-catalogue';
import type { ModuleRoutes } from '../../src/kernel/http/route-declaration';
import { functionSettingsEnv } from '../support/function-settings';

const ROOT = join(__dirname, '../..');
const MODULES_DIR = join(ROOT, 'src/modules');

/**
 * The Lambda entry file of each function group, as the stack deploys them (src/stack/itsm-stack.ts):
 * API Gateway sends a group's routes to this function, so it must serve exactly those.
 */
const HANDLERS: Record<FunctionGroup, string> = {
  incidents: 'src/modules/incidents/functions/incidents-handler',
  audit: 'src/modules/audit/functions/audit-handler',
  catalogue: 'src/modules/catalogue/functions/catalogue-handler',
  problems: 'src/modules/problems/functions/problems-handler',
  changes: 'src/modules/changes/functions/changes-handler',
  meta: 'src/modules/meta/functions/meta-handler',
  reports: 'src/modules/reports/functions/reports-handler',
  oncall: 'src/modules/oncall/functions/oncall-handler',
  servicenow: 'src/modules/servicenow/functions/servicenow-handler',
  selfhelp: 'src/modules/selfhelp/functions/site-sign-in-handler',
};

/** Every module with HTTP routes declares them in src/modules/<m>/http/routes.ts. */
const declarationFiles = readdirSync(MODULES_DIR)
  .filter((module) => readdirSync(join(MODULES_DIR, module)).includes('http'))
  .map((module) => ({ module, file: join(MODULES_DIR, module, 'http/routes.ts') }));

describe('route declarations', () => {
  test('every module declaring routes is assembled into the catalogue, under its own function group', () => {
    const declared = declarationFiles.map(({ module, file }) => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const exported = Object.values(require(file) as Record<string, unknown>).filter(
        (value): value is ModuleRoutes<never> => typeof value === 'object' && value !== null && 'group' in value && 'routes' in value,
      );
      expect(exported).toHaveLength(1);
      // The function group is the module's folder: a module's routes are served by its own function.
      expect(exported[0]!.group).toBe(module);
      return exported[0]!;
    });
    expect(new Set(MODULE_ROUTES)).toEqual(new Set(declared));
    expect(API_ROUTES).toHaveLength(declared.reduce((n, m) => n + m.routes.length, 0));
  });

  test('no method and path is declared twice, and no operationId', () => {
    const keys = API_ROUTES.map(routeKey);
    expect(keys.filter((key, i) => keys.indexOf(key) !== i)).toEqual([]);
    const operationIds = API_ROUTES.map((r) => r.operationId);
    expect(operationIds.filter((id, i) => operationIds.indexOf(id) !== i)).toEqual([]);
  });

  test.each(API_ROUTES.map((r) => [routeKey(r), r] as const))('%s has a handler, a summary and a response', (_key, route) => {
    expect(typeof route.handle).toBe('function');
    expect(route.summary.length).toBeGreaterThan(0);
    expect(route.operationId).toMatch(/^[a-z][A-Za-z]+$/);
    expect(route.path).toMatch(/^\/[\w.\-/{}]*$/);
    expect(route.response?.status).toBeGreaterThanOrEqual(200);
  });

  test('declarations read no environment and build no client at import (the stack imports them at synth)', () => {
    for (const { file } of declarationFiles) {
      const source = readFileSync(file, 'utf8');
      expect({ file, env: /process\.env|requireEnv|loadClientSettings|createObservability/.test(source) }).toEqual({ file, env: false });
      expect({ file, client: /new \w+Client\(|@aws-sdk\//.test(source) }).toEqual({ file, client: false });
    }
  });

  test("only health, the API description, the signed ServiceNow business-rule call, the site's view beacon and the site's sign-in are public", () => {
    expect(API_ROUTES.filter((r) => r.auth === 'none').map(routeKey).sort()).toEqual([
      'GET /auth/callback',
      'GET /auth/sign-in',
      'GET /auth/sign-out',
      'GET /auth/start',
      'GET /health',
      'GET /openapi.json',
      'POST /integrations/servicenow/events',
      'POST /knowledge/{id}/views',
    ]);
  });
});

describe('Lambda entry files', () => {
  beforeAll(() => {
    const example = JSON.parse(readFileSync(join(ROOT, 'clients/example.json'), 'utf8'));
    Object.assign(process.env, {
      AWS_REGION: 'eu-west-2',
      INCIDENTS_TABLE_NAME: 'route-table-test',
      IDEMPOTENCY_TABLE_NAME: 'route-table-test-idempotency',
      AUDIT_TABLE_NAME: 'route-table-test-audit',
      AUDIT_SEAL_KEY_ID: 'route-table-test-seal-key',
      AUDIT_ANCHOR_BUCKET_NAME: 'route-table-test-anchor',
      CATALOGUE_TABLE_NAME: 'route-table-test-catalogue',
      PROBLEMS_TABLE_NAME: 'route-table-test-problems',
      CHANGES_TABLE_NAME: 'route-table-test-changes',
      EVENTS_TABLE_NAME: 'route-table-test-events',
      ONCALL_TABLE_NAME: 'route-table-test-oncall',
      ...functionSettingsEnv({ id: example.id, timeZone: example.timeZone, contacts: example.contacts }),
      POWERTOOLS_METRICS_DISABLED: 'true',
      SLA_STATE_MACHINE_ARN: 'arn:aws:states:eu-west-2:000000000000:stateMachine:SlaWorkflow',
      // The site sign-in's (only stacks whose self-help site is behind the sign-in have it).
      SELFHELP_SITE_URL: 'https://help.example.com/',
      SELFHELP_SIGNING_KEY_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-2:000000000000:secret:site-key',
      SELFHELP_KEY_PAIR_ID: 'K2JCJMDEHXQW5F',
      SELFHELP_SIGN_IN_DOMAIN_URL: 'https://example-help.auth.eu-west-2.amazoncognito.com',
      SELFHELP_SIGN_IN_ISSUER: 'https://cognito-idp.eu-west-2.amazonaws.com/eu-west-2_example',
      SELFHELP_SIGN_IN_CLIENT_ID: 'site-client',
      SELFHELP_READER_ROLES: 'requester',
      SELFHELP_SESSION_MINUTES: '60',
    });
  });

  test.each(Object.entries(HANDLERS))('the %s function serves exactly its group’s catalogue routes', (group, modulePath) => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const entry = require(join(ROOT, modulePath)) as { routes: ModuleRoutes<never>; handler: unknown };
    const expected = API_ROUTES.filter((r) => r.group === group).map(routeKey).sort();
    expect(expected.length).toBeGreaterThan(0);
    expect(entry.routes.group).toBe(group);
    expect(entry.routes.routes.map(routeKey).sort()).toEqual(expected);
    expect(typeof entry.handler).toBe('function');
  });

  test('every catalogue route belongs to a function', () => {
    expect([...new Set(API_ROUTES.map((r) => r.group))].sort()).toEqual(Object.keys(HANDLERS).sort());
  });

  test('a handler serving token routes cannot be built without an audit log for the requests it refuses', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { createHttpHandler } = require('../../src/kernel/http/http-router') as typeof import('../../src/kernel/http/http-router');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { defineRoutes } = require('../../src/kernel/http/route-declaration') as typeof import('../../src/kernel/http/route-declaration');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { createObservability } = require('../../src/platform/runtime-environment') as typeof import('../../src/platform/runtime-environment');
    const observability = createObservability('route-table-test');
    const contract = { path: '/x', method: 'GET', summary: 'x', operationId: 'x', response: { status: 200, description: 'x' } } as const;
    const serve = async () => ({ status: 200 });
    const tokenRoutes = defineRoutes<undefined>('meta', [{ ...contract, auth: 'token', handle: serve }]);
    const openRoutes = defineRoutes<undefined>('meta', [{ ...contract, auth: 'none', handle: serve }]);
    expect(() => createHttpHandler(tokenRoutes, undefined, observability)).toThrow(/audit log/);
    expect(() => createHttpHandler(tokenRoutes, undefined, observability, { audit: { record: async () => undefined } })).not.toThrow();
    expect(() => createHttpHandler(openRoutes, undefined, observability)).not.toThrow();
    expect(() => createHttpHandler(defineRoutes<undefined>('meta', [{ ...contract, auth: 'none', handle: serve }, { ...contract, auth: 'none', handle: serve }]), undefined, observability)).toThrow(
      /declared twice/,
    );
  });
});

describe("the README's route table", () => {
  const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const START = '<!-- routes:start -->';
  const END = '<!-- routes:end -->';

  /** Every `METHOD /path` named in the table's first column (several per row when joined by ·), query strings left out. */
  function routesInReadme(): string[] {
    const start = README.indexOf(START);
    const end = README.indexOf(END);
    expect(start).toBeGreaterThan(-1);
    expect(end).toBeGreaterThan(start);
    return README.slice(start, end)
      .split('\n')
      .filter((line) => line.startsWith('| `'))
      .flatMap((line) => [...line.split(' | ')[0]!.matchAll(/`(GET|POST|PATCH|PUT|DELETE) ([^`?\s]+)[^`]*`/g)].map(([, method, path]) => `${method} ${path}`));
  }

  test('names every declared route exactly once, and no other', () => {
    const inReadme = routesInReadme();
    const declared = API_ROUTES.map(routeKey);
    const missing = API_ROUTES.filter((r) => !inReadme.includes(routeKey(r))).map((r) => `| \`${routeKey(r)}\` | ${r.summary} |`);
    // A failure lists the rows to add (a starting point: the declaration's summary) and the rows to remove.
    expect({ missing, undeclared: inReadme.filter((key) => !declared.includes(key)) }).toEqual({ missing: [], undeclared: [] });
    expect(inReadme.filter((key, i) => inReadme.indexOf(key) !== i)).toEqual([]);
  });
});
