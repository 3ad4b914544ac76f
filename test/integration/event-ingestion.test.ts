import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { TestTables } from '../support/test-tables';
import { scanAll } from './support-incidents';
import { exampleSettings, loadIngestionHandler, startFunctionEnvironment, type FunctionEnvironment } from './support-handler';
import sample from '../fixtures/eventbridge/cloudwatch-alarm-state-change.json';

/**
 * The event-ingestion Lambda over DynamoDB Local: every EventBridge delivery of the same event id
 * has one effect, and concurrent ALARM events for one alarm share one open incident.
 */
type Handler = (event: unknown, context: unknown) => Promise<any>;

let environment: FunctionEnvironment;
let tables: TestTables;
let handler: Handler;
const context = { functionName: 'event-ingestion', awsRequestId: 'test', getRemainingTimeInMillis: () => 30_000 };

const loadHandler = (settings: Record<string, unknown>) => loadIngestionHandler(settings) as Handler;

beforeAll(async () => {
  environment = await startFunctionEnvironment();
  tables = environment.tables;
  handler = loadHandler(exampleSettings());
});
afterAll(async () => {
  await environment?.close();
});

const scan = (table: string) => scanAll(tables.documents, table) as Promise<Record<string, any>[]>;

/** A fresh alarm (its own ARN) so each test sees only its own incidents. */
function alarmEvent(alarm: string, state: 'ALARM' | 'OK' | 'INSUFFICIENT_DATA' = 'ALARM', id = randomUUID()) {
  return {
    ...sample,
    id,
    time: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    resources: [`arn:aws:cloudwatch:eu-west-2:123456789012:alarm:${alarm}`],
    detail: { ...sample.detail, alarmName: alarm, state: { ...sample.detail.state, value: state, reason: `${alarm} is ${state}` } },
  };
}

async function stateOf(alarm: string) {
  const arn = `arn:aws:cloudwatch:eu-west-2:123456789012:alarm:${alarm}`;
  const items = await scan(tables.names.incidents);
  const incidents = items.filter((i) => i['sk'] === 'INCIDENT' && i['alarmArn'] === arn);
  const ids = new Set(incidents.map((i) => i['id']));
  const entries = items.filter((i) => typeof i['sk'] === 'string' && i['sk'].startsWith('TL#') && ids.has(String(i['pk']).slice('INCIDENT#'.length)));
  const lock = items.find((i) => i['pk'] === `ALARM#${arn}`);
  const events = (await scan(tables.names.events)).filter((e) => e['resource'] === arn);
  return { incidents, entries, lock, events };
}

describe('exactly once per event id', () => {
  test('the same ALARM event delivered 3× one after another: one incident, one event record', async () => {
    const event = alarmEvent(`seq-${randomUUID().slice(0, 8)}`);
    const results = [];
    for (let i = 0; i < 3; i++) results.push(await handler(event, context));
    expect(results.map((r) => r.outcome)).toEqual(['opened', 'duplicate', 'duplicate']);
    const { incidents, entries, lock, events } = await stateOf(event.detail.alarmName);
    expect(incidents).toHaveLength(1);
    expect(incidents[0]).toMatchObject({
      channel: 'monitoring',
      reportedBy: 'system:monitoring',
      recordedBy: 'system:monitoring',
      state: 'New',
      occurrenceCount: 1,
      impact: 2,
      urgency: 2,
      service: 'monitoring',
    });
    // The "created" entry is derived from the incident, so nothing else is on the timeline.
    expect(entries).toHaveLength(0);
    expect(lock).toMatchObject({ incidentId: incidents[0]!['id'] });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ eventId: event.id, outcome: 'opened', incidentId: incidents[0]!['id'], expiresAt: expect.any(Number) });
  });

  test('the same ALARM event delivered 3× concurrently: one incident', async () => {
    const event = alarmEvent(`conc-${randomUUID().slice(0, 8)}`);
    const results = await Promise.all([1, 2, 3].map(() => handler(event, context)));
    expect(results.map((r) => r.outcome).sort()).toEqual(['duplicate', 'duplicate', 'opened']);
    const { incidents, entries, events } = await stateOf(event.detail.alarmName);
    expect(incidents).toHaveLength(1);
    expect(entries).toHaveLength(0);
    expect(events).toHaveLength(1);
  });

  test('a repeated attach (second ALARM event delivered 3× concurrently) adds one occurrence and one timeline entry', async () => {
    const alarm = `att-${randomUUID().slice(0, 8)}`;
    await handler(alarmEvent(alarm), context);
    const again = alarmEvent(alarm);
    const results = await Promise.all([1, 2, 3].map(() => handler(again, context)));
    expect(results.map((r) => r.outcome).sort()).toEqual(['attached', 'duplicate', 'duplicate']);
    const { incidents, entries } = await stateOf(alarm);
    expect(incidents).toHaveLength(1);
    expect(incidents[0]).toMatchObject({ occurrenceCount: 2, version: 2 });
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ type: 'work-note', actor: 'system:monitoring', visibility: 'internal' });
  });
});

