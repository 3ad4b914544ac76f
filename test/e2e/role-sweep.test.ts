import { API_ROUTES } from '../../src/api/api-catalogue';
import { call, RUNTIME_HOOK_TIMEOUT, sharedRuntime, type RuntimeProcess } from '../support/local-runtime-process';

/**
 * Every reading route of the API, with a token of each role, through the local runtime as
 * `npm start` runs it (gateway scopes and the functions' policies together), aimed at records
 * somebody else created. The expected answers are written out here from the policy
 * (src/kernel/domain/access-policy.ts and the gateway's scopes), not computed from it: `y` the role
 * reads (2xx), `n` it is refused (403, or 404 where the record is hidden from it; 401 from the
 * gateway where the machine client's token lacks the route's scope). A role must never
 * read where the table says `n`, and must not be refused where it says `y`.
 *
 * Writes are swept by role in the access-matrix integration test (incidents), the changes and
 * problems handler tests, and for bad input in bad-input-sweep.
 */

//            req agt eng own cm  aud adm int cab ea  ca  ism
const ROLES = ['requester', 'agent', 'engineer', 'service-owner', 'change-manager', 'auditor', 'admin', 'integration', 'cab', 'emergency-approver', 'client-approver', 'security-manager'] as const;

const INCIDENT_LIST = 'yyyyyyyyyyny'; // requesters list their own, the ISM security incidents only (none of these)
const INCIDENT_READ = 'nyyyyyyyyynn'; // another user's incident: hidden from requesters
const REPORTS = 'nyyyyyynnnnn';
const AUDIT = 'nnnnnynnnnnn';
const SERVICES = 'yyyyyyynyyyy'; // requesters, client approvers and the ISM see a summary; the machine client has no catalogue scope
const CIS = 'nyyyyyynyynn';
const PROBLEMS = 'nyyyyyynyynn';
const KNOWLEDGE = 'yyyyyyynyynn'; // published articles: requesters too
const CHANGES = 'nyyyyyynyyyn';
const REQUEST_LIST = 'nyyyyyynnnnn'; // requesters follow their own by id, they do not list the queue
const REQUEST_READ = 'nyyyyyynnnnn';
const ONCALL = 'nyyyyyynnnnn'; // schedules and escalation policies: the desk, managers and auditors

const EXPECTED: Readonly<Record<string, string>> = {
  'GET /incidents': INCIDENT_LIST,
  'GET /incidents/{id}': INCIDENT_READ,
  'GET /incidents/{id}/timeline': INCIDENT_READ,
  'GET /incidents/{id}/sla': INCIDENT_READ,
  // The report: the desk's version, or the client version (requesters of their own incidents only).
  'GET /incidents/{id}/report': INCIDENT_READ,
  // The machine client reads the incident, and gets no known errors nor articles (checked below).
  'GET /incidents/{id}/suggestions': 'nyyyyyyyyynn',
  'GET /reports/sla': REPORTS,
  'GET /reports/availability': REPORTS,
  'GET /reports/service': REPORTS,
  'GET /audit': AUDIT,
  'GET /audit/verify': AUDIT,
  'GET /services': SERVICES,
  'GET /services/{id}': SERVICES,
  'GET /services/{id}/cis': CIS,
  'GET /cis': CIS,
  'GET /cis/{id}': CIS,
  'GET /cis/{id}/history': CIS,
  'GET /catalogue/shared-platforms': CIS,
  'GET /catalogue/software': CIS,
  'GET /problems': PROBLEMS,
  'GET /problems/{id}': PROBLEMS,
  'GET /problems/{id}/log': PROBLEMS,
  'GET /problems/{id}/analyses': PROBLEMS,
  'GET /problems/{id}/incidents': PROBLEMS,
  'GET /problems/{id}/changes': PROBLEMS,
  'GET /incidents/{id}/problems': PROBLEMS,
  'GET /known-errors': PROBLEMS,
  'GET /known-errors/{id}': PROBLEMS,
  'GET /knowledge': KNOWLEDGE,
  'GET /knowledge/{id}': KNOWLEDGE,
  // The self-help site's zip: whoever manages knowledge (agents, engineers, service owners, admins).
  'GET /knowledge/site-bundle': 'nyyynnynnnnn',
  'GET /changes': CHANGES,
  'GET /changes/calendar': CHANGES,
  'GET /changes/milestones': CHANGES,
  'GET /changes/{id}': CHANGES,
  'GET /requests': REQUEST_LIST,
  'GET /requests/{id}': REQUEST_READ,
  'GET /reports/requests-changes': REPORTS,
  'GET /problems/candidates': PROBLEMS,
  'GET /reports/capacity': REPORTS,
  'GET /improvements': REPORTS, // read by the report readers; managed by service owners and admins
  'GET /improvements/{id}': REPORTS,
  'GET /events': 'nyyynyynnnnn', // the desk, owners, auditors and admins; not change managers
  'GET /events/trends': 'nyyynyynnnnn',
  'GET /schedules': ONCALL,
  'GET /schedules/{id}': ONCALL,
  'GET /schedules/{id}/oncall': ONCALL,
  'GET /schedules/{id}/shifts': ONCALL,
  'GET /schedules/{id}/gaps': ONCALL,
  'GET /schedules/{id}/people/{username}/calendar.ics': ONCALL,
  'GET /escalation-policies': ONCALL,
  'GET /escalation-policies/resolve': ONCALL,
  'GET /escalation-policies/{id}': ONCALL,
  'GET /people': ONCALL,
  'GET /people/{username}': ONCALL,
  // The example client keeps its ServiceNow exchange off: the route is not deployed, 404 for everyone
  // (who may read it where it is on: test/integration/servicenow-exchange.test.ts).
  'GET /integrations/servicenow/exceptions': 'nnnnnnnnnnnn',
};

