import { callers, type TestCaller } from './support-events';
import { exampleSettings, expectProblem, incidentRoutes, startIncidentsApi, validIncidentBody, type IncidentsApi } from './support-handler';
import { scanAll } from './support-incidents';

/**
 * Issue 20, items 1 and 2, through the incidents Lambda over DynamoDB Local: what any signed-in
 * user could do to the desk by choosing the values of an incident, refused now.
 */
let api: IncidentsApi;
const routes = incidentRoutes(() => api.handler);
const { agent, requester, otherRequester } = callers;

beforeAll(async () => {
  api = await startIncidentsApi();
});
afterAll(async () => {
  await api?.close();
});

const incidentsReportedBy = async (name: string) =>
  (await scanAll(api.tables.documents, api.tables.names.incidents)).filter((item) => item['sk'] === 'INCIDENT' && item['reportedBy'] === name);

describe('categories come from the client list', () => {
  test('an unlisted category is refused (400 naming category) and nothing is written, whoever sends it', async () => {
    for (const as of [requester, agent] as TestCaller[]) {
      const before = (await scanAll(api.tables.documents, api.tables.names.incidents)).length;
      const response = await routes.create(validIncidentBody({ category: `attack-${'x'.repeat(100)}`, reportedBy: requester.username }), { as });
      expectProblem(response, 400, 'category');
      expect((await scanAll(api.tables.documents, api.tables.names.incidents)).length).toBe(before);
    }
  });

  test('the desk cannot move an incident to an unlisted category either', async () => {
    const created = (await routes.create(validIncidentBody({ reportedBy: requester.username }), { as: agent })).body;
    expectProblem(await routes.patch(created['id'], { category: 'made-up' }, { as: agent, ifMatch: `"${created['version']}"` }), 400, 'category');
    expect((await routes.patch(created['id'], { category: 'network' }, { as: agent, ifMatch: `"${created['version']}"` })).status).toBe(200);
  });
});

describe("a requester's report cannot page people", () => {
  test('impact 1, urgency 1 and ten million users give P3 (the default cap) until the desk triages; the reported values stay visible', async () => {
    const response = await routes.create(validIncidentBody({ impact: 1, urgency: 1, usersAffected: 10_000_000 }), { as: requester });
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({ priority: 'P3', impact: 1, urgency: 1, usersAffected: 10_000_000, channel: 'web', reported: { impact: 1, urgency: 1, usersAffected: 10_000_000, priority: 'P1' } });
    expect(response.body['priorityReasons'].join(' ')).toMatch(/capped at P3/);
    // The desk triages: it confirms the impact with a reason, and the priority follows the facts.
    const triaged = await routes.patch(response.body['id'], { impact: 1, reason: 'Confirmed with the service owner' }, { as: agent, ifMatch: `"${response.body['version']}"` });
    expect(triaged.body).toMatchObject({ priority: 'P1', reported: { priority: 'P1' } });
  });

  test('the same body from the desk is not capped', async () => {
    const response = await routes.create(validIncidentBody({ impact: 1, urgency: 1, reportedBy: requester.username }), { as: agent });
    expect(response.body).toMatchObject({ priority: 'P1' });
    expect(response.body).not.toHaveProperty('reported');
  });

  test('a requester may not claim a channel (403 naming channel)', async () => {
    expectProblem(await routes.create(validIncidentBody({ channel: 'monitoring' }), { as: requester }), 403, 'channel');
  });

  test('detectedAt may lie neither in the future nor before the client window (30 days by default)', async () => {
    const day = 86_400_000;
    expectProblem(await routes.create(validIncidentBody({ detectedAt: new Date(Date.now() + day).toISOString() }), { as: requester }), 400, 'detectedAt');
    expectProblem(await routes.create(validIncidentBody({ detectedAt: '1970-01-01T00:00:00Z' }), { as: requester }), 400, 'detectedAt');
    expectProblem(await routes.create(validIncidentBody({ detectedAt: new Date(Date.now() - 31 * day).toISOString(), reportedBy: requester.username }), { as: agent }), 400, 'detectedAt');
    expect((await routes.create(validIncidentBody({ detectedAt: new Date(Date.now() - 29 * day).toISOString() }), { as: requester })).status).toBe(201);
  });
});

