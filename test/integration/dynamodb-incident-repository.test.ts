import { randomUUID } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbIncidentRepository, planQuery, toItem } from '../../src/modules/incidents/adapters/dynamodb-incident-repository';
import { INCIDENT_INDEXES, KEY_ATTRIBUTES, incidentKey } from '../../src/modules/incidents/adapters/incidents-table-keys';
import { BatchGetIncompleteError, batchGetInOrder } from '../../src/kernel/adapters/batch-get';
import type { IncidentFilter, StoredTimelineEntry } from '../../src/modules/incidents/app/ports';
import { InvalidInputError, VersionConflictError } from '../../src/kernel/domain/domain-errors';
import { IdempotencyKeyTakenError } from '../../src/kernel/app/ports';
import { DynamoDbIdempotencyMarkers } from '../../src/kernel/adapters/dynamodb-idempotency-markers';
import type { Incident } from '../../src/modules/incidents/domain/incident';
import type { TimelineEntry } from '../../src/modules/incidents/domain/incident-timeline';
import { createTestTables, type TestTables } from '../support/test-tables';
import { aChange, anEntry, anIncident, counterValue, storedItem, storedTimeline } from './support-incidents';

/**
 * The DynamoDB adapter against a real DynamoDB Local engine: conditional and transactional writes,
 * the atomic counter, the timeline, every list index (the sparse open-only queues included) and
 * cursor round trips.
 */

let tables: TestTables;
let repo: DynamoDbIncidentRepository;

beforeAll(async () => {
  tables = await createTestTables();
  repo = new DynamoDbIncidentRepository(tables.documents, tables.names.incidents);
});
afterAll(() => tables?.destroy());
afterEach(() => jest.restoreAllMocks());

const leakedKeyAttributes = (entity: object) => Object.keys(entity).filter((k) => KEY_ATTRIBUTES.includes(k) || /^gsi\d/.test(k));

describe('allocateNumber', () => {
  test('formats numbers as INC plus seven digits, one more each call', async () => {
    const start = await counterValue(tables.documents, tables.names.incidents);
    const first = await repo.allocateNumber();
    const second = await repo.allocateNumber();
    expect(first).toMatch(/^INC\d{7}$/);
    expect(Number(first.slice(3))).toBe(start + 1);
    expect(Number(second.slice(3))).toBe(start + 2);
  });

  test('20 concurrent allocations are unique and contiguous', async () => {
    const start = await counterValue(tables.documents, tables.names.incidents);
    const numbers = await Promise.all(Array.from({ length: 20 }, () => repo.allocateNumber()));
    expect(new Set(numbers).size).toBe(20);
    const sequences = numbers.map((n) => Number(n.slice(3))).sort((a, b) => a - b);
    expect(sequences).toEqual(Array.from({ length: 20 }, (_, i) => start + 1 + i));
    expect(await counterValue(tables.documents, tables.names.incidents)).toBe(start + 20);
  });
});

describe('create with an Idempotency-Key marker (in the same transaction)', () => {
  const markers = () => new DynamoDbIdempotencyMarkers(tables.documents, tables.names.idempotency, { now: () => new Date() });
  const once = (id: string, bodyHash = 'h1') => ({ marker: { id, bodyHash }, response: { status: 201, body: { first: true } } });

  test('the incident and its marker are stored together; a second create with the same key writes nothing, even without reading the marker first (a crash between write and answer)', async () => {
    const withMarkers = new DynamoDbIncidentRepository(tables.documents, tables.names.incidents, undefined, markers());
    const key = randomUUID();
    const first = anIncident();
    await withMarkers.create(aChange(first), undefined, [], once(key));
    expect(await withMarkers.get(first.id)).toEqual(first);
    expect(await markers().get(key)).toEqual({ id: key, bodyHash: 'h1', response: { status: 201, body: { first: true } } });

    const retry = anIncident();
    const refused = await withMarkers.create(aChange(retry), undefined, [], once(key)).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(IdempotencyKeyTakenError);
    expect((refused as IdempotencyKeyTakenError).inFlight).toBe(false);
    expect(await withMarkers.get(retry.id)).toBeUndefined();
  });

  test('an expired marker (TTL not yet applied) no longer counts: the key may be used again', async () => {
    const key = randomUUID();
    const past = new DynamoDbIdempotencyMarkers(tables.documents, tables.names.idempotency, { now: () => new Date(Date.now() - 25 * 3600_000) });
    await new DynamoDbIncidentRepository(tables.documents, tables.names.incidents, undefined, past).create(aChange(anIncident()), undefined, [], once(key));
    expect(await markers().get(key)).toBeUndefined();
    const again = anIncident();
    await new DynamoDbIncidentRepository(tables.documents, tables.names.incidents, undefined, markers()).create(aChange(again), undefined, [], once(key, 'h2'));
    expect(await repo.get(again.id)).toEqual(again);
    expect((await markers().get(key))?.bodyHash).toBe('h2');
  });
});

