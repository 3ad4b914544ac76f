import { randomUUID } from 'node:crypto';
import { DynamoDbAuditTrail } from '../../src/kernel/adapters/dynamodb-audit-trail';
import { DynamoDbKnownErrorImpactReader } from '../../src/modules/reports/adapters/dynamodb-known-error-impact-reader';
import { DynamoDbIncidentRepository } from '../../src/modules/incidents/adapters/dynamodb-incident-repository';
import { DynamoDbProblemRepository } from '../../src/modules/problems/adapters/dynamodb-problem-repository';
import { createKnownError, createProblem, linkIncident, updateProblem, type ProblemDeps } from '../../src/modules/problems/app/problem-use-cases';
import type { Caller } from '../../src/kernel/domain/access-policy';
import type { Incident } from '../../src/modules/incidents/domain/incident';
import { createTestTables, type TestTables } from '../support/test-tables';
import { apiEvent, callers, invoke, lambdaContext, type ProxyHandler } from './support-events';
import { exampleSettings, localFunctionEnv, muteEmptyMetricsWarning, setEnv } from './support-handler';
import { aChange, anIncident } from './support-incidents';
import { functionSettingsEnv } from '../support/function-settings';

/**
 * Known errors' ongoing impact in the service report, through the reports function as the runtime
 * loads it, over DynamoDB Local: problems, known errors and links written by the problem use cases,
 * incidents (with their outage aggregates) by the incident repository.
 */
let tables: TestTables;
let handler: ProxyHandler;
let restore: () => void;
const engineer: Caller = { id: 'e-1', name: 'erin.engineer', roles: ['engineer'] };
const period = { from: '2026-10-01T00:00:00Z', to: '2026-10-02T00:00:00Z' };
const ids: Record<string, string> = {};

beforeAll(async () => {
  tables = await createTestTables();
  restore = setEnv({ ...localFunctionEnv(tables), ...functionSettingsEnv(exampleSettings()) });
  muteEmptyMetricsWarning();
  jest.isolateModules(() => {
    handler = (require('../../src/modules/reports/functions/reports-handler') as { handler: ProxyHandler }).handler;
  });
  const incidents = new DynamoDbIncidentRepository(tables.documents, tables.names.incidents);
  const deps: ProblemDeps = {
    problems: new DynamoDbProblemRepository(tables.documents, tables.names.problems),
    incidents,
    clock: { now: () => new Date() },
    ids: { newId: () => randomUUID() },
    audit: new DynamoDbAuditTrail(tables.documents, tables.names.audit, { clock: { now: () => new Date() }, ids: { newId: () => randomUUID() } }),
  };
  const incident = async (overrides: Partial<Incident>): Promise<Incident> => {
    const created = anIncident({ detectedAt: overrides.createdAt!, ...overrides });
    await incidents.create(aChange(created));
    return created;
  };
  // email: 09:00–09:30 × 10 users, 12:00–13:00 × 5 users (both linked to one problem), and an
  // unlinked 14:00–18:00 outage; one linked incident logged before the period. erp: 10:00–10:20 × 1.
  const i1 = await incident({ service: 'email', createdAt: '2026-10-01T09:00:00.000Z', outage: { end: '2026-10-01T09:30:00.000Z' }, usersAffected: 10 });
  const i2 = await incident({ service: 'email', createdAt: '2026-10-01T12:00:00.000Z', outage: { end: '2026-10-01T13:00:00.000Z' }, usersAffected: 5 });
  const i3 = await incident({ service: 'email', createdAt: '2026-09-20T08:00:00.000Z' });
  await incident({ service: 'email', createdAt: '2026-10-01T14:00:00.000Z', outage: { end: '2026-10-01T18:00:00.000Z' }, usersAffected: 900 });
  const i4 = await incident({ service: 'erp', createdAt: '2026-10-01T10:00:00.000Z', outage: { end: '2026-10-01T10:20:00.000Z' }, usersAffected: 1 });

  const problem = (title: string, services: string[]) => createProblem(deps, engineer, { title, description: title, impact: 'Users affected', priority: 'P2', services });
  const known = (title: string, services: string[], extra: Record<string, unknown> = {}) =>
    createKnownError(deps, engineer, { title, symptoms: 's', rootCause: 'r', workaround: 'w', services, ...extra });
  const relay = await problem('Relay leaks', ['email']);
  for (const i of [i1, i2, i3]) await linkIncident(deps, engineer, relay.id, i.id);
  ids['relay'] = (await known('Relay client leaks connections', ['email'], { problemId: relay.id, fixStatus: 'planned' })).id;
  const erp = await problem('ERP pool exhaustion', ['erp']);
  await linkIncident(deps, engineer, erp.id, i4.id);
  ids['erp'] = (await known('ERP pool exhausted', ['erp'], { problemId: erp.id })).id;
  ids['noProblem'] = (await known('Signature images missing', ['email'])).id;
  // Not open: the fix is implemented; the problem was canceled.
  await known('Old mailbox quota', ['email'], { fixStatus: 'implemented' });
  const canceled = await problem('Duplicate of relay', ['email']);
  await known('Duplicate known error', ['email'], { problemId: canceled.id });
  await updateProblem(deps, engineer, canceled.id, { state: 'Canceled', cancelReason: 'Duplicate of the relay problem' }, 1);
});
afterAll(async () => {
  restore?.();
  await tables?.destroy();
});