/** Query strings the routes require; every other route is called without one. */
const QUERIES: Readonly<Record<string, string>> = {
  'GET /reports/sla': 'from=2026-01-01T00:00:00Z&to=2026-02-01T00:00:00Z',
  'GET /reports/availability': 'service=printing&from=2026-01-01T00:00:00Z&to=2026-02-01T00:00:00Z',
  'GET /reports/service': 'from=2026-01-01T00:00:00Z&to=2026-02-01T00:00:00Z',
  'GET /reports/requests-changes': 'from=2026-01-01T00:00:00Z&to=2026-02-01T00:00:00Z',
  'GET /audit/verify': 'from=2026-01-01T00:00:00Z&to=2030-01-01T00:00:00Z',
  'GET /catalogue/software': 'name=openssl',
  'GET /cis': 'type=software',
  'GET /knowledge': 'q=printer',
  'GET /changes/calendar': 'from=2030-01-01T00:00:00Z&to=2030-02-01T00:00:00Z',
  'GET /changes/milestones': 'service=printing',
  'GET /reports/capacity': 'service=web-shop&from=2026-01-01T00:00:00Z&to=2026-02-01T00:00:00Z',
  'GET /events': 'from=2026-01-01T00:00:00Z&to=2026-01-08T00:00:00Z',
  'GET /events/trends': 'bucket=day&from=2026-01-01T00:00:00Z&to=2026-01-08T00:00:00Z',
  'GET /schedules/{id}/shifts': 'from=2026-01-01T00:00:00Z&to=2026-01-08T00:00:00Z',
  'GET /escalation-policies/resolve': 'service=printing&priority=P1',
};

let runtime: RuntimeProcess;
const tokens: Record<string, string> = {};
/** The record each `{id}` stands for, by the route's first path segment. */
const ids: Record<string, string> = {};

