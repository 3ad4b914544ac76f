import type { TestTables } from '../support/test-tables';
import { callers, invoke, type ApiResponse, type ProxyHandler, type TestCaller } from './support-events';
import { setEnv } from './support-handler';
import { incidentRoutes, startIncidentsApi, validIncidentBody, type IncidentsApi } from './support-handler';
import { counterValue, storedItem, storedTimeline } from './support-incidents';
import { functionSettingsEnv } from '../support/function-settings';

/**
 * Role × action, through the incidents Lambda: every role against every route, on an incident it
 * reported ("own") and on one somebody else reported ("other"). The expected answers are written
 * out here from the policy (src/kernel/domain/access-policy.ts), not computed from it, so a change to
 * the policy has to be made twice on purpose.
 */

let api: IncidentsApi;
let tables: TestTables;
const routes = incidentRoutes(() => api.handler);
/** Logs and prepares the incidents each case acts on; not one of the roles under test. */
const desk = callers.otherAgent;
const someoneElse = callers.otherRequester.username;

beforeAll(async () => {
  api = await startIncidentsApi();
  tables = api.tables;
});
afterAll(async () => {
  await api?.close();
});

const ACTIONS = [
  'create',
  'readOwn',
  'readOther',
  'list',
  'patchOwn',
  'patchOther',
  'commentOwn',
  'commentOther',
  'workNoteOwn',
  'workNoteOther',
  'confirmOwn',
  'confirmOther',
  'rejectOwn',
  'rejectOther',
  'escalateOwn',
  'escalateOther',
  'timelineOwn',
  'timelineOther',
  'flagOwn',
  'flagOther',
] as const;
type Action = (typeof ACTIONS)[number];

// prettier-ignore
const EXPECTED: Readonly<Record<string, readonly number[]>> = {
  //               create rdOwn rdOth list ptOwn ptOth cmOwn cmOth wnOwn wnOth cfOwn cfOth rjOwn rjOth esOwn esOth tlOwn tlOth flOwn flOth
  requester:        [201,  200,  404,  200,  403,  404,  201,  404,  403,  404,  200,  404,  200,  404,  403,  404,  200,  404,  403,  404],
  agent:            [201,  200,  200,  200,  200,  200,  201,  201,  201,  201,  200,  403,  200,  403,  403,  403,  200,  200,  200,  200],
  engineer:         [201,  200,  200,  200,  200,  200,  201,  201,  201,  201,  200,  403,  200,  403,  403,  403,  200,  200,  200,  200],
  'service-owner':  [201,  200,  200,  200,  200,  200,  201,  201,  201,  201,  200,  403,  200,  403,  200,  200,  200,  200,  200,  200],
  'change-manager': [403,  200,  200,  200,  403,  403,  403,  403,  403,  403,  200,  403,  200,  403,  403,  403,  200,  200,  403,  403],
  auditor:          [403,  200,  200,  200,  403,  403,  403,  403,  403,  403,  403,  403,  403,  403,  403,  403,  200,  200,  403,  403],
  admin:            [201,  200,  200,  200,  200,  200,  201,  201,  201,  201,  200,  403,  200,  403,  200,  200,  200,  200,  200,  200],
  // The Information Security Manager: these incidents are not security incidents, so none is visible.
  'security-manager': [403, 404, 404,  200,  404,  404,  404,  404,  404,  404,  404,  404,  404,  404,  404,  404,  404,  404,  404,  404],
};

const ROLE_CALLERS: ReadonlyArray<[string, TestCaller]> = [
  ['requester', callers.requester],
  ['agent', callers.agent],
  ['engineer', callers.engineer],
  ['service-owner', callers.serviceOwner],
  ['change-manager', callers.changeManager],
  ['auditor', callers.auditor],
  ['admin', callers.admin],
  ['security-manager', callers.securityManager],
];

type Body = Record<string, any>;

async function prepare(reportedBy: string, resolved: boolean): Promise<Body> {
  const created = await routes.create(validIncidentBody({ reportedBy, service: 'matrix', impact: 3, urgency: 3 }), { as: desk });
  if (created.status !== 201) throw new Error(`setup failed: ${created.raw}`);
  if (!resolved) return created.body;
  const working = await routes.patch(created.body.id, { state: 'In Progress' }, { as: desk, ifMatch: '"1"' });
  const done = await routes.patch(created.body.id, { state: 'Resolved', resolutionCode: 'Remediated', resolutionNotes: 'Fixed' }, { as: desk, ifMatch: `"${working.body.version}"` });
  if (done.status !== 200) throw new Error(`setup failed: ${done.raw}`);
  return done.body;
}

