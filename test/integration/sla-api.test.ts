import { DynamoDbIncidentRepository } from '../../src/modules/incidents/adapters/dynamodb-incident-repository';
import { INITIAL_SLA } from '../../src/modules/incidents/domain/incident-sla';
import { callers, invoke, type TestCaller } from './support-events';
import { anIncident } from './support-incidents';
import { expectProblem, incidentRoutes, startIncidentsApi, validIncidentBody, type IncidentsApi } from './support-handler';

/**
 * The SLA routes through the incidents Lambda over DynamoDB Local: acknowledging, the first reply
 * to the reporter, the clocks of one incident, and the compliance report; each clock generation
 * starts one workflow execution (LocalStepFunctions runs the template's state machine).
 */
let api: IncidentsApi;
const routes = incidentRoutes(() => api.handler);
const { agent, requester, otherRequester, auditor, changeManager } = callers;

beforeAll(async () => {
  api = await startIncidentsApi();
});
afterAll(async () => {
  await api?.close();
});

const sla = (id: string, as: TestCaller = agent) => invoke(api.handler, 'GET', { path: `/incidents/${id}/sla`, resource: '/incidents/{id}/sla', pathParameters: { id }, caller: as });
const acknowledge = (id: string, as: TestCaller = agent, body?: unknown) =>
  invoke(api.handler, 'POST', { path: `/incidents/${id}/acknowledge`, resource: '/incidents/{id}/acknowledge', pathParameters: { id }, caller: as, ...(body !== undefined && { body }) });
const report = (query: Record<string, string>, as: TestCaller = agent) => invoke(api.handler, 'GET', { path: '/reports/sla', resource: '/reports/sla', query, caller: as });
const target = (body: { targets: { target: string }[] }, name: string) => body.targets.find((t) => t.target === name) as Record<string, unknown>;

async function logged(overrides: Record<string, unknown> = {}) {
  const created = await routes.create(validIncidentBody({ reportedBy: requester.username, ...overrides }), { as: agent });
  expect(created.status).toBe(201);
  return created.body as { id: string; number: string; version: number };
}

test('acknowledging achieves the acknowledge target once; again answers the incident unchanged', async () => {
  const incident = await logged();
  const first = await acknowledge(incident.id);
  expect(first.status).toBe(200);
  expect(first.headers['etag']).toBe('"2"');
  const again = await acknowledge(incident.id, agent, {});
  expect(again.status).toBe(200);
  expect(again.headers['etag']).toBe('"2"');

  const clocks = await sla(incident.id);
  expect(clocks.status).toBe(200);
  expect(target(clocks.body, 'acknowledge')).toMatchObject({ state: 'achieved', calendar: '24x7', targetMs: 30 * 60_000 });
  expect(target(clocks.body, 'respond')).toMatchObject({ state: 'running', dueAt: expect.any(String), warningAt: expect.any(String) });
  const timeline = await routes.timeline(incident.id, {}, { as: agent });
  expect(timeline.body.items.map((e: { type: string }) => e.type)).toContain('acknowledged');
});

test('who may acknowledge: the desk; a requester is refused (403), another requester does not see it (404); a resolved incident cannot be', async () => {
  const incident = await logged();
  expectProblem(await acknowledge(incident.id, requester), 403);
  expectProblem(await acknowledge(incident.id, otherRequester), 404);
  expectProblem(await acknowledge(incident.id, agent, { note: 'x' }), 400, 'note');
  const working = await routes.patch(incident.id, { state: 'In Progress' }, { as: agent, ifMatch: '"1"' });
  await routes.patch(incident.id, { state: 'Resolved', resolutionCode: 'Solved (workaround)', resolutionNotes: 'Restarted' }, { as: agent, ifMatch: working.headers['etag'] });
  expectProblem(await acknowledge(incident.id), 400, 'state');
});

test("the desk's first comment to the reporter achieves respond (a new version); work notes and the reporter's own comments do not", async () => {
  const incident = await logged();
  expect((await routes.comment(incident.id, { type: 'work-note', text: 'Checking the mail relay' }, { as: agent })).status).toBe(201);
  expect((await routes.comment(incident.id, { type: 'comment', text: 'Still broken here' }, { as: requester })).status).toBe(201);
  expect((await routes.get(incident.id, { as: agent })).headers['etag']).toBe('"1"');
  expect(target((await sla(incident.id)).body, 'respond').state).toBe('running');

  expect((await routes.comment(incident.id, { type: 'comment', text: 'We are on it' }, { as: agent })).status).toBe(201);
  expect((await routes.get(incident.id, { as: agent })).headers['etag']).toBe('"2"');
  const clocks = (await sla(incident.id)).body;
  expect(target(clocks, 'respond').state).toBe('achieved');
  // Replying also acknowledges: the desk has plainly taken the incident on.
  expect(target(clocks, 'acknowledge').state).toBe('achieved');
  // A second reply changes nothing more.
  expect((await routes.comment(incident.id, { type: 'comment', text: 'Update: relay restarted' }, { as: agent })).status).toBe(201);
  expect((await routes.get(incident.id, { as: agent })).headers['etag']).toBe('"2"');
});

