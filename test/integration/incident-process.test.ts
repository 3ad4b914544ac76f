import { setTimeout as sleep } from 'node:timers/promises';
import type { TestTables } from '../support/test-tables';
import { callers, type ApiResponse, type TestCaller } from './support-events';
import { exampleSettings, expectProblem, incidentRoutes, startIncidentsApi, TOPICS, validIncidentBody, type IncidentsApi } from './support-handler';
import { counterValue, scanAll, storedItem, storedTimeline } from './support-incidents';
import { aService } from './support-catalogue';
import { DynamoDbReportAggregates } from '../../src/modules/incidents/adapters/report-aggregates';
import { availabilityReport } from '../../src/modules/reports/app/report-use-cases';
import { DynamoDbCatalogueRepository } from '../../src/modules/catalogue/adapters/dynamodb-catalogue-repository';

/**
 * The ITIL incident process through the incidents Lambda (API Gateway events, DynamoDB Local,
 * LocalSns): the timeline, confirm and reject, escalation, major incidents, what each role may
 * write and read, prioritisation rules and the work queues.
 */

let api: IncidentsApi;
let tables: TestTables;
const routes = incidentRoutes(() => api.handler);
const { agent, otherAgent, requester, otherRequester, auditor, serviceOwner, admin } = callers;

beforeAll(async () => {
  api = await startIncidentsApi();
  tables = api.tables;
});
afterAll(async () => {
  await api?.close();
});

// ---------------------------------------------------------------------------------------------
// Helpers

type Body = Record<string, any>;

/** Expects `status` and returns the body. */
function ok(response: ApiResponse, status = 200): Body {
  if (response.status !== status) throw new Error(`expected ${status}, got ${response.status}: ${response.raw}`);
  return response.body;
}

/** An incident an agent logged for the requester (unless overridden). */
async function logged(overrides: Record<string, unknown> = {}, as: TestCaller = agent): Promise<Body> {
  return ok(await routes.create(validIncidentBody({ reportedBy: requester.username, ...overrides }), { as }), 201);
}

const etag = (body: Body) => `"${body['version']}"`;

async function inProgress(incident: Body, as: TestCaller = agent): Promise<Body> {
  return ok(await routes.patch(incident['id'], { state: 'In Progress' }, { as, ifMatch: etag(incident) }));
}

async function resolve(incident: Body, as: TestCaller = agent): Promise<Body> {
  return ok(
    await routes.patch(
      incident['id'],
      { state: 'Resolved', resolutionCode: 'Solved (permanently)', resolutionNotes: 'Restarted the transport service' },
      { as, ifMatch: etag(incident) },
    ),
  );
}

/** Logged for the requester, worked and resolved: waiting for the reporter's verdict. */
async function resolvedIncident(overrides: Record<string, unknown> = {}): Promise<Body> {
  return resolve(await inProgress(await logged(overrides)));
}

/** Every timeline entry the caller may see, reading pages of `limit`. */
async function wholeTimeline(id: string, as: TestCaller, limit = 100): Promise<Body[]> {
  const seen: Body[] = [];
  let nextToken: string | undefined;
  for (let pages = 0; pages < 50; pages++) {
    const page = ok(await routes.timeline(id, { limit: String(limit), ...(nextToken && { nextToken }) }, { as }));
    expect(page['items'].length).toBeLessThanOrEqual(limit);
    seen.push(...page['items']);
    nextToken = page['nextToken'];
    if (!nextToken) return seen;
  }
  throw new Error('timeline paging did not end within 50 pages');
}

const stored = (id: string) => storedItem(tables.documents, tables.names.incidents, id);
const storedEntries = (id: string) => storedTimeline(tables.documents, tables.names.incidents, id);
/** What was published about the incident once its stored effects were delivered (through the outbox). */
const messagesOn = async (topicArn: string, number: string) => {
  await api.deliverEffects();
  return api.messagesAbout(number).filter((m) => m.topicArn === topicArn);
};

/** Everything that proves a refused request changed nothing: the incident, its timeline, the outbox. */
async function snapshot(incident: Body) {
  await api.deliverEffects();
  return { item: await stored(incident['id']), entries: await storedEntries(incident['id']), messages: api.messagesAbout(incident['number']) };
}

// ---------------------------------------------------------------------------------------------

