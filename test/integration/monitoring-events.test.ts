import { randomUUID } from 'node:crypto';
import type { TestTables } from '../support/test-tables';
import { scanAll } from './support-incidents';
import { callers, invoke, type ProxyHandler, type TestCaller } from './support-events';
import { exampleSettings, loadIngestionHandler, startFunctionEnvironment, type FunctionEnvironment } from './support-handler';
import alarmSample from '../fixtures/eventbridge/cloudwatch-alarm-state-change.json';
import guardDuty from '../fixtures/eventbridge/guardduty-finding.json';
import inspector from '../fixtures/eventbridge/inspector2-finding.json';

/**
 * GET /events and GET /events/trends over DynamoDB Local, fed by the real event-ingestion Lambda:
 * a randomised mix of alarms and findings, many delivered more than once (some concurrently).
 * The trend counters kept in ingestion's transactions must equal a recount of the stored records.
 */
type Handler = (event: unknown, context: unknown) => Promise<any>;

let environment: FunctionEnvironment;
let tables: TestTables;
let ingest: Handler;
let reports: ProxyHandler;
const context = { functionName: 'event-ingestion', awsRequestId: 'test', getRemainingTimeInMillis: () => 30_000 };

/** Distinct events fed by the mix, by id. */
const fed = new Map<string, { source: string }>();
let startedAt: string;

beforeAll(async () => {
  environment = await startFunctionEnvironment({ sns: true });
  // The ingestion function notifies (security findings); LocalSns takes what it publishes.
  ({ tables } = environment);
  ingest = loadIngestionHandler(exampleSettings()) as Handler;
  jest.isolateModules(() => {
    reports = (require('../../src/modules/reports/functions/reports-handler') as { handler: ProxyHandler }).handler;
  });
  startedAt = new Date().toISOString();
  await feedRandomMix();
}, 120_000);
afterAll(async () => {
  await environment?.close();
});

/** A small seeded generator, so a failing mix can be replayed (the seed is printed on failure). */
const SEED = Number(process.env['EVENTS_TEST_SEED'] ?? Date.now() % 100_000);
function random(): () => number {
  let state = SEED;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
}

const stamp = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
const pick = <T>(rnd: () => number, values: readonly T[]): T => values[Math.floor(rnd() * values.length)]!;

function alarmEvent(alarm: string, state: 'ALARM' | 'OK' | 'INSUFFICIENT_DATA') {
  return {
    ...alarmSample,
    id: randomUUID(),
    time: stamp(),
    resources: [`arn:aws:cloudwatch:eu-west-2:123456789012:alarm:${alarm}`],
    detail: { ...alarmSample.detail, alarmName: alarm, state: { ...alarmSample.detail.state, value: state, reason: `${alarm} is ${state}` } },
  };
}
function guardDutyEvent(findingId: string, severity: number) {
  return { ...guardDuty, id: randomUUID(), time: stamp(), detail: { ...guardDuty.detail, id: findingId, severity, updatedAt: new Date().toISOString() } };
}
function inspectorEvent(findingArn: string, severity: string, status: string) {
  return { ...inspector, id: randomUUID(), time: stamp(), detail: { ...inspector.detail, findingArn, severity, status } };
}

/** 60 events on a few alarms and findings; each delivered 1–3 times, the copies sometimes at once. */
async function feedRandomMix(): Promise<void> {
  const rnd = random();
  const tag = randomUUID().slice(0, 6);
  const alarms = [1, 2, 3, 4].map((n) => `mix-${tag}-${n}`);
  const findings = [1, 2, 3].map((n) => `${tag}finding${n}`);
  const arns = [1, 2].map((n) => `arn:aws:inspector2:eu-west-2:123456789012:finding/${tag}${n}`);
  const events: { id: string; source: string }[] = [];
  for (let i = 0; i < 60; i++) {
    const kind = rnd();
    if (kind < 0.5) events.push(alarmEvent(pick(rnd, alarms), pick(rnd, ['ALARM', 'ALARM', 'OK', 'INSUFFICIENT_DATA'] as const)));
    else if (kind < 0.75) events.push(guardDutyEvent(pick(rnd, findings), pick(rnd, [2, 5, 7.5, 9.5])));
    else events.push(inspectorEvent(pick(rnd, arns), pick(rnd, ['CRITICAL', 'MEDIUM', 'LOW', 'INFORMATIONAL']), pick(rnd, ['ACTIVE', 'ACTIVE', 'SUPPRESSED', 'CLOSED'])));
  }
  for (let i = 0; i < events.length; i += 6) {
    const batch = events.slice(i, i + 6);
    const deliveries = batch.flatMap((event) => Array.from({ length: 1 + Math.floor(rnd() * 3) }, () => event));
    // Copies of one event race each other, and events on one alarm or finding race too.
    await Promise.all(deliveries.map((event) => ingest(event, context)));
    for (const event of batch) fed.set(event.id, { source: event.source });
  }
}