interface Outcome {
  readonly response: ApiResponse;
  /** What must be unchanged when the answer is a refusal. */
  readonly unchanged: () => Promise<boolean>;
}

async function untouched(incident: Body): Promise<() => Promise<boolean>> {
  const read = async () => JSON.stringify([await storedItem(tables.documents, tables.names.incidents, incident['id']), await storedTimeline(tables.documents, tables.names.incidents, incident['id'])]);
  const before = await read();
  return async () => (await read()) === before;
}

/**
 * The incidents one role's actions act on: an open one and two resolved ones (confirm, reject)
 * reported by the role's user ("own") and by somebody else ("other"). The open ones are shared by
 * the role's other actions, in the order of ACTIONS (flagging last: it hides them from most
 * roles); each action reads the incident's current version first and checks its refusal against
 * what was stored just before it, so an earlier action's success cannot hide a later one's write.
 */
interface RoleIncidents {
  readonly open: Record<'own' | 'other', Body>;
  readonly confirm: Record<'own' | 'other', Body>;
  readonly reject: Record<'own' | 'other', Body>;
}

async function prepareFor(caller: TestCaller): Promise<RoleIncidents> {
  const both = async (resolved: boolean) => {
    const [own, other] = await Promise.all([prepare(caller.username, resolved), prepare(someoneElse, resolved)]);
    return { own, other };
  };
  const [open, confirm, reject] = await Promise.all([both(false), both(true), both(true)]);
  return { open, confirm, reject };
}

/** Runs one action as `caller`, on the role's incident the action needs. */
async function perform(action: Action, caller: TestCaller, incidents: RoleIncidents): Promise<Outcome> {
  const as = { as: caller };
  if (action === 'create') {
    const counter = await counterValue(tables.documents, tables.names.incidents);
    const response = await routes.create(validIncidentBody({ service: 'matrix-create', impact: 3, urgency: 3 }), as);
    return { response, unchanged: async () => (await counterValue(tables.documents, tables.names.incidents)) === counter };
  }
  if (action === 'list') return { response: await routes.list({ limit: '100' }, as), unchanged: async () => true };

  const whose = action.endsWith('Own') ? 'own' : 'other';
  const kind = action.replace(/Own$|Other$/, '');
  const incident = (kind === 'confirm' ? incidents.confirm : kind === 'reject' ? incidents.reject : incidents.open)[whose];
  const id: string = incident['id'];
  const unchanged = await untouched(incident);
  const stored = await storedItem(tables.documents, tables.names.incidents, id);
  const ifMatch = `"${stored!['version']}"`;
  const requests: Record<string, () => Promise<ApiResponse>> = {
    read: () => routes.get(id, as),
    patch: () => routes.patch(id, { assignmentGroup: 'matrix-desk' }, { ...as, ifMatch }),
    comment: () => routes.comment(id, { text: 'Matrix comment' }, as),
    workNote: () => routes.comment(id, { type: 'work-note', text: 'Matrix note' }, as),
    confirm: () => routes.confirm(id, { ...as, ifMatch }),
    reject: () => routes.reject(id, { reason: 'Matrix reject' }, { ...as, ifMatch }),
    escalate: () => routes.escalate(id, { kind: 'functional', to: 'network', reason: 'Matrix escalation' }, { ...as, ifMatch }),
    timeline: () => routes.timeline(id, {}, as),
    flag: () => routes.flagSecurity(id, { reason: 'Matrix: phishing mail' }, { ...as, ifMatch }),
  };
  return { response: await requests[kind]!(), unchanged };
}

describe.each(ROLE_CALLERS)('%s', (role, caller) => {
  test('answers every route as the policy says; no refusal changes anything', async () => {
    const observed: Record<string, number> = {};
    const refusalsThatWrote: string[] = [];
    const unexpectedBodies: string[] = [];
    const incidents = await prepareFor(caller);
    for (const action of ACTIONS) {
      const { response, unchanged } = await perform(action, caller, incidents);
      observed[action] = response.status;
      if (response.status >= 400) {
        if (response.headers['content-type'] !== 'application/problem+json') unexpectedBodies.push(`${action}: ${response.raw}`);
        if (!(await unchanged())) refusalsThatWrote.push(action);
      }
    }
    const expected = Object.fromEntries(ACTIONS.map((action, i) => [action, EXPECTED[role]![i]]));
    expect(observed).toEqual(expected);
    // Belt and braces: not a single 2xx where the table says refuse.
    const deniedButServed = ACTIONS.filter((a) => expected[a]! >= 400 && observed[a]! < 300);
    expect(deniedButServed).toEqual([]);
    expect(refusalsThatWrote).toEqual([]);
    expect(unexpectedBodies).toEqual([]);
  });

  test('a list shows only what the role may read', async () => {
    const response = await routes.list({ service: 'matrix', limit: '100' }, { as: caller });
    expect(response.status).toBe(200);
    const reporters = new Set((response.body.items as Body[]).map((i) => i['reportedBy']));
    if (role === 'requester') expect(reporters).toEqual(new Set([caller.username]));
    else if (role === 'security-manager') expect((response.body.items as Body[]).every((i) => i['security'] === true)).toBe(true);
    else expect(reporters).toContain(someoneElse);
  });
});

