import { randomUUID } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import type { TestTables } from '../support/test-tables';
import { callers, type ApiResponse, type TestCaller } from './support-events';
import { expectProblem, incidentRoutes, startIncidentsApi, validIncidentBody, type IncidentsApi } from './support-handler';
import { counterValue, scanAll, storedTimeline } from './support-incidents';

/**
 * Idempotency-Key on POST, through the incidents Lambda on DynamoDB Local: on POST /incidents a
 * marker in the incident's own transaction (in the stack's idempotency table); on the other POST
 * routes Powertools idempotency over the same table.
 */

let api: IncidentsApi;
let tables: TestTables;
const routes = incidentRoutes(() => api.handler);
const { agent, otherAgent, requester } = callers;

beforeAll(async () => {
  api = await startIncidentsApi();
  tables = api.tables;
});
afterAll(async () => {
  await api?.close();
});

const withKey = (key: string, as: TestCaller = agent) => ({ as, headers: { 'Idempotency-Key': key } });
const newKey = () => `key-${randomUUID()}`;

/** Incidents stored with this short description (Scan, for verification only). */
const incidentsDescribed = async (shortDescription: string) =>
  (await scanAll(tables.documents, tables.names.incidents)).filter((i) => i['sk'] === 'INCIDENT' && i['shortDescription'] === shortDescription);

const idempotencyRecords = async () => scanAll(tables.documents, tables.names.idempotency);

