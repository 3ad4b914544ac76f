import type { LocalSns } from '../../local/local-sns';
import type { TestTables } from '../support/test-tables';
import { aService, seedServices } from './support-catalogue';
import { apiEvent, callers, invoke, lambdaContext, type ApiResponse, type ProxyHandler, type TestCaller } from './support-events';
import { exampleSettings, expectProblem, startFunctionEnvironment, TOPICS, validIncidentBody, type FunctionEnvironment } from './support-handler';
import { scanAll } from './support-incidents';
import { loadOutboxConsumer, outboxDrain } from './support-outbox';
import { OUTBOX_PARTITION } from '../../src/modules/outbox/adapters';
import { functionSettingsEnv } from '../support/function-settings';

/**
 * The changes function over DynamoDB Local and LocalSns: both lifecycles' worked paths, the
 * approval rules (quorum, client approval, rejection, self-approval, second votes), emergency
 * changes, freeze windows, overlaps, the calendar and who may do what; every step audited.
 * The catalogue and incidents functions run on the same tables (CIs, and incidents to link).
 */
let environment: FunctionEnvironment;
let tables: TestTables;
let changes: ProxyHandler;
let catalogue: ProxyHandler;
let incidents: ProxyHandler;
let auditHandler: ProxyHandler;
let sns: LocalSns;

const FREEZE = { name: 'Year-end freeze', start: '2030-12-20T00:00:00Z', end: '2031-01-04T00:00:00Z' };
const SERVICES = ['chg-flow', 'chg-quorum', 'chg-client', 'chg-reject', 'chg-emergency', 'chg-freeze', 'chg-overlap', 'chg-calendar', 'chg-std', 'chg-access', 'chg-ratio', 'chg-sod', 'email'];

beforeAll(async () => {
  environment = await startFunctionEnvironment({
    sns: true,
    env: functionSettingsEnv({ ...exampleSettings(), changes: { cabQuorum: 2, clientApproval: ['very high'], freezeWindows: [FREEZE], standardTemplates: ['STD-CERT-RENEWAL'] } }),
  });
  ({ tables } = environment);
  sns = environment.sns!;
  jest.isolateModules(() => {
    changes = require('../../src/modules/changes/functions/changes-handler').handler;
    catalogue = require('../../src/modules/catalogue/functions/catalogue-handler').handler;
    incidents = require('../../src/modules/incidents/functions/incidents-handler').handler;
    auditHandler = require('../../src/modules/audit/functions/audit-handler').handler;
  });
  await seedServices(tables.documents, tables.names.catalogue, SERVICES.map((id) => aService(id, { owner: { username: 'oscar.owner', name: 'Oscar Owner', email: 'oscar.owner@example.com' } })));
  await seedServices(tables.documents, tables.names.catalogue, [aService('chg-retired', { status: 'retired' })]);
});
afterAll(async () => {
  await environment?.close();
});

const { engineer, changeManager, serviceOwner, requester, auditor, agent, admin } = callers;
const who = (username: string, groups: string, n: number): TestCaller => ({ sub: `0b7c1c1e-0000-4000-8000-0000000001${String(n).padStart(2, '0')}`, username, groups });
const cab1 = who('cab.one', 'cab', 1);
const cab2 = who('cab.two', 'cab', 2);
const cab3 = who('cab.three', 'cab', 3);
const emergencyApprover = who('eve.emergency', 'emergency-approver', 4);
const clientApprover = who('cli.approver', 'client-approver', 5);
const managerAndCab = who('mona.manager', 'change-manager,cab', 6);
// Segregation of duties: the change manager who assesses a change does not approve it; this one does.
const approvingManager = who('paula.approver', 'change-manager', 7);

const send = (method: string, path: string, resource: string, as: TestCaller | undefined, extra: { body?: unknown; query?: Record<string, string>; id?: string; ifMatch?: string } = {}) =>
  invoke(changes, method, {
    path,
    resource,
    caller: as,
    ...(extra.id && { pathParameters: { id: extra.id } }),
    ...(extra.query && { query: extra.query }),
    ...(extra.body !== undefined && { body: extra.body }),
    headers: { ...(extra.ifMatch !== undefined && { 'If-Match': extra.ifMatch }) },
  });

const api = {
  create: (body: unknown, as: TestCaller | undefined = engineer) => send('POST', '/changes', '/changes', as, { body }),
  get: (id: string, as: TestCaller | undefined = changeManager) => send('GET', `/changes/${id}`, '/changes/{id}', as, { id }),
  patch: (id: string, body: unknown, as: TestCaller | undefined, ifMatch?: string) =>
    send('PATCH', `/changes/${id}`, '/changes/{id}', as, { id, body, ...(ifMatch !== undefined && { ifMatch }) }),
  vote: (id: string, body: unknown, as: TestCaller | undefined) => send('POST', `/changes/${id}/approvals`, '/changes/{id}/approvals', as, { id, body }),
  list: (query: Record<string, string>, as: TestCaller | undefined = changeManager) => send('GET', '/changes', '/changes', as, { query }),
  calendar: (query: Record<string, string>, as: TestCaller | undefined = changeManager) => send('GET', '/changes/calendar', '/changes/calendar', as, { query }),
  milestones: (query: Record<string, string>, as: TestCaller | undefined = changeManager) => send('GET', '/changes/milestones', '/changes/milestones', as, { query }),
};

const changeBody = (service: string, overrides: Record<string, unknown> = {}) => ({
  type: 'normal',
  title: `Patch ${service}`,
  reason: 'Security fix for CVE-2030-1234',
  services: [service],
  implementationPlan: 'Roll out the patched image to each node in turn',
  testPlan: 'Run the smoke tests against each node',
  backoutPlan: 'Redeploy the previous image',
  plannedStart: '2030-11-05T20:00:00Z',
  plannedEnd: '2030-11-05T22:00:00Z',
  likelihood: 2,
  severity: 3,
  securityImpact: 'No change to who can access what; closes a TLS vulnerability',
  ...overrides,
});