describe('create, get and getByNumber', () => {
  test('round trips the entity exactly, without key or index attributes', async () => {
    const incident = anIncident({ assignmentGroup: 'service-desk', assignee: 'bert.agent' });
    await repo.create(aChange(incident));

    const byId = await repo.get(incident.id);
    expect(byId).toEqual(incident);
    expect(leakedKeyAttributes(byId!)).toEqual([]);

    const byNumber = await repo.getByNumber(incident.number);
    expect(byNumber).toEqual(incident);
    expect(leakedKeyAttributes(byNumber!)).toEqual([]);

    // The stored item does carry the keys the indexes need, the open-only queues included.
    const queueOrder = `${incident.priority}#${incident.createdAt}#${incident.id}`;
    const item = await storedItem(tables.documents, tables.names.incidents, incident.id);
    expect(item).toMatchObject({
      pk: `INCIDENT#${incident.id}`,
      sk: 'INCIDENT',
      gsi1pk: `NUMBER#${incident.number}`,
      gsi2pk: 'STATE#New',
      gsi2sk: queueOrder,
      gsi7pk: 'ASSIGNEE#bert.agent',
      gsi7sk: queueOrder,
      gsi8pk: 'GROUP#service-desk',
      gsi8sk: queueOrder,
    });
    // Nothing writes the retired open-per-service index any more: the backlog item counts them.
    expect(item).not.toHaveProperty('gsi4pk');
    expect(item).not.toHaveProperty('gsi4sk');
  });

  test('an unassigned incident has no queue keys', async () => {
    const incident = anIncident();
    await repo.create(aChange(incident));
    const item = await storedItem(tables.documents, tables.names.incidents, incident.id);
    for (const attribute of ['gsi7pk', 'gsi7sk', 'gsi8pk', 'gsi8sk']) expect(item).not.toHaveProperty(attribute);
  });

  test('get and getByNumber answer undefined for unknown incidents', async () => {
    expect(await repo.get('00000000-0000-4000-8000-000000000000')).toBeUndefined();
    expect(await repo.getByNumber('INC8888888')).toBeUndefined();
  });

  test('creating the same id twice fails and keeps the first', async () => {
    const incident = anIncident();
    await repo.create(aChange(incident));
    const impostor = { ...incident, shortDescription: 'Overwritten', number: 'INC8000001' };
    await expect(repo.create(aChange(impostor))).rejects.toBeInstanceOf(ConditionalCheckFailedException);
    expect(await repo.get(incident.id)).toEqual(incident);
    expect(await repo.getByNumber('INC8000001')).toBeUndefined();
  });

  test('the "created" entry is derived, not stored; other first entries are stored with the incident', async () => {
    const incident = anIncident();
    const created = anEntry({ type: 'created', at: incident.createdAt, actor: incident.recordedBy, visibility: 'public', text: 'Logged via api as P3' });
    const note = anEntry({ type: 'work-note', at: incident.createdAt, text: 'Caller on the phone' });
    await repo.create(aChange(incident, [created, note]));

    const stored = await storedTimeline(tables.documents, tables.names.incidents, incident.id);
    expect(stored.map((i) => i['type'])).toEqual(['work-note']);
    const timeline = await repo.timeline(incident.id, { limit: 10, publicOnly: false });
    expect(timeline.items.map((e) => e.type)).toEqual(['created', 'work-note']);
    expect(timeline.items[0]).toMatchObject({ type: 'created', at: incident.createdAt, actor: incident.recordedBy, visibility: 'public' });
  });

  test('a duplicate id with first entries fails as a whole: no entry is stored', async () => {
    const incident = anIncident();
    await repo.create(aChange(incident));
    const impostor = { ...incident, shortDescription: 'Overwritten' };
    await expect(repo.create(aChange(impostor, [anEntry({ type: 'work-note', text: 'orphan' })]))).rejects.toThrow();
    expect(await repo.get(incident.id)).toEqual(incident);
    expect(await storedTimeline(tables.documents, tables.names.incidents, incident.id)).toEqual([]);
  });
});