const scan = () => scanAll(tables.documents, tables.names.events) as Promise<Record<string, any>[]>;

/** The mix's range, fixed once it is fed: a cursor is bound to the exact query that produced it. */
let fixedRange: { from: string; to: string } | undefined;
const range = () => (fixedRange ??= { from: startedAt, to: new Date(Date.now() + 60_000).toISOString() });
const listEvents = (query: Record<string, string>, caller: TestCaller = callers.agent) => invoke(reports, 'GET', { path: '/events', query, caller });
const trends = (query: Record<string, string>, caller: TestCaller = callers.agent) => invoke(reports, 'GET', { path: '/events/trends', query, caller });

test('every distinct event is recorded once; the counters equal a recount of the records', async () => {
  const items = await scan();
  const records = items.filter((i) => String(i['pk']).startsWith('EVENT#') && fed.has(i['eventId']));
  expect(records).toHaveLength(fed.size);
  const recount = new Map<string, number>();
  for (const r of records) {
    const key = `${String(r['receivedAt']).slice(0, 13)}#${r['source']}#${r['severity']}`;
    recount.set(key, (recount.get(key) ?? 0) + 1);
  }
  const counters = new Map<string, number>();
  for (const c of items.filter((i) => String(i['pk']).startsWith('TREND#'))) {
    const key = String(c['gsi1sk']).split('#').slice(0, 3).join('#');
    counters.set(key, (counters.get(key) ?? 0) + Number(c['count']));
  }
  // This file's table holds only the mix, so the counters must match it exactly (seed in the message on failure).
  expect({ seed: SEED, counters: Object.fromEntries([...counters].sort()) }).toEqual({ seed: SEED, counters: Object.fromEntries([...recount].sort()) });
});

test('the trends answer the counters per hour and per day, every bucket of the range', async () => {
  const hourly = await trends({ bucket: 'hour', ...range() });
  expect(hourly.status).toBe(200);
  const total = (body: any) => (body.buckets as any[]).reduce((sum, b) => sum + b.total, 0);
  expect(total(hourly.body)).toBe(fed.size);
  expect(hourly.body.from).toBe(`${startedAt.slice(0, 13)}:00:00.000Z`);
  for (const b of hourly.body.buckets) expect(b.total).toBe(b.counts.reduce((sum: number, c: any) => sum + c.count, 0));
  const daily = await trends({ bucket: 'day', ...range() });
  expect(daily.status).toBe(200);
  expect(total(daily.body)).toBe(fed.size);
  expect(daily.body.buckets[0].start).toBe(`${startedAt.slice(0, 10)}T00:00:00.000Z`);
  const bySource = (body: any) => {
    const sums: Record<string, number> = {};
    for (const b of body.buckets) for (const c of b.counts) sums[c.source] = (sums[c.source] ?? 0) + c.count;
    return sums;
  };
  const expected: Record<string, number> = {};
  for (const { source } of fed.values()) expected[source] = (expected[source] ?? 0) + 1;
  expect(bySource(daily.body)).toEqual(expected);
});

