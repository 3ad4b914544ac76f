import { DynamoDbIncidentRepository } from '../../src/modules/incidents/adapters/dynamodb-incident-repository';
import { createTestTables, type TestTables } from '../support/test-tables';
import { apiEvent, callers, invoke, lambdaContext, type ProxyHandler, type TestCaller } from './support-events';
import { exampleSettings, localFunctionEnv, muteEmptyMetricsWarning, setEnv } from './support-handler';
import { aChange, anIncident } from './support-incidents';
import { functionSettingsEnv } from '../support/function-settings';

/** The reports function as the runtime loads it: routes, access by role, JSON and CSV. */
let tables: TestTables;
let handler: ProxyHandler;
let restore: () => void;

beforeAll(async () => {
  tables = await createTestTables();
  restore = setEnv({
    ...localFunctionEnv(tables),
    INCIDENTS_TABLE_NAME: tables.names.incidents,
    AUDIT_TABLE_NAME: tables.names.audit,
    CATALOGUE_TABLE_NAME: tables.names.catalogue,
    EVENTS_TABLE_NAME: tables.names.events,
    CHANGES_TABLE_NAME: tables.names.changes,
    ...functionSettingsEnv(exampleSettings()),
  });
  muteEmptyMetricsWarning();
  jest.isolateModules(() => {
    handler = (require('../../src/modules/reports/functions/reports-handler') as { handler: ProxyHandler }).handler;
  });
  const repo = new DynamoDbIncidentRepository(tables.documents, tables.names.incidents);
  const incident = anIncident({ service: 'email', createdAt: '2026-10-01T09:00:00.000Z', detectedAt: '2026-10-01T09:00:00.000Z', outage: { end: '2026-10-01T09:30:00.000Z' }, usersAffected: 10 });
  await repo.create(aChange(incident));
});
afterAll(async () => {
  restore?.();
  await tables?.destroy();
});

const period = { from: '2026-10-01T00:00:00Z', to: '2026-10-02T00:00:00Z' };
const availability = (caller: TestCaller | undefined, query: Record<string, string> = { service: 'email', ...period }) =>
  invoke(handler, 'GET', { path: '/reports/availability', query, caller });

test.each([
  ['agent', callers.agent],
  ['engineer', callers.engineer],
  ['service-owner', callers.serviceOwner],
  ['change-manager', callers.changeManager],
  ['auditor', callers.auditor],
  ['admin', callers.admin],
])('%s may read the availability report', async (_role, caller) => {
  const response = await availability(caller);
  expect(response.status).toBe(200);
  expect(response.body).toMatchObject({ service: 'email', outageMinutes: 30, failures: 1, userOutageMinutes: 300, mtrsMinutes: 30 });
});

test('requesters and machine clients may not; the refusal is a 403 problem', async () => {
  for (const caller of [callers.requester, { sub: 'client-1', username: 'client:erp', groups: 'integration' }]) {
    const response = await availability(caller);
    expect({ status: response.status, type: response.headers['content-type'] }).toEqual({ status: 403, type: 'application/problem+json' });
  }
});

test('a bad period or service is a 400 naming the field', async () => {
  expect((await availability(callers.agent, { service: 'email', from: period.to, to: period.from })).status).toBe(400);
  expect((await availability(callers.agent, { service: 'email', from: '2024-01-01T00:00:00Z', to: '2026-01-01T00:00:00Z' })).body.errors[0].field).toBe('to');
  expect((await availability(callers.agent, { from: period.from, to: period.to })).body.errors[0].field).toBe('service');
});

test('Accept: text/csv answers CSV', async () => {
  const result = await handler(
    apiEvent('GET', { path: '/reports/service', query: { ...period }, caller: callers.agent, headers: { Accept: 'text/csv' } }),
    lambdaContext('rowe-itsm-example-reports'),
  );
  expect(result.statusCode).toBe(200);
  expect(result.headers?.['Content-Type']).toBe('text/csv; charset=utf-8');
  expect(result.body.split('\r\n')[0]).toBe('metric,value');
  expect(result.body).toContain('\r\nservice,*\r\n');
  expect(result.body).toContain('\r\nbySource.api,1\r\n');
  expect(result.body).toContain('\r\nsla.');
});

test('the service report includes the requests-to-changes ratio and the monitoring events of its period (read from their tables)', async () => {
  const response = await invoke(handler, 'GET', { path: '/reports/service', query: { ...period, service: 'email' }, caller: callers.agent });
  expect(response.status).toBe(200);
  expect(response.body.requestsChanges).toEqual({ requests: 0, changes: 0, ratio: null });
  expect(response.body.events).toEqual({ from: period.from.replace('Z', '.000Z'), to: period.to.replace('Z', '.000Z'), wholePeriod: true, total: 0, bySource: {}, bySeverity: {} });
});

test('the service report for every service includes SLA compliance', async () => {
  const response = await invoke(handler, 'GET', { path: '/reports/service', query: { ...period }, caller: callers.serviceOwner });
  expect(response.status).toBe(200);
  expect(response.body).toMatchObject({ service: '*', opened: 1, byService: { email: 1 }, sla: { rows: expect.any(Array) } });
});