describe('one open incident per alarm', () => {
  test('two different ALARM events for one alarm, concurrently: one incident with occurrenceCount 2', async () => {
    const alarm = `two-${randomUUID().slice(0, 8)}`;
    const results = await Promise.all([handler(alarmEvent(alarm), context), handler(alarmEvent(alarm), context)]);
    expect(results.map((r) => r.outcome).sort()).toEqual(['attached', 'opened']);
    const { incidents, entries, events } = await stateOf(alarm);
    expect(incidents).toHaveLength(1);
    expect(incidents[0]!['occurrenceCount']).toBe(2);
    expect(entries).toHaveLength(1);
    expect(events).toHaveLength(2);
  });

  test('eight different ALARM events for one alarm, concurrently: one incident counting all eight', async () => {
    const alarm = `many-${randomUUID().slice(0, 8)}`;
    const results = await Promise.all(Array.from({ length: 8 }, () => handler(alarmEvent(alarm), context)));
    expect(results.filter((r) => r.outcome === 'opened')).toHaveLength(1);
    expect(results.filter((r) => r.outcome === 'attached')).toHaveLength(7);
    const { incidents, entries, events } = await stateOf(alarm);
    expect(incidents).toHaveLength(1);
    expect(incidents[0]!['occurrenceCount']).toBe(8);
    expect(entries).toHaveLength(7);
    expect(events).toHaveLength(8);
  });

  test('once the incident is no longer open, the next ALARM opens a new one and takes over the lock', async () => {
    const alarm = `stale-${randomUUID().slice(0, 8)}`;
    const first = await handler(alarmEvent(alarm), context);
    // Any path that ends the incident (here: straight in the table, as a cancel would leave it).
    const { UpdateCommand } = await import('@aws-sdk/lib-dynamodb');
    await tables.documents.send(
      new UpdateCommand({
        TableName: tables.names.incidents,
        Key: { pk: `INCIDENT#${first.incidentId}`, sk: 'INCIDENT' },
        UpdateExpression: 'SET #s = :c',
        ExpressionAttributeNames: { '#s': 'state' },
        ExpressionAttributeValues: { ':c': 'Canceled' },
      }),
    );
    const second = await handler(alarmEvent(alarm), context);
    expect(second.outcome).toBe('opened');
    expect(second.incidentId).not.toBe(first.incidentId);
    const { incidents, lock } = await stateOf(alarm);
    expect(incidents).toHaveLength(2);
    expect(lock).toMatchObject({ incidentId: second.incidentId });
  });
});