const serviceReport = (query: Record<string, string>) => invoke(handler, 'GET', { path: '/reports/service', query, caller: callers.serviceOwner });

test('one service: its open known errors, ranked, with the incidents linked in the period and their outages', async () => {
  const response = await serviceReport({ service: 'email', ...period });
  expect(response.status).toBe(200);
  expect(response.body.knownErrors).toEqual({
    open: 2,
    items: [
      // 2 linked incidents logged in the period (not the one of 20 September); 30 + 60 minutes; 300 + 300 user minutes.
      {
        id: ids['relay'], title: 'Relay client leaks connections', fixStatus: 'planned', problemId: expect.any(String), problemState: 'New', services: ['email'],
        incidents: 2, outageMinutes: 90, userOutageMinutes: 600, outagesWithoutUsers: 0,
      },
      { id: ids['noProblem'], title: 'Signature images missing', fixStatus: 'none', services: ['email'], incidents: 0, outageMinutes: 0, userOutageMinutes: 0, outagesWithoutUsers: 0 },
    ],
  });
});

test('every service: every open known error, outages on its own services', async () => {
  const response = await serviceReport(period);
  expect(response.body.knownErrors.open).toBe(3);
  expect(response.body.knownErrors.items.map((k: { id: string; incidents: number; outageMinutes: number; userOutageMinutes: number }) => [k.id, k.incidents, k.outageMinutes, k.userOutageMinutes])).toEqual([
    [ids['relay'], 2, 90, 600],
    [ids['erp'], 1, 20, 20],
    [ids['noProblem'], 0, 0, 0],
  ]);
});

test('a period without linked incidents lists the open known errors with nothing counted', async () => {
  const response = await serviceReport({ service: 'email', from: '2026-11-01T00:00:00Z', to: '2026-11-02T00:00:00Z' });
  expect(response.body.knownErrors.items.map((k: { incidents: number; outageMinutes: number }) => [k.incidents, k.outageMinutes])).toEqual([[0, 0], [0, 0]]);
});

test('CSV: one row per figure of each known error', async () => {
  const result = await handler(
    apiEvent('GET', { path: '/reports/service', query: { service: 'email', ...period }, caller: callers.agent, headers: { Accept: 'text/csv' } }),
    lambdaContext('rowe-itsm-example-reports'),
  );
  expect(result.statusCode).toBe(200);
  expect(result.body).toContain('\r\nknownErrors.open,2\r\n');
  expect(result.body).toContain(`\r\nknownErrors.items.0.id,${ids['relay']}\r\n`);
  expect(result.body).toContain('\r\nknownErrors.items.0.userOutageMinutes,600\r\n');
  expect(result.body).toContain('\r\nknownErrors.items.0.services.0,email\r\n');
});

test('the reader stops at its bound and says so; newest known errors first; open problems by state', async () => {
  const reader = new DynamoDbKnownErrorImpactReader(tables.documents, tables.names.problems);
  const all = await reader.unfixedKnownErrors(undefined, 1000);
  expect(all).toMatchObject({ truncated: false });
  // Five known errors recorded, one with its fix implemented: four unfixed, newest first.
  expect(all.items.map((k) => k.title)).toEqual(['Duplicate known error', 'Signature images missing', 'ERP pool exhausted', 'Relay client leaks connections']);
  // The bound counts what is read, not what the filter keeps: the two newest are the duplicate
  // and the implemented one, so one item, and the read says it stopped short.
  const two = await reader.unfixedKnownErrors(undefined, 2);
  expect(two).toEqual({ items: all.items.slice(0, 1), truncated: true });
  const problems = await reader.openProblems(1000);
  expect(problems.items.map((p) => p.state)).toEqual(['New', 'New']);
  const links = await reader.linkedIncidents(all.items[3]!.problemId!, 2);
  expect(links).toMatchObject({ truncated: true });
  expect(links.items).toHaveLength(2);
  expect((await reader.linkedIncidents(all.items[3]!.problemId!, 1000)).items).toHaveLength(3);
});