describe('save', () => {
  const stateChange = (from: string, to: string, at: string) => anEntry({ type: 'state-change', at, visibility: 'public', from, to });

  test('saves when the stored version is the expected one, with its entries, moving the index keys', async () => {
    const incident = anIncident({ assignee: 'bert.agent' });
    await repo.create(aChange(incident));
    const at = '2026-03-01T10:00:00.000Z';
    const next: Incident = { ...incident, state: 'In Progress', impact: 1, urgency: 1, priority: 'P1', version: 2, updatedAt: at };
    await repo.save(aChange(next, [stateChange('New', 'In Progress', at), anEntry({ type: 'priority-change', at, visibility: 'public', from: 'P3', to: 'P1', reason: 'CEO affected' })]), 1);

    expect(await repo.get(incident.id)).toEqual(next);
    const queueOrder = `P1#${incident.createdAt}#${incident.id}`;
    expect(await storedItem(tables.documents, tables.names.incidents, incident.id)).toMatchObject({
      gsi2pk: 'STATE#In Progress',
      gsi2sk: queueOrder,
      gsi7pk: 'ASSIGNEE#bert.agent',
      gsi7sk: queueOrder,
    });
    const stored = await storedTimeline(tables.documents, tables.names.incidents, incident.id);
    expect(stored.map((i) => [i['type'], i['sk']])).toEqual([
      ['state-change', `TL#${at}#000002#00`],
      ['priority-change', `TL#${at}#000002#01`],
    ]);
  });

  test('resolving removes the open-only index keys (sparse indexes)', async () => {
    const incident = anIncident({ state: 'In Progress', assignee: 'bert.agent', assignmentGroup: 'service-desk' });
    await repo.create(aChange(incident));
    const at = '2026-03-01T11:00:00.000Z';
    const resolved: Incident = { ...incident, state: 'Resolved', resolutionCode: 'Duplicate', resolutionNotes: 'x', resolvedAt: at, resolvedBy: 'alice.agent', version: 2 };
    await repo.save(aChange(resolved, [stateChange('In Progress', 'Resolved', at)]), 1);
    const item = await storedItem(tables.documents, tables.names.incidents, incident.id);
    expect(item).toMatchObject({ gsi2pk: 'STATE#Resolved', gsi3pk: `SERVICE#${incident.service}`, gsi5pk: `REPORTER#${incident.reportedBy}` });
    for (const attribute of ['gsi4pk', 'gsi4sk', 'gsi7pk', 'gsi7sk', 'gsi8pk', 'gsi8sk']) expect(item).not.toHaveProperty(attribute);
  });

  test('an incident stored with the retired open-per-service keys leaves that index at its next write', async () => {
    const incident = anIncident({ state: 'In Progress' });
    await repo.create(aChange(incident));
    const stored = await storedItem(tables.documents, tables.names.incidents, incident.id);
    const queueOrder = `${incident.priority}#${incident.createdAt}#${incident.id}`;
    await tables.documents.send(new PutCommand({ TableName: tables.names.incidents, Item: { ...stored, gsi4pk: `OPEN-SERVICE#${incident.service}`, gsi4sk: queueOrder } }));
    expect(await repo.get(incident.id)).toEqual(incident);
    await repo.save(aChange({ ...incident, impact: 1, version: 2, updatedAt: '2026-03-01T10:00:00.000Z' }), 1);
    const item = await storedItem(tables.documents, tables.names.incidents, incident.id);
    expect(item).toMatchObject({ version: 2 });
    expect(item).not.toHaveProperty('gsi4pk');
  });

  test('a stale expected version throws VersionConflictError and writes neither the incident nor any entry', async () => {
    const incident = anIncident();
    await repo.create(aChange(incident));
    await repo.save(aChange({ ...incident, shortDescription: 'Second version', version: 2 }, [anEntry({ type: 'field-change', at: '2026-03-02T00:00:00.000Z', field: 'shortDescription' })]), 1);
    const before = await storedItem(tables.documents, tables.names.incidents, incident.id);
    const timelineBefore = await storedTimeline(tables.documents, tables.names.incidents, incident.id);

    const stale = repo.save(
      aChange({ ...incident, shortDescription: 'Lost update', version: 2 }, [anEntry({ type: 'field-change', at: '2026-03-02T00:00:01.000Z', field: 'shortDescription', to: 'Lost update' })]),
      1,
    );
    await expect(stale).rejects.toBeInstanceOf(VersionConflictError);
    await expect(stale).rejects.toMatchObject({ kind: 'version-conflict', expected: 1 });

    expect(await storedItem(tables.documents, tables.names.incidents, incident.id)).toEqual(before);
    expect((await repo.get(incident.id))?.shortDescription).toBe('Second version');
    expect(await storedTimeline(tables.documents, tables.names.incidents, incident.id)).toEqual(timelineBefore);
  });

  test('when an entry cannot be written, the incident is not updated either (all or nothing)', async () => {
    const incident = anIncident();
    await repo.create(aChange(incident));
    const at = '2026-03-03T00:00:00.000Z';
    // Occupy the key the first entry of version 2 will use.
    await tables.documents.send(
      new PutCommand({ TableName: tables.names.incidents, Item: { pk: `INCIDENT#${incident.id}`, sk: `TL#${at}#000002#00`, type: 'comment', squatter: true } }),
    );
    const before = await storedItem(tables.documents, tables.names.incidents, incident.id);
    await expect(repo.save(aChange({ ...incident, shortDescription: 'Never stored', version: 2 }, [anEntry({ type: 'field-change', at }), anEntry({ type: 'work-note', at })]), 1)).rejects.toThrow();
    expect(await storedItem(tables.documents, tables.names.incidents, incident.id)).toEqual(before);
    expect((await storedTimeline(tables.documents, tables.names.incidents, incident.id)).map((i) => i['squatter'])).toEqual([true]);
  });

  test('saving an incident that does not exist is a conflict and creates nothing', async () => {
    const ghost = anIncident({ version: 2 });
    await expect(repo.save(aChange(ghost, [anEntry({ type: 'work-note' })]), 1)).rejects.toBeInstanceOf(VersionConflictError);
    expect(await repo.get(ghost.id)).toBeUndefined();
    expect(await storedTimeline(tables.documents, tables.names.incidents, ghost.id)).toEqual([]);
  });
});

