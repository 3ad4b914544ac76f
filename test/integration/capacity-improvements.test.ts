import { DynamoDbCatalogueRepository } from '../../src/modules/catalogue/adapters/dynamodb-catalogue-repository';
import { DynamoDbIncidentRepository } from '../../src/modules/incidents/adapters/dynamodb-incident-repository';
import { newService } from '../../src/modules/catalogue/domain/service-catalogue';
import { createServiceBodySchema } from '../../src/modules/catalogue/schemas/catalogue-schemas';
import { createTestTables, type TestTables } from '../support/test-tables';
import { apiEvent, callers, invoke, lambdaContext, type ProxyHandler, type TestCaller } from './support-events';
import { exampleSettings, localFunctionEnv, muteEmptyMetricsWarning, setEnv } from './support-handler';
import { aChange, anIncident } from './support-incidents';
import { functionSettingsEnv } from '../support/function-settings';

/**
 * Capacity measurements and the continual improvement register through the reports function as
 * the runtime loads it, on DynamoDB Local: idempotent recording, the report (JSON and CSV), the
 * register's lifecycle with If-Match, progress computed from the reports, audit records.
 */
let tables: TestTables;
let handler: ProxyHandler;
let restore: () => void;

const owner = callers.serviceOwner; // oscar.owner owns `shop`
const capacity = {
  actions: [
    { service: 'shop', id: 'orders', name: 'Orders processed per hour', unit: 'orders/hour', baseline: 50, capacity: 100 },
    { service: 'shop', id: 'logins', name: 'Logins per hour', unit: 'logins/hour', baseline: 10, capacity: 40 },
    { service: 'other', id: 'jobs', name: 'Jobs per day', unit: 'jobs/day', baseline: 1, capacity: 2 },
  ],
};

beforeAll(async () => {
  tables = await createTestTables();
  restore = setEnv({
    ...localFunctionEnv(tables),
    INCIDENTS_TABLE_NAME: tables.names.incidents,
    AUDIT_TABLE_NAME: tables.names.audit,
    CATALOGUE_TABLE_NAME: tables.names.catalogue,
    EVENTS_TABLE_NAME: tables.names.events,
    ...functionSettingsEnv({ ...exampleSettings(), capacity }),
  });
  muteEmptyMetricsWarning();
  jest.isolateModules(() => {
    handler = (require('../../src/modules/reports/functions/reports-handler') as { handler: ProxyHandler }).handler;
  });
  const catalogue = new DynamoDbCatalogueRepository(tables.documents, tables.names.catalogue);
  const ownerOf = (username: string) => ({ username, name: username, email: `${username}@example.com` });
  for (const [id, username] of [['shop', owner.username], ['other', 'somebody.else']] as const) {
    const input = createServiceBodySchema.parse({ id, name: id, description: `The ${id} service`, status: 'live', owner: ownerOf(username), commencementDate: '2024-01-01', sla: { reference: 'MSA' } });
    await catalogue.createService(newService(input, { name: 'setup' } as never, '2026-01-01T00:00:00.000Z'));
  }
  // A 30-minute outage on shop on 2026-10-01: availability that day 1,410 / 1,440 = 97.9167 %.
  const incidents = new DynamoDbIncidentRepository(tables.documents, tables.names.incidents);
  await incidents.create(aChange(anIncident({ service: 'shop', createdAt: '2026-10-01T09:00:00.000Z', detectedAt: '2026-10-01T09:00:00.000Z', outage: { end: '2026-10-01T09:30:00.000Z' } })));
});
afterAll(async () => {
  restore?.();
  await tables?.destroy();
});

const record = (caller: TestCaller, body: unknown, service = 'shop') =>
  invoke(handler, 'POST', { path: `/services/${service}/capacity`, resource: '/services/{id}/capacity', pathParameters: { id: service }, body, caller });
const report = (caller: TestCaller, query: Record<string, string> = { service: 'shop', from: '2026-11-01T00:00:00Z', to: '2026-11-05T00:00:00Z' }) =>
  invoke(handler, 'GET', { path: '/reports/capacity', query, caller });
const day = (d: number) => `2026-11-0${d}T00:00:00.000Z`;

async function auditActions(resourceType: string): Promise<string[]> {
  const { ScanCommand } = await import('@aws-sdk/lib-dynamodb');
  const result = await tables.documents.send(new ScanCommand({ TableName: tables.names.audit }));
  return (result.Items ?? []).filter((i) => i['resource']?.type === resourceType).map((i) => i['action'] as string);
}