/** PATCH with the current ETag. */
async function step(id: string, body: Record<string, unknown>, as: TestCaller): Promise<ApiResponse> {
  const current = await api.get(id);
  return api.patch(id, body, as, current.headers['etag']);
}

async function raise(body: Record<string, unknown>, as: TestCaller = engineer): Promise<string> {
  const created = await api.create(body, as);
  expect(created.status).toBe(201);
  return created.body.id as string;
}

/** Raised by the engineer, submitted and assessed by the change manager. */
async function assessed(body: Record<string, unknown>): Promise<string> {
  const id = await raise(body);
  expect((await step(id, { state: 'Submitted' }, engineer)).status).toBe(200);
  const answer = await step(id, { state: 'Assessed' }, changeManager);
  expect(answer.status).toBe(200);
  return id;
}

/** A low-risk normal change all the way to Scheduled. */
async function scheduled(body: Record<string, unknown>): Promise<ApiResponse> {
  const id = await assessed({ ...body, likelihood: 1, severity: 2 });
  expect((await api.vote(id, { decision: 'approve', reason: 'Low risk, plans complete' }, approvingManager)).body.state).toBe('Approved');
  return step(id, { state: 'Scheduled' }, changeManager);
}

const auditActions = async (id: string): Promise<string[]> => {
  const answer = await invoke(auditHandler, 'GET', { path: '/audit', resource: '/audit', query: { resource: `change/${id}`, limit: '100' }, caller: auditor });
  expect(answer.status).toBe(200);
  return (answer.body.items as { action: string; outcome: string }[]).filter((r) => r.outcome === 'allowed').map((r) => r.action);
};

describe('a normal change from draft to review (the README worked example)', () => {
  test('medium risk: change manager and service owner approve; approvers notified; go-live milestone; every step audited', async () => {
    const created = await api.create(changeBody('chg-flow'));
    expect(created.status).toBe(201);
    expect(created.headers['etag']).toBe('"1"');
    expect(created.headers['location']).toBe(`/v1/changes/${created.body.id}`);
    expect(created.body).toMatchObject({ state: 'Draft', requestedBy: 'erin.engineer', risk: { likelihood: 2, severity: 3, score: 6, class: 'medium' } });
    const id = created.body.id as string;

    expect((await step(id, { title: 'Patch OpenSSL on chg-flow' }, engineer)).body).toMatchObject({ title: 'Patch OpenSSL on chg-flow', version: 2 });
    expect((await step(id, { state: 'Submitted' }, engineer)).body.state).toBe('Submitted');
    const assessment = await step(id, { state: 'Assessed', note: 'Plans reviewed' }, changeManager);
    expect(assessment.body).toMatchObject({
      state: 'Assessed',
      approvals: [{ capacity: 'change-manager', count: 1 }, { capacity: 'service-owner', count: 1, service: 'chg-flow', username: 'oscar.owner' }],
    });
    // The approvers' notice is stored with the assessment (one transaction) and not sent by the request.
    const noticesOf = () => sns.messages().filter((m) => JSON.stringify(m.message).includes(id));
    expect(noticesOf()).toEqual([]);
    const stored = (await scanAll(tables.documents, tables.names.incidents)).filter((i) => i['pk'] === OUTBOX_PARTITION && String(i['effectId']).startsWith(id));
    expect(stored.map((i) => i['effectId'])).toEqual([`${id}#v4#notify#change-approval`]);
    // The outbox consumer's own entry on the incidents table's stream.
    const consumer = loadOutboxConsumer();
    const effects = await outboxDrain(tables, consumer);
    try {
      await effects.drain();
      expect(effects.failed).toEqual([]);
      // A redelivered batch publishes nothing again.
      for (const event of effects.invocations) await consumer(event);
    } finally {
      await effects.stop();
    }
    const notices = noticesOf();
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatchObject({ topicArn: TOPICS.escalation, attributes: { kind: 'change-approval', risk: 'medium', approvers: 'change-manager,service-owner', change: id } });
    expect((notices[0]!.message as { recipients: { email: string }[] }).recipients.map((r) => r.email)).toEqual(['oscar.owner@example.com']);

    expect((await api.vote(id, { decision: 'approve', reason: 'Backout plan is sound' }, approvingManager)).body.state).toBe('Assessed');
    const approved = await api.vote(id, { decision: 'approve', reason: 'Fine by the service' }, serviceOwner);
    expect(approved.body).toMatchObject({ state: 'Approved', votes: [{ by: 'paula.approver', capacity: 'change-manager' }, { by: 'oscar.owner', capacity: 'service-owner', service: 'chg-flow' }] });

    expect((await step(id, { state: 'Scheduled' }, changeManager)).body).toMatchObject({ state: 'Scheduled', overlapsWith: [] });
    expect((await step(id, { state: 'Implementing' }, engineer)).body.state).toBe('Implementing');
    const implemented = await step(id, { state: 'Implemented' }, engineer);
    expect(implemented.body).toMatchObject({ state: 'Implemented', goLiveAt: expect.any(String) });
    expectProblem(await step(id, { state: 'Closed' }, changeManager), 409, 'state');
    expectProblem(await step(id, { state: 'Reviewed', outcome: 'successful' }, changeManager), 400, 'lessons');
    const reviewed = await step(id, { state: 'Reviewed', outcome: 'successful', lessons: 'Rolling restarts took longer than planned' }, changeManager);
    expect(reviewed.body.review).toMatchObject({ outcome: 'successful', by: 'carl.changes' });
    const closed = await step(id, { state: 'Closed' }, changeManager);
    expect(closed.body.history.map((h: { to: string }) => h.to)).toEqual([
      'Submitted', 'Assessed', 'Approved', 'Scheduled', 'Implementing', 'Implemented', 'Reviewed', 'Closed',
    ]);

    const milestones = await api.milestones({ service: 'chg-flow' });
    expect(milestones.body.items).toEqual([{ service: 'chg-flow', at: implemented.body.goLiveAt, change: id, title: 'Patch OpenSSL on chg-flow' }]);
    expect(await auditActions(id)).toEqual([
      'change:create', 'change:update', 'change:submitted', 'change:assess', 'change:approve', 'change:approve',
      'change:schedule', 'change:implementing', 'change:implemented', 'change:review', 'change:closed',
    ]);
    expect((await api.list({ state: 'Closed' })).body.items.map((c: { id: string }) => c.id)).toContain(id);
  });

  test('If-Match is required and must be current; Approved is reached only by votes', async () => {
    const id = await raise(changeBody('chg-flow', { plannedStart: '2030-10-01T10:00:00Z', plannedEnd: '2030-10-01T11:00:00Z' }));
    expectProblem(await api.patch(id, { state: 'Submitted' }, engineer), 428, 'If-Match');
    expectProblem(await api.patch(id, { state: 'Submitted' }, engineer, '"9"'), 412, 'If-Match');
    expectProblem(await step(id, { state: 'Approved' }, changeManager), 400, 'state');
    expectProblem(await step(id, { state: 'Scheduled' }, changeManager), 409, 'state');
    expectProblem(await step(id, { state: 'Submitted', plannedStart: '2030-10-01T09:00:00Z' }, engineer), 400, 'plannedStart');
    expect((await api.get(id)).body.version).toBe(1);
  });
});