describe('per-person create quotas', () => {
  test('past the quota a requester is answered 429 with Retry-After, nothing is written, and others are not affected', async () => {
    const settings = exampleSettings();
    const handler = api.loadHandler({ ...settings, intake: { createQuotas: { requester: { limit: 2, window: 'PT1H' }, desk: { limit: 1000, window: 'PT1H' } } } });
    const limited = incidentRoutes(() => handler);
    const flooder: TestCaller = { ...otherRequester, sub: '0b7c1c1e-0000-4000-8000-0000000000f1', username: 'flo.flooder' };
    for (let n = 0; n < 2; n++) expect((await limited.create(validIncidentBody(), { as: flooder })).status).toBe(201);
    const refused = await limited.create(validIncidentBody(), { as: flooder });
    expectProblem(refused, 429, 'quota');
    const retryAfter = Number(refused.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(3600);
    expect(await incidentsReportedBy('flo.flooder')).toHaveLength(2);
    // Counted by sub: the same sub under another (reused) username is the same person.
    expectProblem(await limited.create(validIncidentBody(), { as: { ...flooder, username: 'flo.renamed' } }), 429);
    // Another requester has a quota of their own.
    expect((await limited.create(validIncidentBody(), { as: { ...otherRequester, sub: '0b7c1c1e-0000-4000-8000-0000000000f2' } })).status).toBe(201);
    // The counter is one item per person and window, expiring by the table's TTL.
    const counters = (await scanAll(api.tables.documents, api.tables.names.incidents)).filter((item) => item['pk'] === `QUOTA#${flooder.sub}`);
    expect(counters).toEqual([expect.objectContaining({ count: 2, expiresAt: expect.any(Number) })]);
  });
});

describe('ownership (issue 20, item 11)', () => {
  test('a requester owns what they logged by sub: a new account given the same username does not', async () => {
    const created = await routes.create(validIncidentBody(), { as: requester });
    expect(created.status).toBe(201);
    const usurper: TestCaller = { ...requester, sub: '0b7c1c1e-0000-4000-8000-0000000000e1' };
    expectProblem(await routes.get(created.body['id'], { as: usurper }), 404);
    const listed = (await routes.list({}, { as: usurper })).body['items'] as { id: string }[];
    expect(listed.map((i) => i.id)).not.toContain(created.body['id']);
    expect((await routes.get(created.body['id'], { as: requester })).status).toBe(200);
  });

  test('a service owner escalates and declares major incidents on services they own only', async () => {
    const { serviceOwner, admin } = callers;
    const stranger: TestCaller = { ...serviceOwner, sub: '0b7c1c1e-0000-4000-8000-0000000000e2', username: 'other.owner' };
    const created = (await routes.create(validIncidentBody({ reportedBy: requester.username }), { as: agent })).body;
    const ifMatch = `"${created['version']}"`;
    expectProblem(await routes.escalate(created['id'], { kind: 'hierarchical', to: 'duty-manager', reason: 'Board meeting' }, { as: stranger, ifMatch }), 403, 'kind');
    expectProblem(await routes.patch(created['id'], { major: true, majorReason: 'All mail down' }, { as: stranger, ifMatch }), 403, 'major');
    expect((await routes.escalate(created['id'], { kind: 'hierarchical', to: 'duty-manager', reason: 'Board meeting' }, { as: serviceOwner, ifMatch })).status).toBe(200);
    expect((await routes.patch(created['id'], { major: true, majorReason: 'All mail down' }, { as: admin, ifMatch: '"2"' })).status).toBe(200);
  });
});
