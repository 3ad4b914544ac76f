import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { createTestTables, type TestTables } from '../support/test-tables';
import { apiEvent, blamedFields, callers, invoke, lambdaContext, type ProxyHandler, type TestCaller } from './support-events';
import { exampleFunctionEnv, muteEmptyMetricsWarning, setEnv } from './support-handler';

/** The on-call function as the runtime loads it, on DynamoDB Local: schedules, overrides, shifts, gaps, calendars, the gap check. */
let tables: TestTables;
let handler: ProxyHandler;
let restore: () => void;

beforeAll(async () => {
  tables = await createTestTables();
  restore = setEnv(exampleFunctionEnv(tables));
  muteEmptyMetricsWarning();
  jest.isolateModules(() => {
    handler = (require('../../src/modules/oncall/functions/oncall-handler') as { handler: ProxyHandler }).handler;
  });
});
afterAll(async () => {
  restore?.();
  await tables?.destroy();
});

const weekly = {
  name: 'Messaging',
  timeZone: 'Europe/London',
  layers: [
    { name: 'weekly', start: '2026-03-23T09:00:00Z', turn: 'P7D', participants: ['ana', 'ben'] },
    { name: 'evenings', start: '2026-03-23T18:00:00Z', turn: 'P7D', participants: ['cy'], restrictions: [{ kind: 'weekly', days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '18:00', to: '09:00' }] },
  ],
};
/** Weekday evenings only: nobody on call in the day or at weekends. */
const eveningsOnly = { ...weekly, name: 'Evenings only', layers: [weekly.layers[1]!] };

const sub = (id: string, rest = '', params: Record<string, string> = {}) => ({
  path: `/schedules/${id}${rest.replace(/\{(\w+)\}/g, (_, name: string) => params[name]!)}`,
  resource: `/schedules/{id}${rest}`,
  pathParameters: { id, ...params },
});

async function create(body: unknown = weekly, caller: TestCaller = callers.agent) {
  return invoke(handler, 'POST', { path: '/schedules', body, caller });
}

async function scheduleCount(): Promise<number> {
  const result = await tables.documents.send(new ScanCommand({ TableName: tables.names.oncall }));
  return (result.Items ?? []).filter((item) => item['kind'] === 'schedule').length;
}