describe('approvals', () => {
  test('high risk: CAB quorum; nobody approves their own change; nobody votes twice', async () => {
    const own = await raise(changeBody('chg-quorum', { likelihood: 3, severity: 4, plannedStart: '2030-09-01T10:00:00Z', plannedEnd: '2030-09-01T11:00:00Z' }), managerAndCab);
    await step(own, { state: 'Submitted' }, managerAndCab);
    await step(own, { state: 'Assessed' }, changeManager);
    expectProblem(await api.vote(own, { decision: 'approve', reason: 'mine' }, managerAndCab), 409, 'requestedBy');

    const id = await assessed(changeBody('chg-quorum', { likelihood: 3, severity: 4 }));
    expect((await api.get(id)).body.approvals).toEqual([
      { capacity: 'change-manager', count: 1 },
      { capacity: 'service-owner', count: 1, service: 'chg-quorum', username: 'oscar.owner' },
      { capacity: 'cab', count: 2 },
    ]);
    expect((await api.vote(id, { decision: 'approve', reason: 'ok', capacity: 'cab' }, managerAndCab)).body.votes[0]).toMatchObject({ capacity: 'cab' });
    expectProblem(await api.vote(id, { decision: 'approve', reason: 'again' }, managerAndCab), 409, 'votes');
    expectProblem(await api.vote(id, { decision: 'approve', reason: 'not asked' }, agent), 409, 'capacity');
    await api.vote(id, { decision: 'approve', reason: 'ok' }, approvingManager);
    await api.vote(id, { decision: 'approve', reason: 'ok' }, serviceOwner);
    expect((await api.get(id)).body.state).toBe('Assessed');
    const last = await api.vote(id, { decision: 'approve', reason: 'quorum reached' }, cab2);
    expect(last.body.state).toBe('Approved');
    expectProblem(await api.vote(id, { decision: 'approve', reason: 'late' }, cab3), 409, 'state');
    expect((await api.get(id)).body.votes).toHaveLength(4);
  });

  test('very high risk: the client approves too (as the client config requires)', async () => {
    const id = await assessed(changeBody('chg-client', { likelihood: 4, severity: 5 }));
    const change = (await api.get(id)).body;
    expect(change.risk).toMatchObject({ score: 20, class: 'very high' });
    expect(change.approvals.map((a: { capacity: string }) => a.capacity)).toEqual(['change-manager', 'service-owner', 'cab', 'client']);
    for (const voter of [approvingManager, serviceOwner, cab1, cab2]) await api.vote(id, { decision: 'approve', reason: 'ok' }, voter);
    expect((await api.get(id)).body.state).toBe('Assessed');
    expect((await api.vote(id, { decision: 'approve', reason: 'Client agrees' }, clientApprover)).body.state).toBe('Approved');
  });

  test('the change manager may re-rate the risk at assessment; a high-risk change is not client-approved', async () => {
    const id = await raise(changeBody('chg-client', { plannedStart: '2030-08-01T10:00:00Z', plannedEnd: '2030-08-01T11:00:00Z' }));
    await step(id, { state: 'Submitted' }, engineer);
    const answer = await step(id, { state: 'Assessed', likelihood: 3, severity: 5 }, changeManager);
    expect(answer.body.risk).toMatchObject({ score: 15, class: 'high' });
    expect(answer.body.approvals.map((a: { capacity: string }) => a.capacity)).toEqual(['change-manager', 'service-owner', 'cab']);
  });

  test('one rejection rejects, with who, when and why kept', async () => {
    const id = await assessed(changeBody('chg-reject', { likelihood: 3, severity: 4 }));
    await api.vote(id, { decision: 'approve', reason: 'ok' }, approvingManager);
    await api.vote(id, { decision: 'approve', reason: 'ok' }, cab1);
    const rejected = await api.vote(id, { decision: 'reject', reason: 'No rollback test evidence' }, cab2);
    expect(rejected.body).toMatchObject({ state: 'Rejected' });
    expect(rejected.body.votes.at(-1)).toMatchObject({ by: 'cab.two', decision: 'reject', reason: 'No rollback test evidence', at: expect.any(String) });
    expectProblem(await step(id, { state: 'Scheduled' }, changeManager), 409, 'state');
    expect(await auditActions(id)).toContain('change:reject');
  });

  test('segregation of duties: the assessor does not approve; an approver does not implement; a rating down to low needs a second approver', async () => {
    // The assessor rates a medium change down to low: the single approval a low change needs becomes two, neither the assessor's.
    const id = await raise(changeBody('chg-sod', { likelihood: 2, severity: 3, plannedStart: '2030-07-01T10:00:00Z', plannedEnd: '2030-07-01T11:00:00Z' }));
    await step(id, { state: 'Submitted' }, engineer);
    const rated = await step(id, { state: 'Assessed', likelihood: 1, severity: 1 }, changeManager);
    expect(rated.body).toMatchObject({ risk: { class: 'low' }, assessedBy: 'carl.changes', approvals: [{ capacity: 'change-manager', count: 2 }] });
    expectProblem(await api.vote(id, { decision: 'approve', reason: 'my own rating' }, changeManager), 409, 'assessedBy');
    expect((await api.vote(id, { decision: 'approve', reason: 'ok' }, approvingManager)).body.state).toBe('Assessed');
    expect((await api.vote(id, { decision: 'approve', reason: 'ok' }, managerAndCab)).body.state).toBe('Approved');
    await step(id, { state: 'Scheduled' }, changeManager);
    // An approver may not implement what they approved; the assessor (or an engineer) may.
    expectProblem(await step(id, { state: 'Implementing' }, approvingManager), 409, 'votes');
    expect((await step(id, { state: 'Implementing' }, changeManager)).body.state).toBe('Implementing');
    expectProblem(await step(id, { state: 'Implemented' }, managerAndCab), 409, 'votes');
    // Rated low by the raiser and kept low: one approver, still not the assessor.
    const low = await assessed(changeBody('chg-sod', { likelihood: 1, severity: 2, plannedStart: '2030-07-02T10:00:00Z', plannedEnd: '2030-07-02T11:00:00Z' }));
    expect((await api.get(low)).body.approvals).toEqual([{ capacity: 'change-manager', count: 1 }]);
    expectProblem(await api.vote(low, { decision: 'approve', reason: 'mine' }, changeManager), 409, 'assessedBy');
  });

  test('a standard change naming an unregistered template is a normal change, approved as one', async () => {
    const created = await api.create(changeBody('chg-std', { type: 'standard', template: 'MY-OWN-TEMPLATE', likelihood: 1, severity: 1 }));
    expect(created.body).toMatchObject({ type: 'normal', template: 'MY-OWN-TEMPLATE' });
    const id = created.body.id as string;
    await step(id, { state: 'Submitted' }, engineer);
    expect((await step(id, { state: 'Assessed' }, changeManager)).body).toMatchObject({ state: 'Assessed', approvals: [{ capacity: 'change-manager', count: 1 }] });
  });

  test('a standard change is approved by its template at assessment', async () => {
    expectProblem(await api.create(changeBody('chg-std', { type: 'standard' })), 400, 'template');
    const id = await assessed(changeBody('chg-std', { type: 'standard', template: 'STD-CERT-RENEWAL', likelihood: 1, severity: 1 }));
    const change = (await api.get(id)).body;
    expect(change).toMatchObject({ state: 'Approved', approvals: [], votes: [] });
    expect(change.history.map((h: { to: string }) => h.to)).toEqual(['Submitted', 'Assessed', 'Approved']);
  });
});