// The run's shared runtime: the sweep reads the records it creates itself, by id, and checks
// statuses only, so what other files hold does not change its answers.
beforeAll(async () => {
  runtime = await sharedRuntime();
  for (const role of ROLES) tokens[role] = await runtime.token(role, `sweep-${role}`);
  const as = async (role: string, user: string, path: string, body: unknown) => {
    const answer = await call(runtime.url, 'POST', path, { token: await runtime.token(role as never, user), body });
    expect({ path, status: answer.status, body: answer.status === 201 ? undefined : answer.body }).toEqual({ path, status: 201, body: undefined });
    return answer.body.id as string;
  };
  // Everything is created by people who are not among the sweep's callers.
  ids['incidents'] = await as('agent', 'setup-agent', '/incidents', {
    shortDescription: 'Printer on floor 2 jams', description: 'Every job jams on tray 2.', impact: 3, urgency: 3, service: 'printing', category: 'hardware',
  });
  ids['services'] = 'printing';
  ids['cis'] = await as('admin', 'setup-admin', '/cis', { type: 'software', name: 'sweep-cups', services: ['printing'], attributes: { product: 'cups', version: '2.4.7' } });
  ids['problems'] = await as('engineer', 'setup-engineer', '/problems', { title: 'Tray 2 jams', description: 'Jams on every job', impact: 'Floor 2 cannot print', priority: 'P4', services: ['printing'] });
  ids['known-errors'] = await as('engineer', 'setup-engineer', '/known-errors', { title: 'Tray 2 roller worn', symptoms: 'Jams on tray 2', rootCause: 'Worn roller', workaround: 'Use tray 1', services: ['printing'] });
  ids['knowledge'] = await as('engineer', 'setup-engineer', '/knowledge', { title: 'Printer jams on tray 2', body: 'Use tray 1 until the roller is replaced.', service: 'printing', state: 'published' });
  ids['changes'] = await as('engineer', 'setup-engineer', '/changes', {
    type: 'normal', title: 'Replace tray 2 roller', reason: 'Worn roller', services: ['printing'], implementationPlan: 'Swap the roller', testPlan: 'Print 50 pages',
    backoutPlan: 'Refit the old roller', plannedStart: '2030-01-10T18:00:00Z', plannedEnd: '2030-01-10T19:00:00Z', likelihood: 1, severity: 1, securityImpact: 'None',
  });
  ids['improvements'] = await as('admin', 'setup-admin', '/improvements', {
    title: 'Fewer printer incidents', metric: 'incidentsOpened', baseline: { from: '2026-01-01T00:00:00Z', to: '2026-02-01T00:00:00Z' },
    target: { value: 10, direction: 'decrease', deadline: '2027-06-01T00:00:00Z' }, owner: 'setup-admin',
  });
  ids['requests'] = await as('requester', 'setup-requester', '/requests', { type: 'information', service: 'printing', title: 'Which tray for labels?', description: 'We print labels weekly' });
  ids['schedules'] = await as('agent', 'setup-agent', '/schedules', {
    name: 'Printing', timeZone: 'Europe/London', layers: [{ name: 'weekly', start: '2026-01-05T09:00:00Z', turn: 'P7D', participants: ['setup-agent', 'setup-engineer'] }],
  });
  ids['people'] = await as('agent', 'setup-agent', '/people', { username: 'setup-agent', name: 'Setup Agent', email: 'setup-agent@example.com' });
  ids['escalation-policies'] = await as('agent', 'setup-agent', '/escalation-policies', {
    name: 'Printing', services: ['printing'], steps: [{ delayMinutes: 15, targets: [{ kind: 'schedule', scheduleId: ids['schedules'] }] }],
  });
}, RUNTIME_HOOK_TIMEOUT);

test('every reading route is covered by the expected table, and every token route needs a token', () => {
  const reading = API_ROUTES.filter((r) => r.method === 'GET' && r.auth === 'token').map((r) => `${r.method} ${r.path}`);
  expect(reading.filter((key) => !(key in EXPECTED))).toEqual([]);
  expect(Object.keys(EXPECTED).filter((key) => !reading.includes(key))).toEqual([]);
});

test('each role reads exactly what the policy lets it read, on records somebody else created', async () => {
  const wrong: string[] = [];
  for (const route of API_ROUTES.filter((r) => r.method === 'GET' && r.auth === 'token')) {
    const key = `${route.method} ${route.path}`;
    const expected = EXPECTED[key]!;
    const path = route.path.replace('{id}', ids[route.path.split('/')[1]!]!).replace('{username}', 'setup-agent');
    const query = QUERIES[key];
    for (const [i, role] of ROLES.entries()) {
      const answer = await call(runtime.url, 'GET', query ? `${path}?${query}` : path, { token: tokens[role] });
      const reads = answer.status >= 200 && answer.status < 300;
      const refused = answer.status === 403 || answer.status === 404 || (role === 'integration' && answer.status === 401);
      if (key === 'GET /incidents/{id}/suggestions' && role === 'integration' && reads && (answer.body.knownErrors.length > 0 || answer.body.articles.length > 0)) {
        wrong.push(`${key} as ${role}: knowledge leaked to the machine client`);
      }
      if (expected[i] === 'y' ? !reads : !refused) wrong.push(`${key} as ${role}: ${answer.status} (expected ${expected[i] === 'y' ? '2xx' : '403/404'})`);
    }
  }
  expect(wrong).toEqual([]);
});