describe('schedules', () => {
  let id: string;

  beforeAll(async () => {
    const created = await create();
    expect(created.status).toBe(201);
    id = created.body.id;
  });

  test('created with version 1, an ETag and a Location; overrides start empty', async () => {
    const read = await invoke(handler, 'GET', { ...sub(id), caller: callers.auditor });
    expect({ status: read.status, etag: read.headers['etag'], name: read.body.name, overrides: read.body.overrides, createdBy: read.body.createdBy }).toEqual({
      status: 200,
      etag: '"1"',
      name: 'Messaging',
      overrides: [],
      createdBy: callers.agent.username,
    });
  });

  test('who is on call: the layers, the upper one where it has someone', async () => {
    const at = async (instant: string) => (await invoke(handler, 'GET', { ...sub(id, '/oncall'), query: { at: instant }, caller: callers.engineer })).body;
    expect(await at('2026-03-24T12:00:00Z')).toEqual({ scheduleId: id, at: '2026-03-24T12:00:00.000Z', oncall: ['ana'] });
    expect((await at('2026-03-24T20:00:00Z')).oncall).toEqual(['cy']);
    expect((await at('2026-03-31T12:00:00Z')).oncall).toEqual(['ben']);
  });

  test('PATCH needs If-Match: 428 without, 412 on a stale version, then the change and a new ETag', async () => {
    const patch = (headers: Record<string, string>) => invoke(handler, 'PATCH', { ...sub(id), body: { name: 'Messaging desk' }, headers, caller: callers.serviceOwner });
    expect((await patch({})).status).toBe(428);
    expect((await patch({ 'If-Match': '"7"' })).status).toBe(412);
    const changed = await patch({ 'If-Match': '"1"' });
    expect({ status: changed.status, etag: changed.headers['etag'], name: changed.body.name, updatedBy: changed.body.updatedBy }).toEqual({
      status: 200,
      etag: '"2"',
      name: 'Messaging desk',
      updatedBy: callers.serviceOwner.username,
    });
  });

  test('an override across a hand-off, then removed', async () => {
    const added = await invoke(handler, 'POST', {
      ...sub(id, '/overrides'),
      body: { from: '2026-03-29T12:00:00Z', to: '2026-03-31T12:00:00Z', person: 'dee' },
      caller: callers.agent,
    });
    expect(added.status).toBe(201);
    const overrideId = added.body.override.id as string;
    expect(added.headers['location']).toBe(`/v1/schedules/${id}/overrides/${overrideId}`);
    const shifts = await invoke(handler, 'GET', { ...sub(id, '/shifts'), query: { from: '2026-03-29T00:00:00Z', to: '2026-04-01T00:00:00Z' }, caller: callers.agent });
    expect(shifts.body.shifts.filter((s: { oncall: string[] }) => s.oncall.includes('dee'))).toEqual([{ start: '2026-03-29T12:00:00.000Z', end: '2026-03-31T12:00:00.000Z', oncall: ['dee'] }]);

    const remove = () => invoke(handler, 'DELETE', { ...sub(id, '/overrides/{overrideId}', { overrideId }), caller: callers.agent });
    const removed = await remove();
    expect({ status: removed.status, overrides: removed.body.overrides }).toEqual({ status: 200, overrides: [] });
    expect((await remove()).status).toBe(404);
    const after = await invoke(handler, 'GET', { ...sub(id, '/oncall'), query: { at: '2026-03-30T12:00:00Z' }, caller: callers.agent });
    expect(after.body.oncall).toEqual(['ben']);
  });

  test('shifts: a window over 93 days, or backwards, is a 400 naming `to`', async () => {
    for (const query of [
      { from: '2026-01-01T00:00:00Z', to: '2026-04-05T00:00:00Z' },
      { from: '2026-02-01T00:00:00Z', to: '2026-01-01T00:00:00Z' },
    ]) {
      const response = await invoke(handler, 'GET', { ...sub(id, '/shifts'), query, caller: callers.agent });
      expect({ status: response.status, fields: blamedFields(response) }).toEqual({ status: 400, fields: ['to'] });
    }
  });

  test("a person's calendar is RFC 5545: text/calendar, CRLF lines of at most 75 octets, one VEVENT per shift", async () => {
    const raw = await handler(apiEvent('GET', { ...sub(id, '/people/{username}/calendar.ics', { username: 'cy' }), caller: callers.agent }), lambdaContext());
    expect(raw.statusCode).toBe(200);
    expect(raw.headers?.['Content-Type']).toBe('text/calendar; charset=utf-8');
    const lines = raw.body.split('\r\n');
    expect(lines[0]).toBe('BEGIN:VCALENDAR');
    expect(lines.at(-1)).toBe('');
    expect(raw.body.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
    expect(lines.every((line) => Buffer.byteLength(line) <= 75)).toBe(true);
    const events = lines.filter((line) => line === 'BEGIN:VEVENT').length;
    // Cy has weekday evenings: in 100 days some 70 evenings, each its own event.
    expect(events).toBeGreaterThan(60);
    expect(lines.filter((line) => /^DTSTART:\d{8}T\d{6}Z$/.test(line))).toHaveLength(events);
    expect(lines.filter((line) => line.startsWith('UID:'))).toHaveLength(events);
  });
});

describe('bad input and roles', () => {
  test('a bad schedule is a 400 naming each field, and nothing is written', async () => {
    const before = await scheduleCount();
    const bad = { ...weekly, timeZone: 'Mars/Olympus', layers: [{ ...weekly.layers[0]!, turn: 'PT30M' }] };
    const response = await create(bad);
    expect({ status: response.status, type: response.headers['content-type'], fields: blamedFields(response) }).toEqual({
      status: 400,
      type: 'application/problem+json',
      fields: ['timeZone', 'layers.0.turn'],
    });
    const unknownField = await create({ ...weekly, colour: 'red' });
    expect(blamedFields(unknownField)).toEqual(['colour']);
    expect(await scheduleCount()).toBe(before);
  });

  test('requesters and machine clients get 403 on reads and writes; auditors read but do not write', async () => {
    const machine = { sub: 'client-1', username: 'client:erp', groups: 'integration' };
    for (const caller of [callers.requester, machine]) {
      expect((await invoke(handler, 'GET', { path: '/schedules', caller })).status).toBe(403);
      expect((await create(weekly, caller)).status).toBe(403);
    }
    expect((await invoke(handler, 'GET', { path: '/schedules', caller: callers.auditor })).status).toBe(200);
    expect((await create(weekly, callers.auditor)).status).toBe(403);
  });

  test('changes are in the audit trail', async () => {
    const created = await create({ ...weekly, name: 'Audited' }, callers.admin);
    const records = await tables.documents.send(new ScanCommand({ TableName: tables.names.audit }));
    const entry = (records.Items ?? []).find((item) => item['action'] === 'schedule:create' && (item['resource'] as { id: string }).id === created.body.id);
    expect(entry).toMatchObject({ actor: callers.admin.username, outcome: 'allowed' });
  });
});

describe('listing and the daily gap check', () => {
  test('GET /schedules pages through every schedule with a Query, by id', async () => {
    await create(eveningsOnly);
    const seen: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await invoke(handler, 'GET', { path: '/schedules', query: { limit: '1', ...(nextToken && { nextToken }) }, caller: callers.agent });
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(1);
      seen.push(...page.body.items.map((s: { id: string }) => s.id));
      nextToken = page.body.nextToken;
    } while (nextToken);
    expect(seen).toHaveLength(await scheduleCount());
    expect([...seen].sort()).toEqual(seen);
    const forged = await invoke(handler, 'GET', { path: '/schedules', query: { nextToken: 'abc' }, caller: callers.agent });
    expect(blamedFields(forged)).toEqual(['nextToken']);
  });

  test('gaps of the next days: none for the 24×7 rota, weekends and days for the evenings-only one', async () => {
    const list = await invoke(handler, 'GET', { path: '/schedules', query: { limit: '100' }, caller: callers.agent });
    const full = list.body.items.find((s: { name: string }) => s.name === 'Messaging desk').id as string;
    const partial = list.body.items.find((s: { name: string }) => s.name === 'Evenings only').id as string;
    expect((await invoke(handler, 'GET', { ...sub(full, '/gaps'), query: { days: '14' }, caller: callers.agent })).body.gaps).toEqual([]);
    const gaps = await invoke(handler, 'GET', { ...sub(partial, '/gaps'), caller: callers.agent });
    expect(gaps.body.gaps.length).toBeGreaterThanOrEqual(10);
    expect((await invoke(handler, 'GET', { ...sub(partial, '/gaps'), query: { days: '94' }, caller: callers.agent })).status).toBe(400);
  });

  test('the scheduled run counts the schedules with a gap in the next 14 days', async () => {
    const event = { version: '0', id: 'run-1', 'detail-type': 'Scheduled Event', source: 'aws.events', account: '000000000000', time: new Date().toISOString(), region: 'eu-west-2', resources: [], detail: {} };
    const result = await (handler as unknown as (e: unknown, c: Context) => Promise<unknown>)(event, lambdaContext());
    expect(result).toEqual({ schedules: await scheduleCount(), withGaps: 1 });
  });

  test('it publishes OnCallGaps (the alarm\'s metric) with the service dimension, as EMF', async () => {
    const restoreMetrics = setEnv({ POWERTOOLS_METRICS_DISABLED: 'false' });
    const printed: string[] = [];
    const log = jest.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void printed.push(args.map(String).join(' ')));
    try {
      let withMetrics: (e: unknown, c: Context) => Promise<unknown>;
      jest.isolateModules(() => {
        withMetrics = (require('../../src/modules/oncall/functions/oncall-handler') as { handler: typeof withMetrics }).handler;
      });
      const event = { version: '0', id: 'run-2', 'detail-type': 'Scheduled Event', source: 'aws.events', account: '000000000000', time: new Date().toISOString(), region: 'eu-west-2', resources: [], detail: {} };
      await withMetrics!(event, lambdaContext());
    } finally {
      log.mockRestore();
      restoreMetrics();
    }
    const emf = printed.flatMap((line) => {
      try {
        return [JSON.parse(line) as Record<string, unknown> & { _aws?: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }[] } }];
      } catch {
        return [];
      }
    }).find((blob) => blob._aws?.CloudWatchMetrics.some((m) => m.Metrics.some((metric) => metric.Name === 'OnCallGaps')));
    expect(emf).toBeDefined();
    expect(emf!['OnCallGaps']).toBe(1);
    expect(emf!['service']).toBe('oncall');
    expect(emf!._aws!.CloudWatchMetrics[0]!.Namespace).toBe('RoweItsm');
  });
});