describe('other states', () => {
  test('OK adds a timeline entry to the open incident and leaves it open', async () => {
    const alarm = `ok-${randomUUID().slice(0, 8)}`;
    const opened = await handler(alarmEvent(alarm), context);
    const ok = alarmEvent(alarm, 'OK');
    expect(await handler(ok, context)).toEqual({ outcome: 'noted', incidentId: opened.incidentId });
    expect(await handler(ok, context)).toEqual({ outcome: 'duplicate' });
    const { incidents, entries, events } = await stateOf(alarm);
    expect(incidents).toHaveLength(1);
    expect(incidents[0]).toMatchObject({ state: 'New', occurrenceCount: 1 });
    expect(entries).toHaveLength(1);
    expect(entries[0]!['text']).toContain('returned to OK');
    expect(events.map((e) => e['outcome']).sort()).toEqual(['noted', 'opened']);
  });

  test('with autoResolveOnOk, OK resolves the incident (Cleared by monitoring) and releases the alarm; the next ALARM after the flapping window opens a new one', async () => {
    // A one-second window: an ALARM within it would reopen the same incident (see the flapping test).
    const settings = { ...exampleSettings(), monitoring: { autoResolveOnOk: true, flapping: { changes: 5, within: 'PT1S' } } };
    const resolving = loadHandler(settings);
    const alarm = `auto-${randomUUID().slice(0, 8)}`;
    const opened = await resolving(alarmEvent(alarm), context);
    const ok = alarmEvent(alarm, 'OK');
    expect(await resolving(ok, context)).toEqual({ outcome: 'resolved', incidentId: opened.incidentId });
    expect(await resolving(ok, context)).toEqual({ outcome: 'duplicate' });
    const after = await stateOf(alarm);
    expect(after.incidents).toHaveLength(1);
    expect(after.incidents[0]).toMatchObject({
      state: 'Resolved',
      resolutionCode: 'Cleared by monitoring',
      resolvedBy: 'system:monitoring',
      version: 3,
    });
    // The lock still names the resolved incident: stale, so the next ALARM replaces it.
    expect(after.lock).toMatchObject({ incidentId: opened.incidentId });
    await new Promise((r) => setTimeout(r, 1100));
    const reopened = await resolving(alarmEvent(alarm), context);
    expect(reopened.outcome).toBe('opened');
    expect(reopened.incidentId).not.toBe(opened.incidentId);
    expect((await stateOf(alarm)).lock).toMatchObject({ incidentId: reopened.incidentId });
  });

  test('an alarm that flaps keeps one incident, says so once, and is not resolved automatically while it flaps', async () => {
    const settings = { ...exampleSettings(), monitoring: { autoResolveOnOk: true, flapping: { changes: 4, within: 'PT1H' } } };
    const flappy = loadHandler(settings);
    const alarm = `flap-${randomUUID().slice(0, 8)}`;
    const opened = await flappy(alarmEvent(alarm), context);
    expect(opened.outcome).toBe('opened');
    const outcomes = [];
    for (const state of ['OK', 'ALARM', 'OK', 'ALARM', 'OK'] as const) outcomes.push(await flappy(alarmEvent(alarm, state), context));
    // Cleared, then back within the hour: the same incident reopens; the fourth change makes it flapping: no more clearing.
    expect(outcomes.map((o) => o.outcome)).toEqual(['resolved', 'reopened', 'noted', 'attached', 'noted']);
    expect(new Set(outcomes.map((o) => o.incidentId))).toEqual(new Set([opened.incidentId]));
    const after = await stateOf(alarm);
    expect(after.incidents).toHaveLength(1);
    expect(after.incidents[0]).toMatchObject({ state: 'In Progress', reopenCount: 1, alarm: { state: 'OK', flapping: true } });
    const texts = after.entries.map((e) => `${String(e['text'] ?? '')} ${String(e['reason'] ?? '')}`);
    expect(texts.filter((t) => t.includes('is flapping'))).toHaveLength(1);
  });

  test('OK without an open incident is recorded only', async () => {
    const alarm = `okonly-${randomUUID().slice(0, 8)}`;
    expect(await handler(alarmEvent(alarm, 'OK'), context)).toMatchObject({ outcome: 'recorded' });
    const { incidents, events } = await stateOf(alarm);
    expect(incidents).toHaveLength(0);
    expect(events).toHaveLength(1);
  });

  test('INSUFFICIENT_DATA is recorded only', async () => {
    const alarm = `nodata-${randomUUID().slice(0, 8)}`;
    const event = alarmEvent(alarm, 'INSUFFICIENT_DATA');
    expect(await handler(event, context)).toMatchObject({ outcome: 'recorded' });
    expect(await handler(event, context)).toEqual({ outcome: 'duplicate' });
    const { incidents, lock, events } = await stateOf(alarm);
    expect(incidents).toHaveLength(0);
    expect(lock).toBeUndefined();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ outcome: 'recorded', state: 'INSUFFICIENT_DATA' });
  });

  test('an informational alarm (client rule) is recorded only', async () => {
    const settings = { ...exampleSettings(), monitoring: { alarmRules: [{ namePattern: 'info-*', severity: 'informational' }] } };
    const informational = loadHandler(settings);
    const alarm = `info-${randomUUID().slice(0, 8)}`;
    expect(await informational(alarmEvent(alarm), context)).toMatchObject({ outcome: 'recorded' });
    expect((await stateOf(alarm)).incidents).toHaveLength(0);
  });

  test('a client rule sets severity and service', async () => {
    const settings = { ...exampleSettings(), monitoring: { alarmRules: [{ namePattern: 'prod-*', severity: 'error', service: 'web-shop' }] } };
    const ruled = loadHandler(settings);
    const alarm = `prod-${randomUUID().slice(0, 8)}`;
    await ruled(alarmEvent(alarm), context);
    expect((await stateOf(alarm)).incidents[0]).toMatchObject({ impact: 2, urgency: 1, service: 'web-shop' });
  });
});