test('the expected table covers every role and every action', () => {
  expect(Object.keys(EXPECTED).sort()).toEqual(ROLE_CALLERS.map(([role]) => role).sort());
  for (const row of Object.values(EXPECTED)) expect(row).toHaveLength(ACTIONS.length);
});

// Monitoring events (reports function): read by the desk, service owners, auditors and admins only.
// prettier-ignore
const EVENTS_EXPECTED: Readonly<Record<string, readonly [number, number]>> = {
  //               list  trends
  requester:        [403,  403],
  agent:            [200,  200],
  engineer:         [200,  200],
  'service-owner':  [200,  200],
  'change-manager': [403,  403],
  auditor:          [200,  200],
  admin:            [200,  200],
  integration:      [403,  403],
  'security-manager': [403, 403],
};

test('monitoring events: GET /events and GET /events/trends answer each role as the policy says', async () => {
  const restore = setEnv({ EVENTS_TABLE_NAME: tables.names.events });
  let reports: ProxyHandler | undefined;
  try {
    jest.isolateModules(() => {
      reports = (require('../../src/modules/reports/functions/reports-handler') as { handler: ProxyHandler }).handler;
    });
  } finally {
    restore();
  }
  const period = { from: '2026-01-01T00:00:00Z', to: '2026-01-02T00:00:00Z' };
  const machine: TestCaller = { sub: 'client-1', username: 'client:erp', groups: 'integration' };
  const observed: Record<string, [number, number]> = {};
  for (const [role, caller] of [...ROLE_CALLERS, ['integration', machine] as [string, TestCaller]]) {
    const list = await invoke(reports!, 'GET', { path: '/events', query: period, caller });
    const trends = await invoke(reports!, 'GET', { path: '/events/trends', query: period, caller });
    observed[role] = [list.status, trends.status];
  }
  expect(observed).toEqual(EVENTS_EXPECTED);
});

/**
 * Capacity and the continual improvement register, through the reports function: every role
 * against every route, on a service the caller owns ("own") and on somebody else's ("other").
 */
