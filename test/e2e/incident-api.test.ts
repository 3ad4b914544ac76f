import { call, RUNTIME_HOOK_TIMEOUT, createServices, sharedRuntime, type RuntimeProcess } from '../support/local-runtime-process';

let runtime: RuntimeProcess;
let agent: string;
let requester: string;
let otherRequester: string;
// The run's shared runtime: what this file counts is its own (services idempotency, badinput and
// paging, requesters bob and carol, notifications about its own incident numbers).
beforeAll(async () => {
  runtime = await sharedRuntime();
  agent = await runtime.token('agent', 'alice');
  requester = await runtime.token('requester', 'bob');
  otherRequester = await runtime.token('requester', 'carol');
  // vpn, erp and printing come with the example client's catalogue; these are the tests' own.
  await createServices(runtime, ['idempotency', 'badinput', 'paging']);
}, RUNTIME_HOOK_TIMEOUT);

const newIncident = (overrides: Record<string, unknown> = {}) => ({
  shortDescription: 'VPN drops every 10 minutes',
  description: 'Since this morning the VPN client disconnects every ten minutes.',
  impact: 2,
  urgency: 2,
  service: 'vpn',
  category: 'network',
  ...overrides,
});

test('health and the OpenAPI description are public', async () => {
  expect((await call(runtime.url, 'GET', '/health')).body).toEqual({ status: 'ok' });
  const openapi = await call(runtime.url, 'GET', '/openapi.json');
  expect(openapi.status).toBe(200);
  expect(openapi.body.openapi).toBe('3.1.0');
  expect(Object.keys(openapi.body.paths)).toEqual(expect.arrayContaining(['/incidents', '/incidents/{id}']));
  expect(openapi.body.paths['/incidents'].post.requestBody.content['application/json'].schema.additionalProperties).toBe(false);
});

test('an incident goes from logging to closure through the API', async () => {
  const created = await call(runtime.url, 'POST', '/incidents', { token: agent, body: newIncident({ impact: 1, urgency: 1, reportedBy: 'bob' }) });
  expect(created.body.priorityReasons).toEqual(['impact 1 × urgency 1 → P1 (priority matrix)']);
  expect(created.status).toBe(201);
  expect(created.body).toMatchObject({ state: 'New', priority: 'P1', recordedBy: 'alice', reportedBy: 'bob', version: 1 });
  expect(created.body.number).toMatch(/^INC\d{7}$/);
  expect(created.headers.get('location')).toBe(`/v1/incidents/${created.body.id}`);
  // The Location can be followed as is.
  expect((await call(runtime.url, 'GET', created.headers.get('location')!, { token: agent })).body.id).toBe(created.body.id);
  expect(created.headers.get('etag')).toBe('"1"');

  const byNumber = await call(runtime.url, 'GET', `/incidents/${created.body.number}`, { token: agent });
  expect(byNumber.body.id).toBe(created.body.id);

  const path = `/incidents/${created.body.id}`;
  const missingIfMatch = await call(runtime.url, 'PATCH', path, { token: agent, body: { state: 'In Progress' } });
  expect(missingIfMatch.status).toBe(428);

  const started = await call(runtime.url, 'PATCH', path, { token: agent, body: { state: 'In Progress', assignee: 'alice' }, headers: { 'If-Match': '"1"' } });
  expect(started.status).toBe(200);
  expect(started.headers.get('etag')).toBe('"2"');

  const stale = await call(runtime.url, 'PATCH', path, { token: agent, body: { state: 'On Hold', onHoldReason: 'awaiting caller' }, headers: { 'If-Match': '"1"' } });
  expect(stale.status).toBe(412);
  expect(stale.headers.get('content-type')).toContain('application/problem+json');

  const closedByAgent = await call(runtime.url, 'PATCH', path, { token: agent, body: { state: 'Closed' }, headers: { 'If-Match': '"2"' } });
  expect(closedByAgent.status).toBe(400);
  expect(closedByAgent.body.errors[0].field).toBe('state');

  const onHold = await call(runtime.url, 'PATCH', path, { token: agent, body: { state: 'On Hold', onHoldReason: 'awaiting vendor' }, headers: { 'If-Match': '"2"' } });
  expect(onHold.status).toBe(200);
  const illegal = await call(runtime.url, 'PATCH', path, { token: agent, body: { state: 'Resolved', resolutionCode: 'Solved (permanently)', resolutionNotes: 'x' }, headers: { 'If-Match': '"3"' } });
  expect(illegal.status).toBe(409);
  expect(illegal.body.allowedNextStates).toEqual(['In Progress', 'Canceled']);
  expect((await call(runtime.url, 'PATCH', path, { token: agent, body: { state: 'In Progress' }, headers: { 'If-Match': '"3"' } })).status).toBe(200);

  const resolved = await call(runtime.url, 'PATCH', path, {
    token: agent,
    body: { state: 'Resolved', resolutionCode: 'Solved (permanently)', resolutionNotes: 'Replaced the VPN concentrator certificate.' },
    headers: { 'If-Match': '"4"' },
  });
  expect(resolved.status).toBe(200);
  expect(resolved.body.resolvedAt).toBeDefined();

  // Only the reporter (bob) closes it, by confirming the fix.
  expect((await call(runtime.url, 'POST', `${path}/confirm`, { token: agent, headers: { 'If-Match': '"5"' } })).status).toBe(403);
  const closed = await call(runtime.url, 'POST', `${path}/confirm`, { token: requester, headers: { 'If-Match': '"5"' } });
  expect(closed.status).toBe(200);
  expect(closed.body).toMatchObject({ state: 'Closed', closedBy: 'bob', version: 6 });

  const timeline = await call(runtime.url, 'GET', `${path}/timeline`, { token: agent });
  expect(timeline.body.items.map((e: { type: string }) => e.type)).toEqual([
    'created', 'assignment-change', 'state-change', 'state-change', 'state-change', 'state-change', 'closed',
  ]);
});