describe('emergency changes', () => {
  test('must link an existing incident; any one emergency approver approves; may go into a freeze, marked; the review is mandatory', async () => {
    const body = changeBody('chg-emergency', { type: 'emergency', likelihood: 4, severity: 3, plannedStart: '2030-12-24T02:00:00Z', plannedEnd: '2030-12-24T03:00:00Z' });
    expectProblem(await api.create(body), 400, 'incident');
    expectProblem(await api.create({ ...body, incident: '00000000-0000-4000-8000-000000000000' }), 400, 'incident');
    const incident = await invoke(incidents, 'POST', { path: '/incidents', resource: '/incidents', caller: agent, body: validIncidentBody() });
    expect(incident.status).toBe(201);
    const created = await api.create({ ...body, incident: incident.body.number });
    expect(created.body.incident).toBe(incident.body.id);
    const id = created.body.id as string;
    await step(id, { state: 'Submitted' }, engineer);
    expect((await step(id, { state: 'Assessed' }, changeManager)).body.approvals).toEqual([{ capacity: 'emergency', count: 1 }]);
    expectProblem(await api.vote(id, { decision: 'approve', reason: 'ok' }, approvingManager), 409, 'capacity');
    expect((await api.vote(id, { decision: 'approve', reason: 'Outage ongoing' }, emergencyApprover)).body.state).toBe('Approved');
    const inFreeze = await step(id, { state: 'Scheduled' }, changeManager);
    expect(inFreeze.body).toMatchObject({ state: 'Scheduled', freezeOverride: ['Year-end freeze'] });
    await step(id, { state: 'Implementing' }, engineer);
    await step(id, { state: 'Backed out', note: 'Fix made it worse' }, engineer);
    expectProblem(await step(id, { state: 'Closed' }, changeManager), 409, 'state');
    const reviewed = await step(id, { state: 'Reviewed', outcome: 'backed out', lessons: 'Test the fix on staging first' }, changeManager);
    expect(reviewed.body.review.outcome).toBe('backed out');
    const calendar = await api.calendar({ from: '2030-12-01T00:00:00Z', to: '2031-01-01T00:00:00Z' });
    expect(calendar.body.freezeWindows).toEqual([FREEZE]);
    expect(calendar.body.items.find((c: { id: string }) => c.id === id)).toMatchObject({ freezeOverride: ['Year-end freeze'] });
  });
});