describe('append and timeline', () => {
  test('append adds entries without touching the incident', async () => {
    const incident = anIncident();
    await repo.create(aChange(incident));
    const before = await storedItem(tables.documents, tables.names.incidents, incident.id);
    await repo.append(incident.id, [anEntry({ type: 'comment', visibility: 'public', text: 'Any news?' })]);
    expect(await storedItem(tables.documents, tables.names.incidents, incident.id)).toEqual(before);
    expect((await repo.timeline(incident.id, { limit: 10, publicOnly: true })).items.map((e) => [e.type, e.text])).toEqual([
      ['created', 'Logged via api'],
      ['comment', 'Any news?'],
    ]);
  });

  test('appending to an incident that does not exist writes nothing', async () => {
    const id = randomUUID();
    await expect(repo.append(id, [anEntry({ type: 'comment', visibility: 'public', text: 'orphan' })])).rejects.toThrow();
    expect(await storedTimeline(tables.documents, tables.names.incidents, id)).toEqual([]);
  });

  describe('one incident with a mixed timeline', () => {
    const incident = anIncident({ createdAt: '2026-04-01T08:00:00.000Z', updatedAt: '2026-04-01T08:00:00.000Z', detectedAt: '2026-04-01T08:00:00.000Z' });
    const minute = (m: number) => `2026-04-01T08:${String(m).padStart(2, '0')}:00.000Z`;
    // Written out of order on purpose: the timeline orders by time, not by write order.
    const entries: Array<{ entry: TimelineEntry; via: 'save' | 'append' }> = [
      { entry: anEntry({ type: 'assignment-change', at: minute(1), field: 'assignee', to: 'bert.agent' }), via: 'save' },
      { entry: anEntry({ type: 'comment', at: minute(2), visibility: 'public', text: 'c1' }), via: 'append' },
      { entry: anEntry({ type: 'work-note', at: minute(3), text: 'w1' }), via: 'append' },
      { entry: anEntry({ type: 'state-change', at: minute(4), visibility: 'public', from: 'New', to: 'In Progress' }), via: 'save' },
      { entry: anEntry({ type: 'comment', at: minute(5), visibility: 'public', text: 'c2' }), via: 'append' },
      { entry: anEntry({ type: 'escalation', at: minute(6), to: 'network (level 1)' }), via: 'save' },
    ];
    const allTypes = ['created', 'assignment-change', 'comment', 'work-note', 'state-change', 'comment', 'escalation'];
    const publicTypes = ['created', 'comment', 'state-change', 'comment'];

    beforeAll(async () => {
      await repo.create(aChange(incident));
      let current = incident;
      for (const { entry, via } of [...entries.slice(3), ...entries.slice(0, 3)]) {
        if (via === 'append') await repo.append(incident.id, [entry]);
        else {
          const next = { ...current, version: current.version + 1 };
          await repo.save(aChange(next, [entry]), current.version);
          current = next;
        }
      }
    });

    test('oldest first, the derived "created" entry at the head', async () => {
      const page = await repo.timeline(incident.id, { limit: 100, publicOnly: false });
      expect(page.items.map((e) => e.type)).toEqual(allTypes);
      expect(page.nextToken).toBeUndefined();
      expect(page.items.map((e) => e.at)).toEqual([...page.items.map((e) => e.at)].sort());
      for (const item of page.items) expect(Object.keys(item).filter((k) => k === 'pk' || k === 'sk')).toEqual([]);
    });

    test('publicOnly leaves out internal entries', async () => {
      const page = await repo.timeline(incident.id, { limit: 100, publicOnly: true });
      expect(page.items.map((e) => e.type)).toEqual(publicTypes);
      expect(page.items.every((e) => e.visibility === 'public')).toBe(true);
    });

    const pageThrough = async (publicOnly: boolean, limit: number) => {
      const seen: StoredTimelineEntry[] = [];
      let nextToken: string | undefined;
      for (let pages = 0; pages < 30; pages++) {
        const page = await repo.timeline(incident.id, { limit, publicOnly, ...(nextToken && { nextToken }) });
        expect(page.items.length).toBeLessThanOrEqual(limit);
        seen.push(...page.items);
        nextToken = page.nextToken;
        if (!nextToken) return seen;
      }
      throw new Error('timeline paging did not end within 30 pages');
    };

    test.each([
      { publicOnly: false, limit: 1 },
      { publicOnly: false, limit: 2 },
      { publicOnly: false, limit: 3 },
      { publicOnly: true, limit: 1 },
      { publicOnly: true, limit: 2 },
    ])('paging with limit $limit (publicOnly $publicOnly) returns every entry once, in order', async ({ publicOnly, limit }) => {
      const seen = await pageThrough(publicOnly, limit);
      expect(seen.map((e) => e.type)).toEqual(publicOnly ? publicTypes : allTypes);
      expect(new Set(seen.map((e) => e.id)).size).toBe(seen.length);
    });

    test("a cursor is bound to its incident and visibility", async () => {
      const page = await repo.timeline(incident.id, { limit: 2, publicOnly: false });
      expect(page.nextToken).toEqual(expect.any(String));
      await expect(repo.timeline(incident.id, { limit: 2, publicOnly: true, nextToken: page.nextToken! })).rejects.toBeInstanceOf(InvalidInputError);
      await expect(repo.timeline(randomUUID(), { limit: 2, publicOnly: false, nextToken: page.nextToken! })).rejects.toMatchObject({ subject: 'nextToken' });
    });
  });
});