test('a major incident notifies the nominated and provider contacts; an escalation is recorded and notified', async () => {
  const owner = await runtime.token('service-owner', 'olga');
  const created = await call(runtime.url, 'POST', '/incidents', { token: agent, body: newIncident({ service: 'erp', usersAffected: 300 }) });
  expect(created.body.priority).toBe('P1');
  expect(created.body.priorityReasons.join(' ')).toMatch(/300 users affected/);
  const path = `/incidents/${created.body.id}`;

  expect((await call(runtime.url, 'PATCH', path, { token: agent, body: { major: true, majorReason: 'ERP down for all sites' }, headers: { 'If-Match': '"1"' } })).status).toBe(403);
  const major = await call(runtime.url, 'PATCH', path, { token: owner, body: { major: true, majorReason: 'ERP down for all sites' }, headers: { 'If-Match': '"1"' } });
  expect(major.status).toBe(200);
  expect(major.body).toMatchObject({ major: true, disasterRecoveryPlan: expect.stringContaining('DRP-EXAMPLE') });

  const escalated = await call(runtime.url, 'POST', `${path}/escalate`, {
    token: owner,
    body: { kind: 'functional', to: 'erp-vendor', reason: 'Vendor patch needed', assignmentGroup: 'erp-vendor' },
    headers: { 'If-Match': '"2"' },
  });
  expect(escalated.status).toBe(200);
  expect(escalated.body).toMatchObject({ escalationLevel: 1, assignmentGroup: 'erp-vendor' });

  // Both notices were stored with their changes; the runtime's stream consumer delivers them.
  const about = async () => {
    const outbox = await call(runtime.url, 'GET', '/_local/notifications');
    return outbox.body.items.filter((m: { message: { message: string } }) => m.message.message.includes(created.body.number));
  };
  // The consumer publishes a notice, then marks its outbox item delivered: wait for both.
  const undeliveredOfIncident = async () =>
    (await call(runtime.url, 'GET', '/_local/outbox')).body.undelivered.filter((i: { effectId: string }) => i.effectId.startsWith(created.body.id));
  const deadline = Date.now() + 30_000;
  while (((await about()).length < 2 || (await undeliveredOfIncident()).length > 0) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  const pending = await call(runtime.url, 'GET', '/_local/outbox');
  expect(await undeliveredOfIncident()).toEqual([]);
  expect(pending.body.failed).toEqual([]);
  const mine = await about();
  expect(mine.map((m: { topicArn: string }) => m.topicArn.split(':').at(-1))).toEqual([
    expect.stringMatching(/MajorIncidents/),
    expect.stringMatching(/Escalations/),
  ]);
  const recipients = mine[0].message.recipients.map((r: { name: string }) => r.name);
  expect(recipients).toEqual(['Priya Shah', 'Tom Evans', 'Mary Clarke', 'Alex Green', 'Sam Patel']);
  expect(mine[1].attributes).toMatchObject({ priority: 'P1', level: '1', client: 'example' });
});

test('Idempotency-Key: a replay returns the first response; the same key with another body is refused', async () => {
  const body = newIncident({ service: 'idempotency' });
  const first = await call(runtime.url, 'POST', '/incidents', { token: agent, body, headers: { 'Idempotency-Key': 'e2e-key-1' } });
  const replay = await call(runtime.url, 'POST', '/incidents', { token: agent, body, headers: { 'Idempotency-Key': 'e2e-key-1' } });
  expect(first.status).toBe(201);
  expect(replay.status).toBe(201);
  expect(replay.body.id).toBe(first.body.id);
  const other = await call(runtime.url, 'POST', '/incidents', { token: agent, body: { ...body, urgency: 1 }, headers: { 'Idempotency-Key': 'e2e-key-1' } });
  expect(other.status).toBe(422);
  expect(other.body.errors[0].field).toBe('Idempotency-Key');
  const listed = await call(runtime.url, 'GET', '/incidents?service=idempotency', { token: agent });
  expect(listed.body.items).toHaveLength(1);
});

test('bad input is refused with problem+json naming the field, and nothing is written', async () => {
  const before = await call(runtime.url, 'GET', '/incidents?service=badinput&limit=100', { token: agent });
  const cases: Array<[string, { body?: unknown; rawBody?: string; headers?: Record<string, string> }, number, string]> = [
    ['malformed JSON', { rawBody: '{"shortDescription": ', headers: { 'Content-Type': 'application/json' } }, 400, 'body'],
    ['unknown field', { body: newIncident({ service: 'badinput', colour: 'red' }) }, 400, 'colour'],
    ['wrong type', { body: newIncident({ service: 'badinput', impact: '1' }) }, 400, 'impact'],
    ['missing field', { body: { ...newIncident({ service: 'badinput' }), category: undefined } }, 400, 'category'],
    ['over 64 KB', { body: newIncident({ service: 'badinput', description: 'x'.repeat(70_000) }) }, 400, 'body'],
    ['not JSON', { rawBody: 'hello', headers: { 'Content-Type': 'text/plain' } }, 415, 'Content-Type'],
  ];
  for (const [label, request, status, field] of cases) {
    const answer = await call(runtime.url, 'POST', '/incidents', { token: agent, ...request });
    expect({ label, status: answer.status }).toEqual({ label, status });
    expect(answer.headers.get('content-type')).toContain('application/problem+json');
    expect(answer.body.errors.map((e: { field: string }) => e.field)).toContain(field);
  }
  const after = await call(runtime.url, 'GET', '/incidents?service=badinput&limit=100', { token: agent });
  expect(after.body.items).toHaveLength(before.body.items.length);
  expect(after.body.items).toHaveLength(0);
});

test('requesters see only what they reported, and cannot enumerate by number', async () => {
  const mine = await call(runtime.url, 'POST', '/incidents', { token: requester, body: newIncident({ service: 'printing' }) });
  expect(mine.status).toBe(201);
  expect(mine.body.reportedBy).toBe('bob');
  const forSomeoneElse = await call(runtime.url, 'POST', '/incidents', { token: requester, body: newIncident({ reportedBy: 'carol' }) });
  expect(forSomeoneElse.status).toBe(403);
  expect(forSomeoneElse.body.errors[0].field).toBe('reportedBy');

  expect((await call(runtime.url, 'GET', `/incidents/${mine.body.id}`, { token: requester })).status).toBe(200);
  expect((await call(runtime.url, 'GET', `/incidents/${mine.body.id}`, { token: otherRequester })).status).toBe(404);
  expect((await call(runtime.url, 'GET', `/incidents/${mine.body.number}`, { token: otherRequester })).status).toBe(404);

  const list = await call(runtime.url, 'GET', '/incidents?limit=100', { token: otherRequester });
  expect(list.status).toBe(200);
  expect(list.body.items.every((i: { reportedBy: string }) => i.reportedBy === 'carol')).toBe(true);

  const patch = await call(runtime.url, 'PATCH', `/incidents/${mine.body.id}`, { token: requester, body: { urgency: 1 }, headers: { 'If-Match': '"1"' } });
  expect(patch.status).toBe(403);
});

test('lists page through a queue with an opaque cursor, never more than 100 at a time', async () => {
  for (let i = 0; i < 5; i++) {
    expect((await call(runtime.url, 'POST', '/incidents', { token: agent, body: newIncident({ service: 'paging', urgency: (i % 3) + 1 }) })).status).toBe(201);
  }
  const seen: string[] = [];
  let next: string | undefined;
  do {
    const page = await call(runtime.url, 'GET', `/incidents?service=paging&limit=2${next ? `&nextToken=${encodeURIComponent(next)}` : ''}`, { token: agent });
    expect(page.status).toBe(200);
    expect(page.body.items.length).toBeLessThanOrEqual(2);
    seen.push(...page.body.items.map((i: { id: string }) => i.id));
    next = page.body.nextToken;
  } while (next);
  expect(seen).toHaveLength(5);
  expect(new Set(seen).size).toBe(5);

  const tooMany = await call(runtime.url, 'GET', '/incidents?limit=101', { token: agent });
  expect(tooMany.status).toBe(400);
  expect(tooMany.body.errors[0].field).toBe('limit');
});

test('tokens are checked: missing, tampered and expired tokens get 401', async () => {
  expect((await call(runtime.url, 'GET', '/incidents')).status).toBe(401);
  const tampered = `${agent.slice(0, -4)}AAAA`;
  expect((await call(runtime.url, 'GET', '/incidents', { token: tampered })).status).toBe(401);
  const { issueToken } = await import('../../local/local-tokens');
  const expired = await issueToken(runtime.localDir, { roles: ['agent'], user: 'late', ttlSeconds: -60 });
  expect((await call(runtime.url, 'GET', '/incidents', { token: expired })).status).toBe(401);
  const foreignKey = await issueToken(require('node:os').tmpdir() + '/itsm-other-key-' + Date.now(), { roles: ['agent'], user: 'mallory' });
  expect((await call(runtime.url, 'GET', '/incidents', { token: foreignKey })).status).toBe(401);
});

test('the example catalogue is seeded from clients/example.json, and incidents must name a catalogue service', async () => {
  const services = await call(runtime.url, 'GET', '/services?status=live&limit=100', { token: agent });
  expect(services.status).toBe(200);
  expect(services.body.items.map((s: { id: string }) => s.id)).toEqual(expect.arrayContaining(['email', 'vpn', 'erp', 'monitoring']));
  // Requesters see names and status only.
  const asRequester = await call(runtime.url, 'GET', '/services/email', { token: requester });
  expect(asRequester.body).toEqual({ id: 'email', name: 'Email', status: 'live' });
  const unknown = await call(runtime.url, 'POST', '/incidents', { token: agent, body: newIncident({ service: 'no-such-service' }) });
  expect(unknown.status).toBe(400);
  expect(unknown.body.errors).toEqual([expect.objectContaining({ field: 'service' })]);
});

test('methods require access tokens with their scope: a machine client logs incidents but is refused elsewhere; an ID token is refused', async () => {
  const machine = await runtime.token('integration', 'client-monitoring');
  const logged = await call(runtime.url, 'POST', '/incidents', { token: machine, body: newIncident({ reportedBy: 'bob' }) });
  expect(logged.status).toBe(201);
  expect(logged.body.recordedBy).toBe('client:client-monitoring');
  expect((await call(runtime.url, 'GET', `/incidents/${logged.body.id}`, { token: machine })).status).toBe(200);
  // Its client-credentials grant holds itsm/incidents.* only: the catalogue and the audit trail are out of scope.
  for (const [method, path] of [['GET', '/services'], ['GET', '/audit'], ['POST', '/services']] as const) {
    const refused = await call(runtime.url, method, path, { token: machine, ...(method === 'POST' && { body: {} }) });
    expect({ path, status: refused.status }).toEqual({ path, status: 401 });
  }
  // An ID token (what the authorizer accepts only when a method lists no scopes) no longer passes.
  const { SignJWT } = await import('jose');
  const { signingKey } = await import('../../local/local-tokens');
  const idToken = await new SignJWT({ 'cognito:username': 'alice', 'cognito:groups': ['agent'], token_use: 'id' })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject('0b7c1c1e-0000-4000-8000-0000000000ee')
    .setIssuer('rowe-itsm-local')
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + 600)
    .sign(signingKey(runtime.localDir));
  expect((await call(runtime.url, 'GET', '/incidents', { token: idToken })).status).toBe(401);
  // Nor does an access token with Cognito's self-service scope instead of the API's people scope
  // (what the user pool issued before the pre-token trigger: it could change its user's email and MFA device).
  const selfService = await new SignJWT({ username: 'alice', 'cognito:groups': ['agent'], token_use: 'access', scope: 'aws.cognito.signin.user.admin', client_id: 'local-desk' })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject('0b7c1c1e-0000-4000-8000-0000000000ee')
    .setIssuer('rowe-itsm-local')
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + 600)
    .sign(signingKey(runtime.localDir));
  expect((await call(runtime.url, 'GET', '/incidents', { token: selfService })).status).toBe(401);
  // The same token with the people scope passes: the scope alone made the difference.
  const people = await new SignJWT({ username: 'alice', 'cognito:groups': ['agent'], token_use: 'access', scope: 'itsm/people', client_id: 'local-desk' })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject('0b7c1c1e-0000-4000-8000-0000000000ee')
    .setIssuer('rowe-itsm-local')
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + 600)
    .sign(signingKey(runtime.localDir));
  expect((await call(runtime.url, 'GET', '/incidents', { token: people })).status).toBe(200);
});