describe('capacity and improvements', () => {
  let reports: import('./support-events').ProxyHandler;
  let restoreEnv: () => void;
  const serviceOf = (role: string) => `cap-${role}`;
  const otherService = 'cap-other';
  const at = '2026-11-01T00:00:00.000Z';
  const actions = [...ROLE_CALLERS.map(([role]) => serviceOf(role)), otherService].map((service) => ({ service, id: 'load', name: 'Load', unit: 'req/s', baseline: 1, capacity: 10 }));
  const improvementBody = { title: 'Matrix goal', metric: 'incidentsOpened', baseline: { from: '2026-10-01T00:00:00Z', to: '2026-10-02T00:00:00Z' }, target: { value: 0, direction: 'decrease', deadline: '2027-01-01T00:00:00Z' }, owner: 'someone' };
  let improvementId = '';

  beforeAll(async () => {
    const { exampleSettings, localFunctionEnv, setEnv } = await import('./support-handler');
    const { DynamoDbCatalogueRepository } = await import('../../src/modules/catalogue/adapters/dynamodb-catalogue-repository');
    const { newService } = await import('../../src/modules/catalogue/domain/service-catalogue');
    const { createServiceBodySchema } = await import('../../src/modules/catalogue/schemas/catalogue-schemas');
    restoreEnv = setEnv({
      ...localFunctionEnv(tables),
      INCIDENTS_TABLE_NAME: tables.names.incidents,
      AUDIT_TABLE_NAME: tables.names.audit,
      CATALOGUE_TABLE_NAME: tables.names.catalogue,
      ...functionSettingsEnv({ ...exampleSettings(), capacity: { actions } }),
    });
    jest.isolateModules(() => {
      reports = (require('../../src/modules/reports/functions/reports-handler') as { handler: import('./support-events').ProxyHandler }).handler;
    });
    const catalogue = new DynamoDbCatalogueRepository(tables.documents, tables.names.catalogue);
    const owners: [string, string][] = [...ROLE_CALLERS.map(([role, c]) => [serviceOf(role), c.username] as [string, string]), [otherService, someoneElse]];
    for (const [id, username] of owners) {
      const input = createServiceBodySchema.parse({ id, name: id, description: 'Matrix service', status: 'live', owner: { username, name: username, email: 'x@example.com' }, commencementDate: '2024-01-01', sla: { reference: 'MSA' } });
      await catalogue.createService(newService(input, { name: 'setup' } as never, '2026-01-01T00:00:00.000Z'));
    }
    const { invoke } = await import('./support-events');
    const created = await invoke(reports, 'POST', { path: '/improvements', body: improvementBody, caller: callers.admin });
    if (created.status !== 201) throw new Error(`setup failed: ${created.raw}`);
    improvementId = created.body.id;
  });
  afterAll(() => restoreEnv?.());

  const CAP_ACTIONS = ['recordOwn', 'recordOther', 'capacityReport', 'createImprovement', 'listImprovements', 'getImprovement', 'patchImprovement'] as const;
  // prettier-ignore
  const CAP_EXPECTED: Readonly<Record<string, readonly number[]>> = {
    //               recOwn recOth report create list  get  patch
    requester:        [403,  403,  403,  403,  403,  403,  403],
    agent:            [403,  403,  200,  403,  200,  200,  403],
    engineer:         [403,  403,  200,  403,  200,  200,  403],
    'service-owner':  [201,  403,  200,  201,  200,  200,  200],
    'change-manager': [403,  403,  200,  403,  200,  200,  403],
    auditor:          [403,  403,  200,  403,  200,  200,  403],
    admin:            [201,  201,  200,  201,  200,  200,  200],
    'security-manager': [403, 403,  403,  403,  403,  403,  403],
  };

  test.each(ROLE_CALLERS)('%s: every capacity and improvement route answers as the policy says; refusals write nothing', async (role, caller) => {
    const { invoke } = await import('./support-events');
    const { GetCommand } = await import('@aws-sdk/lib-dynamodb');
    const stored = async (service: string) => (await tables.documents.send(new GetCommand({ TableName: tables.names.catalogue, Key: { pk: `CAPACITY#${service}#load`, sk: at } }))).Item;
    const record = (service: string) => invoke(reports, 'POST', { path: `/services/${service}/capacity`, resource: '/services/{id}/capacity', pathParameters: { id: service }, body: { action: 'load', at, value: 1 }, caller });
    const item = (method: string, body?: unknown, ifMatch?: string) =>
      invoke(reports, method, { path: `/improvements/${improvementId}`, resource: '/improvements/{id}', pathParameters: { id: improvementId }, caller, ...(body !== undefined && { body }), ...(ifMatch && { headers: { 'If-Match': ifMatch } }) });
    const observed: Record<string, number> = {};
    const refusalsThatWrote: string[] = [];
    for (const action of CAP_ACTIONS) {
      let response: ApiResponse;
      let wrote = async () => false;
      if (action === 'recordOwn' || action === 'recordOther') {
        // recordOther: somebody else's service; admins may, so it is recorded once per role at most.
        const service = action === 'recordOwn' ? serviceOf(role) : otherService;
        const before = await stored(service);
        response = await record(service);
        wrote = async () => before === undefined && (await stored(service)) !== undefined;
      } else if (action === 'capacityReport') {
        response = await invoke(reports, 'GET', { path: '/reports/capacity', query: { service: serviceOf(role), from: '2026-10-01T00:00:00Z', to: '2026-12-01T00:00:00Z' }, caller });
      } else if (action === 'createImprovement') {
        response = await invoke(reports, 'POST', { path: '/improvements', body: { ...improvementBody, title: `Matrix goal by ${role}` }, caller });
      } else if (action === 'listImprovements') {
        response = await invoke(reports, 'GET', { path: '/improvements', caller });
      } else if (action === 'getImprovement') {
        response = await item('GET');
      } else {
        const current = await invoke(reports, 'GET', { path: `/improvements/${improvementId}`, resource: '/improvements/{id}', pathParameters: { id: improvementId }, caller: callers.admin });
        response = await item('PATCH', { title: `Renamed by ${role}` }, `"${current.body.version}"`);
        wrote = async () => {
          const after = await invoke(reports, 'GET', { path: `/improvements/${improvementId}`, resource: '/improvements/{id}', pathParameters: { id: improvementId }, caller: callers.admin });
          return after.body.version !== current.body.version;
        };
      }
      observed[action] = response.status;
      if (response.status >= 400 && (await wrote())) refusalsThatWrote.push(action);
    }
    expect(observed).toEqual(Object.fromEntries(CAP_ACTIONS.map((a, i) => [a, CAP_EXPECTED[role]![i]])));
    expect(refusalsThatWrote).toEqual([]);
  });

  test('the expected table covers every role and every action', () => {
    expect(Object.keys(CAP_EXPECTED).sort()).toEqual(ROLE_CALLERS.map(([role]) => role).sort());
    for (const row of Object.values(CAP_EXPECTED)) expect(row).toHaveLength(CAP_ACTIONS.length);
  });
});