describe('freeze windows and overlaps', () => {
  test('scheduling a normal change into a freeze window is refused and writes nothing', async () => {
    const id = await assessed(changeBody('chg-freeze', { likelihood: 1, severity: 2, plannedStart: '2030-12-19T22:00:00Z', plannedEnd: '2030-12-20T02:00:00Z' }));
    await api.vote(id, { decision: 'approve', reason: 'ok' }, approvingManager);
    const before = (await api.get(id)).body;
    const refused = await step(id, { state: 'Scheduled' }, changeManager);
    expectProblem(refused, 409, 'plannedStart');
    expect(refused.body.detail).toMatch(/Year-end freeze/);
    expect((await api.get(id)).body).toEqual(before);
    const moved = await step(id, { state: 'Scheduled', plannedStart: '2030-12-19T20:00:00Z', plannedEnd: '2030-12-19T23:00:00Z' }, changeManager);
    expect(moved.body).toMatchObject({ state: 'Scheduled', plannedStart: '2030-12-19T20:00:00.000Z' });
  });

  test('an implemented change records the versions it installed on its CIs: a new CI version each, the history keeping the old; bad updates write nothing', async () => {
    const createCi = (body: unknown) => invoke(catalogue, 'POST', { path: '/cis', resource: '/cis', caller: admin, body });
    const web = await createCi({ type: 'software', name: 'chg-web', services: ['chg-std'], attributes: { product: 'nginx', version: '1.24.0', libraries: [{ name: 'openssl', version: '3.0.13' }] } });
    const host = await createCi({ type: 'hardware', name: 'chg-web-host', services: ['chg-std'], attributes: { kind: 'virtual-machine', cpus: 4 } });
    const other = await createCi({ type: 'software', name: 'chg-other', services: ['chg-std'], attributes: { product: 'redis', version: '7.2.0' } });
    expect([web.status, host.status, other.status]).toEqual([201, 201, 201]);
    const change = await scheduled(changeBody('chg-std', { cis: [web.body.id, host.body.id], plannedStart: '2030-08-01T20:00:00Z', plannedEnd: '2030-08-01T21:00:00Z' }));
    const id = change.body.id as string;
    expect((await step(id, { state: 'Implementing' }, engineer)).status).toBe(200);
    const before = (await api.get(id)).body;
    // Refused, naming the update, before anything is written.
    expectProblem(await step(id, { state: 'Implemented', ciUpdates: [{ ci: other.body.id, attributes: { version: '7.2.4' } }] }, engineer), 400, 'ciUpdates.0.ci');
    expectProblem(await step(id, { state: 'Implemented', ciUpdates: [{ ci: web.body.id, attributes: { version: '1.26.2' } }, { ci: host.body.id, attributes: { version: '2' } }] }, engineer), 400, 'ciUpdates.1.attributes.version');
    expectProblem(await step(id, { ciUpdates: [{ ci: web.body.id, attributes: { version: '1.26.2' } }] }, engineer), 400, 'ciUpdates');
    expect((await api.get(id)).body).toEqual(before);
    const history = (ciId: string) => invoke(catalogue, 'GET', { path: `/cis/${ciId}/history`, resource: '/cis/{id}/history', caller: admin, pathParameters: { id: ciId } });
    expect((await history(web.body.id)).body.items).toHaveLength(1);

    const implemented = await step(id, { state: 'Implemented', ciUpdates: [{ ci: web.body.id, attributes: { version: '1.26.2', libraries: [{ name: 'openssl', version: '3.0.15' }] } }] }, engineer);
    expect(implemented.status).toBe(200);
    expect(implemented.body.ciVersions).toEqual([{ ci: web.body.id, version: 2 }]);
    const versions = (await history(web.body.id)).body.items as { version: number; attributes: { version: string; libraries: { version: string }[] } }[];
    expect(versions.map((v) => [v.version, v.attributes.version, v.attributes.libraries[0]!.version])).toEqual([
      [2, '1.26.2', '3.0.15'],
      [1, '1.24.0', '3.0.13'],
    ]);
    // The software inventory follows: openssl 3.0.13 is gone from this CI, 3.0.15 is there.
    const inventory = async (version: string) =>
      ((await invoke(catalogue, 'GET', { path: '/catalogue/software', resource: '/catalogue/software', caller: admin, query: { name: 'openssl', version } })).body.items as { ci: { id: string } }[]).map(
        (item) => item.ci.id,
      );
    expect(await inventory('3.0.15')).toContain(web.body.id);
    expect(await inventory('3.0.13')).not.toContain(web.body.id);
    const audit = await invoke(auditHandler, 'GET', { path: '/audit', resource: '/audit', query: { resource: `ci/${web.body.id}`, limit: '100' }, caller: auditor });
    expect(audit.body.items.map((r: { action: string; actor: { name?: string } }) => r.action)).toEqual(['ci:create', 'ci:update']);
  });

  test('overlapping changes on the same service or CI are flagged on both; touching or elsewhere are not', async () => {
    const ci = await invoke(catalogue, 'POST', {
      path: '/cis', resource: '/cis', caller: admin,
      body: { type: 'hardware', name: 'chg-db-host', services: ['chg-calendar'], attributes: { kind: 'physical-server', cpus: 8, memoryGiB: 64, model: 'R760' } },
    });
    expect(ci.status).toBe(201);
    const first = await scheduled(changeBody('chg-overlap', { cis: [ci.body.id], plannedStart: '2030-07-01T20:00:00Z', plannedEnd: '2030-07-01T23:00:00Z' }));
    const sameService = await scheduled(changeBody('chg-overlap', { plannedStart: '2030-07-01T22:00:00Z', plannedEnd: '2030-07-02T01:00:00Z' }));
    const touching = await scheduled(changeBody('chg-overlap', { plannedStart: '2030-07-02T01:00:00Z', plannedEnd: '2030-07-02T02:00:00Z' }));
    const sameCi = await scheduled(changeBody('chg-access', { cis: [ci.body.id], plannedStart: '2030-06-30T20:00:00Z', plannedEnd: '2030-07-01T21:00:00Z' }));
    expect(sameService.body.overlapsWith).toEqual([first.body.id]);
    expect(touching.body.overlapsWith).toEqual([]);
    expect(sameCi.body.overlapsWith).toEqual([first.body.id]);
    const flagged = (await api.get(first.body.id)).body;
    expect([...flagged.overlapsWith].sort()).toEqual([sameService.body.id, sameCi.body.id].sort());
    expect(flagged.version).toBe(first.body.version + 2);
  });

  test('the calendar: a Query per month on planned start, paginated, only scheduled changes', async () => {
    const starts = ['2030-03-10', '2030-03-20', '2030-04-02', '2030-04-15', '2030-05-01'];
    const ids: string[] = [];
    for (const [i, day] of starts.entries()) {
      ids.push((await scheduled(changeBody('chg-calendar', { plannedStart: `${day}T20:00:00Z`, plannedEnd: `${day}T21:00:00Z`, title: `Calendar ${i}` }))).body.id);
    }
    await raise(changeBody('chg-calendar', { plannedStart: '2030-03-15T20:00:00Z', plannedEnd: '2030-03-15T21:00:00Z' }));
    const seen: string[] = [];
    let nextToken: string | undefined;
    let pages = 0;
    do {
      const page = await api.calendar({ from: '2030-03-01T00:00:00Z', to: '2030-05-01T00:00:00Z', limit: '2', ...(nextToken && { nextToken }) });
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      expect(page.body.freezeWindows).toEqual([]);
      seen.push(...page.body.items.map((c: { id: string }) => c.id));
      nextToken = page.body.nextToken;
      pages++;
    } while (nextToken && pages < 10);
    expect(seen).toEqual(ids.slice(0, 4));
    expectProblem(await api.calendar({ from: '2030-03-01T00:00:00Z', to: '2030-06-01T00:00:00Z', nextToken: 'bm9wZQ' }), 400, 'nextToken');
    expectProblem(await api.calendar({ from: '2030-03-01T00:00:00Z', to: '2030-02-01T00:00:00Z' }), 400, 'to');
  });
});

