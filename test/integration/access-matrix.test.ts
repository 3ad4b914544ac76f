import type { TestTables } from '../support/test-tables';
import { callers, invoke, type ApiResponse, type ProxyHandler, type TestCaller } from './support-events';
import { setEnv } from './support-handler';
import { incidentRoutes, startIncidentsApi, validIncidentBody, type IncidentsApi } from './support-handler';
import { counterValue, storedItem, storedTimeline } from './support-incidents';

/**
 * Role × action, through the incidents Lambda: every role against every route, on an incident it
 * reported ("own") and on one somebody else reported ("other"). The expected answers are written
 * out here from the policy (lambdas/domain/access-policy.ts), not computed from it, so a change to
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
] as const;
type Action = (typeof ACTIONS)[number];

// prettier-ignore
const EXPECTED: Readonly<Record<string, readonly number[]>> = {
  //               create rdOwn rdOth list ptOwn ptOth cmOwn cmOth wnOwn wnOth cfOwn cfOth rjOwn rjOth esOwn esOth tlOwn tlOth
  requester:        [201,  200,  404,  200,  403,  404,  201,  404,  403,  404,  200,  404,  200,  404,  403,  404,  200,  404],
  agent:            [201,  200,  200,  200,  200,  200,  201,  201,  201,  201,  200,  403,  200,  403,  403,  403,  200,  200],
  engineer:         [201,  200,  200,  200,  200,  200,  201,  201,  201,  201,  200,  403,  200,  403,  403,  403,  200,  200],
  'service-owner':  [201,  200,  200,  200,  200,  200,  201,  201,  201,  201,  200,  403,  200,  403,  200,  200,  200,  200],
  'change-manager': [403,  200,  200,  200,  403,  403,  403,  403,  403,  403,  200,  403,  200,  403,  403,  403,  200,  200],
  auditor:          [403,  200,  200,  200,  403,  403,  403,  403,  403,  403,  403,  403,  403,  403,  403,  403,  200,  200],
  admin:            [201,  200,  200,  200,  200,  200,  201,  201,  201,  201,  200,  403,  200,  403,  200,  200,  200,  200],
};

const ROLE_CALLERS: ReadonlyArray<[string, TestCaller]> = [
  ['requester', callers.requester],
  ['agent', callers.agent],
  ['engineer', callers.engineer],
  ['service-owner', callers.serviceOwner],
  ['change-manager', callers.changeManager],
  ['auditor', callers.auditor],
  ['admin', callers.admin],
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

/** Runs one action as `caller`, on a fresh incident where the action needs one. */
async function perform(action: Action, caller: TestCaller): Promise<Outcome> {
  const as = { as: caller };
  if (action === 'create') {
    const counter = await counterValue(tables.documents, tables.names.incidents);
    const response = await routes.create(validIncidentBody({ service: 'matrix-create', impact: 3, urgency: 3 }), as);
    return { response, unchanged: async () => (await counterValue(tables.documents, tables.names.incidents)) === counter };
  }
  if (action === 'list') return { response: await routes.list({ limit: '100' }, as), unchanged: async () => true };

  const own = action.endsWith('Own');
  const kind = action.replace(/Own$|Other$/, '');
  const incident = await prepare(own ? caller.username : someoneElse, kind === 'confirm' || kind === 'reject');
  const unchanged = await untouched(incident);
  const id: string = incident['id'];
  const ifMatch = `"${incident['version']}"`;
  const requests: Record<string, () => Promise<ApiResponse>> = {
    read: () => routes.get(id, as),
    patch: () => routes.patch(id, { assignmentGroup: 'matrix-desk' }, { ...as, ifMatch }),
    comment: () => routes.comment(id, { text: 'Matrix comment' }, as),
    workNote: () => routes.comment(id, { type: 'work-note', text: 'Matrix note' }, as),
    confirm: () => routes.confirm(id, { ...as, ifMatch }),
    reject: () => routes.reject(id, { reason: 'Matrix reject' }, { ...as, ifMatch }),
    escalate: () => routes.escalate(id, { kind: 'functional', to: 'network', reason: 'Matrix escalation' }, { ...as, ifMatch }),
    timeline: () => routes.timeline(id, {}, as),
  };
  return { response: await requests[kind]!(), unchanged };
}

describe.each(ROLE_CALLERS)('%s', (role, caller) => {
  test('answers every route as the policy says; no refusal changes anything', async () => {
    const observed: Record<string, number> = {};
    const refusalsThatWrote: string[] = [];
    const unexpectedBodies: string[] = [];
    for (const action of ACTIONS) {
      const { response, unchanged } = await perform(action, caller);
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
};

test('monitoring events: GET /events and GET /events/trends answer each role as the policy says', async () => {
  const restore = setEnv({ EVENTS_TABLE_NAME: tables.names.events });
  let reports: ProxyHandler | undefined;
  try {
    jest.isolateModules(() => {
      reports = (require('../../lambdas/handlers/reports-handler') as { handler: ProxyHandler }).handler;
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