describe('timeline', () => {
  let story: Body;
  const deskView = [
    'created',
    'assignment-change',
    'assignment-change',
    'state-change',
    'comment',
    'work-note',
    'field-change',
    'priority-change',
    'escalation',
    'major-incident',
    // A major incident's declaration and each resolution are told to the client (the communications log; internal entries).
    'communication',
    'state-change',
    'communication',
    'reopened',
    'state-change',
    'communication',
    'closed',
  ];
  const reporterView = ['created', 'state-change', 'comment', 'priority-change', 'state-change', 'reopened', 'state-change', 'closed'];

  beforeAll(async () => {
    // One incident through the whole process. The pauses keep every step in its own millisecond:
    // the timeline orders by time, and this test is about order, not about same-millisecond ties.
    const steps: Array<(current: Body) => Promise<ApiResponse>> = [
      (c) => routes.patch(c['id'], { state: 'In Progress', assignmentGroup: 'service-desk', assignee: 'bert.agent' }, { as: agent, ifMatch: etag(c) }),
      (c) => routes.comment(c['id'], { text: 'It is still down for me' }, { as: requester }),
      (c) => routes.comment(c['id'], { type: 'work-note', text: 'Exchange queue is backed up' }, { as: agent }),
      (c) => routes.patch(c['id'], { impact: 1, reason: 'The whole floor is affected' }, { as: agent, ifMatch: etag(c) }),
      (c) => routes.escalate(c['id'], { kind: 'hierarchical', to: 'service-owner', reason: 'Close to breaching the SLA' }, { as: serviceOwner, ifMatch: etag(c) }),
      (c) => routes.patch(c['id'], { major: true, majorReason: 'Email down for the whole site' }, { as: serviceOwner, ifMatch: etag(c) }),
      (c) => routes.patch(c['id'], { state: 'Resolved', resolutionCode: 'Solved (permanently)', resolutionNotes: 'Restarted transport' }, { as: agent, ifMatch: etag(c) }),
      (c) => routes.reject(c['id'], { reason: 'Outlook still says disconnected' }, { as: requester, ifMatch: etag(c) }),
      (c) => routes.patch(c['id'], { state: 'Resolved', resolutionCode: 'Solved (permanently)', resolutionNotes: 'Replaced the connector' }, { as: agent, ifMatch: etag(c) }),
      (c) => routes.confirm(c['id'], { as: requester, ifMatch: etag(c) }),
    ];
    story = await logged({ impact: 2, urgency: 2, service: 'timeline-story' });
    for (const step of steps) {
      await sleep(3);
      const response = await step(story);
      expect([200, 201]).toContain(response.status);
      if (response.status === 200) story = response.body;
    }
    expect(story).toMatchObject({ state: 'Closed', version: 9 });
  });

  test('the desk sees every change, comment, work note, escalation and major declaration, oldest first', async () => {
    const entries = await wholeTimeline(story['id'], agent);
    expect(entries.map((e) => e['type'])).toEqual(deskView);
    expect(entries.map((e) => e['at'])).toEqual([...entries.map((e) => e['at'])].sort());
    expect(entries).toEqual([
      expect.objectContaining({ type: 'created', actor: agent.username, visibility: 'public', at: story['createdAt'] }),
      expect.objectContaining({ type: 'assignment-change', field: 'assignmentGroup', to: 'service-desk', visibility: 'internal' }),
      expect.objectContaining({ type: 'assignment-change', field: 'assignee', to: 'bert.agent', visibility: 'internal' }),
      expect.objectContaining({ type: 'state-change', from: 'New', to: 'In Progress', visibility: 'public' }),
      expect.objectContaining({ type: 'comment', actor: requester.username, text: 'It is still down for me', visibility: 'public' }),
      expect.objectContaining({ type: 'work-note', actor: agent.username, text: 'Exchange queue is backed up', visibility: 'internal' }),
      expect.objectContaining({ type: 'field-change', field: 'impact', from: 2, to: 1, visibility: 'internal' }),
      expect.objectContaining({ type: 'priority-change', from: 'P3', to: 'P2', reason: 'The whole floor is affected', visibility: 'public' }),
      expect.objectContaining({ type: 'escalation', actor: serviceOwner.username, reason: 'Close to breaching the SLA', visibility: 'internal' }),
      expect.objectContaining({ type: 'major-incident', actor: serviceOwner.username, visibility: 'internal' }),
      expect.objectContaining({ type: 'communication', actor: serviceOwner.username, field: 'declared', visibility: 'internal', effect: expect.stringMatching(/#notify#major-incident$/) }),
      expect.objectContaining({ type: 'state-change', from: 'In Progress', to: 'Resolved', text: 'Restarted transport' }),
      expect.objectContaining({ type: 'communication', field: 'resolved', visibility: 'internal', effect: expect.stringMatching(/#notify#major-incident-resolved$/) }),
      expect.objectContaining({ type: 'reopened', actor: requester.username, reason: 'Outlook still says disconnected', from: 'Resolved', to: 'In Progress' }),
      expect.objectContaining({ type: 'state-change', from: 'In Progress', to: 'Resolved', text: 'Replaced the connector' }),
      expect.objectContaining({ type: 'communication', field: 'resolved', visibility: 'internal' }),
      expect.objectContaining({ type: 'closed', actor: requester.username, from: 'Resolved', to: 'Closed' }),
    ]);
    expect(new Set(entries.map((e) => e['id'])).size).toBe(entries.length);
  });

  test('the requester sees only public entries: no work notes, assignment, field changes or escalations', async () => {
    const entries = await wholeTimeline(story['id'], requester);
    expect(entries.map((e) => e['type'])).toEqual(reporterView);
    expect(entries.every((e) => e['visibility'] === 'public')).toBe(true);
    expect(JSON.stringify(entries)).not.toContain('Exchange queue is backed up');
    expect(JSON.stringify(entries)).not.toContain('bert.agent');
    // The major-incident entry is internal, like majorReason on the incident itself.
    expect(JSON.stringify(entries)).not.toContain('majorReason');
    expect(entries.some((e) => e['type'] === 'major-incident')).toBe(false);
  });

  test('auditors and change managers read the internal timeline; other requesters get 404', async () => {
    expect((await wholeTimeline(story['id'], auditor)).map((e) => e['type'])).toEqual(deskView);
    expect((await wholeTimeline(story['id'], callers.changeManager)).map((e) => e['type'])).toEqual(deskView);
    expectProblem(await routes.timeline(story['id'], {}, { as: otherRequester }), 404, 'id');
    expectProblem(await routes.timeline(story['number'], {}, { as: otherRequester }), 404, 'id');
  });

  test.each([1, 2, 3])('paging with limit %i returns every entry once, in the same order, for desk and requester', async (limit) => {
    const desk = await wholeTimeline(story['id'], agent);
    const pagedDesk = await wholeTimeline(story['id'], agent, limit);
    expect(pagedDesk).toEqual(desk);
    const reporter = await wholeTimeline(story['id'], requester);
    expect(await wholeTimeline(story['number'], requester, limit)).toEqual(reporter);
  });

  test('limit 2: the pages hold 2 entries each and link by nextToken', async () => {
    const first = ok(await routes.timeline(story['id'], { limit: '2' }, { as: agent }));
    expect(first['items'].map((e: Body) => e['type'])).toEqual(deskView.slice(0, 2));
    const second = ok(await routes.timeline(story['id'], { limit: '2', nextToken: first['nextToken'] }, { as: agent }));
    expect(second['items'].map((e: Body) => e['type'])).toEqual(deskView.slice(2, 4));
    expect(second['items'].map((e: Body) => e['id'])).not.toContain(first['items'][1]['id']);
  });

  test("a desk cursor is refused on the requester's view, and a cursor for another incident is refused", async () => {
    const desk = ok(await routes.timeline(story['id'], { limit: '2' }, { as: agent }));
    expectProblem(await routes.timeline(story['id'], { limit: '2', nextToken: desk['nextToken'] }, { as: requester }), 400, 'nextToken');
    const other = await logged({ service: 'timeline-other' });
    expectProblem(await routes.timeline(other['id'], { limit: '2', nextToken: desk['nextToken'] }, { as: agent }), 400, 'nextToken');
  });

  test('append-only: later additions leave every earlier entry exactly as it was', async () => {
    const before = await wholeTimeline(story['id'], agent);
    await sleep(3);
    ok(await routes.comment(story['id'], { text: 'Thanks, all good now' }, { as: requester }), 201);
    const after = await wholeTimeline(story['id'], agent);
    expect(after.slice(0, before.length)).toEqual(before);
    expect(after.slice(before.length)).toEqual([expect.objectContaining({ type: 'comment', text: 'Thanks, all good now', actor: requester.username })]);
  });

  test('a comment answers 201 with the entry; a blank one or an unknown type → 400', async () => {
    const incident = await logged({ service: 'timeline-comments' });
    const response = await routes.comment(incident['id'], { text: 'Called the user back' }, { as: agent });
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({ type: 'comment', actor: agent.username, visibility: 'public', text: 'Called the user back', at: expect.any(String) });
    expectProblem(await routes.comment(incident['id'], { text: '  ' }, { as: agent }), 400, 'text');
    expectProblem(await routes.comment(incident['id'], { type: 'shout', text: 'x' }, { as: agent }), 400, 'type');
    expectProblem(await routes.comment('00000000-0000-4000-8000-000000000000', { text: 'x' }, { as: agent }), 404, 'id');
  });

  test('a stale If-Match writes neither the incident nor any timeline entry', async () => {
    const incident = await logged({ service: 'timeline-stale' });
    const v2 = ok(await routes.patch(incident['id'], { assignee: 'bert.agent' }, { as: agent, ifMatch: '"1"' }));
    const before = await snapshot(v2);
    expectProblem(await routes.patch(incident['id'], { state: 'In Progress', assignee: 'someone.else', impact: 3, reason: 'x' }, { as: agent, ifMatch: '"1"' }), 412, 'If-Match');
    expectProblem(await routes.escalate(incident['id'], { kind: 'functional', to: 'network', reason: 'x' }, { as: serviceOwner, ifMatch: '"1"' }), 412, 'If-Match');
    expect(await snapshot(v2)).toEqual(before);
  });
});

describe('confirm and reject', () => {
  test('only the reporter may confirm: others get 403 naming reportedBy, or 404 if they cannot read it', async () => {
    const incident = await resolvedIncident({ service: 'confirm-who' });
    const before = await snapshot(incident);
    for (const as of [agent, otherAgent, serviceOwner, admin, auditor, callers.changeManager]) {
      expectProblem(await routes.confirm(incident['id'], { as, ifMatch: etag(incident) }), 403, 'reportedBy');
      expectProblem(await routes.reject(incident['id'], { reason: 'no' }, { as, ifMatch: etag(incident) }), 403, 'reportedBy');
    }
    const refused = await routes.confirm(incident['id'], { as: agent, ifMatch: etag(incident) });
    expect(refused.body.detail).toContain(requester.username);
    expectProblem(await routes.confirm(incident['id'], { as: otherRequester, ifMatch: etag(incident) }), 404, 'id');
    expectProblem(await routes.reject(incident['id'], { reason: 'no' }, { as: otherRequester, ifMatch: etag(incident) }), 404, 'id');
    expect(await snapshot(incident)).toEqual(before);
  });

  test('confirm needs If-Match: missing → 428, stale → 412, nothing changed', async () => {
    const incident = await resolvedIncident({ service: 'confirm-etag' });
    const before = await snapshot(incident);
    expectProblem(await routes.confirm(incident['id'], { as: requester }), 428, 'If-Match');
    expectProblem(await routes.confirm(incident['id'], { as: requester, ifMatch: '"2"' }), 412, 'If-Match');
    expect(await snapshot(incident)).toEqual(before);
  });

  test('the reporter confirms → Closed, closedBy the reporter, with a closed entry', async () => {
    const incident = await resolvedIncident({ service: 'confirm-ok' });
    const response = await routes.confirm(incident['number'], { as: requester, ifMatch: etag(incident) }, {});
    expect(response.status).toBe(200);
    expect(response.headers['etag']).toBe(`"${incident['version'] + 1}"`);
    expect(response.body).toMatchObject({
      state: 'Closed',
      closedBy: requester.username,
      closedAt: expect.any(String),
      closureReason: expect.any(String),
      resolvedAt: incident['resolvedAt'],
      updatedBy: requester.username,
    });
    expect(ok(await routes.get(incident['id'], { as: agent }))).toMatchObject({ state: 'Closed', closedBy: requester.username });
    expect((await storedEntries(incident['id'])).at(-1)).toMatchObject({ type: 'closed', actor: requester.username });
    // Closed is final: a second confirm or a reject is a lifecycle conflict.
    expectProblem(await routes.confirm(incident['id'], { as: requester, ifMatch: `"${response.body.version}"` }), 409, 'state');
    expectProblem(await routes.reject(incident['id'], { reason: 'again' }, { as: requester, ifMatch: `"${response.body.version}"` }), 409, 'state');
  });

  test('confirming an incident that is not resolved → 409, nothing changed', async () => {
    const incident = await inProgress(await logged({ service: 'confirm-early' }));
    const before = await snapshot(incident);
    expectProblem(await routes.confirm(incident['id'], { as: requester, ifMatch: etag(incident) }), 409, 'state');
    expect(await snapshot(incident)).toEqual(before);
  });

  test('confirm accepts no fields in its body', async () => {
    const incident = await resolvedIncident({ service: 'confirm-body' });
    expectProblem(await routes.confirm(incident['id'], { as: requester, ifMatch: etag(incident) }, { note: 'thanks' }), 400, 'note');
  });

  test('the reporter rejects → In Progress, reopenCount 1, the reason on the timeline, resolution cleared', async () => {
    const incident = await resolvedIncident({ service: 'reject-ok' });
    const response = await routes.reject(incident['id'], { reason: 'Still cannot send' }, { as: requester, ifMatch: etag(incident) });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ state: 'In Progress', reopenCount: 1, updatedBy: requester.username, version: incident['version'] + 1 });
    for (const field of ['resolutionCode', 'resolutionNotes', 'resolvedAt', 'resolvedBy']) expect(response.body).not.toHaveProperty(field);
    const entry = (await wholeTimeline(incident['id'], requester)).at(-1);
    expect(entry).toMatchObject({ type: 'reopened', actor: requester.username, reason: 'Still cannot send', from: 'Resolved', to: 'In Progress' });
    // It is open work again: it counts against its service and can be resolved again, then rejected again.
    const again = await resolve(response.body);
    const second = ok(await routes.reject(incident['id'], { reason: 'Still broken' }, { as: requester, ifMatch: etag(again) }));
    expect(second['reopenCount']).toBe(2);
  });

  test('reject needs If-Match and a reason: missing → 428, stale → 412, no reason → 400', async () => {
    const incident = await resolvedIncident({ service: 'reject-etag' });
    const before = await snapshot(incident);
    expectProblem(await routes.reject(incident['id'], { reason: 'x' }, { as: requester }), 428, 'If-Match');
    expectProblem(await routes.reject(incident['id'], { reason: 'x' }, { as: requester, ifMatch: '"1"' }), 412, 'If-Match');
    expectProblem(await routes.reject(incident['id'], {}, { as: requester, ifMatch: etag(incident) }), 400, 'reason');
    expectProblem(await routes.reject(incident['id'], { reason: '   ' }, { as: requester, ifMatch: etag(incident) }), 400, 'reason');
    expect(await snapshot(incident)).toEqual(before);
  });
});

describe('escalation', () => {
  test('a service owner escalates: the level goes up and a notification goes to the escalation topic', async () => {
    const incident = await inProgress(await logged({ service: 'escalate-ok', impact: 1, urgency: 1 }));
    const first = ok(
      await routes.escalate(incident['id'], { kind: 'functional', to: 'network-team', reason: 'Needs the network team', assignmentGroup: 'network' }, { as: serviceOwner, ifMatch: etag(incident) }),
    );
    expect(first).toMatchObject({
      escalationLevel: 1,
      assignmentGroup: 'network',
      escalations: [{ kind: 'functional', level: 1, to: 'network-team', reason: 'Needs the network team', by: serviceOwner.username, at: expect.any(String) }],
      version: incident['version'] + 1,
    });
    const second = ok(await routes.escalate(incident['id'], { kind: 'hierarchical', to: 'service-owner', reason: 'P1 for an hour' }, { as: admin, ifMatch: etag(first) }));
    expect(second['escalationLevel']).toBe(2);
    expect(second['escalations']).toHaveLength(2);

    const messages = await messagesOn(TOPICS.escalation, incident['number']);
    expect(messages).toHaveLength(2);
    expect(messages[0]).toMatchObject({
      topicArn: TOPICS.escalation,
      attributes: { priority: 'P1', level: '1', client: 'example', kind: 'functional' },
      subject: expect.stringContaining(incident['number']),
    });
    expect(messages[1]).toMatchObject({ attributes: { priority: 'P1', level: '2', client: 'example', kind: 'hierarchical' } });
    // Escalating to the service owner tells the owner the catalogue names for the incident's service.
    expect((messages[1]!.message as Body)['recipients']).toEqual([{ name: 'Oscar Owner', email: 'oscar.owner@example.com' }]);
    expect(messages.every((m) => m.topicArn === TOPICS.escalation)).toBe(true);

    const entries = (await wholeTimeline(incident['id'], agent)).filter((e) => e['type'] === 'escalation' || e['type'] === 'assignment-change');
    expect(entries.map((e) => e['type'])).toEqual(['escalation', 'assignment-change', 'escalation']);
  });

  test('an agent may not escalate: 403 naming role, nothing stored or published', async () => {
    const incident = await logged({ service: 'escalate-agent' });
    const before = await snapshot(incident);
    for (const as of [agent, otherAgent, callers.engineer, auditor, callers.changeManager]) {
      expectProblem(await routes.escalate(incident['id'], { kind: 'functional', to: 'network', reason: 'x' }, { as, ifMatch: etag(incident) }), 403, 'role');
    }
    expect(await snapshot(incident)).toEqual(before);
  });

  test("agents and engineers escalate hierarchically to the service's owner: the owner is told, the escalation recorded and audited; nothing else", async () => {
    const incident = await inProgress(await logged({ service: 'escalate-owner', impact: 2, urgency: 2 }));
    const reason = 'Cannot be resolved quickly: needs the owner to prioritise';
    // Only hierarchically, only to the owner: a functional hand-over to them stays the owner's call (400), anyone else 403.
    expectProblem(await routes.escalate(incident['id'], { kind: 'functional', to: 'service-owner', reason }, { as: agent, ifMatch: etag(incident) }), 400, 'kind');
    expectProblem(await routes.escalate(incident['id'], { kind: 'hierarchical', to: 'it-director', reason }, { as: agent, ifMatch: etag(incident) }), 403, 'role');
    expectProblem(await routes.escalate(incident['id'], { to: 'service-owner', reason }, { as: requester, ifMatch: etag(incident) }), 403);
    expectProblem(await routes.escalate(incident['id'], { to: 'service-owner', reason }, { as: auditor, ifMatch: etag(incident) }), 403, 'role');

    const first = ok(await routes.escalate(incident['id'], { to: 'service-owner', reason }, { as: agent, ifMatch: etag(incident) }));
    expect(first).toMatchObject({ escalationLevel: 1, escalations: [{ kind: 'hierarchical', level: 1, to: 'Oscar Owner (service owner)', reason, by: agent.username }] });
    const second = ok(await routes.escalate(incident['id'], { kind: 'hierarchical', to: 'service-owner', reason: 'Still down' }, { as: callers.engineer, ifMatch: etag(first) }));
    expect(second['escalationLevel']).toBe(2);
    // Not a major incident: the desk still may not declare one.
    expectProblem(await routes.patch(incident['id'], { major: true, majorReason: 'Big' }, { as: agent, ifMatch: etag(second) }), 403, 'major');

    const messages = await messagesOn(TOPICS.escalation, incident['number']);
    expect(messages.map((m) => (m.message as Body)['recipients'])).toEqual([
      [{ name: 'Oscar Owner', email: 'oscar.owner@example.com' }],
      [{ name: 'Oscar Owner', email: 'oscar.owner@example.com' }],
    ]);
    expect(messages[0]).toMatchObject({ attributes: { kind: 'hierarchical', level: '1' } });
    const audit = (await scanAll(tables.documents, tables.names.audit)).filter((r) => (r['resource'] as Body | undefined)?.['id'] === incident['id'] && r['action'] === 'incident:escalate');
    expect(audit.map((r) => [r['actor'], r['outcome']]).sort()).toEqual([[callers.engineer.username, 'allowed'], [agent.username, 'allowed']].sort());
  });

  test('escalation needs If-Match (428/412) and an open incident (400 naming state)', async () => {
    const incident = await logged({ service: 'escalate-checks' });
    const body = { kind: 'functional', to: 'network', reason: 'x' };
    expectProblem(await routes.escalate(incident['id'], body, { as: serviceOwner }), 428, 'If-Match');
    expectProblem(await routes.escalate(incident['id'], body, { as: serviceOwner, ifMatch: '"7"' }), 412, 'If-Match');
    expectProblem(await routes.escalate(incident['id'], { ...body, kind: 'sideways' }, { as: serviceOwner, ifMatch: '"1"' }), 400, 'kind');
    const resolved = await resolvedIncident({ service: 'escalate-resolved' });
    const before = await snapshot(resolved);
    expectProblem(await routes.escalate(resolved['id'], body, { as: serviceOwner, ifMatch: etag(resolved) }), 400, 'state');
    expect(await snapshot(resolved)).toEqual(before);
  });
});

describe('lost transactions', () => {
  test('an outage records its lost transactions; the availability report sums them per service over the outages that started in the period', async () => {
    const service = 'outage-lost';
    const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000).toISOString();
    expectProblem(await routes.create(validIncidentBody({ service, outage: { start: hoursAgo(2), lostTransactions: -1 } }), { as: agent }), 400, 'outage.lostTransactions');
    expectProblem(await routes.create(validIncidentBody({ service, outage: { start: hoursAgo(2), lostTransactions: 1.5 } }), { as: agent }), 400, 'outage.lostTransactions');
    const first = ok(await routes.create(validIncidentBody({ service, outage: { start: hoursAgo(2), lostTransactions: 120 } }), { as: agent }), 201);
    expect(first['outage']).toMatchObject({ lostTransactions: 120 });
    ok(await routes.create(validIncidentBody({ service, outage: { start: hoursAgo(1), end: hoursAgo(0.5), lostTransactions: 30 } }), { as: agent }), 201);
    // Started before the period: its losses belong to the period it started in.
    ok(await routes.create(validIncidentBody({ service, outage: { start: hoursAgo(30), lostTransactions: 1000 } }), { as: agent }), 201);
    // Corrected later: the report follows the incident.
    const corrected = ok(await routes.patch(first['id'], { outage: { start: (first['outage'] as Body)['start'], lostTransactions: 150 } }, { as: agent, ifMatch: etag(first) }));
    expect(corrected['outage']).toMatchObject({ lostTransactions: 150 });

    const reader = { id: 'sub-olga', name: 'olga.owner', roles: ['service-owner'] as const };
    const deps = { aggregates: new DynamoDbReportAggregates(tables.documents, tables.names.incidents), clock: { now: () => new Date() } };
    const report = await availabilityReport(deps, reader as never, { service, from: hoursAgo(24), to: new Date(Date.now() + 60_000).toISOString() });
    expect(report.lostTransactions).toBe(180);
    expect(report.outages.map((o) => o.lostTransactions).sort((a, b) => a! - b!)).toEqual([30, 150, 1000]);
    const earlier = await availabilityReport(deps, reader as never, { service, from: hoursAgo(48), to: hoursAgo(24) });
    expect(earlier.lostTransactions).toBe(1000);
  });
});

describe('major incidents', () => {
  const contactsOf = (message: unknown) => ((message as Body)['recipients'] as Body[]).map((r) => r['email']);

  test('a service owner declares one: 200, the DR plan recorded, every nominated and provider contact told', async () => {
    const incident = await inProgress(await logged({ service: 'major-ok', impact: 1, urgency: 1 }));
    const response = await routes.patch(incident['id'], { major: true, majorReason: 'Email down for every site' }, { as: serviceOwner, ifMatch: etag(incident) });
    expect(response.status).toBe(200);
    const settings = exampleSettings();
    expect(response.body).toMatchObject({ major: true, majorReason: 'Email down for every site', disasterRecoveryPlan: settings['disasterRecoveryPlan'] });

    const messages = await messagesOn(TOPICS.majorIncident, incident['number']);
    expect(messages).toHaveLength(1);
    const [message] = messages;
    expect(message).toMatchObject({ topicArn: TOPICS.majorIncident, attributes: { priority: 'P1', client: 'example', level: 'major' } });
    const { nominated, providerNamed, providerBackup } = settings['contacts'];
    expect(nominated).toHaveLength(3);
    expect(contactsOf(message!.message)).toEqual(expect.arrayContaining([...nominated.map((c: Body) => c['email']), providerNamed.email, providerBackup.email]));
    expect((message!.message as Body)['message']).toContain(settings['disasterRecoveryPlan']);
    expect(await messagesOn(TOPICS.escalation, incident['number'])).toEqual([]);

    // Declaring it again changes nothing and tells nobody twice.
    expectProblem(await routes.patch(incident['id'], { major: true, majorReason: 'again' }, { as: serviceOwner, ifMatch: etag(response.body) }), 400);
    expect(await messagesOn(TOPICS.majorIncident, incident['number'])).toHaveLength(1);
  });

  test("on a service naming its own DR plan: that plan is recorded and told, not the client's default", async () => {
    const plan = 'DRP-PAYROLL-7: fail over to the Leeds site';
    await new DynamoDbCatalogueRepository(tables.documents, tables.names.catalogue).createService(aService('major-own-plan', { disasterRecoveryPlan: plan }));
    const incident = await inProgress(await logged({ service: 'major-own-plan', impact: 1, urgency: 1 }));
    const declared = ok(await routes.patch(incident['id'], { major: true, majorReason: 'Payroll down everywhere' }, { as: serviceOwner, ifMatch: etag(incident) }));
    expect(declared['disasterRecoveryPlan']).toBe(plan);
    expect(exampleSettings()['disasterRecoveryPlan']).not.toBe(plan);
    const [message] = await messagesOn(TOPICS.majorIncident, incident['number']);
    expect((message!.message as Body)['message']).toContain(`Disaster-recovery plan: ${plan}.`);
    expect((message!.message as Body)['message']).not.toContain(exampleSettings()['disasterRecoveryPlan']);
  });

  test('without a DR plan in the settings, none is recorded and the message says so', async () => {
    const { disasterRecoveryPlan: _plan, ...settings } = exampleSettings();
    const withoutPlan = api.loadHandler(settings);
    const plain = incidentRoutes(() => withoutPlan);
    const incident = ok(await plain.create(validIncidentBody({ service: 'major-no-plan' }), { as: agent }), 201);
    const declared = ok(await plain.patch(incident['id'], { major: true, majorReason: 'Payroll cannot run' }, { as: admin, ifMatch: '"1"' }));
    expect(declared).toMatchObject({ major: true, majorReason: 'Payroll cannot run' });
    expect(declared).not.toHaveProperty('disasterRecoveryPlan');
    const [message] = await messagesOn(TOPICS.majorIncident, incident['number']);
    expect((message!.message as Body)['message']).toContain('No disaster-recovery plan is on record');
  });

  test('a declaration needs majorReason (400)', async () => {
    const incident = await logged({ service: 'major-no-reason' });
    expectProblem(await routes.patch(incident['id'], { major: true }, { as: serviceOwner, ifMatch: '"1"' }), 400, 'majorReason');
    expectProblem(await routes.patch(incident['id'], { majorReason: 'why' }, { as: serviceOwner, ifMatch: '"1"' }), 400, 'majorReason');
  });

  test('an agent setting major → 403 naming major; a requester → 403; nothing stored or published', async () => {
    const incident = await logged({ service: 'major-refused' });
    const before = await snapshot(incident);
    for (const as of [agent, callers.engineer]) {
      expectProblem(await routes.patch(incident['id'], { major: true, majorReason: 'Looks big' }, { as, ifMatch: '"1"' }), 403, 'major');
    }
    expectProblem(await routes.patch(incident['id'], { major: true, majorReason: 'Looks big' }, { as: requester, ifMatch: '"1"' }), 403);
    expectProblem(await routes.patch(incident['id'], { major: true, majorReason: 'Looks big' }, { as: otherRequester, ifMatch: '"1"' }), 404, 'id');
    expect(await snapshot(incident)).toEqual(before);
    expect(await messagesOn(TOPICS.majorIncident, incident['number'])).toEqual([]);
  });
});

describe('what each role may write and read', () => {
  test.each(['assignee', 'assignmentGroup', 'workaround'])('a requester logging with %s → 403 naming it, nothing written', async (field) => {
    const marker = `Forbidden ${field} ${Date.now()}`;
    const counter = await counterValue(tables.documents, tables.names.incidents);
    const response = await routes.create(validIncidentBody({ shortDescription: marker, [field]: 'service-desk' }), { as: requester });
    expectProblem(response, 403, field);
    expect(await counterValue(tables.documents, tables.names.incidents)).toBe(counter);
    expect((await scanAll(tables.documents, tables.names.incidents)).filter((i) => i['shortDescription'] === marker)).toEqual([]);
  });

  test('a requester may log with usersAffected, subcategory and detectedAt; the channel is set by the server', async () => {
    const incident = ok(
      await routes.create(validIncidentBody({ usersAffected: 2, subcategory: 'outlook', detectedAt: new Date(Date.now() - 60_000).toISOString() }), { as: requester }),
      201,
    );
    expect(incident).toMatchObject({ reportedBy: requester.username, usersAffected: 2, subcategory: 'outlook', channel: 'web' });
    expectProblem(await routes.create(validIncidentBody({ channel: 'monitoring' }), { as: requester }), 403, 'channel');
  });

  test("the requester's view leaves out escalations, majorReason and disasterRecoveryPlan; the desk's does not", async () => {
    const incident = await inProgress(await logged({ service: 'views', impact: 1, urgency: 1 }));
    const escalated = ok(await routes.escalate(incident['id'], { kind: 'hierarchical', to: 'duty-manager', reason: 'Board meeting at 10' }, { as: serviceOwner, ifMatch: etag(incident) }));
    const declared = ok(await routes.patch(incident['id'], { major: true, majorReason: 'Exec mailboxes down' }, { as: serviceOwner, ifMatch: etag(escalated) }));
    const internal = ['escalations', 'majorReason', 'disasterRecoveryPlan'];

    for (const as of [agent, auditor, callers.changeManager, serviceOwner]) {
      const seen = ok(await routes.get(incident['id'], { as }));
      for (const field of internal) expect(seen).toHaveProperty(field);
    }
    const own = ok(await routes.get(incident['id'], { as: requester }));
    for (const field of internal) expect(own).not.toHaveProperty(field);
    expect(own).toMatchObject({ id: incident['id'], major: true, escalationLevel: 1, version: declared['version'] });
    const listed = ok(await routes.list({ service: 'views' }, { as: requester }))['items'] as Body[];
    expect(listed.map((i) => i['id'])).toEqual([incident['id']]);
    for (const field of internal) expect(listed[0]).not.toHaveProperty(field);
    expect(JSON.stringify(own) + JSON.stringify(listed)).not.toContain('Board meeting at 10');
    // What the requester's own actions answer is the requester's view too.
    const commentedOn = ok(await routes.comment(incident['id'], { text: 'Any news?' }, { as: requester }), 201);
    expect(commentedOn).toMatchObject({ type: 'comment', visibility: 'public' });
    const resolved = await resolve(declared);
    const rejected = ok(await routes.reject(incident['id'], { reason: 'No' }, { as: requester, ifMatch: etag(resolved) }));
    for (const field of internal) expect(rejected).not.toHaveProperty(field);
  });

  test('an auditor reads everything but may not log, change or comment: 403, nothing written', async () => {
    const incident = await logged({ service: 'auditor' });
    ok(await routes.comment(incident['id'], { type: 'work-note', text: 'internal' }, { as: agent }), 201);
    const before = await snapshot(incident);
    const counter = await counterValue(tables.documents, tables.names.incidents);

    expect(ok(await routes.get(incident['id'], { as: auditor }))).toMatchObject({ id: incident['id'], escalations: [] });
    expect((ok(await routes.list({ service: 'auditor' }, { as: auditor }))['items'] as Body[]).map((i) => i['id'])).toEqual([incident['id']]);
    expect((await wholeTimeline(incident['id'], auditor)).map((e) => e['type'])).toEqual(['created', 'work-note']);

    expectProblem(await routes.create(validIncidentBody(), { as: auditor }), 403, 'role');
    expectProblem(await routes.patch(incident['id'], { assignee: 'audrey.auditor' }, { as: auditor, ifMatch: '"1"' }), 403, 'role');
    expectProblem(await routes.comment(incident['id'], { text: 'Looks fine' }, { as: auditor }), 403, 'type');
    expectProblem(await routes.comment(incident['id'], { type: 'work-note', text: 'Looks fine' }, { as: auditor }), 403, 'type');
    expect(await snapshot(incident)).toEqual(before);
    expect(await counterValue(tables.documents, tables.names.incidents)).toBe(counter);
  });

  test('a requester may comment on their own incident but not add a work note (403 naming type)', async () => {
    const incident = await logged({ service: 'requester-notes' });
    ok(await routes.comment(incident['id'], { text: 'Please hurry' }, { as: requester }), 201);
    const before = await snapshot(incident);
    expectProblem(await routes.comment(incident['id'], { type: 'work-note', text: 'Secret' }, { as: requester }), 403, 'type');
    expectProblem(await routes.comment(incident['id'], { text: 'Hello' }, { as: otherRequester }), 404, 'id');
    expect(await snapshot(incident)).toEqual(before);
  });
});

describe('prioritisation', () => {
  test('60 users affected raises impact 2 × urgency 2 from P3 to P2, and says why', async () => {
    const incident = await logged({ service: 'prio-users', impact: 2, urgency: 2, usersAffected: 60 });
    expect(incident['priority']).toBe('P2');
    expect(incident['priorityReasons']).toEqual(['impact 2 × urgency 2 → P3 (priority matrix)', '60 users affected (≥ 50) → raised to P2']);
    const few = await logged({ service: 'prio-users-few', impact: 2, urgency: 2, usersAffected: 9 });
    expect(few).toMatchObject({ priority: 'P3', priorityReasons: ['impact 2 × urgency 2 → P3 (priority matrix)'] });
  });

  test('raising usersAffected later moves the priority, with a reason', async () => {
    const incident = await logged({ service: 'prio-users-later', impact: 3, urgency: 3 });
    expect(incident['priority']).toBe('P5');
    expectProblem(await routes.patch(incident['id'], { usersAffected: 300 }, { as: agent, ifMatch: '"1"' }), 400, 'reason');
    const raised = ok(await routes.patch(incident['id'], { usersAffected: 300, reason: 'Whole company' }, { as: agent, ifMatch: '"1"' }));
    expect(raised).toMatchObject({ priority: 'P1', usersAffected: 300 });
    expect(raised['priorityReasons']).toEqual(expect.arrayContaining(['300 users affected (≥ 250) → raised to P1']));
  });

  test('the third open incident on a service is raised to at least P3; resolved incidents stop counting', async () => {
    const low = { service: 'prio-concurrent', impact: 3, urgency: 3 };
    const first = await logged(low);
    const second = await logged(low);
    const third = await logged(low);
    expect([first['priority'], second['priority'], third['priority']]).toEqual(['P5', 'P5', 'P3']);
    expect(third['priorityReasons']).toEqual(['impact 3 × urgency 3 → P5 (priority matrix)', '3 open incidents on the service (≥ 3) → raised to P3']);
    // A higher matrix priority is never lowered by the rule.
    expect((await logged({ ...low, impact: 1, urgency: 1 }))['priority']).toBe('P1');

    // An unrelated change keeps the raised priority; it is not recomputed away.
    const edited = ok(await routes.patch(third['id'], { shortDescription: 'Reworded' }, { as: agent, ifMatch: '"1"' }));
    expect(edited['priority']).toBe('P3');

    // Four open now. Resolve three of them: with one left open, the next one counts two, not five.
    for (const incident of [first, second, edited]) await resolve(await inProgress(incident));
    const next = await logged(low);
    expect(next).toMatchObject({ priority: 'P5', priorityReasons: ['impact 3 × urgency 3 → P5 (priority matrix)'] });
  });
});

describe('queues', () => {
  const me = callers.engineer;
  const queue = async (query: Record<string, string>, as: TestCaller = me) =>
    (ok(await routes.list(query, { as }))['items'] as Body[]).map((i) => i['shortDescription']);

  // Each on its own service, so the concurrency rule leaves the priorities alone.
  const plan = [
    { name: 'q-a', impact: 2, urgency: 2 }, // P3
    { name: 'q-b', impact: 1, urgency: 1 }, // P1
    { name: 'q-c', impact: 2, urgency: 2 }, // P3
    { name: 'q-d', impact: 1, urgency: 2 }, // P2
    { name: 'q-e', impact: 1, urgency: 1 }, // P1
  ];
  const made: Record<string, Body> = {};

  beforeAll(async () => {
    for (const { name, impact, urgency } of plan) {
      await sleep(2);
      made[name] = await logged({ shortDescription: name, service: `svc-${name}`, impact, urgency, assignee: me.username, assignmentGroup: 'queue-group' });
    }
    made['q-other'] = await logged({ shortDescription: 'q-other', service: 'svc-q-other', impact: 1, urgency: 1, assignee: 'somebody.else', assignmentGroup: 'other-group' });
  });

  test('?assignee=me answers the caller’s open incidents by priority, then oldest first', async () => {
    expect(await queue({ assignee: 'me' })).toEqual(['q-b', 'q-e', 'q-d', 'q-a', 'q-c']);
    expect(await queue({ assignee: me.username }, agent)).toEqual(['q-b', 'q-e', 'q-d', 'q-a', 'q-c']);
    expect(await queue({ assignee: 'me' }, agent)).toEqual([]);
    expect(await queue({ assignee: 'me', priority: 'P1' })).toEqual(['q-b', 'q-e']);
  });

  test('?assignmentGroup= answers the group’s open incidents in the same order, paged', async () => {
    expect(await queue({ assignmentGroup: 'queue-group' })).toEqual(['q-b', 'q-e', 'q-d', 'q-a', 'q-c']);
    const first = ok(await routes.list({ assignmentGroup: 'queue-group', limit: '2' }, { as: me }));
    expect(first['items'].map((i: Body) => i['shortDescription'])).toEqual(['q-b', 'q-e']);
    const second = ok(await routes.list({ assignmentGroup: 'queue-group', limit: '2', nextToken: first['nextToken'] }, { as: me }));
    expect(second['items'].map((i: Body) => i['shortDescription'])).toEqual(['q-d', 'q-a']);
    expect(await queue({ assignmentGroup: 'other-group' })).toEqual(['q-other']);
  });

  test('resolved and reassigned incidents leave the queues; On Hold ones stay', async () => {
    await resolve(await inProgress(made['q-b']!));
    const held = ok(await routes.patch(made['q-a']!['id'], { state: 'In Progress' }, { as: agent, ifMatch: '"1"' }));
    ok(await routes.patch(made['q-a']!['id'], { state: 'On Hold', onHoldReason: 'awaiting vendor' }, { as: agent, ifMatch: etag(held) }));
    ok(await routes.patch(made['q-c']!['id'], { assignee: 'somebody.else', assignmentGroup: 'other-group' }, { as: agent, ifMatch: '"1"' }));

    expect(await queue({ assignee: 'me' })).toEqual(['q-e', 'q-d', 'q-a']);
    expect(await queue({ assignmentGroup: 'queue-group' })).toEqual(['q-e', 'q-d', 'q-a']);
    expect(await queue({ assignee: 'somebody.else' })).toEqual(['q-other', 'q-c']);
    // The resolved one is still found by state.
    expect(await queue({ assignee: 'me', state: 'Resolved' })).toEqual(['q-b']);
  });

  test('a requester asking for a queue still sees only incidents they reported', async () => {
    const items = ok(await routes.list({ assignmentGroup: 'queue-group', limit: '100' }, { as: requester }))['items'] as Body[];
    expect(items.length).toBeGreaterThan(0);
    expect(new Set(items.map((i) => i['reportedBy']))).toEqual(new Set([requester.username]));
    expect(ok(await routes.list({ assignee: 'me' }, { as: otherRequester }))['items']).toEqual([]);
  });
});