describe('access and input', () => {
  test('requesters and machine clients may not; auditors and approvers read only; raisers edit their own drafts', async () => {
    const id = await raise(changeBody('chg-access', { plannedStart: '2030-02-01T10:00:00Z', plannedEnd: '2030-02-01T11:00:00Z' }));
    expectProblem(await api.create(changeBody('chg-access'), requester), 403);
    expectProblem(await api.get(id, requester), 403);
    expectProblem(await api.create(changeBody('chg-access'), auditor), 403);
    expect((await api.get(id, auditor)).status).toBe(200);
    expect((await api.get(id, cab1)).status).toBe(200);
    expectProblem(await step(id, { title: 'Not mine' }, agent), 403, 'role');
    expectProblem(await step(id, { state: 'Submitted' }, cab1), 403, 'role');
    await step(id, { state: 'Submitted' }, engineer);
    expectProblem(await step(id, { state: 'Assessed' }, engineer), 403, 'role');
    expectProblem(await send('GET', `/changes/${id}`, '/changes/{id}', undefined, { id }), 401);
  });

  test('bad input is answered 400 naming the field, and nothing is written', async () => {
    const { securityImpact: _omitted, ...noImpact } = changeBody('chg-access');
    expectProblem(await api.create(noImpact), 400, 'securityImpact');
    expectProblem(await api.create(changeBody('chg-access', { likelihood: 6 })), 400, 'likelihood');
    expectProblem(await api.create(changeBody('chg-access', { services: ['no-such-service'] })), 400, 'services.0');
    expectProblem(await api.create(changeBody('chg-access', { services: ['chg-retired'] })), 400, 'services.0');
    expectProblem(await api.create(changeBody('chg-access', { cis: ['00000000-0000-4000-8000-000000000000'] })), 400, 'cis.0');
    expectProblem(await api.create(changeBody('chg-access', { plannedEnd: '2030-11-05T19:00:00Z' })), 400, 'plannedEnd');
    expectProblem(await api.get('not-a-uuid'), 400, 'id');
    expectProblem(await api.get('00000000-0000-4000-8000-000000000000'), 404, 'id');
    expectProblem(await api.vote('00000000-0000-4000-8000-000000000000', { decision: 'maybe', reason: 'x' }, cab1), 400, 'decision');
  });
});