describe('escalation policies', () => {
  const policyPath = (id: string) => ({ path: `/escalation-policies/${id}`, resource: '/escalation-policies/{id}', pathParameters: { id } });
  const resolve = (query: Record<string, string>) => invoke(handler, 'GET', { path: '/escalation-policies/resolve', query, caller: callers.agent });

  test("with no policy, an incident gets the client's contacts #1-#3 and the service owner", async () => {
    const resolution = await resolve({ service: 'email', priority: 'P1', at: '2026-12-05T02:00:00Z' });
    expect(resolution.status).toBe(200);
    expect(resolution.body.policy).toBe('default');
    expect(resolution.body.firings.slice(0, 4).map((f: { at: string; pages: unknown[] }) => [f.at, f.pages])).toEqual([
      ['2026-12-05T02:00:00.000Z', [{ kind: 'client-contact', name: 'Priya Shah' }]],
      ['2026-12-05T02:30:00.000Z', [{ kind: 'client-contact', name: 'Tom Evans' }]],
      ['2026-12-05T03:00:00.000Z', [{ kind: 'client-contact', name: 'Mary Clarke' }]],
      ['2026-12-05T04:00:00.000Z', [{ kind: 'service-owner' }]],
    ]);
  });

  test('a policy paging a schedule: created, chosen for its service and priority, paging whoever is on call; changed with If-Match', async () => {
    const schedule = await create({ ...weekly, name: 'Paged' });
    const body = {
      name: 'Email P1',
      services: ['email'],
      priorities: ['P1'],
      repeat: 1,
      steps: [
        { delayMinutes: 15, targets: [{ kind: 'schedule', scheduleId: schedule.body.id }] },
        { delayMinutes: 30, targets: [{ kind: 'person', username: 'lead' }, { kind: 'external', phone: '+442071239999' }], mode: 'round-robin' },
      ],
    };
    const created = await invoke(handler, 'POST', { path: '/escalation-policies', body, caller: callers.serviceOwner });
    expect({ status: created.status, etag: created.headers['etag'], mode: created.body.steps[0].mode }).toEqual({ status: 201, etag: '"1"', mode: 'all' });

    // Saturday 28 March 2026, 02:00: Friday's 18:00–09:00 window of the evenings layer, so cy, not ana (whose week it is).
    const p1 = await resolve({ service: 'email', priority: 'P1', at: '2026-03-28T02:00:00Z' });
    expect(p1.body.policy).toBe(created.body.id);
    expect(p1.body.firings.map((f: { step: number; round: number; pages: unknown[] }) => [f.step, f.round, f.pages])).toEqual([
      [0, 0, [{ kind: 'person', username: 'cy', via: { scheduleId: schedule.body.id } }]],
      [1, 0, [{ kind: 'person', username: 'lead' }]],
      [0, 1, [{ kind: 'person', username: 'cy', via: { scheduleId: schedule.body.id } }]],
      [1, 1, [{ kind: 'external', phone: '+442071239999' }]],
    ]);
    // Another priority still gets the default.
    expect((await resolve({ service: 'email', priority: 'P3' })).body.policy).toBe('default');

    const patch = (headers: Record<string, string>) => invoke(handler, 'PATCH', { ...policyPath(created.body.id), body: { repeat: 0 }, headers, caller: callers.agent });
    expect((await patch({})).status).toBe(428);
    const changed = await patch({ 'If-Match': '"1"' });
    expect({ status: changed.status, etag: changed.headers['etag'], repeat: changed.body.repeat }).toEqual({ status: 200, etag: '"2"', repeat: 0 });
    expect((await invoke(handler, 'GET', { ...policyPath(created.body.id), caller: callers.auditor })).body.version).toBe(2);
    expect((await invoke(handler, 'GET', { path: '/escalation-policies', caller: callers.agent })).body.items.map((p: { id: string }) => p.id)).toContain(created.body.id);
  });

  test('a policy naming a schedule that does not exist, or a bad target, is a 400 naming the field; requesters get 403', async () => {
    const unknown = '00000000-0000-4000-8000-000000000000';
    const bad = await invoke(handler, 'POST', {
      path: '/escalation-policies',
      body: { name: 'Typo', steps: [{ delayMinutes: 5, targets: [{ kind: 'schedule', scheduleId: unknown }] }] },
      caller: callers.agent,
    });
    expect({ status: bad.status, fields: blamedFields(bad) }).toEqual({ status: 400, fields: ['steps.0.targets.0.scheduleId'] });
    const noDelay = await invoke(handler, 'POST', { path: '/escalation-policies', body: { name: 'x', steps: [{ delayMinutes: 0, targets: [{ kind: 'service-owner' }] }] }, caller: callers.agent });
    expect(blamedFields(noDelay)).toEqual(['steps.0.delayMinutes']);
    expect((await invoke(handler, 'GET', { path: '/escalation-policies', caller: callers.requester })).status).toBe(403);
    expect((await resolve({ priority: 'P1' })).status).toBe(200);
    expect((await invoke(handler, 'GET', { path: '/escalation-policies/resolve', query: { priority: 'P1' }, caller: callers.requester })).status).toBe(403);
  });
});