describe('countOpenOnService and resolvedBefore', () => {
  let own: TestTables;
  let store: DynamoDbIncidentRepository;
  const resolvedAt = (day: number) => new Date(Date.UTC(2026, 4, day, 12)).toISOString();
  const seed = {
    new1: anIncident({ service: 'crm', state: 'New' }),
    progress: anIncident({ service: 'crm', state: 'In Progress' }),
    hold: anIncident({ service: 'crm', state: 'On Hold', onHoldReason: 'awaiting vendor' }),
    resolvedOld: anIncident({ service: 'crm', state: 'Resolved', resolvedAt: resolvedAt(1), resolutionCode: 'Remediated', resolutionNotes: 'x' }),
    resolvedOlder: anIncident({ service: 'erp', state: 'Resolved', resolvedAt: resolvedAt(2), resolutionCode: 'Remediated', resolutionNotes: 'x' }),
    resolvedNew: anIncident({ service: 'crm', state: 'Resolved', resolvedAt: resolvedAt(20), resolutionCode: 'Remediated', resolutionNotes: 'x' }),
    closed: anIncident({ service: 'crm', state: 'Closed', resolvedAt: resolvedAt(1), closedAt: resolvedAt(3) }),
    canceled: anIncident({ service: 'crm', state: 'Canceled' }),
    otherService: anIncident({ service: 'erp', state: 'New' }),
  };

  beforeAll(async () => {
    own = await createTestTables();
    store = new DynamoDbIncidentRepository(own.documents, own.names.incidents);
    for (const incident of Object.values(seed)) await store.create(aChange(incident));
  });
  afterAll(() => own?.destroy());

  test('counts open incidents only (New, In Progress, On Hold)', async () => {
    expect(await store.countOpenOnService('crm', 10)).toBe(3);
    expect(await store.countOpenOnService('erp', 10)).toBe(1);
    expect(await store.countOpenOnService('nothing-here', 10)).toBe(0);
  });

  test("reads one item, the service's backlog, consistently, and answers at most upTo", async () => {
    const send = jest.spyOn(own.documents, 'send');
    expect(await store.countOpenOnService('crm', 2)).toBe(2);
    expect(await store.countOpenOnService('crm', 3)).toBe(3);
    expect(send.mock.calls.map(([command]) => command.constructor.name)).toEqual(['GetCommand', 'GetCommand']);
    expect((send.mock.calls[0]![0] as GetCommand).input).toMatchObject({ Key: { pk: 'AGG#crm', sk: 'OPEN' }, ConsistentRead: true });
    send.mockRestore();
  });

  test('a backlog item below zero (an incident it never counted, resolved) reads as 0', async () => {
    await own.documents.send(new UpdateCommand({ TableName: own.names.incidents, Key: { pk: 'AGG#drifted', sk: 'OPEN' }, UpdateExpression: 'ADD #open :n', ExpressionAttributeNames: { '#open': 'open' }, ExpressionAttributeValues: { ':n': -1 } }));
    expect(await store.countOpenOnService('drifted', 5)).toBe(0);
  });

  test('a resolved incident stops counting; one put back to work counts again', async () => {
    const incident = anIncident({ service: 'hr', state: 'In Progress' });
    await store.create(aChange(incident));
    expect(await store.countOpenOnService('hr', 5)).toBe(1);
    const resolved: Incident = { ...incident, state: 'Resolved', resolvedAt: resolvedAt(5), version: 2 };
    await store.save(aChange(resolved), 1);
    expect(await store.countOpenOnService('hr', 5)).toBe(0);
    await store.save(aChange({ ...incident, state: 'In Progress', reopenCount: 1, version: 3 }), 2);
    expect(await store.countOpenOnService('hr', 5)).toBe(1);
  });

  test('resolvedBefore answers resolved incidents older than the cutoff only, across pages', async () => {
    const ids: string[] = [];
    let nextToken: string | undefined;
    for (let pages = 0; pages < 20; pages++) {
      const page = await store.resolvedBefore(resolvedAt(10), { limit: 1, ...(nextToken && { nextToken }) });
      ids.push(...page.items.map((i) => i.id));
      nextToken = page.nextToken;
      if (!nextToken) break;
    }
    expect(ids.sort()).toEqual([seed.resolvedOld.id, seed.resolvedOlder.id].sort());
    const all = await store.resolvedBefore(resolvedAt(30), { limit: 50 });
    expect(all.items.map((i) => i.id).sort()).toEqual([seed.resolvedOld.id, seed.resolvedOlder.id, seed.resolvedNew.id].sort());
    expect(all.items.find((i) => i.id === seed.resolvedNew.id)).toEqual(seed.resolvedNew);
  });
});

