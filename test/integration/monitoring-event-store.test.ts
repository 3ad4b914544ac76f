import { randomUUID } from 'node:crypto';
import { DynamoDbAuditTrail } from '../../src/kernel/adapters/dynamodb-audit-trail';
import { DynamoDbMonitoringEventStore } from '../../src/modules/monitoring/adapters/dynamodb-monitoring-event-store';
import type { EventRecord, MonitoringLock } from '../../src/modules/monitoring/app/ports';
import { incidentAdditionEntry, incidentChangeEntry } from '../../src/modules/audit/app/audit-use-cases';
import { startTracking } from '../../src/modules/incidents/domain/alarm-tracking';
import { createTestTables, type TestTables } from '../support/test-tables';
import { anEntry, anIncident, scanAll, storedItem, storedTimeline } from './support-incidents';

/**
 * The monitoring event store over DynamoDB Local: each change, its event record and its audit
 * record are one transaction, so a write that loses (stale version, closed incident, replayed
 * event) leaves no trace in any of the three tables.
 */
let tables: TestTables;
let store: DynamoDbMonitoringEventStore;
const actor = { id: 'system:monitoring', name: 'system:monitoring' };

beforeAll(async () => {
  tables = await createTestTables();
  const stamps = { clock: { now: () => new Date() }, ids: { newId: () => randomUUID() } };
  store = new DynamoDbMonitoringEventStore(tables.documents, { incidents: tables.names.incidents, events: tables.names.events }, 90, new DynamoDbAuditTrail(tables.documents, tables.names.audit, stamps));
});

afterAll(() => tables.destroy());

const recordOf = (eventId: string, outcome: string, incidentId: string): EventRecord => ({
  eventId,
  source: 'aws.cloudwatch',
  detailType: 'CloudWatch Alarm State Change',
  resource: 'arn:aws:cloudwatch:eu-west-2:123456789012:alarm:store-test',
  state: 'ALARM',
  receivedAt: new Date().toISOString(),
  severity: 'error',
  time: new Date().toISOString(),
  detail: {},
  outcome,
  incidentId,
});

const auditOf = async (incidentId: string) =>
  (await scanAll(tables.documents, tables.names.audit)).filter((item) => (item['resource'] as { id?: string } | undefined)?.id === incidentId);
const eventRecord = async (eventId: string) => (await scanAll(tables.documents, tables.names.events)).find((item) => item['eventId'] === eventId);

async function openedIncident() {
  const lock: MonitoringLock = { kind: 'alarm', id: `arn:aws:cloudwatch:eu-west-2:123456789012:alarm:store-${randomUUID()}` };
  const incident = anIncident({ state: 'In Progress', occurrenceCount: 1, alarm: startTracking('error', new Date().toISOString()) });
  const eventId = randomUUID();
  const audit = { ...incidentChangeEntry(actor, 'incident:create', undefined, incident), requestId: eventId };
  expect(await store.openLockedIncident({ record: recordOf(eventId, 'opened', incident.id), lock, change: { incident, entries: [] }, audit })).toBe('opened');
  return { lock, incident, eventId };
}