describe('service requests', () => {
  const req = (method: string, path: string, resource: string, as: TestCaller | undefined, extra: { body?: unknown; id?: string; ifMatch?: string; query?: Record<string, string> } = {}) =>
    send(method, path, resource, as, extra);
  const submit = (body: Record<string, unknown>, as: TestCaller = requester) => req('POST', '/requests', '/requests', as, { body });
  const read = (id: string, as: TestCaller = agent) => req('GET', `/requests/${id}`, '/requests/{id}', as, { id });
  const patch = async (id: string, body: unknown, as: TestCaller) => req('PATCH', `/requests/${id}`, '/requests/{id}', as, { id, body, ifMatch: (await read(id)).headers['etag'] });
  const transfer = async (id: string, body: unknown, as: TestCaller = agent) =>
    req('POST', `/requests/${id}/transfer`, '/requests/{id}/transfer', as, { id, body, ifMatch: (await read(id)).headers['etag'] });
  const requestBody = (overrides: Record<string, unknown> = {}) => ({ type: 'standard-delivery', service: 'chg-flow', title: 'Monthly usage report', description: 'For the board pack', ...overrides });

  test('issue 20: a requester past the create quota (20 an hour by default) is answered 429 with Retry-After, nothing written; a requester owns requests by sub', async () => {
    const flooder = who('flo.flooder', 'requester', 40);
    const statuses: number[] = [];
    for (let n = 0; n < 21; n++) statuses.push((await submit(requestBody({ title: `Flood ${n}` }), flooder)).status);
    expect(statuses).toEqual([...Array(20).fill(201), 429]);
    const refused = await submit(requestBody({ title: 'One more' }), flooder);
    expectProblem(refused, 429, 'quota');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    const titles = (await scanAll(tables.documents, tables.names.changes)).filter((i) => i['requestedBy'] === 'flo.flooder').map((i) => i['title']);
    expect(titles).toHaveLength(20);
    expect(titles).not.toContain('One more');
    // Another account given the same username later does not inherit the requests.
    const created = await submit(requestBody({ title: 'Mine' }), requester);
    expectProblem(await read(created.body.id, { ...requester, sub: '0b7c1c1e-0000-4000-8000-0000000001ff' }), 404, 'id');
  });

  test('a standard delivery: submitted by a requester, fulfilled and closed by the desk, with comments; requesters see their own only', async () => {
    const created = await submit(requestBody());
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ state: 'Submitted', needsApproval: false, requestedBy: 'rita.requester' });
    expect(Date.parse(created.body.fulfilmentDue) - Date.parse(created.body.createdAt)).toBe(5 * 24 * 3600 * 1000);
    const id = created.body.id as string;
    expectProblem(await read(id, callers.otherRequester), 404, 'id');
    expect((await req('POST', `/requests/${id}/comments`, '/requests/{id}/comments', requester, { id, body: { text: 'Needed by Friday' } })).body.comments).toHaveLength(1);
    expectProblem(await patch(id, { state: 'In Fulfilment' }, requester), 403);
    expect((await patch(id, { state: 'In Fulfilment', assignee: 'alice.agent' }, agent)).body).toMatchObject({ state: 'In Fulfilment', assignee: 'alice.agent' });
    expect((await patch(id, { state: 'Fulfilled' }, agent)).body.state).toBe('Fulfilled');
    expect((await patch(id, { state: 'Closed' }, agent)).body.state).toBe('Closed');
    expect((await read(id, requester)).body.history.map((h: { to: string }) => h.to)).toEqual(['In Fulfilment', 'Fulfilled', 'Closed']);
    const audit = await invoke(auditHandler, 'GET', { path: '/audit', resource: '/audit', query: { resource: `request/${id}`, limit: '100' }, caller: auditor });
    expect(audit.body.items.map((r: { action: string }) => r.action)).toEqual(['request:create', 'request:comment', 'request:in-fulfilment', 'request:fulfilled', 'request:closed']);
  });

  test('an access request is approved by the service owner (never by the requester) before fulfilment', async () => {
    const id = (await submit(requestBody({ type: 'access', title: 'Access to the ERP reports' }))).body.id as string;
    expectProblem(await patch(id, { state: 'In Fulfilment' }, agent), 409, 'state');
    expectProblem(await patch(id, { state: 'Approved' }, agent), 403);
    expect((await patch(id, { state: 'Approved' }, serviceOwner)).body).toMatchObject({ state: 'Approved', approvedBy: 'oscar.owner' });
    expect((await patch(id, { state: 'In Fulfilment' }, agent)).body.state).toBe('In Fulfilment');
    const own = (await submit(requestBody({ type: 'access' }), changeManager)).body.id as string;
    expectProblem(await patch(own, { state: 'Approved' }, changeManager), 409, 'requestedBy');
  });

  test('a service that lists its request types takes only those, each on its own fulfilment target and approval rule', async () => {
    await seedServices(tables.documents, tables.names.catalogue, [
      aService('req-typed', { requestTypes: [{ type: 'standard-delivery', name: 'Monthly usage report', fulfilmentTarget: 'P1D', approvalRequired: true }, { type: 'information', name: 'How-to question' }] }),
    ]);
    expectProblem(await submit(requestBody({ service: 'req-typed', type: 'feedback' })), 400, 'type');
    const report = await submit(requestBody({ service: 'req-typed', type: 'standard-delivery' }));
    expect(report.status).toBe(201);
    expect(report.body).toMatchObject({ typeName: 'Monthly usage report', needsApproval: true });
    expect(Date.parse(report.body.fulfilmentDue) - Date.parse(report.body.createdAt)).toBe(24 * 3600 * 1000);
    const question = await submit(requestBody({ service: 'req-typed', type: 'information' }));
    expect(question.body).toMatchObject({ typeName: 'How-to question', needsApproval: false });
    expect(Date.parse(question.body.fulfilmentDue) - Date.parse(question.body.createdAt)).toBe(2 * 24 * 3600 * 1000);
    // Requesters see what a service takes.
    const seen = await invoke(catalogue, 'GET', { path: '/services/req-typed', resource: '/services/{id}', caller: requester, pathParameters: { id: 'req-typed' } });
    expect(Object.keys(seen.body).sort()).toEqual(['id', 'name', 'requestTypes', 'status']);
    expect(seen.body.requestTypes.map((t: { name: string }) => t.name)).toEqual(['Monthly usage report', 'How-to question']);
  });

  test('request → incident: closed as transferred to an existing incident', async () => {
    const id = (await submit(requestBody({ type: 'information', title: 'Why is the report empty?' }))).body.id as string;
    expectProblem(await transfer(id, { to: 'incident', incident: '00000000-0000-4000-8000-000000000000' }), 400, 'incident');
    const incident = await invoke(incidents, 'POST', { path: '/incidents', resource: '/incidents', caller: agent, body: validIncidentBody() });
    const moved = await transfer(id, { to: 'incident', incident: incident.body.id });
    expect(moved.body).toMatchObject({ state: 'Closed', transferredTo: { incident: incident.body.id } });
    expectProblem(await transfer(id, { to: 'incident', incident: incident.body.id }), 409, 'state');
  });

  test('request → new incident: the incidents function logs it for the requester and closes the request; a concurrent or repeated transfer logs one incident', async () => {
    const logFrom = async (id: string, body: unknown, as: TestCaller = agent, ifMatch?: string) =>
      invoke(incidents, 'POST', {
        path: `/requests/${id}/incident`,
        resource: '/requests/{id}/incident',
        caller: as,
        pathParameters: { id },
        body,
        headers: { 'If-Match': ifMatch ?? (await read(id)).headers['etag']! },
      });
    const id = (await submit(requestBody({ type: 'information', title: 'The usage report is empty', description: 'Since Monday every report is blank' }))).body.id as string;
    const etag = (await read(id)).headers['etag']!;
    // Refused before anything is written: a role that may not work requests, a bad body, an unknown request.
    expectProblem(await logFrom(id, { impact: 2, urgency: 2, category: 'reporting' }, requester, etag), 403);
    expectProblem(await logFrom(id, { impact: 2, urgency: 2, category: 'reporting', reportedBy: 'someone' }, agent, etag), 400, 'reportedBy');
    expectProblem(await logFrom('00000000-0000-4000-8000-000000000000', { impact: 2, urgency: 2, category: 'reporting' }, agent, '"1"'), 404, 'id');
    // Two desk agents at once, with the same version: one incident.
    const [a, b] = await Promise.all([
      logFrom(id, { impact: 2, urgency: 2, category: 'reporting' }, agent, etag),
      logFrom(id, { impact: 2, urgency: 2, category: 'reporting' }, callers.otherAgent, etag),
    ]);
    const won = [a, b].find((r) => r.status === 201)!;
    expect([a.status, b.status].sort()).toEqual(a.status === b.status ? [201, 201] : [201, 412]);
    expect(won.body.request).toMatchObject({ state: 'Closed', transferredTo: { incident: won.body.incident.id } });
    expect(won.body.incident).toMatchObject({ shortDescription: 'The usage report is empty', service: 'chg-flow', reportedBy: 'rita.requester', state: 'New' });
    if (a.status === 201 && b.status === 201) expect(a.body.incident.id).toBe(b.body.incident.id);
    // The requester follows it as their own incident; its timeline names the request.
    const seen = await invoke(incidents, 'GET', { path: `/incidents/${won.body.incident.id}`, resource: '/incidents/{id}', caller: requester, pathParameters: { id: won.body.incident.id } });
    expect(seen.status).toBe(200);
    const timeline = await invoke(incidents, 'GET', { path: `/incidents/${won.body.incident.id}/timeline`, resource: '/incidents/{id}/timeline', caller: agent, pathParameters: { id: won.body.incident.id } });
    expect(timeline.body.items.map((e: { text?: string }) => e.text ?? '').join('\n')).toContain(`Logged from service request ${id}`);
    // A closed request is not transferred again.
    expectProblem(await logFrom(id, { impact: 2, urgency: 2, category: 'reporting' }), 409, 'state');
    const audit = await invoke(auditHandler, 'GET', { path: '/audit', resource: '/audit', query: { resource: `request/${id}`, limit: '100' }, caller: auditor });
    expect(audit.body.items.map((r: { action: string }) => r.action)).toEqual(['request:create', 'request:transfer']);
  });

  test('request → change: raises a change linked both ways', async () => {
    const id = (await submit(requestBody({ type: 'feedback', title: 'Please add a CSV export' }))).body.id as string;
    expectProblem(await transfer(id, { to: 'change', change: { ...changeBody('chg-flow'), securityImpact: undefined } }), 400, 'change.securityImpact');
    const moved = await transfer(id, { to: 'change', change: changeBody('chg-flow', { title: 'Add CSV export', plannedStart: '2030-05-05T10:00:00Z', plannedEnd: '2030-05-05T11:00:00Z' }) });
    expect(moved.body.state).toBe('Closed');
    const changeId = moved.body.transferredTo.change as string;
    expect(moved.headers['link']).toContain(`/changes/${changeId}`);
    expect((await api.get(changeId)).body).toMatchObject({ state: 'Draft', request: id, requestedBy: 'alice.agent', title: 'Add CSV export' });
  });

  test('bad requests name the field; the desk lists by state', async () => {
    expectProblem(await submit(requestBody({ type: 'wish' })), 400, 'type');
    expectProblem(await submit(requestBody({ service: 'no-such-service' })), 400, 'service');
    expectProblem(await submit(requestBody(), auditor), 403);
    expectProblem(await req('GET', '/requests', '/requests', requester, { query: {} }), 403);
    const listed = await req('GET', '/requests', '/requests', agent, { query: { state: 'Submitted', limit: '100' } });
    expect(listed.status).toBe(200);
    expect(listed.body.items.every((r: { state: string }) => r.state === 'Submitted')).toBe(true);
  });
});