describe('alarm tags (itsm:severity, itsm:service) come before the name rules', () => {
  const arnOf = (alarm: string) => `arn:aws:cloudwatch:eu-west-2:123456789012:alarm:${alarm}`;
  const settings = () => ({
    ...exampleSettings(),
    monitoring: { alarmRules: [{ namePattern: 'tagged-*', severity: 'warning', service: 'rule-service' }] },
  });
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'itsm-alarm-tags-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("a tagged alarm opens its incident with the tag's severity and service, not the rule's", async () => {
    const alarm = `tagged-${randomUUID().slice(0, 8)}`;
    const file = join(dir, 'alarm-tags.json');
    writeFileSync(file, JSON.stringify({ [arnOf(alarm)]: { 'itsm:severity': 'error', 'itsm:service': 'payments' } }));
    const tagged = loadIngestionHandler(settings(), file) as Handler;
    expect(await tagged(alarmEvent(alarm), context)).toMatchObject({ outcome: 'opened' });
    const { incidents, events } = await stateOf(alarm);
    expect(incidents).toHaveLength(1);
    // error → impact 2, urgency 1; the rule alone would have made it a warning (urgency 2) on rule-service.
    expect(incidents[0]).toMatchObject({ impact: 2, urgency: 1, service: 'payments' });
    expect(events[0]).toMatchObject({ outcome: 'opened', severity: 'error' });
  });

  test('an alarm tagged informational is recorded only, although its rule would open an incident', async () => {
    const alarm = `tagged-${randomUUID().slice(0, 8)}`;
    const file = join(dir, 'informational.json');
    writeFileSync(file, JSON.stringify({ [arnOf(alarm)]: { 'itsm:severity': 'informational' } }));
    const tagged = loadIngestionHandler(settings(), file) as Handler;
    expect(await tagged(alarmEvent(alarm), context)).toMatchObject({ outcome: 'recorded', why: 'informational alarm' });
    const { incidents, events } = await stateOf(alarm);
    expect(incidents).toHaveLength(0);
    expect(events).toEqual([expect.objectContaining({ outcome: 'recorded', severity: 'informational' })]);
  });

  test('a failed tag lookup does not lose the event: the name rule classifies it', async () => {
    const alarm = `tagged-${randomUUID().slice(0, 8)}`;
    const file = join(dir, 'broken.json');
    writeFileSync(file, '{ this is not JSON');
    const broken = loadIngestionHandler(settings(), file) as Handler;
    expect(await broken(alarmEvent(alarm), context)).toMatchObject({ outcome: 'opened' });
    expect((await stateOf(alarm)).incidents[0]).toMatchObject({ impact: 2, urgency: 2, service: 'rule-service' });
  });
});

describe('malformed events', () => {
  test('throw (EventBridge retries, then the dead-letter queue) and write nothing', async () => {
    const before = { incidents: (await scan(tables.names.incidents)).length, events: (await scan(tables.names.events)).length };
    const bad = alarmEvent(`bad-${randomUUID().slice(0, 8)}`);
    await expect(handler({ ...bad, detail: { ...bad.detail, state: { value: 'ALARM' } } }, context)).rejects.toThrow(/Malformed/);
    await expect(handler({ id: 'x' }, context)).rejects.toThrow(/Malformed/);
    await expect(handler(null, context)).rejects.toThrow(/Malformed/);
    expect({ incidents: (await scan(tables.names.incidents)).length, events: (await scan(tables.names.events)).length }).toEqual(before);
  });
});

describe('audit trail', () => {
  const auditRecords = async (incidentId: string) =>
    (await scan(tables.names.audit))
      .filter((r) => String(r['pk']).startsWith('RECORD#') && r['resource']?.id === incidentId)
      .sort((a, b) => `${a['at']}#${a['id']}`.localeCompare(`${b['at']}#${b['id']}`));

  test('opening, attaching to and resolving an alarm incident are recorded once each, by system:monitoring, with the event id as request id', async () => {
    const resolving = loadHandler({ ...exampleSettings(), monitoring: { ...exampleSettings()['monitoring'], autoResolveOnOk: true } });
    const alarm = `aud-${randomUUID().slice(0, 8)}`;
    const opened = alarmEvent(alarm);
    const again = alarmEvent(alarm);
    const ok = alarmEvent(alarm, 'OK');
    const first = await resolving(opened, context);
    // Redelivered events change nothing, so they record nothing either.
    await resolving(opened, context);
    await resolving(again, context);
    await resolving(again, context);
    expect((await resolving(ok, context)).outcome).toBe('resolved');

    const records = await auditRecords(first.incidentId);
    expect(records.map((r) => [r['action'], r['actor'], r['roles'], r['requestId']])).toEqual([
      ['incident:create', 'system:monitoring', ['system'], opened.id],
      ['incident:alarm-occurrence', 'system:monitoring', ['system'], again.id],
      ['incident:resolve', 'system:monitoring', ['system'], ok.id],
    ]);
    expect(records[0]!['changes']).toContainEqual({ field: 'alarmArn', after: opened.resources[0] });
    expect(records[2]!['changes']).toContainEqual({ field: 'state', before: 'New', after: 'Resolved' });
    expect(records[2]!['changes']).toContainEqual({ field: 'resolutionCode', after: 'Cleared by monitoring' });
  });
});