describe('capacity', () => {
  test('the owner records measurements; the same one again is a replay (200), another value for the same instant a 409', async () => {
    for (const [d, value] of [[1, 10], [2, 20], [3, 30]] as const) expect((await record(owner, { action: 'orders', at: day(d), value })).status).toBe(201);
    const replay = await record(owner, { action: 'orders', at: day(3), value: 30 });
    expect(replay).toMatchObject({ status: 200, body: { action: 'orders', at: day(3), value: 30, recordedBy: owner.username } });
    const conflict = await record(owner, { action: 'orders', at: day(3), value: 31 });
    expect({ status: conflict.status, field: conflict.body.errors?.[0]?.field ?? conflict.body.field }).toMatchObject({ status: 409 });
    expect(await auditActions('capacity')).toEqual(['capacity:record', 'capacity:record', 'capacity:record']);
  });

  test('who may record: the owner of the service and admins; not other owners, the desk or requesters', async () => {
    expect((await record(owner, { action: 'jobs', at: day(1), value: 1 }, 'other')).status).toBe(403);
    expect((await record(callers.admin, { action: 'jobs', at: day(1), value: 1 }, 'other')).status).toBe(201);
    for (const caller of [callers.agent, callers.requester, callers.auditor]) expect((await record(caller, { action: 'orders', at: day(4), value: 1 })).status).toBe(403);
  });

  test('an action not agreed for the service, a future instant, an unknown service are refused naming the field', async () => {
    const unknownAction = await record(owner, { action: 'jobs', at: day(1), value: 1 });
    expect({ status: unknownAction.status, field: unknownAction.body.errors[0].field }).toEqual({ status: 400, field: 'action' });
    const future = await record(owner, { action: 'orders', at: '2099-01-01T00:00:00Z', value: 1 });
    expect({ status: future.status, field: future.body.errors[0].field }).toEqual({ status: 400, field: 'at' });
    expect((await record(callers.admin, { action: 'orders', at: day(1), value: 1 }, 'nope')).status).toBe(404);
    expect((await record(owner, { action: 'orders', at: day(1), value: -1 })).status).toBe(400);
  });

  test('the report: actual vs baseline, peak utilisation, headroom, trend and forecast per action', async () => {
    const response = await report(callers.agent);
    expect(response.status).toBe(200);
    expect(response.body.actions).toEqual([
      {
        action: 'orders', name: 'Orders processed per hour', unit: 'orders/hour', baseline: 50, capacity: 100, sources: { api: 3 },
        measurements: 3, mean: 20, peak: 30, peakAt: day(3), meanVsBaselinePercent: 40, peakUtilisationPercent: 30, headroom: 70, headroomPercent: 70,
        overCapacity: false, trend: { slopePerDay: 10, direction: 'rising', reachesCapacityAt: '2026-11-10T00:00:00.000Z' },
      },
      { action: 'logins', name: 'Logins per hour', unit: 'logins/hour', baseline: 10, capacity: 40, sources: { api: 0 }, measurements: 0, overCapacity: false, trend: {} },
    ]);
    // `to` is exclusive: a period ending at day 3 leaves the day-3 measurement out.
    const shorter = await report(callers.agent, { service: 'shop', from: day(1), to: day(3) });
    expect(shorter.body.actions[0]).toMatchObject({ measurements: 2, peak: 20 });
  });

  test('CSV with Accept: text/csv; requesters may not read the report', async () => {
    const result = await handler(
      apiEvent('GET', { path: '/reports/capacity', query: { service: 'shop', from: day(1), to: day(5) }, caller: callers.serviceOwner, headers: { Accept: 'text/csv' } }),
      lambdaContext('rowe-itsm-example-reports'),
    );
    expect(result.headers?.['Content-Type']).toBe('text/csv; charset=utf-8');
    expect(result.body).toContain('\r\nactions.0.trend.reachesCapacityAt,2026-11-10T00:00:00.000Z\r\n');
    expect((await report(callers.requester)).status).toBe(403);
  });
});