describe('list', () => {
  // Its own tables: the state, priority and unfiltered partitions must hold only this data set.
  let listTables: TestTables;
  let lister: DynamoDbIncidentRepository;
  const at = (minute: number) => new Date(Date.UTC(2026, 1, 1, 10, minute)).toISOString();
  const seed = {
    n0: anIncident({ state: 'New', impact: 2, urgency: 2, service: 'vpn', reportedBy: 'sam', createdAt: at(0), assignee: 'bob.agent' }), // P3
    n1: anIncident({ state: 'New', impact: 3, urgency: 3, service: 'email', reportedBy: 'rita', createdAt: at(1), assignmentGroup: 'network' }), // P5
    n2: anIncident({ state: 'New', impact: 1, urgency: 1, service: 'vpn', reportedBy: 'sam', createdAt: at(2), assignee: 'bob.agent' }), // P1
    n3: anIncident({ state: 'New', impact: 2, urgency: 2, service: 'email', reportedBy: 'rita', createdAt: at(3) }), // P3
    n4: anIncident({ state: 'New', impact: 1, urgency: 1, service: 'email', reportedBy: 'bob', createdAt: at(4) }), // P1
    n5: anIncident({ state: 'New', impact: 1, urgency: 2, service: 'vpn', reportedBy: 'rita', createdAt: at(5), assignmentGroup: 'network' }), // P2
    p1: anIncident({ state: 'In Progress', impact: 1, urgency: 1, service: 'email', reportedBy: 'rita', createdAt: at(6), assignee: 'bob.agent' }), // P1
    p2: anIncident({ state: 'In Progress', impact: 2, urgency: 2, service: 'vpn', reportedBy: 'sam', createdAt: at(7), assignmentGroup: 'network' }), // P3
    // Resolved: still listed by state, service, reporter and date, but gone from the open-only queues.
    r1: anIncident({ state: 'Resolved', impact: 1, urgency: 1, service: 'email', reportedBy: 'sam', createdAt: at(8), assignee: 'bob.agent', assignmentGroup: 'network' }), // P1
  };
  type Name = keyof typeof seed;
  const nameOf = new Map(Object.entries(seed).map(([name, incident]) => [incident.id, name]));
  const names = (items: readonly Incident[]) => items.map((i) => nameOf.get(i.id) ?? `unexpected ${i.id}`);

  const cases: ReadonlyArray<{ readonly title: string; readonly filter: IncidentFilter; readonly expected: Name[] }> = [
    { title: 'by state: priority first, then oldest first', filter: { state: 'New' }, expected: ['n2', 'n4', 'n5', 'n0', 'n3', 'n1'] },
    { title: 'by state and priority', filter: { state: 'New', priority: 'P1' }, expected: ['n2', 'n4'] },
    { title: 'by state and priority with no match', filter: { state: 'In Progress', priority: 'P5' }, expected: [] },
    { title: 'by state and service', filter: { state: 'New', service: 'email' }, expected: ['n4', 'n3', 'n1'] },
    { title: 'by service: priority first, then oldest first (all states)', filter: { service: 'email' }, expected: ['n4', 'p1', 'r1', 'n3', 'n1'] },
    { title: 'by service and priority', filter: { service: 'email', priority: 'P1' }, expected: ['n4', 'p1', 'r1'] },
    { title: 'by priority, newest first', filter: { priority: 'P1' }, expected: ['r1', 'p1', 'n4', 'n2'] },
    { title: 'by reporter, newest first', filter: { reportedBy: 'rita' }, expected: ['p1', 'n5', 'n3', 'n1'] },
    { title: 'by reporter and state', filter: { reportedBy: 'rita', state: 'New' }, expected: ['n5', 'n3', 'n1'] },
    { title: 'by reporter, state and service', filter: { reportedBy: 'sam', state: 'New', service: 'vpn' }, expected: ['n2', 'n0'] },
    { title: 'unfiltered, newest first', filter: {}, expected: ['r1', 'p2', 'p1', 'n5', 'n4', 'n3', 'n2', 'n1', 'n0'] },
    { title: "an assignee's open queue: priority, then oldest first", filter: { assignee: 'bob.agent' }, expected: ['n2', 'p1', 'n0'] },
    { title: "an assignee's queue by priority", filter: { assignee: 'bob.agent', priority: 'P1' }, expected: ['n2', 'p1'] },
    { title: "an assignee's queue by service", filter: { assignee: 'bob.agent', service: 'vpn' }, expected: ['n2', 'n0'] },
    { title: "an assignee's incidents in a state (state index, so resolved ones too)", filter: { assignee: 'bob.agent', state: 'Resolved' }, expected: ['r1'] },
    { title: "a group's open queue: priority, then oldest first", filter: { assignmentGroup: 'network' }, expected: ['n5', 'p2', 'n1'] },
    { title: "a group's queue by service", filter: { assignmentGroup: 'network', service: 'vpn' }, expected: ['n5', 'p2'] },
    { title: "a group's queue by priority", filter: { assignmentGroup: 'network', priority: 'P5' }, expected: ['n1'] },
    { title: 'an assignee with nothing open', filter: { assignee: 'nobody' }, expected: [] },
  ];

  beforeAll(async () => {
    listTables = await createTestTables();
    lister = new DynamoDbIncidentRepository(listTables.documents, listTables.names.incidents);
    // One at a time, in an order unrelated to any expected order.
    for (const name of ['p2', 'n3', 'r1', 'n0', 'n5', 'n1', 'p1', 'n4', 'n2'] as const) await lister.create(aChange(seed[name]));
  });
  afterAll(() => listTables?.destroy());

  test.each(cases)('$title', async ({ filter, expected }) => {
    const page = await lister.list(filter, { limit: 100 });
    expect(names(page.items)).toEqual(expected);
    expect(page.nextToken).toBeUndefined();
    for (const item of page.items) {
      expect(leakedKeyAttributes(item)).toEqual([]);
      expect(item).toEqual(seed[nameOf.get(item.id) as Name]);
    }
  });

  test('limit 2 over 5 items: three pages, every item exactly once, in order', async () => {
    const filter: IncidentFilter = { service: 'email' };
    const first = await lister.list(filter, { limit: 2 });
    expect(names(first.items)).toEqual(['n4', 'p1']);
    expect(first.nextToken).toEqual(expect.any(String));
    const second = await lister.list(filter, { limit: 2, nextToken: first.nextToken! });
    expect(names(second.items)).toEqual(['r1', 'n3']);
    expect(second.nextToken).toEqual(expect.any(String));
    const third = await lister.list(filter, { limit: 2, nextToken: second.nextToken! });
    expect(names(third.items)).toEqual(['n1']);
    expect(third.nextToken).toBeUndefined();
  });

  test('a page is filled up to the limit past items its filter drops', async () => {
    // The state index holds n2 (vpn) before n4 and n3 (email): one Query with Limit 2 finds one match.
    const page = await lister.list({ state: 'New', service: 'email' }, { limit: 2 });
    expect(names(page.items)).toEqual(['n4', 'n3']);
    expect(page.nextToken).toEqual(expect.any(String));
  });

  const pageThrough = async (filter: IncidentFilter, limit: number) => {
    const seen: Incident[] = [];
    let nextToken: string | undefined;
    for (let pages = 0; pages < 50; pages++) {
      const page = await lister.list(filter, { limit, ...(nextToken && { nextToken }) });
      expect(page.items.length).toBeLessThanOrEqual(limit);
      seen.push(...page.items);
      nextToken = page.nextToken;
      if (!nextToken) return seen;
    }
    throw new Error('pagination did not end within 50 pages');
  };

  test.each(cases.flatMap((c) => [1, 2, 4].map((limit) => ({ ...c, limit }))))(
    'paging $title with limit $limit returns the same items, each once',
    async ({ filter, expected, limit }) => {
      expect(names(await pageThrough(filter, limit))).toEqual(expected);
    },
  );

  test('a cursor from one filter is refused for another', async () => {
    const page = await lister.list({ service: 'email' }, { limit: 2 });
    const token = page.nextToken!;
    for (const other of [{ service: 'vpn' }, { service: 'email', priority: 'P1' }, { reportedBy: 'rita' }, { assignee: 'bob.agent' }, {}] as IncidentFilter[]) {
      const attempt = lister.list(other, { limit: 2, nextToken: token });
      await expect(attempt).rejects.toBeInstanceOf(InvalidInputError);
      await expect(attempt).rejects.toMatchObject({ subject: 'nextToken', issues: [expect.objectContaining({ field: 'nextToken' })] });
    }
    // The same filter with another page size still accepts it.
    expect(names((await lister.list({ service: 'email' }, { limit: 10, nextToken: token })).items)).toEqual(['r1', 'n3', 'n1']);
  });

  test('a cursor that is not one of ours is refused', async () => {
    for (const token of ['garbage', Buffer.from('{"k":{"pk":"x"}}').toString('base64url')]) {
      await expect(lister.list({ service: 'email' }, { limit: 2, nextToken: token })).rejects.toMatchObject({
        kind: 'invalid-input',
        subject: 'nextToken',
      });
    }
    // …and leaves the lists as they were: no fall-back to an index the table does not have.
    expect((await lister.list({ service: 'email' }, { limit: 2 })).items).toHaveLength(2);
  });

  test('lists and number look-ups use Query on an index and BatchGetItem (or GetItem) by key, never Scan', async () => {
    const send = jest.spyOn(listTables.documents, 'send');
    for (const { filter } of cases) await pageThrough(filter, 2);
    expect(send.mock.calls.length).toBeGreaterThan(cases.length);
    // A Query on an index for the keys, then the page's incidents by key in one call (the list indexes hold keys only).
    for (const [command] of send.mock.calls) {
      if (command instanceof BatchGetCommand) {
        const request = command.input.RequestItems![listTables.names.incidents]!;
        expect(Object.keys(command.input.RequestItems!)).toEqual([listTables.names.incidents]);
        for (const key of request.Keys!) expect(key).toEqual({ pk: expect.stringMatching(/^INCIDENT#/), sk: 'INCIDENT' });
        // Eventually consistent, as the GetItem it replaces.
        expect(request.ConsistentRead).toBeUndefined();
        continue;
      }
      expect(command).toBeInstanceOf(QueryCommand);
      expect((command as QueryCommand).input.IndexName).toEqual(expect.any(String));
    }
    expect(send.mock.calls.some(([command]) => command instanceof QueryCommand)).toBe(true);
    // By number: the keys-only byNumber index, then the item by its key.
    send.mockClear();
    expect((await lister.getByNumber(seed.n1.number))?.id).toBe(seed.n1.id);
    expect(send.mock.calls.map(([command]) => command.constructor.name)).toEqual(['QueryCommand', 'GetCommand']);
    expect((send.mock.calls[0]![0] as QueryCommand).input.IndexName).toBe('byNumber');
  });
});

/**
 * A document client that speaks DynamoDB's BatchGetItem protocol as the engine does under load: it
 * passes every other command to DynamoDB Local, and for the first `partialCalls` BatchGetItem calls
 * asks the engine for the first half of the keys only (rounded down) and answers the rest as UnprocessedKeys.
 */
class UnprocessedKeysDocuments {
  readonly batchGets: { keys: number; consistent: boolean }[] = [];
  constructor(
    private readonly engine: DynamoDBDocumentClient,
    private partialCalls: number,
  ) {}
  async send(command: unknown): Promise<unknown> {
    if (!(command instanceof BatchGetCommand)) return this.engine.send(command as never);
    const [[table, request]] = Object.entries(command.input.RequestItems!) as [[string, NonNullable<BatchGetCommand['input']['RequestItems']>[string]]];
    const keys = request.Keys!;
    this.batchGets.push({ keys: keys.length, consistent: request.ConsistentRead === true });
    if (this.partialCalls <= 0) return this.engine.send(command);
    this.partialCalls--;
    const half = Math.floor(keys.length / 2);
    const answered = half > 0 ? await this.engine.send(new BatchGetCommand({ RequestItems: { [table]: { ...request, Keys: keys.slice(0, half) } } })) : { Responses: { [table]: [] } };
    return { ...answered, UnprocessedKeys: { [table]: { ...request, Keys: keys.slice(half) } } };
  }
  get asClient() {
    return this as unknown as DynamoDBDocumentClient;
  }
}

describe('a page of 100 over a keys-only index', () => {
  // Its own service partition of the shared tables: byServiceKeys holds these 100 only.
  const service = `batch-${randomUUID()}`;
  const at = (second: number) => new Date(Date.UTC(2026, 2, 1, 8, 0, second)).toISOString();
  const seeded = Array.from({ length: 100 }, (_, i) => anIncident({ service, impact: ((i % 3) + 1) as 1 | 2 | 3, urgency: 2, createdAt: at((i * 37) % 100) }));
  // A service's list: priority, then oldest first.
  const expected = [...seeded].sort((a, b) => a.priority.localeCompare(b.priority) || a.createdAt.localeCompare(b.createdAt)).map((i) => i.id);

  beforeAll(async () => {
    for (let i = 0; i < seeded.length; i += 20) {
      await Promise.all(seeded.slice(i, i + 20).map((incident) => tables.documents.send(new PutCommand({ TableName: tables.names.incidents, Item: toItem(incident) }))));
    }
  });

  test('one Query and one BatchGetItem (was one Query and 100 GetItems), the same incidents in the same order as one GetItem each', async () => {
    const send = jest.spyOn(tables.documents, 'send');
    const page = await repo.list({ service }, { limit: 100 });
    expect(send.mock.calls.map(([command]) => command.constructor.name)).toEqual(['QueryCommand', 'BatchGetCommand']);
    expect(page.items.map((i) => i.id)).toEqual(expected);
    // The same answer as reading the index's entries one GetItem at a time, as the lists did before.
    const entries = (send.mock.results[0]!.value as Promise<{ Items: Record<string, unknown>[] }>).then((r) => r.Items);
    const oneByOne = await Promise.all((await entries).map((entry) => repo.get(String(entry['pk']).slice('INCIDENT#'.length))));
    expect(page.items).toEqual(oneByOne);
    for (const item of page.items) expect(leakedKeyAttributes(item)).toEqual([]);
  });

  test('keys DynamoDB leaves unprocessed are asked again until answered: nothing is lost, the order holds', async () => {
    const documents = new UnprocessedKeysDocuments(tables.documents, 2);
    const page = await new DynamoDbIncidentRepository(documents.asClient, tables.names.incidents).list({ service }, { limit: 100 });
    expect(page.items.map((i) => i.id)).toEqual(expected);
    // 100 keys, half left unprocessed, then half of those, then the last 25 answered.
    expect(documents.batchGets).toEqual([
      { keys: 100, consistent: false },
      { keys: 50, consistent: false },
      { keys: 25, consistent: false },
    ]);
  });
});

describe('batchGetInOrder', () => {
  const stored = Array.from({ length: 130 }, () => anIncident({ service: `kernel-${randomUUID()}` }));
  const keys = stored.map((i) => incidentKey(i.id));
  beforeAll(async () => {
    await Promise.all(stored.map((incident) => tables.documents.send(new PutCommand({ TableName: tables.names.incidents, Item: toItem(incident) }))));
  });

  test('more than 100 keys: 100 a call; the keys\' order, a missing key as undefined, a repeated key asked once', async () => {
    const documents = new UnprocessedKeysDocuments(tables.documents, 0);
    const missing = incidentKey(randomUUID());
    const asked = [...keys.slice(0, 120).reverse(), missing, keys[3]!, ...keys.slice(120)];
    const items = await batchGetInOrder(documents.asClient, asked, { tableName: tables.names.incidents, consistentRead: true });
    expect(items.map((item) => item?.['id'])).toEqual(asked.map((key) => (key === missing ? undefined : key.pk.slice('INCIDENT#'.length))));
    expect(documents.batchGets).toEqual([
      { keys: 100, consistent: true },
      { keys: 31, consistent: true },
    ]);
  });

  test('keys still unprocessed after every attempt fail the read instead of going missing', async () => {
    const documents = new UnprocessedKeysDocuments(tables.documents, Number.POSITIVE_INFINITY);
    const waits: number[] = [];
    const read = batchGetInOrder(documents.asClient, keys.slice(0, 8), { tableName: tables.names.incidents, maxAttempts: 4, sleep: async (ms) => void waits.push(ms) });
    await expect(read).rejects.toBeInstanceOf(BatchGetIncompleteError);
    await expect(read).rejects.toMatchObject({ unprocessed: 1 });
    expect(documents.batchGets.map((call) => call.keys)).toEqual([8, 4, 2, 1]);
    // Three waits, each within its doubling ceiling (10, 20, 40 ms).
    expect(waits).toHaveLength(3);
    waits.forEach((ms, i) => expect(ms).toBeLessThanOrEqual(10 * 2 ** i));
  });
});

describe('planQuery', () => {
  test.each<{ filter: IncidentFilter; index: string; residual: Record<string, string> }>([
    { filter: { priority: 'P1' }, index: 'byCreated', residual: { priority: 'P1' } },
    { filter: {}, index: 'byCreated', residual: {} },
    { filter: { service: 'email', priority: 'P2' }, index: 'byService', residual: {} },
    { filter: { state: 'New', priority: 'P2', service: 'email' }, index: 'byState', residual: { service: 'email' } },
    { filter: { assignee: 'bob', priority: 'P2', service: 'email' }, index: 'byAssignee', residual: { service: 'email' } },
    { filter: { assignmentGroup: 'network', service: 'email' }, index: 'byGroup', residual: { service: 'email' } },
    { filter: { reportedBy: 'rita', assignee: 'bob' }, index: 'byReporter', residual: { assignee: 'bob' } },
  ])('$filter → $index', ({ filter, index, residual }) => {
    const plan = planQuery(filter);
    expect(plan.index).toBe(index);
    expect(plan.residual).toEqual(residual);
  });

  test('no plan names an index the table does not have (byPriority is gone)', () => {
    expect(Object.keys(INCIDENT_INDEXES)).not.toContain('byPriority');
    const filters: IncidentFilter[] = [{ priority: 'P3' }, { state: 'New' }, { service: 's' }, { assignee: 'a' }, { assignmentGroup: 'g' }, { reportedBy: 'r' }, {}];
    for (const filter of filters) expect(Object.keys(INCIDENT_INDEXES)).toContain(planQuery(filter).index);
  });
});