test('On Hold awaiting the caller pauses the clocks and starts a new clock generation; each generation has one workflow execution', async () => {
  const incident = await logged({ impact: 3, urgency: 3 });
  const working = await routes.patch(incident.id, { state: 'In Progress' }, { as: agent, ifMatch: '"1"' });
  const held = await routes.patch(incident.id, { state: 'On Hold', onHoldReason: 'awaiting caller' }, { as: agent, ifMatch: working.headers['etag'] });
  expect(held.status).toBe(200);
  const clocks = (await sla(incident.id)).body;
  expect(clocks.generation).toBe(2);
  expect(target(clocks, 'resolve')).toMatchObject({ state: 'paused', calendar: 'business-hours' });
  expect(target(clocks, 'resolve').dueAt).toBeUndefined();
  await api.deliverEffects();
  const names = api.workflows.list().map((e) => e.name).filter((n) => n.startsWith(incident.id)).sort();
  expect(names).toEqual([`${incident.id}-g1`, `${incident.id}-g2`]);

  // The reporter may read their incident's clocks; another requester may not know it exists.
  expect((await sla(incident.id, requester)).status).toBe(200);
  expectProblem(await sla(incident.id, otherRequester), 404);
});

test('the SLA report counts per priority what was achieved and breached in the period, with median and 90th percentile times', async () => {
  const repository = new DynamoDbIncidentRepository(api.tables.documents, api.tables.names.incidents);
  // Logged five hours ago and never touched: every P1 target is breached now.
  const fiveHoursAgo = new Date(Date.now() - 5 * 3_600_000).toISOString();
  const ignored = anIncident({ impact: 1, urgency: 1, priority: 'P1', createdAt: fiveHoursAgo, updatedAt: fiveHoursAgo, detectedAt: fiveHoursAgo, sla: INITIAL_SLA });
  await repository.create({ incident: ignored, entries: [] });
  // Logged ten minutes ago, acknowledged after two: achieved.
  const tenMinutesAgo = new Date(Date.now() - 10 * 60_000);
  const handled = anIncident({
    impact: 1, urgency: 1, priority: 'P1', createdAt: tenMinutesAgo.toISOString(), updatedAt: tenMinutesAgo.toISOString(), detectedAt: tenMinutesAgo.toISOString(),
    sla: { ...INITIAL_SLA, acknowledgedAt: new Date(tenMinutesAgo.getTime() + 120_000).toISOString() },
  });
  await repository.create({ incident: handled, entries: [] });

  const from = new Date(Date.now() - 6 * 3_600_000).toISOString();
  const to = new Date(Date.now() + 60_000).toISOString();
  const answer = await report({ from, to });
  expect(answer.status).toBe(200);
  const p1 = answer.body.rows.find((r: { priority: string }) => r.priority === 'P1');
  expect(p1.incidents).toBeGreaterThanOrEqual(2);
  const ack = p1.targets.find((t: { target: string }) => t.target === 'acknowledge');
  expect(ack.breached).toBeGreaterThanOrEqual(1);
  expect(ack.achieved).toBeGreaterThanOrEqual(1);
  expect(ack.achievedShare).toBeGreaterThan(0);
  expect(ack.achievedShare).toBeLessThan(1);
  expect(ack.medianMs).toBeGreaterThan(0);
  expect(ack.p90Ms).toBeGreaterThanOrEqual(ack.medianMs);

  // A period with nothing in it reports nothing.
  const empty = await report({ from: '2020-01-01T00:00:00Z', to: '2020-02-01T00:00:00Z' });
  expect(empty.body.rows).toEqual([]);
});

test('the SLA report: desk, managers and auditors read it; requesters do not; the period is validated', async () => {
  const period = { from: '2026-01-01T00:00:00Z', to: '2026-02-01T00:00:00Z' };
  for (const as of [agent, auditor, changeManager] as TestCaller[]) expect((await report(period, as)).status).toBe(200);
  expectProblem(await report(period, requester), 403);
  expectProblem(await report({ from: '2026-02-01T00:00:00Z', to: '2026-01-01T00:00:00Z' }), 400, 'to');
  expectProblem(await report({ to: '2026-01-01T00:00:00Z' }), 400, 'from');
  expectProblem(await report({ ...period, extra: '1' }), 400, 'extra');
});