describe('continual improvement register', () => {
  const body = {
    title: 'Fewer shop outages',
    service: 'shop',
    metric: 'availabilityPercent',
    baseline: { from: '2026-10-01T00:00:00Z', to: '2026-10-02T00:00:00Z' },
    target: { value: 99.5, direction: 'increase', deadline: '2027-06-01T00:00:00Z' },
    owner: owner.username,
  };
  const create = (caller: TestCaller, b: unknown = body) => invoke(handler, 'POST', { path: '/improvements', body: b, caller });
  const get = (caller: TestCaller, id: string) => invoke(handler, 'GET', { path: `/improvements/${id}`, resource: '/improvements/{id}', pathParameters: { id }, caller });
  const patch = (caller: TestCaller, id: string, b: unknown, ifMatch?: string) =>
    invoke(handler, 'PATCH', { path: `/improvements/${id}`, resource: '/improvements/{id}', pathParameters: { id }, body: b, caller, ...(ifMatch && { headers: { 'If-Match': ifMatch } }) });
  const list = (caller: TestCaller, query: Record<string, string> = {}) => invoke(handler, 'GET', { path: '/improvements', query, caller });

  test('an owner adds an item: proposed, with progress computed from the availability report', async () => {
    const created = await create(owner);
    expect(created.status).toBe(201);
    expect(created.headers['etag']).toBe('"1"');
    expect(created.headers['location']).toMatch(new RegExp(`/improvements/${created.body.id}$`));
    // Baseline: 97.9167 % on 2026-10-01; now: the last day, no outage: 100 %. (100 − 97.9167) / (99.5 − 97.9167) = 131.6 %.
    expect(created.body).toMatchObject({ status: 'proposed', version: 1, createdBy: owner.username, progress: { baselineValue: 97.9167, currentValue: 100, progressPercent: 131.6, achieved: true, onTrack: true } });
    const read = await get(callers.auditor, created.body.id);
    expect(read).toMatchObject({ status: 200, body: { id: created.body.id, progress: { achieved: true } } });
  });

  test('progress is not accepted as input; bad measures are refused naming the field', async () => {
    expect((await create(owner, { ...body, progress: { progressPercent: 100 } })).body.errors[0].field).toBe('progress');
    const noService = await create(owner, { ...body, service: undefined });
    expect({ status: noService.status, field: noService.body.errors[0].field }).toEqual({ status: 400, field: 'service' });
    const sla = await create(owner, { ...body, service: undefined, metric: 'slaAchievedShare' });
    expect(sla.body.errors.map((e: { field: string }) => e.field)).toEqual(['priority', 'slaTarget']);
    const late = await create(owner, { ...body, target: { ...body.target, deadline: '2026-09-01T00:00:00Z' } });
    expect(late.body.errors[0].field).toBe('target.deadline');
  });

  test('lifecycle with If-Match: approved → in progress → achieved (only when the reports show it); stale versions 412, missing 428', async () => {
    const { body: item } = await create(owner);
    expect((await patch(owner, item.id, { status: 'approved' })).status).toBe(428);
    expect((await patch(owner, item.id, { status: 'achieved' }, '"1"')).status).toBe(409);
    const approved = await patch(callers.admin, item.id, { status: 'approved' }, '"1"');
    expect(approved).toMatchObject({ status: 200, body: { status: 'approved', version: 2 } });
    expect((await patch(owner, item.id, { title: 'Stale' }, '"1"')).status).toBe(412);
    const moved = await patch(owner, item.id, { baseline: { from: '2026-09-01T00:00:00Z', to: '2026-09-02T00:00:00Z' } }, '"2"');
    expect({ status: moved.status, field: moved.body.errors?.[0]?.field ?? moved.body.subject }).toMatchObject({ status: 409 });
    expect((await patch(owner, item.id, { status: 'in progress' }, '"2"')).status).toBe(200);
    expect((await patch(owner, item.id, { status: 'achieved' }, '"3"'))).toMatchObject({ status: 200, body: { status: 'achieved' } });
    expect(await auditActions('improvement')).toEqual(expect.arrayContaining(['improvement:create', 'improvement:update']));
  });

  test('an item whose target the reports do not show cannot be marked achieved', async () => {
    const { body: item } = await create(owner, { ...body, target: { ...body.target, value: 100.5 } });
    await patch(owner, item.id, { status: 'approved' }, '"1"');
    await patch(owner, item.id, { status: 'in progress' }, '"2"');
    const refused = await patch(owner, item.id, { status: 'achieved' }, '"3"');
    expect(refused.status).toBe(409);
    expect((await get(owner, item.id)).body).toMatchObject({ status: 'in progress', version: 3, progress: { achieved: false } });
  });

  test('lists by status and all, paginated; readers but not requesters', async () => {
    const first = await list(callers.changeManager, { limit: '1' });
    expect(first.status).toBe(200);
    expect(first.body.items).toHaveLength(1);
    expect(first.body.nextToken).toEqual(expect.any(String));
    const second = await list(callers.changeManager, { limit: '1', nextToken: first.body.nextToken });
    expect(second.body.items[0].id).not.toBe(first.body.items[0].id);
    const achieved = await list(callers.agent, { status: 'achieved' });
    expect(achieved.body.items.map((i: { status: string }) => i.status)).toEqual(['achieved']);
    expect((await list(callers.agent, { status: 'achieved', nextToken: first.body.nextToken })).status).toBe(400);
    expect((await list(callers.requester)).status).toBe(403);
    expect((await create(callers.agent)).status).toBe(403);
  });
});