describe('the requests-to-changes ratio', () => {
  test('requests, changes and their ratio by service and by month, from the byCreatedMonth index', async () => {
    const from = new Date(Date.now() - 3600_000).toISOString();
    for (let i = 0; i < 3; i++) {
      expect((await send('POST', '/requests', '/requests', requester, { body: { type: 'information', service: 'chg-ratio', title: `Question ${i}`, description: 'How?' } })).status).toBe(201);
    }
    await raise(changeBody('chg-ratio', { plannedStart: '2030-01-10T10:00:00Z', plannedEnd: '2030-01-10T11:00:00Z' }));
    const to = new Date(Date.now() + 3600_000).toISOString();
    const report = await send('GET', '/reports/requests-changes', '/reports/requests-changes', changeManager, { query: { from, to } });
    expect(report.status).toBe(200);
    expect(report.body.byService.find((r: { service: string }) => r.service === 'chg-ratio')).toEqual({ service: 'chg-ratio', requests: 3, changes: 1, ratio: 3 });
    const months = report.body.byMonth.map((m: { month: string }) => m.month);
    expect(months).toContain(from.slice(0, 7));
    const sum = report.body.byMonth.reduce((n: number, m: { requests: number }) => n + m.requests, 0);
    expect(sum).toBe(report.body.total.requests);
    expect(report.body.total.requests).toBeGreaterThanOrEqual(3);
    const empty = await send('GET', '/reports/requests-changes', '/reports/requests-changes', changeManager, { query: { from: '2020-01-01T00:00:00Z', to: '2020-03-01T00:00:00Z' } });
    expect(empty.body).toMatchObject({ total: { requests: 0, changes: 0, ratio: null }, byService: [], byMonth: [] });
    expectProblem(await send('GET', '/reports/requests-changes', '/reports/requests-changes', requester, { query: { from, to } }), 403);
    expectProblem(await send('GET', '/reports/requests-changes', '/reports/requests-changes', changeManager, { query: { from: to, to: from } }), 400, 'to');

    // Like the other reports: CSV with Accept: text/csv, one metric per row.
    const csv = await changes(apiEvent('GET', { path: '/reports/requests-changes', resource: '/reports/requests-changes', caller: changeManager, query: { from, to }, headers: { Accept: 'text/csv' } }), lambdaContext());
    expect(csv.statusCode).toBe(200);
    expect(csv.headers?.['Content-Type']).toBe('text/csv; charset=utf-8');
    const rows = csv.body.split('\r\n');
    expect(rows[0]).toBe('metric,value');
    const serviceRow = report.body.byService.findIndex((r: { service: string }) => r.service === 'chg-ratio');
    expect(rows).toEqual(expect.arrayContaining([`total.requests,${report.body.total.requests}`, `byService.${serviceRow}.service,chg-ratio`, `byService.${serviceRow}.ratio,3`]));
  });
});