describe('the paging directory', () => {
  const person = (username: string) => ({ path: `/people/${username}`, resource: '/people/{username}', pathParameters: { username } });

  test('the rota keepers add and change anyone (If-Match, audited by version); everyone keeps their own entry; requesters read no one else', async () => {
    const added = await invoke(handler, 'POST', { path: '/people', body: { username: 'ana', name: 'Ana Lopez', email: 'ana@example.com', phone: '+447700900123' }, caller: callers.agent });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ id: 'ana', name: 'Ana Lopez', version: 1, createdBy: callers.agent.username });
    expect(added.headers['location']).toMatch(/\/people\/ana$/);
    expect((await invoke(handler, 'POST', { path: '/people', body: { username: 'ana', name: 'Ana', email: 'a@example.com' }, caller: callers.agent })).status).toBe(409);

    const bad = await invoke(handler, 'POST', { path: '/people', body: { username: 'ben', name: 'Ben', email: 'not-an-email', phone: '0123' }, caller: callers.agent });
    expect(bad.status).toBe(400);
    expect(blamedFields(bad)).toEqual(expect.arrayContaining(['email', 'phone']));

    // A requester adds and changes their own entry only, and reads nobody else's.
    const self = callers.requester.username;
    expect((await invoke(handler, 'POST', { path: '/people', body: { username: self, name: 'Rita', email: 'rita@example.com' }, caller: callers.requester })).status).toBe(201);
    expect((await invoke(handler, 'PATCH', { ...person(self), body: { phone: '+447700900999' }, headers: { 'If-Match': '"1"' }, caller: callers.requester })).body).toMatchObject({ phone: '+447700900999', version: 2 });
    expect((await invoke(handler, 'PATCH', { ...person('ana'), body: { phone: '+447700900999' }, headers: { 'If-Match': '"1"' }, caller: callers.requester })).status).toBe(403);
    expect((await invoke(handler, 'GET', { ...person('ana'), caller: callers.requester })).status).toBe(403);
    expect((await invoke(handler, 'GET', { path: '/people', caller: callers.requester })).status).toBe(403);

    // The desk changes Ana's number with If-Match; a stale version is refused.
    const changed = await invoke(handler, 'PATCH', { ...person('ana'), body: { phone: '+447700900124' }, headers: { 'If-Match': '"1"' }, caller: callers.engineer });
    expect(changed.status).toBe(200);
    expect((await invoke(handler, 'PATCH', { ...person('ana'), body: { phone: '+447700900125' }, headers: { 'If-Match': '"1"' }, caller: callers.engineer })).status).toBe(412);
    const read = await invoke(handler, 'GET', { ...person('ana'), caller: callers.auditor });
    expect(read.body).toMatchObject({ phone: '+447700900124', version: 2, updatedBy: callers.engineer.username });
    expect((await invoke(handler, 'GET', { ...person('nobody'), caller: callers.agent })).status).toBe(404);
    const list = await invoke(handler, 'GET', { path: '/people', caller: callers.auditor });
    expect(list.body.items.map((p: { id: string }) => p.id)).toEqual(expect.arrayContaining(['ana', self]));
  });
});
