import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDbIncidentRepository } from '../../lambdas/adapters/dynamodb/dynamodb-incident-repository';
import { KEY_ATTRIBUTES } from '../../lambdas/adapters/dynamodb/incidents-table-keys';
import type { IncidentFilter } from '../../lambdas/app/ports';
import { InvalidInputError, VersionConflictError } from '../../lambdas/domain/domain-errors';
import type { Incident } from '../../lambdas/domain/incident';
import { createTestTables, type TestTables } from '../support/test-tables';
import { anIncident, counterValue, storedItem } from './support-incidents';

/**
 * The DynamoDB adapter against a real DynamoDB Local engine: conditional writes, the atomic
 * counter, every list index and cursor round trips.
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

describe('create, get and getByNumber', () => {
  test('round trips the entity exactly, without key or index attributes', async () => {
    const incident = anIncident({ assignmentGroup: 'service-desk', assignee: 'bert.agent' });
    await repo.create(incident);

    const byId = await repo.get(incident.id);
    expect(byId).toEqual(incident);
    expect(leakedKeyAttributes(byId!)).toEqual([]);

    const byNumber = await repo.getByNumber(incident.number);
    expect(byNumber).toEqual(incident);
    expect(leakedKeyAttributes(byNumber!)).toEqual([]);

    // The stored item does carry the keys the indexes need.
    const item = await storedItem(tables.documents, tables.names.incidents, incident.id);
    expect(item).toMatchObject({
      pk: `INCIDENT#${incident.id}`,
      sk: 'INCIDENT',
      gsi1pk: `NUMBER#${incident.number}`,
      gsi2pk: 'STATE#New',
      gsi2sk: `${incident.priority}#${incident.createdAt}#${incident.id}`,
    });
  });

  test('get and getByNumber answer undefined for unknown incidents', async () => {
    expect(await repo.get('00000000-0000-4000-8000-000000000000')).toBeUndefined();
    expect(await repo.getByNumber('INC8888888')).toBeUndefined();
  });

  test('creating the same id twice fails and keeps the first', async () => {
    const incident = anIncident();
    await repo.create(incident);
    const impostor = { ...incident, shortDescription: 'Overwritten', number: 'INC8000001' };
    await expect(repo.create(impostor)).rejects.toBeInstanceOf(ConditionalCheckFailedException);
    expect(await repo.get(incident.id)).toEqual(incident);
    expect(await repo.getByNumber('INC8000001')).toBeUndefined();
  });
});

describe('replace', () => {
  test('replaces when the stored version is the expected one, moving the index keys', async () => {
    const incident = anIncident();
    await repo.create(incident);
    const next: Incident = { ...incident, state: 'In Progress', impact: 1, urgency: 1, priority: 'P1', version: 2 };
    await repo.replace(next, 1);
    expect(await repo.get(incident.id)).toEqual(next);
    expect(await storedItem(tables.documents, tables.names.incidents, incident.id)).toMatchObject({
      gsi2pk: 'STATE#In Progress',
      gsi2sk: `P1#${incident.createdAt}#${incident.id}`,
      gsi4pk: 'PRIORITY#P1',
    });
  });

  test('a stale expected version throws VersionConflictError and writes nothing', async () => {
    const incident = anIncident();
    await repo.create(incident);
    await repo.replace({ ...incident, shortDescription: 'Second version', version: 2 }, 1);
    const before = await storedItem(tables.documents, tables.names.incidents, incident.id);

    const stale = repo.replace({ ...incident, shortDescription: 'Lost update', version: 2 }, 1);
    await expect(stale).rejects.toBeInstanceOf(VersionConflictError);
    await expect(stale).rejects.toMatchObject({ kind: 'version-conflict', expected: 1 });

    expect(await storedItem(tables.documents, tables.names.incidents, incident.id)).toEqual(before);
    expect((await repo.get(incident.id))?.shortDescription).toBe('Second version');
  });

  test('replacing an incident that does not exist is a conflict and creates nothing', async () => {
    const ghost = anIncident({ version: 2 });
    await expect(repo.replace(ghost, 1)).rejects.toBeInstanceOf(VersionConflictError);
    expect(await repo.get(ghost.id)).toBeUndefined();
  });
});

describe('list', () => {
  // Its own tables: the state, priority and unfiltered partitions must hold only this data set.
  let listTables: TestTables;
  let lister: DynamoDbIncidentRepository;
  const at = (minute: number) => new Date(Date.UTC(2026, 1, 1, 10, minute)).toISOString();
  const seed = {
    n0: anIncident({ state: 'New', impact: 2, urgency: 2, service: 'vpn', reportedBy: 'sam', createdAt: at(0) }), // P3
    n1: anIncident({ state: 'New', impact: 3, urgency: 3, service: 'email', reportedBy: 'rita', createdAt: at(1) }), // P5
    n2: anIncident({ state: 'New', impact: 1, urgency: 1, service: 'vpn', reportedBy: 'sam', createdAt: at(2) }), // P1
    n3: anIncident({ state: 'New', impact: 2, urgency: 2, service: 'email', reportedBy: 'rita', createdAt: at(3) }), // P3
    n4: anIncident({ state: 'New', impact: 1, urgency: 1, service: 'email', reportedBy: 'bob', createdAt: at(4) }), // P1
    n5: anIncident({ state: 'New', impact: 1, urgency: 2, service: 'vpn', reportedBy: 'rita', createdAt: at(5) }), // P2
    p1: anIncident({ state: 'In Progress', impact: 1, urgency: 1, service: 'email', reportedBy: 'rita', createdAt: at(6) }), // P1
    p2: anIncident({ state: 'In Progress', impact: 2, urgency: 2, service: 'vpn', reportedBy: 'sam', createdAt: at(7) }), // P3
    r1: anIncident({ state: 'Resolved', impact: 1, urgency: 1, service: 'email', reportedBy: 'sam', createdAt: at(8) }), // P1
  };
  type Name = keyof typeof seed;
  const nameOf = new Map(Object.entries(seed).map(([name, incident]) => [incident.id, name]));
  const names = (items: readonly Incident[]) => items.map((i) => nameOf.get(i.id) ?? `unexpected ${i.id}`);

  const cases: ReadonlyArray<{ readonly title: string; readonly filter: IncidentFilter; readonly expected: Name[] }> = [
    { title: 'by state: priority first, then oldest first', filter: { state: 'New' }, expected: ['n2', 'n4', 'n5', 'n0', 'n3', 'n1'] },
    { title: 'by state and priority', filter: { state: 'New', priority: 'P1' }, expected: ['n2', 'n4'] },
    { title: 'by state and priority with no match', filter: { state: 'In Progress', priority: 'P5' }, expected: [] },
    { title: 'by state and service', filter: { state: 'New', service: 'email' }, expected: ['n4', 'n3', 'n1'] },
    { title: 'by service, newest first', filter: { service: 'email' }, expected: ['r1', 'p1', 'n4', 'n3', 'n1'] },
    { title: 'by service and priority', filter: { service: 'email', priority: 'P1' }, expected: ['r1', 'p1', 'n4'] },
    { title: 'by priority, newest first', filter: { priority: 'P1' }, expected: ['r1', 'p1', 'n4', 'n2'] },
    { title: 'by reporter, newest first', filter: { reportedBy: 'rita' }, expected: ['p1', 'n5', 'n3', 'n1'] },
    { title: 'by reporter and state', filter: { reportedBy: 'rita', state: 'New' }, expected: ['n5', 'n3', 'n1'] },
    { title: 'by reporter, state and service', filter: { reportedBy: 'sam', state: 'New', service: 'vpn' }, expected: ['n2', 'n0'] },
    { title: 'unfiltered, newest first', filter: {}, expected: ['r1', 'p2', 'p1', 'n5', 'n4', 'n3', 'n2', 'n1', 'n0'] },
  ];

  beforeAll(async () => {
    listTables = await createTestTables();
    lister = new DynamoDbIncidentRepository(listTables.documents, listTables.names.incidents);
    // One at a time, in an order unrelated to any expected order.
    for (const name of ['p2', 'n3', 'r1', 'n0', 'n5', 'n1', 'p1', 'n4', 'n2'] as const) await lister.create(seed[name]);
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
    expect(names(first.items)).toEqual(['r1', 'p1']);
    expect(first.nextToken).toEqual(expect.any(String));
    const second = await lister.list(filter, { limit: 2, nextToken: first.nextToken! });
    expect(names(second.items)).toEqual(['n4', 'n3']);
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
    for (const other of [{ service: 'vpn' }, { service: 'email', priority: 'P1' }, { reportedBy: 'rita' }, {}] as IncidentFilter[]) {
      const attempt = lister.list(other, { limit: 2, nextToken: token });
      await expect(attempt).rejects.toBeInstanceOf(InvalidInputError);
      await expect(attempt).rejects.toMatchObject({ subject: 'nextToken', issues: [expect.objectContaining({ field: 'nextToken' })] });
    }
    // The same filter with another page size still accepts it.
    expect(names((await lister.list({ service: 'email' }, { limit: 10, nextToken: token })).items)).toEqual(['n4', 'n3', 'n1']);
  });

  test('a cursor that is not one of ours is refused', async () => {
    for (const token of ['garbage', Buffer.from('{"k":{"pk":"x"}}').toString('base64url')]) {
      await expect(lister.list({ service: 'email' }, { limit: 2, nextToken: token })).rejects.toMatchObject({
        kind: 'invalid-input',
        subject: 'nextToken',
      });
    }
  });

  test('lists and number look-ups use Query on an index, never Scan', async () => {
    const send = jest.spyOn(listTables.documents, 'send');
    for (const { filter } of cases) await pageThrough(filter, 2);
    await lister.getByNumber(seed.n1.number);
    expect(send.mock.calls.length).toBeGreaterThan(cases.length);
    for (const [command] of send.mock.calls) {
      expect(command).toBeInstanceOf(QueryCommand);
      expect((command as QueryCommand).input.IndexName).toEqual(expect.any(String));
    }
  });
});