test('the local gateway answers only to its own host names (421 otherwise, before any route) and refuses a token without exp', async () => {
  const { request } = await import('node:http');
  const base = new URL(runtime.url);
  const statusWithHost = (host: string, path: string, token?: string) =>
    new Promise<number>((resolve, reject) => {
      const req = request(
        { hostname: base.hostname, port: base.port, path: `${base.pathname.replace(/\/$/, '')}${path}`, headers: { Host: host, ...(token && { Authorization: `Bearer ${token}` }) } },
        (res) => {
          res.resume();
          resolve(res.statusCode!);
        },
      );
      req.on('error', reject);
      req.end();
    });
  // A page on another name that resolves to this machine (DNS rebinding) gets nowhere, public paths included.
  expect(await statusWithHost('attacker.example', '/health')).toBe(421);
  expect(await statusWithHost(`attacker.example:${base.port}`, '/incidents', agent)).toBe(421);
  expect(await statusWithHost(`localhost:${base.port}`, '/health')).toBe(200);
  expect(await statusWithHost(`127.0.0.1:${base.port}`, '/incidents', agent)).toBe(200);

  // Signed with the right key, every claim right, but no expiry: refused as Cognito's authorizer would never see one.
  const { SignJWT } = await import('jose');
  const { signingKey } = await import('../../local/local-tokens');
  const claims = { username: 'alice', 'cognito:groups': ['agent'], token_use: 'access', scope: 'itsm/people', client_id: 'local-desk' };
  const sign = (withExp: boolean) => {
    const jwt = new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setSubject('0b7c1c1e-0000-4000-8000-0000000000ee').setIssuer('rowe-itsm-local').setIssuedAt();
    return (withExp ? jwt.setExpirationTime(Math.floor(Date.now() / 1000) + 600) : jwt).sign(signingKey(runtime.localDir));
  };
  expect((await call(runtime.url, 'GET', '/incidents', { token: await sign(false) })).status).toBe(401);
  expect((await call(runtime.url, 'GET', '/incidents', { token: await sign(true) })).status).toBe(200);
});