describe('POST /incidents with Idempotency-Key', () => {
  test('the same key and body again → the same 201 (same id, number, headers), one incident stored; a replay may leave a gap in the numbers', async () => {
    const key = newKey();
    const body = validIncidentBody({ shortDescription: `Replay ${key}` });
    const first = await routes.create(body, withKey(key));
    expect(first.status).toBe(201);
    const counter = await counterValue(tables.documents, tables.names.incidents);

    const replays = [await routes.create(body, withKey(key)), await routes.create(body, withKey(key))];
    for (const replay of replays) {
      expect(replay.status).toBe(201);
      expect(replay.body).toEqual(first.body);
      expect({ location: replay.headers['location'], etag: replay.headers['etag'] }).toEqual({ location: first.headers['location'], etag: first.headers['etag'] });
    }
    expect(await incidentsDescribed(body.shortDescription)).toHaveLength(1);
    // The number is taken beside the marker's read (one round trip): each replay may burn one, never more.
    expect(await counterValue(tables.documents, tables.names.incidents)).toBeLessThanOrEqual(counter + replays.length);
    // The marker lives in the idempotency table, with the first response and an expiry for DynamoDB's TTL.
    // (The response is kept gzipped, so an incident's 201 fits one write unit.)
    const stored = (r: Record<string, unknown>) => (r['response'] instanceof Uint8Array ? gunzipSync(r['response']).toString('utf8') : JSON.stringify(r));
    const records = (await idempotencyRecords()).filter((r) => stored(r).includes(first.body.id));
    expect(records).toEqual([expect.objectContaining({ id: expect.stringMatching(/^marker#[0-9a-f]{64}$/), status: 'COMPLETED', expiration: expect.any(Number) })]);
    expect(JSON.parse(stored(records[0]!))).toMatchObject({ status: 201, body: first.body });
    expect(records[0]!['expiration'] as number).toBeGreaterThan(Date.now() / 1000 + 23 * 3600);
  });

  test('without a key, the same body twice makes two incidents', async () => {
    const body = validIncidentBody({ shortDescription: `No key ${randomUUID()}` });
    const [a, b] = [await routes.create(body, { as: agent }), await routes.create(body, { as: agent })];
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(a.body.id).not.toBe(b.body.id);
    expect(await incidentsDescribed(body.shortDescription)).toHaveLength(2);
  });

  test('the same key with another body → 422 naming Idempotency-Key, nothing more stored', async () => {
    const key = newKey();
    const body = validIncidentBody({ shortDescription: `Original ${key}` });
    expect((await routes.create(body, withKey(key))).status).toBe(201);
    const changed = { ...body, shortDescription: `Changed ${key}` };
    const counter = await counterValue(tables.documents, tables.names.incidents);

    const response = await routes.create(changed, withKey(key));
    expectProblem(response, 422, 'Idempotency-Key');
    expect(response.body.type).toMatch(/\/idempotency-key-reused$/);
    expect(await incidentsDescribed(changed.shortDescription)).toEqual([]);
    expect(await counterValue(tables.documents, tables.names.incidents)).toBeLessThanOrEqual(counter + 1);
    // Whitespace is a different body too: the raw body is compared.
    expectProblem(await routes.create(JSON.stringify(body, null, 2), withKey(key)), 422, 'Idempotency-Key');
  });

  test("two callers using the same key do not collide: each gets their own incident", async () => {
    const key = newKey();
    const body = validIncidentBody({ shortDescription: `Shared key ${key}` });
    const mine = await routes.create(body, withKey(key, agent));
    const theirs = await routes.create(body, withKey(key, otherAgent));
    expect([mine.status, theirs.status]).toEqual([201, 201]);
    expect(theirs.body.id).not.toBe(mine.body.id);
    expect(theirs.body).toMatchObject({ recordedBy: otherAgent.username });
    // And each caller's replay answers their own incident.
    expect((await routes.create(body, withKey(key, otherAgent))).body.id).toBe(theirs.body.id);
    expect((await routes.create(body, withKey(key, agent))).body.id).toBe(mine.body.id);
    expect(await incidentsDescribed(body.shortDescription)).toHaveLength(2);
  });

  test('a refused request is not remembered: the corrected retry with the same key succeeds, once', async () => {
    const key = newKey();
    const shortDescription = `Corrected ${key}`;
    const invalid = await routes.create(validIncidentBody({ shortDescription, impact: 9 }), withKey(key));
    expectProblem(invalid, 400, 'impact');
    expect((await idempotencyRecords()).filter((r) => JSON.stringify(r).includes(shortDescription))).toEqual([]);
    // Same key, a different (corrected) body: runs, because failures are not stored.
    const corrected = await routes.create(validIncidentBody({ shortDescription }), withKey(key));
    expect(corrected.status).toBe(201);
    const replay = await routes.create(validIncidentBody({ shortDescription }), withKey(key));
    expect(replay.body).toEqual(corrected.body);
    expect(await incidentsDescribed(shortDescription)).toHaveLength(1);
  });

  test('a 403 is not remembered either: the same key and body run again after the refusal', async () => {
    const key = newKey();
    const allowed = validIncidentBody({ shortDescription: `Refused ${key}` });
    const body = { ...allowed, assignee: 'bert.agent' };
    expectProblem(await routes.create(body, withKey(key, requester)), 403, 'assignee');
    expectProblem(await routes.create(body, withKey(key, requester)), 403, 'assignee');
    expect((await routes.create(allowed, withKey(key, requester))).status).toBe(201);
  });

  test('concurrent duplicates create one incident: the others answer the same 201 or 409 (still in progress)', async () => {
    const key = newKey();
    const body = validIncidentBody({ shortDescription: `Concurrent ${key}` });
    const responses: ApiResponse[] = await Promise.all(Array.from({ length: 8 }, () => routes.create(body, withKey(key))));
    const created = responses.filter((r) => r.status === 201);
    expect(created.length).toBeGreaterThanOrEqual(1);
    for (const response of responses.filter((r) => r.status !== 201)) expectProblem(response, 409, 'Idempotency-Key');
    expect(new Set(created.map((r) => r.body.id)).size).toBe(1);
    expect(await incidentsDescribed(body.shortDescription)).toHaveLength(1);
  });

  test.each(['', ' ', 'x'.repeat(129), 'naïve'])('an Idempotency-Key that is not 1–128 visible ASCII characters (%j) → 400, nothing stored', async (key) => {
    const body = validIncidentBody({ shortDescription: `Bad key ${randomUUID()}` });
    expectProblem(await routes.create(body, withKey(key)), 400, 'Idempotency-Key');
    expect(await incidentsDescribed(body.shortDescription)).toEqual([]);
  });
});

describe('Idempotency-Key on other POST routes', () => {
  test('a replayed comment is added once', async () => {
    const incident = (await routes.create(validIncidentBody(), { as: agent })).body;
    const key = newKey();
    const first = await routes.comment(incident.id, { text: 'Called the user' }, withKey(key));
    const again = await routes.comment(incident.id, { text: 'Called the user' }, withKey(key));
    expect([first.status, again.status]).toEqual([201, 201]);
    expect(again.body).toEqual(first.body);
    expect((await storedTimeline(tables.documents, tables.names.incidents, incident.id)).filter((e) => e['type'] === 'comment')).toHaveLength(1);
  });

  test('a replayed confirm answers the first 200 instead of a 409', async () => {
    const logged = (await routes.create(validIncidentBody(), { as: agent })).body;
    const v2 = (await routes.patch(logged.id, { state: 'In Progress' }, { as: agent, ifMatch: '"1"' })).body;
    const v3 = (await routes.patch(logged.id, { state: 'Resolved', resolutionCode: 'Remediated', resolutionNotes: 'Fixed' }, { as: agent, ifMatch: `"${v2.version}"` })).body;
    const key = newKey();
    const call = { as: agent, ifMatch: `"${v3.version}"`, headers: { 'Idempotency-Key': key } };
    const first = await routes.confirm(logged.id, call);
    const again = await routes.confirm(logged.id, call);
    expect([first.status, again.status]).toEqual([200, 200]);
    expect(again.body).toEqual(first.body);
    // Without the key, the same request is a lifecycle conflict.
    expect((await routes.confirm(logged.id, { as: agent, ifMatch: `"${first.body.version}"` })).status).toBe(409);
  });

  test('the key is ignored on PATCH (If-Match guards it)', async () => {
    const incident = (await routes.create(validIncidentBody(), { as: agent })).body;
    const key = newKey();
    expect((await routes.patch(incident.id, { assignee: 'bert.agent' }, { as: agent, ifMatch: '"1"', headers: { 'Idempotency-Key': key } })).status).toBe(200);
    expectProblem(await routes.patch(incident.id, { assignee: 'bert.agent' }, { as: agent, ifMatch: '"1"', headers: { 'Idempotency-Key': key } }), 412, 'If-Match');
  });
});
