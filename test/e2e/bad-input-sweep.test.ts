import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDocumentClient } from '../../src/kernel/adapters/document-client';
import { API_ROUTES } from '../../src/api/api-catalogue';
import { decodeJwt, SignJWT } from 'jose';
import { issueToken, signingKey } from '../../local/local-tokens';
import { scanAll } from '../integration/support-incidents';
import { call, effectsDelivered, RUNTIME_HOOK_TIMEOUT, startRuntimeProcess, type HttpAnswer, type RuntimeProcess } from '../support/local-runtime-process';

/**
 * Hundreds of malformed, oversized, wrongly typed and unauthorised requests across every route,
 * through the local runtime as `npm start` runs it: none is answered 5xx, every answer is
 * problem+json, and the tables hold exactly what they held before. The one exception is by
 * design: each refused (401/403) request that reaches a function adds its audit record, so the
 * audit table may only have grown by `denied` records (and its chain head), and its chain stays
 * intact.
 */

let runtime: RuntimeProcess;
let documents: ReturnType<typeof createDocumentClient>;
let dynamo: DynamoDBClient;
const tokens: Record<string, string> = {};
let incidentId = '';
let incidentNumber = '';
let requesterIncidentId = '';

beforeAll(async () => {
  runtime = await startRuntimeProcess();
  const endpoint = /Tables ready on (http:\/\/[\d.]+:\d+)/.exec(runtime.output())?.[1];
  if (!endpoint) throw new Error(`No DynamoDB endpoint in the runtime output:\n${runtime.output()}`);
  dynamo = new DynamoDBClient({ endpoint, region: 'eu-west-2', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  documents = createDocumentClient(dynamo);
  for (const role of ['agent', 'requester', 'auditor', 'change-manager', 'service-owner', 'admin', 'engineer'] as const) {
    tokens[role] = await runtime.token(role, `sweep-${role}`);
  }
  tokens['integration'] = await runtime.token('integration', 'sweep-client');
  // Something to aim at: an incident the desk logged and one a requester logged.
  const created = await call(runtime.url, 'POST', '/incidents', { token: tokens['agent'], body: validIncident() });
  expect(created.status).toBe(201);
  incidentId = created.body.id;
  incidentNumber = created.body.number;
  const own = await call(runtime.url, 'POST', '/incidents', { token: tokens['requester'], body: validIncident() });
  expect(own.status).toBe(201);
  requesterIncidentId = own.body.id;
}, RUNTIME_HOOK_TIMEOUT);
afterAll(async () => {
  dynamo?.destroy();
  await runtime?.stop();
});

function validIncident(overrides: Record<string, unknown> = {}) {
  return { shortDescription: 'Printer on floor 2 jams', description: 'Every job jams on tray 2.', impact: 3, urgency: 3, service: 'printing', category: 'hardware', ...overrides };
}

interface BadRequest {
  readonly what: string;
  readonly method: string;
  readonly path: string;
  readonly token?: string | undefined;
  readonly body?: unknown;
  readonly rawBody?: string;
  readonly headers?: Record<string, string>;
}

/** Every table of the runtime, every item, keyed by table and item key, for an exact before/after comparison. */
async function snapshot(): Promise<Record<string, Record<string, unknown>[]>> {
  const names = (await dynamo.send(new ListTablesCommand({}))).TableNames ?? [];
  expect(names.length).toBeGreaterThanOrEqual(4);
  const tables: Record<string, Record<string, unknown>[]> = {};
  for (const name of names) {
    const items = await scanAll(documents, name);
    tables[name] = items.sort((a, b) => keyOf(a).localeCompare(keyOf(b)));
  }
  return tables;
}
const keyOf = (item: Record<string, unknown>) => JSON.stringify([item['pk'] ?? item['id'], item['sk'] ?? '']);

async function badRequests(): Promise<BadRequest[]> {
  const requests: BadRequest[] = [];
  const add = (r: BadRequest) => requests.push(r);
  const agent = tokens['agent']!;
  const id = incidentId;
  const concrete = (path: string) => path.replace('{id}', id);
  const tokenRoutes = API_ROUTES.filter((r) => r.auth === 'token');
  const bodyRoutes = tokenRoutes.filter((r) => r.body !== undefined);

  // Unauthorised: no token, a malformed one, one signed with another key, an expired one, a scheme other than Bearer.
  const otherKeyDir = mkdtempSync(join(tmpdir(), 'itsm-sweep-key-'));
  const unauthorised: [string, Promise<string | undefined>, Record<string, string>?][] = [
    ['no token', Promise.resolve(undefined)],
    ['garbage token', Promise.resolve('not.a.jwt')],
    ['token signed with another key', issueToken(otherKeyDir, { roles: ['admin'], user: 'mallory' })],
    ['expired token', issueToken(runtime.localDir, { roles: ['admin'], user: 'late', ttlSeconds: -120 })],
  ];
  {
    for (const [what, pending] of unauthorised) {
      const token = await pending;
      for (const route of tokenRoutes) add({ what: `${what}: ${route.method} ${route.path}`, method: route.method, path: concrete(route.path), token, ...(route.body && { body: {} }) });
    }
    for (const route of tokenRoutes) {
      add({ what: `Basic scheme: ${route.method} ${route.path}`, method: route.method, path: concrete(route.path), headers: { Authorization: 'Basic YWRtaW46YWRtaW4=' } });
    }

    // Forbidden by role (403), or not the caller's to see (404).
    const ifMatch = { 'If-Match': '"1"' };
    const forbidden: BadRequest[] = [
      { what: 'auditor logs an incident', method: 'POST', path: '/incidents', token: tokens['auditor'], body: validIncident() },
      { what: 'change manager logs an incident', method: 'POST', path: '/incidents', token: tokens['change-manager'], body: validIncident() },
      { what: 'requester logs for someone else', method: 'POST', path: '/incidents', token: tokens['requester'], body: validIncident({ reportedBy: 'someone' }) },
      { what: 'requester sets the assignee', method: 'POST', path: '/incidents', token: tokens['requester'], body: validIncident({ assignee: 'x' }) },
      { what: 'agent declares a major incident', method: 'PATCH', path: `/incidents/${id}`, token: agent, body: { major: true, majorReason: 'x' }, headers: ifMatch },
      { what: 'auditor changes an incident', method: 'PATCH', path: `/incidents/${id}`, token: tokens['auditor'], body: { state: 'In Progress' }, headers: ifMatch },
      { what: 'change manager changes an incident', method: 'PATCH', path: `/incidents/${id}`, token: tokens['change-manager'], body: { state: 'In Progress' }, headers: ifMatch },
      { what: 'requester changes their own incident', method: 'PATCH', path: `/incidents/${requesterIncidentId}`, token: tokens['requester'], body: { state: 'In Progress' }, headers: ifMatch },
      { what: 'requester reads another\'s incident', method: 'GET', path: `/incidents/${id}`, token: tokens['requester'] },
      { what: 'requester reads another\'s by number', method: 'GET', path: `/incidents/${incidentNumber}`, token: tokens['requester'] },
      { what: 'requester reads another\'s timeline', method: 'GET', path: `/incidents/${id}/timeline`, token: tokens['requester'] },
      { what: 'requester comments on another\'s', method: 'POST', path: `/incidents/${id}/comments`, token: tokens['requester'], body: { type: 'comment', text: 'hi' } },
      { what: 'requester adds a work note', method: 'POST', path: `/incidents/${requesterIncidentId}/comments`, token: tokens['requester'], body: { type: 'work-note', text: 'hi' } },
      { what: 'auditor comments', method: 'POST', path: `/incidents/${id}/comments`, token: tokens['auditor'], body: { type: 'comment', text: 'hi' } },
      { what: 'agent escalates', method: 'POST', path: `/incidents/${id}/escalate`, token: agent, body: { kind: 'functional', to: 'x', reason: 'y' }, headers: ifMatch },
      { what: 'engineer escalates', method: 'POST', path: `/incidents/${id}/escalate`, token: tokens['engineer'], body: { kind: 'hierarchical', to: 'x', reason: 'y' }, headers: ifMatch },
      { what: 'integration escalates', method: 'POST', path: `/incidents/${id}/escalate`, token: tokens['integration'], body: { kind: 'functional', to: 'x', reason: 'y' }, headers: ifMatch },
      { what: 'non-reporter confirms', method: 'POST', path: `/incidents/${id}/confirm`, token: tokens['service-owner'], headers: ifMatch },
      { what: 'non-reporter rejects', method: 'POST', path: `/incidents/${id}/reject`, token: tokens['engineer'], body: { reason: 'no' }, headers: ifMatch },
      { what: 'auditor confirms', method: 'POST', path: `/incidents/${id}/confirm`, token: tokens['auditor'], headers: ifMatch },
      { what: 'integration confirms', method: 'POST', path: `/incidents/${id}/confirm`, token: tokens['integration'], headers: ifMatch },
      ...['agent', 'admin', 'service-owner', 'requester', 'change-manager', 'engineer', 'integration'].flatMap((role) => [
        { what: `${role} reads the audit trail`, method: 'GET', path: '/audit', token: tokens[role] },
        { what: `${role} verifies the audit trail`, method: 'GET', path: '/audit/verify', token: tokens[role] },
      ]),
    ];
    forbidden.forEach(add);

    // Bodies that are not JSON objects, not JSON at all, not declared as JSON, or too large.
    const notObjects = ['{', '{"a":', 'null', '[]', '"text"', '42', 'true', '{"shortDescription": "x",}', '\u0000', ''];
    for (const route of bodyRoutes) {
      const path = concrete(route.path);
      const headers = { 'Content-Type': 'application/json', 'If-Match': '"1"' };
      // Acknowledging takes no body: an empty one is no body, and a valid request.
      for (const raw of route.path.endsWith('/acknowledge') ? notObjects.filter((r) => r !== '') : notObjects) add({ what: `body ${JSON.stringify(raw)}: ${route.method} ${route.path}`, method: route.method, path, token: agent, rawBody: raw, headers });
      add({ what: `text/plain: ${route.method} ${route.path}`, method: route.method, path, token: agent, rawBody: 'impact=1', headers: { 'Content-Type': 'text/plain', 'If-Match': '"1"' } });
      add({ what: `form body: ${route.method} ${route.path}`, method: route.method, path, token: agent, rawBody: 'a=1&b=2', headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'If-Match': '"1"' } });
      add({ what: `70 KB body: ${route.method} ${route.path}`, method: route.method, path, token: agent, body: { text: 'x'.repeat(70 * 1024) }, headers: { 'If-Match': '"1"' } });
      add({ what: `unknown field only: ${route.method} ${route.path}`, method: route.method, path, token: agent, body: { hacked: true }, headers: { 'If-Match': '"1"' } });
    }

    // Wrongly typed or out-of-range fields when logging an incident.
    const createCases: Record<string, unknown>[] = [
      { impact: '1' }, { impact: 4 }, { impact: 0 }, { impact: 1.5 }, { urgency: null }, { urgency: [1] }, { shortDescription: 123 },
      { shortDescription: '' }, { shortDescription: '   ' }, { shortDescription: 'x'.repeat(161) }, { description: 'y'.repeat(8001) },
      { service: 'has spaces' }, { service: '' }, { category: { a: 1 } }, { usersAffected: -1 }, { usersAffected: 1.5 },
      { usersAffected: '10' }, { usersAffected: 10_000_001 }, { detectedAt: 'yesterday' }, { detectedAt: '2026-13-45T99:00:00Z' },
      { channel: 'fax' }, { reportedBy: ['a', 'b'] }, { assignee: '../../etc/passwd' }, { workaround: '' }, { subcategory: 'x'.repeat(200) },
      { extra: 'field' }, { constructor: 'x' },
    ];
    for (const overrides of createCases) {
      add({ what: `create with ${JSON.stringify(overrides).slice(0, 60)}`, method: 'POST', path: '/incidents', token: agent, body: validIncident(overrides) });
    }
    for (const missing of ['shortDescription', 'description', 'impact', 'urgency', 'service', 'category']) {
      const body: Record<string, unknown> = validIncident();
      delete body[missing];
      add({ what: `create without ${missing}`, method: 'POST', path: '/incidents', token: agent, body });
    }
    add({ what: 'create with __proto__', method: 'POST', path: '/incidents', token: agent, rawBody: JSON.stringify(validIncident()).replace('{', '{"__proto__":{"admin":true},'), headers: { 'Content-Type': 'application/json' } });
    add({ what: 'create with an Idempotency-Key too long', method: 'POST', path: '/incidents', token: agent, body: validIncident(), headers: { 'Idempotency-Key': 'k'.repeat(200) } });
    add({ what: 'create with an Idempotency-Key with spaces', method: 'POST', path: '/incidents', token: agent, body: validIncident(), headers: { 'Idempotency-Key': 'has space' } });

    // Changes with wrong types, rules broken, or If-Match missing, stale or malformed.
    const patchCases: [Record<string, unknown>, Record<string, string>][] = [
      [{ state: 'Closed' }, ifMatch], [{ state: 5 }, ifMatch], [{ state: 'On Hold', onHoldReason: 'bored' }, ifMatch], [{ state: 'On Hold' }, ifMatch],
      [{ state: 'Resolved' }, ifMatch], [{ state: 'Resolved', resolutionCode: 'Fixed it', resolutionNotes: 'x' }, ifMatch],
      [{ major: false }, ifMatch], [{}, ifMatch], [{ impact: 1, urgency: 'high' }, ifMatch], [{ version: 99 }, ifMatch], [{ id: 'other' }, ifMatch],
      [{ state: 'In Progress' }, {}], [{ state: 'In Progress' }, { 'If-Match': '"7"' }], [{ state: 'In Progress' }, { 'If-Match': 'abc' }],
      [{ state: 'In Progress' }, { 'If-Match': '"-1"' }], [{ duplicateOf: 'x y' }, ifMatch], [{ usersAffected: 0 }, ifMatch],
    ];
    for (const [body, headers] of patchCases) add({ what: `patch ${JSON.stringify(body)} ${JSON.stringify(headers)}`, method: 'PATCH', path: `/incidents/${id}`, token: agent, body, headers });

    const subCases: [string, unknown, Record<string, string>][] = [
      ['/escalate', { kind: 'sideways', to: 'x', reason: 'y' }, ifMatch], ['/escalate', { kind: 'functional', to: 'x' }, ifMatch],
      ['/escalate', { kind: 'functional', to: '', reason: 'y' }, ifMatch], ['/escalate', { kind: 'functional', to: 'x', reason: 'y' }, {}],
      ['/comments', { type: 'note', text: 'x' }, {}], ['/comments', { type: 'comment', text: '' }, {}], ['/comments', { type: 'comment' }, {}],
      ['/comments', { type: 'comment', text: 'x'.repeat(20_000) }, {}], ['/comments', { type: 'comment', text: 7 }, {}],
      ['/reject', {}, ifMatch], ['/reject', { reason: 123 }, ifMatch], ['/reject', { reason: 'not resolved yet' }, ifMatch],
      ['/confirm', { extra: 1 }, ifMatch], ['/confirm', undefined, { 'If-Match': '"1"' }],
    ];
    for (const [sub, body, headers] of subCases) {
      add({ what: `${sub} ${JSON.stringify(body)}`, method: 'POST', path: `/incidents/${id}${sub}`, token: agent, ...(body !== undefined && { body }), headers });
    }

    // Ids that are not incident ids or numbers, on every route with {id}.
    const badIds = ['not-an-id', 'INC', 'INC12', '%2E%2E%2Fetc%2Fpasswd', 'x'.repeat(300), "1' OR '1'='1", '%E2%98%83', '00000000-0000-4000-8000-000000000000'];
    for (const route of tokenRoutes.filter((r) => r.path.includes('{id}'))) {
      for (const bad of badIds) {
        add({ what: `id ${bad.slice(0, 20)}: ${route.method} ${route.path}`, method: route.method, path: route.path.replace('{id}', bad), token: agent, ...(route.body && { body: { type: 'comment', text: 'x', reason: 'x', kind: 'functional', to: 'x' } }), headers: { 'If-Match': '"1"' } });
      }
    }

    // Query strings out of range, of the wrong type, unknown, repeated, or with doctored cursors.
    const doctored = Buffer.from(JSON.stringify({ k: { pk: 'INCIDENT#x', sk: 'INCIDENT' }, q: 'forged' })).toString('base64url');
    const queries: [string, string][] = [
      ['/incidents', 'limit=0'], ['/incidents', 'limit=101'], ['/incidents', 'limit=abc'], ['/incidents', 'limit=-5'], ['/incidents', 'state=Sleeping'],
      ['/incidents', 'priority=P9'], ['/incidents', 'nextToken=garbage'], ['/incidents', `nextToken=${doctored}`], ['/incidents', 'nextToken=' + 'a'.repeat(3000)],
      ['/incidents', 'sort=desc'], ['/incidents', 'state=New&state=Closed'], ['/incidents', 'service=has%20space'], ['/incidents', 'assignee=' + 'a'.repeat(200)],
      [`/incidents/${id}/timeline`, 'limit=0'], [`/incidents/${id}/timeline`, 'limit=1000'], [`/incidents/${id}/timeline`, 'nextToken=garbage'],
      [`/incidents/${id}/timeline`, `nextToken=${doctored}`], [`/incidents/${id}/timeline`, 'unknown=1'],
    ];
    for (const [path, query] of queries) add({ what: `GET ${path}?${query.slice(0, 40)}`, method: 'GET', path: `${path}?${query}`, token: agent });
    const auditQueries = [
      'from=yesterday', 'to=soon', 'from=2026-11-25T10:00:00Z&to=2026-11-25T09:00:00Z', 'resource=no-slash', 'resource=Incident/x',
      'actor=has%20space', 'limit=0', 'limit=500', 'nextToken=garbage', `nextToken=${doctored}`, 'unknown=1', 'actor=a&actor=b',
    ];
    for (const query of auditQueries) add({ what: `GET /audit?${query}`, method: 'GET', path: `/audit?${query}`, token: tokens['auditor'] });
    for (const query of ['from=yesterday', 'to=1', 'from=2026-11-25T10:00:00Z&to=2026-11-25T09:00:00Z', 'limit=5', 'from=a&from=b']) {
      add({ what: `GET /audit/verify?${query}`, method: 'GET', path: `/audit/verify?${query}`, token: tokens['auditor'] });
    }

    // Methods and paths the API does not have.
    for (const [method, path] of [['DELETE', `/incidents/${id}`], ['PUT', `/incidents/${id}`], ['DELETE', '/audit'], ['POST', '/audit'], ['PATCH', '/audit/verify'], ['GET', '/admin'], ['GET', '/incidents/x/y/z']] as const) {
      add({ what: `${method} ${path}`, method, path, token: agent, ...(method !== 'GET' && method !== 'DELETE' && { body: {} }) });
    }
  }
  return requests;
}

test('at least 200 bad requests across every route: no 5xx, all problem+json, and the tables unchanged (but denied audit records)', async () => {
  const requests = await badRequests();
  expect(requests.length).toBeGreaterThanOrEqual(200);
  // Every route of the catalogue is hit by some bad request.
  const routesHit = new Set(requests.map((r) => `${r.method} ${r.path.split('?')[0]!.replace(incidentId, '{id}').replace(requesterIncidentId, '{id}')}`));
  for (const route of API_ROUTES.filter((r) => r.auth === 'token')) expect(routesHit).toContain(`${route.method} ${route.path}`);

  // The set-up's incidents stored effects (their SLA workflow starts): delivered first, so the
  // snapshots compare what the bad requests did, not the consumer's work.
  await effectsDelivered(runtime.url);
  const before = await snapshot();
  const failures: { what: string; status: number; contentType: string | null; text: string }[] = [];
  const statuses = new Map<number, number>();
  for (const request of requests) {
    const answer: HttpAnswer = await call(runtime.url, request.method, request.path, {
      ...(request.token !== undefined && { token: request.token }),
      ...(request.body !== undefined && { body: request.body }),
      ...(request.rawBody !== undefined && { rawBody: request.rawBody }),
      ...(request.headers && { headers: request.headers }),
    });
    statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
    const contentType = answer.headers.get('content-type');
    const isProblem = answer.status >= 400 && answer.status < 500 && (contentType ?? '').includes('application/problem+json') && typeof answer.body?.status === 'number';
    if (!isProblem) failures.push({ what: request.what, status: answer.status, contentType, text: answer.text.slice(0, 200) });
  }
  expect(failures).toEqual([]);
  // Refusals of every kind were exercised.
  for (const status of [400, 401, 403, 404, 405, 412, 415, 428]) expect({ status, seen: (statuses.get(status) ?? 0) > 0 }).toEqual({ status, seen: true });

  const after = await snapshot();
  const auditTable = Object.keys(after).find((name) => name.startsWith('DataAuditTable'))!;
  expect(auditTable).toBeDefined();
  for (const table of Object.keys(before)) {
    if (table === auditTable) continue;
    expect({ table, items: after[table] }).toEqual({ table, items: before[table] });
  }
  // The audit table kept every record it had; what it gained are refusals only, and its chain head.
  // Records are written unchained, one item each (RECORD#<id>); the chainer links them later.
  const records = (items: Record<string, unknown>[]) => items.filter((i) => String(i['pk']).startsWith('RECORD#'));
  const kept = new Map(records(before[auditTable]!).map((r) => [r['pk'], r]));
  const added = records(after[auditTable]!).filter((r) => !kept.has(r['pk']));
  for (const record of records(after[auditTable]!)) if (kept.has(record['pk'])) expect(record).toEqual(kept.get(record['pk']));
  expect(added.length).toBeGreaterThan(0);
  expect([...new Set(added.map((r) => r['outcome']))]).toEqual(['denied']);
  const verified = await call(runtime.url, 'GET', '/audit/verify', { token: tokens['auditor'] });
  expect(verified.body).toMatchObject({ intact: true, complete: true });
});

/**
 * Issue 20's abuses by signed-in users, each with the exact answer expected. The refusals write
 * nothing (compared table by table); the requester's over-claimed incident is logged, capped.
 */
test('issue 20: control characters, category cardinality and requester priority abuse get their exact status, and refusals write nothing', async () => {
  const agent = tokens['agent']!;
  const requester = tokens['requester']!;
  const ifMatch = { 'If-Match': '"1"' };
  const cases: { what: string; method: string; path: string; token: string; body: unknown; headers?: Record<string, string>; status: number; field: string }[] = [
    // Control characters: single-line fields refuse line breaks and controls; free text refuses controls but line breaks.
    { what: 'line break in shortDescription', method: 'POST', path: '/incidents', token: agent, body: validIncident({ shortDescription: 'Mail down\nSubject: spoofed' }), status: 400, field: 'shortDescription' },
    { what: 'bell in shortDescription', method: 'POST', path: '/incidents', token: requester, body: validIncident({ shortDescription: 'Mail down\u0007' }), status: 400, field: 'shortDescription' },
    { what: 'NUL in description', method: 'POST', path: '/incidents', token: agent, body: validIncident({ description: 'before\u0000after' }), status: 400, field: 'description' },
    { what: 'bidi override in a comment', method: 'POST', path: `/incidents/${requesterIncidentId}/comments`, token: requester, body: { type: 'comment', text: 'invoice \u202Efdp.exe' }, status: 400, field: 'text' },
    { what: 'line separator in a patched shortDescription', method: 'PATCH', path: `/incidents/${incidentId}`, token: agent, body: { shortDescription: 'a\u2028b' }, headers: ifMatch, status: 400, field: 'shortDescription' },
    // Category cardinality: only the client's listed categories become counter attributes.
    { what: 'unlisted category (requester)', method: 'POST', path: '/incidents', token: requester, body: validIncident({ category: 'cat-00001' }), status: 400, field: 'category' },
    { what: 'unlisted long category (desk)', method: 'POST', path: '/incidents', token: agent, body: validIncident({ category: `x${'y'.repeat(127)}` }), status: 400, field: 'category' },
    { what: 'patch to an unlisted category', method: 'PATCH', path: `/incidents/${incidentId}`, token: agent, body: { category: 'made-up-category' }, headers: ifMatch, status: 400, field: 'category' },
    // Requester priority abuse: the channel is the server's, detection is bounded.
    { what: 'requester claims the monitoring channel', method: 'POST', path: '/incidents', token: requester, body: validIncident({ channel: 'monitoring' }), status: 403, field: 'channel' },
    { what: 'requester detectedAt in 1970', method: 'POST', path: '/incidents', token: requester, body: validIncident({ detectedAt: '1970-01-01T00:00:00Z' }), status: 400, field: 'detectedAt' },
    { what: 'requester detectedAt tomorrow', method: 'POST', path: '/incidents', token: requester, body: validIncident({ detectedAt: new Date(Date.now() + 86_400_000).toISOString() }), status: 400, field: 'detectedAt' },
  ];
  await effectsDelivered(runtime.url);
  const before = await snapshot();
  const answers: { what: string; status: number; fields: string[] }[] = [];
  for (const c of cases) {
    const answer = await call(runtime.url, c.method, c.path, { token: c.token, body: c.body, ...(c.headers && { headers: c.headers }) });
    expect(answer.headers.get('content-type')).toContain('application/problem+json');
    answers.push({ what: c.what, status: answer.status, fields: (answer.body?.errors ?? []).map((e: { field: string }) => e.field) });
  }
  expect(answers).toEqual(cases.map((c) => ({ what: c.what, status: c.status, fields: expect.arrayContaining([c.field]) })));
  const after = await snapshot();
  const auditTable = Object.keys(after).find((name) => name.startsWith('DataAuditTable'))!;
  for (const table of Object.keys(before)) if (table !== auditTable) expect({ table, items: after[table] }).toEqual({ table, items: before[table] });

  // Impact 1, urgency 1, ten million users from a requester: logged (201), at the client's cap until the desk triages.
  const overclaimed = await call(runtime.url, 'POST', '/incidents', { token: requester, body: validIncident({ impact: 1, urgency: 1, usersAffected: 10_000_000 }) });
  expect(overclaimed.status).toBe(201);
  expect(overclaimed.body).toMatchObject({ priority: 'P3', channel: 'web', reported: { priority: 'P1', usersAffected: 10_000_000 } });

  // A flood from one person: the client's quota (20 an hour for requesters), then 429 with Retry-After.
  const flooder = await runtime.token('requester', 'sweep-flooder');
  const statuses: number[] = [];
  for (let n = 0; n < 21; n++) statuses.push((await call(runtime.url, 'POST', '/incidents', { token: flooder, body: validIncident({ shortDescription: `Flood ${n}` }) })).status);
  expect(statuses).toEqual([...Array(20).fill(201), 429]);
  const refused = await call(runtime.url, 'POST', '/incidents', { token: flooder, body: validIncident() });
  expect(refused.status).toBe(429);
  expect(refused.headers.get('content-type')).toContain('application/problem+json');
  expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
});

/**
 * Issue 20: forged tokens, expired ones and ones without `exp` — each refused with exactly 401
 * (problem+json) on a read, a write and the audit trail. The control case, the same claims signed
 * the same way but with an `exp`, is let in: what is refused is the forgery, not the claims.
 */
test('issue 20: forged, expired and exp-less tokens are refused with exactly 401; the same claims with exp are let in', async () => {
  const admin = await runtime.token('admin', 'sweep-token-admin');
  const requester = tokens['requester']!;
  const claims = decodeJwt(requester);
  const key = signingKey(runtime.localDir);
  const { exp: _exp, iat: _iat, ...withoutTimes } = claims;
  const signed = (payload: Record<string, unknown>, expiresIn?: number) => {
    const jwt = new SignJWT(payload).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setIssuedAt();
    return (expiresIn === undefined ? jwt : jwt.setExpirationTime(Math.floor(Date.now() / 1000) + expiresIn)).sign(key);
  };
  const [header, , signature] = requester.split('.');
  const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const cases: [string, string][] = [
    ['groups raised to admin, signature kept', `${header}.${b64({ ...claims, 'cognito:groups': ['admin', 'auditor'] })}.${signature}`],
    ['alg none', `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ ...claims, 'cognito:groups': ['admin'] })}.`],
    ['signature of another token', `${admin.split('.').slice(0, 2).join('.')}.${signature}`],
    ['signed with another key', await issueToken(mkdtempSync(join(tmpdir(), 'itsm-sweep-other-key-')), { roles: ['admin'], user: 'mallory' })],
    ['expired a minute ago', await signed(withoutTimes, -60)],
    ['right key, no exp', await signed(withoutTimes)],
    ['right key, no exp, admin groups', await signed({ ...withoutTimes, 'cognito:groups': ['admin'] })],
  ];
  const routes: [string, string, unknown?][] = [['GET', '/incidents'], ['POST', '/incidents', validIncident()], ['GET', '/audit']];
  const answers: string[] = [];
  for (const [what, token] of cases) {
    for (const [method, path, body] of routes) {
      const answer = await call(runtime.url, method, path, { token, ...(body !== undefined && { body }) });
      answers.push(`${what}: ${method} ${path} → ${answer.status} ${answer.headers.get('content-type')?.includes('application/problem+json') ? 'problem' : answer.headers.get('content-type')}`);
    }
  }
  expect(answers).toEqual(cases.flatMap(([what]) => routes.map(([method, path]) => `${what}: ${method} ${path} → 401 problem`)));
  // Control: the exp-less token's own claims, with an exp, read the requester's incidents.
  expect((await call(runtime.url, 'GET', '/incidents', { token: await signed(withoutTimes, 300) })).status).toBe(200);
});