test('the list pages through every event with its source, type, severity, resource, time, incident and raw detail', async () => {
  const seen: any[] = [];
  let nextToken: string | undefined;
  let pages = 0;
  do {
    const response = await listEvents({ ...range(), limit: '7', ...(nextToken && { nextToken }) });
    expect(response.status).toBe(200);
    expect(response.body.items.length).toBeLessThanOrEqual(7);
    seen.push(...response.body.items);
    nextToken = response.body.nextToken;
    pages++;
  } while (nextToken && pages < 50);
  expect(seen.map((e) => e.id).sort()).toEqual([...fed.keys()].sort());
  const stored = new Map((await scan()).filter((i) => String(i['pk']).startsWith('EVENT#')).map((i) => [i['eventId'], i]));
  for (const event of seen) {
    const record = stored.get(event.id)!;
    expect(event).toEqual({
      id: record['eventId'],
      source: record['source'],
      type: record['detailType'],
      severity: record['severity'],
      resource: record['resource'],
      state: record['state'],
      time: record['time'],
      receivedAt: record['receivedAt'],
      outcome: record['outcome'],
      ...(record['incidentId'] && { incidentId: record['incidentId'] }),
      detail: record['detail'],
    });
  }
  expect(seen.some((e) => e.incidentId)).toBe(true);
  expect(seen.find((e) => e.source === 'aws.cloudwatch')?.detail).toHaveProperty('alarmName');
});

test('source and severity filter; the filters are bound to the cursor', async () => {
  const all = new Map([...(await scan())].filter((i) => String(i['pk']).startsWith('EVENT#')).map((i) => [i['eventId'], i]));
  for (const [source, severity] of [['aws.cloudwatch', undefined], ['aws.guardduty', 'error'], [undefined, 'informational']] as const) {
    const query = { ...range(), limit: '100', ...(source && { source }), ...(severity && { severity }) };
    const response = await listEvents(query);
    expect(response.status).toBe(200);
    const expected = [...all.values()].filter((r) => (!source || r['source'] === source) && (!severity || r['severity'] === severity)).map((r) => r['eventId']);
    expect(response.body.items.map((e: any) => e.id).sort()).toEqual(expected.sort());
  }
  const first = await listEvents({ ...range(), limit: '2' });
  expect(first.body.nextToken).toEqual(expect.any(String));
  const replayed = await listEvents({ ...range(), limit: '2', source: 'aws.guardduty', nextToken: first.body.nextToken });
  expect({ status: replayed.status, field: replayed.body.errors?.[0]?.field }).toEqual({ status: 400, field: 'nextToken' });
});

test('a range over 31 days, or backwards, is a 400 problem naming `to`', async () => {
  for (const query of [
    { from: '2026-01-01T00:00:00Z', to: '2026-02-02T00:00:01Z' },
    { from: '2026-01-02T00:00:00Z', to: '2026-01-01T00:00:00Z' },
  ]) {
    for (const response of [await listEvents(query), await trends({ bucket: 'day', ...query })]) {
      expect({ status: response.status, type: response.headers['content-type'], field: response.body.errors?.[0]?.field }).toEqual({
        status: 400,
        type: 'application/problem+json',
        field: 'to',
      });
    }
  }
  expect((await listEvents({ from: '2026-01-01T00:00:00Z', to: '2026-02-01T00:00:00Z' })).status).toBe(200);
});

test('desk roles, service owners, auditors and admins read events; requesters, change managers and machine clients do not', async () => {
  const integration: TestCaller = { sub: 'client-1', username: 'client:erp', groups: 'integration' };
  const expected: Array<[TestCaller, number]> = [
    [callers.agent, 200],
    [callers.engineer, 200],
    [callers.serviceOwner, 200],
    [callers.auditor, 200],
    [callers.admin, 200],
    [callers.requester, 403],
    [callers.changeManager, 403],
    [integration, 403],
  ];
  for (const [caller, status] of expected) {
    const list = await listEvents({ ...range(), limit: '1' }, caller);
    const counts = await trends({ ...range() }, caller);
    expect({ who: caller.username, list: list.status, trends: counts.status }).toEqual({ who: caller.username, list: status, trends: status });
    if (status === 403) expect(list.headers['content-type']).toBe('application/problem+json');
  }
});
