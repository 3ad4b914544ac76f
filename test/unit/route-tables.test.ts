import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { API_ROUTES, routeKey, type FunctionGroup } from '../../src/api/api-catalogue';

/**
 * The catalogue is what the stack deploys; each function group's handler must serve exactly its
 * catalogue routes — no route deployed without code, no code without a route.
 */
const HANDLERS: Record<FunctionGroup, string> = {
  incidents: '../../src/modules/incidents/functions/incidents-handler',
  audit: '../../src/modules/audit/functions/audit-handler',
  catalogue: '../../src/modules/catalogue/functions/catalogue-handler',
  problems: '../../src/modules/problems/functions/problems-handler',
  changes: '../../src/modules/changes/functions/changes-handler',
  meta: '../../src/modules/meta/functions/meta-handler',
  reports: '../../src/modules/reports/functions/reports-handler',
};

beforeAll(() => {
  const example = JSON.parse(readFileSync(join(__dirname, '../../clients/example.json'), 'utf8'));
  Object.assign(process.env, {
    AWS_REGION: 'eu-west-2',
    INCIDENTS_TABLE_NAME: 'route-table-test',
    IDEMPOTENCY_TABLE_NAME: 'route-table-test-idempotency',
    AUDIT_TABLE_NAME: 'route-table-test-audit',
    CATALOGUE_TABLE_NAME: 'route-table-test-catalogue',
    PROBLEMS_TABLE_NAME: 'route-table-test-problems',
    CHANGES_TABLE_NAME: 'route-table-test-changes',
    EVENTS_TABLE_NAME: 'route-table-test-events',
    ITSM_CLIENT_SETTINGS: JSON.stringify({ id: example.id, timeZone: example.timeZone, contacts: example.contacts }),
    POWERTOOLS_METRICS_DISABLED: 'true',
    SLA_STATE_MACHINE_ARN: 'arn:aws:states:eu-west-2:000000000000:stateMachine:SlaWorkflow',
  });
});

test.each(Object.entries(HANDLERS))('the %s handler serves exactly its catalogue routes', (group, modulePath) => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { routes } = require(modulePath) as { routes: Record<string, unknown> };
  const expected = API_ROUTES.filter((r) => r.group === group).map(routeKey).sort();
  expect(expected.length).toBeGreaterThan(0);
  expect(Object.keys(routes).sort()).toEqual(expected);
});

test('every catalogue route belongs to a handler', () => {
  expect([...new Set(API_ROUTES.map((r) => r.group))].sort()).toEqual(Object.keys(HANDLERS).sort());
});

test('only health and the API description are public', () => {
  expect(API_ROUTES.filter((r) => r.auth === 'none').map(routeKey).sort()).toEqual(['GET /health', 'GET /openapi.json']);
});

test('a handler serving token routes cannot be built without an audit log for the requests it refuses', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { createHttpHandler, authenticated, open } = require('../../src/kernel/http/http-router') as typeof import('../../src/kernel/http/http-router');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { createObservability } = require('../../src/platform/runtime-environment') as typeof import('../../src/platform/runtime-environment');
  const observability = createObservability('route-table-test');
  const serve = async () => ({ status: 200 });
  expect(() => createHttpHandler({ 'GET /x': authenticated(serve) }, observability)).toThrow(/audit log/);
  expect(() => createHttpHandler({ 'GET /x': authenticated(serve) }, observability, { audit: { record: async () => undefined } })).not.toThrow();
  expect(() => createHttpHandler({ 'GET /health': open(serve) }, observability)).not.toThrow();
});