describe('each change carries its audit record in its own transaction', () => {
  it('opening stores the incident, the event record and the audit record together', async () => {
    const { incident, eventId } = await openedIncident();
    expect(await storedItem(tables.documents, tables.names.incidents, incident.id)).toBeDefined();
    expect((await eventRecord(eventId))?.['outcome']).toBe('opened');
    const records = await auditOf(incident.id);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ action: 'incident:create', requestId: eventId });
  });

  it('an attach on the version it read succeeds once; on a stale version it is a conflict and writes nothing', async () => {
    const { incident } = await openedIncident();
    const attach = (eventId: string, expectedVersion: number) => {
      const entry = anEntry({ type: 'work-note', actor: actor.name, text: `occurrence ${eventId}` });
      return store.attachToIncident({
        record: recordOf(eventId, 'attached', incident.id),
        incidentId: incident.id,
        entry,
        countOccurrence: true,
        set: { alarm: { ...incident.alarm!, changes: [...incident.alarm!.changes, entry.at] } },
        expectedVersion,
        audit: { ...incidentAdditionEntry(actor, 'incident:alarm-occurrence', incident.id, { 'work-note': entry }), requestId: eventId },
      });
    };
    const first = randomUUID();
    expect(await attach(first, incident.version)).toBe('attached');
    const stale = randomUUID();
    expect(await attach(stale, incident.version)).toBe('conflict');

    const stored = await storedItem(tables.documents, tables.names.incidents, incident.id);
    expect(stored).toMatchObject({ version: incident.version + 1, occurrenceCount: 2 });
    expect(await eventRecord(first)).toBeDefined();
    expect(await eventRecord(stale)).toBeUndefined();
    expect((await auditOf(incident.id)).map((r) => r['action']).sort()).toEqual(['incident:alarm-occurrence', 'incident:create']);
    expect((await auditOf(incident.id)).find((r) => r['action'] === 'incident:alarm-occurrence')?.['requestId']).toBe(first);
    expect((await storedTimeline(tables.documents, tables.names.incidents, incident.id)).filter((e) => e['type'] === 'work-note')).toHaveLength(1);
  });

  it('an attach to a closed incident is refused as not open (not a conflict), and a replayed event writes no second audit record', async () => {
    const { incident, lock } = await openedIncident();
    const resolvedIncident = { ...incident, state: 'Resolved' as const, version: incident.version + 1, resolvedAt: new Date().toISOString() };
    const resolveEvent = randomUUID();
    const resolveArgs = {
      record: recordOf(resolveEvent, 'resolved', incident.id),
      lock,
      change: { incident: resolvedIncident, entries: [] },
      previous: incident,
      expectedVersion: incident.version,
      audit: { ...incidentChangeEntry(actor, 'incident:resolve', incident, resolvedIncident), requestId: resolveEvent },
    };
    expect(await store.saveLockedIncident(resolveArgs)).toBe('saved');
    // The same event again (EventBridge redelivery): nothing more, audit included.
    expect(await store.saveLockedIncident({ ...resolveArgs, expectedVersion: resolvedIncident.version, previous: resolvedIncident })).toBe('duplicate-event');

    const late = randomUUID();
    const entry = anEntry({ type: 'work-note', actor: actor.name, text: 'late' });
    expect(
      await store.attachToIncident({
        record: recordOf(late, 'noted', incident.id),
        incidentId: incident.id,
        entry,
        countOccurrence: false,
        set: { alarm: incident.alarm },
        expectedVersion: resolvedIncident.version,
        audit: { ...incidentAdditionEntry(actor, 'incident:work-note', incident.id, { 'work-note': entry }), requestId: late },
      }),
    ).toBe('incident-not-open');
    expect(await eventRecord(late)).toBeUndefined();
    expect((await auditOf(incident.id)).map((r) => r['action']).sort()).toEqual(['incident:create', 'incident:resolve']);
  });
});

describe('readLock: the lock and the incident it names, read together', () => {
  const otherContainer = () => {
    const stamps = { clock: { now: () => new Date() }, ids: { newId: () => randomUUID() } };
    return new DynamoDbMonitoringEventStore(tables.documents, { incidents: tables.names.incidents, events: tables.names.events }, 90, new DynamoDbAuditTrail(tables.documents, tables.names.audit, stamps));
  };

  it('reads both in one round trip once the lock is known, and follows the lock when another container replaced it', async () => {
    const { lock, incident } = await openedIncident();
    const send = jest.spyOn(tables.documents, 'send');
    try {
      // This store took the lock: one consistent snapshot of lock and incident.
      send.mockClear();
      expect(await store.readLock(lock)).toMatchObject({ incidentId: incident.id, incident: { id: incident.id, version: incident.version } });
      expect(send.mock.calls.map(([command]) => command.constructor.name)).toEqual(['TransactGetCommand']);

      // Another container resolves it and opens the alarm's next incident.
      const other = otherContainer();
      const resolved = { ...incident, state: 'Resolved' as const, version: incident.version + 1 };
      const resolveEvent = randomUUID();
      expect(await other.saveLockedIncident({ record: recordOf(resolveEvent, 'resolved', incident.id), lock, change: { incident: resolved, entries: [] }, previous: incident, expectedVersion: incident.version, audit: { ...incidentChangeEntry(actor, 'incident:resolve', incident, resolved), requestId: resolveEvent } })).toBe('saved');
      const next = anIncident({ state: 'In Progress', occurrenceCount: 1 });
      const openEvent = randomUUID();
      expect(await other.openLockedIncident({ record: recordOf(openEvent, 'opened', next.id), lock, change: { incident: next, entries: [] }, staleIncidentId: incident.id, audit: { ...incidentChangeEntry(actor, 'incident:create', undefined, next), requestId: openEvent } })).toBe('opened');

      // This store's guess is stale: it still answers the incident the lock names now.
      expect(await store.readLock(lock)).toMatchObject({ incidentId: next.id, incident: { id: next.id, state: 'In Progress' } });
      expect(await store.readLock(lock)).toMatchObject({ incidentId: next.id });
    } finally {
      send.mockRestore();
    }
  });

  it('answers nothing for an alarm that never had an incident', async () => {
    expect(await store.readLock({ kind: 'alarm', id: `arn:aws:cloudwatch:eu-west-2:123456789012:alarm:never-${randomUUID()}` })).toBeUndefined();
  });
});