/**
 * Security incidents (README "Security incidents"): the desk flags one (audited, both audiences
 * told); the Information Security Manager then reads it whole, lists it and adds work notes, and
 * still sees no other incident and changes none.
 */
describe('security incidents and the Information Security Manager', () => {
  const ism = callers.securityManager;

  test('flagged by the desk: the ISM reads it whole, lists only security incidents, adds work notes; changes nothing', async () => {
    const plain = await prepare(someoneElse, false);
    const flagged = await prepare(someoneElse, false);
    const flag = await routes.flagSecurity(flagged['id'], { reason: 'Credentials posted in a chat' }, { as: desk, ifMatch: `"${flagged['version']}"` });
    expect(flag.status).toBe(200);
    expect(flag.body).toMatchObject({ security: true, version: flagged['version'] + 1 });
    // Again: nothing changes, nobody is told twice.
    const again = await routes.flagSecurity(flagged['id'], { reason: 'again' }, { as: desk, ifMatch: `"${flag.body.version}"` });
    expect(again.body.version).toBe(flag.body.version);
    const { items: outbox } = { items: await storedOutbox(flagged['id']) };
    expect(outbox.map((i) => i['effectId']).filter((id: string) => id.includes('#notify#')).sort()).toEqual(
      [`${flagged['id']}#v${flag.body.version}#notify#security-incident`, `${flagged['id']}#v${flag.body.version}#notify#security-ism`],
    );
    const timeline = await storedTimeline(tables.documents, tables.names.incidents, flagged['id']);
    expect(timeline).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'field-change', field: 'security', to: true, reason: 'Credentials posted in a chat', actor: desk.username })]));

    const read = await routes.get(flagged['id'], { as: ism });
    expect(read.status).toBe(200);
    expect(read.body).toHaveProperty('escalations');
    expect((await routes.get(plain['id'], { as: ism })).status).toBe(404);
    expect((await routes.timeline(flagged['id'], {}, { as: ism })).status).toBe(200);
    expect((await routes.comment(flagged['id'], { type: 'work-note', text: 'ISM: rotate the keys' }, { as: ism })).status).toBe(201);
    const before = JSON.stringify(await storedItem(tables.documents, tables.names.incidents, flagged['id']));
    expect((await routes.comment(flagged['id'], { text: 'to the reporter' }, { as: ism })).status).toBe(403);
    expect((await routes.patch(flagged['id'], { assignmentGroup: 'soc' }, { as: ism, ifMatch: '*' })).status).toBe(403);
    expect((await routes.flagSecurity(plain['id'], { reason: 'x' }, { as: ism, ifMatch: '*' })).status).toBe(404);
    expect(JSON.stringify(await storedItem(tables.documents, tables.names.incidents, flagged['id']))).toBe(before);

    const list = await routes.list({ service: 'matrix', limit: '100' }, { as: ism });
    expect(list.status).toBe(200);
    const ids = (list.body.items as Body[]).map((i) => i['id']);
    expect(ids).toContain(flagged['id']);
    expect(ids).not.toContain(plain['id']);
    expect((list.body.items as Body[]).every((i) => i['security'] === true)).toBe(true);
  });

  test('a requester may not flag even their own incident; a refused flag writes nothing', async () => {
    const own = await prepare(callers.requester.username, false);
    const unchanged = await untouched(own);
    const refused = await routes.flagSecurity(own['id'], { reason: 'mine' }, { as: callers.requester, ifMatch: `"${own['version']}"` });
    expect(refused.status).toBe(403);
    expect(await unchanged()).toBe(true);
  });
});

async function storedOutbox(incidentId: string): Promise<Body[]> {
  const { QueryCommand } = await import('@aws-sdk/lib-dynamodb');
  const result = await tables.documents.send(new QueryCommand({ TableName: tables.names.incidents, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': 'OUTBOX' } }));
  return (result.Items ?? []).filter((i) => String(i['effectId']).startsWith(`${incidentId}#`));
}
