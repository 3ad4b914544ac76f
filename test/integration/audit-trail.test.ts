import { randomUUID } from 'node:crypto';
import { DeleteCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDbAuditTrail, sha256Hex } from '../../lambdas/adapters/dynamodb/dynamodb-audit-trail';
import { auditRecordKey, chainHeadKey } from '../../lambdas/adapters/dynamodb/audit-table-keys';
import { verifyAuditTrail } from '../../lambdas/app/audit-use-cases';
import type { AuditEntry, AuditRecord } from '../../lambdas/domain/audit-chain';
import { createTestTables, type TestTables } from '../support/test-tables';
import { apiEvent, callers, invoke, lambdaContext, type ProxyHandler, type TestCaller } from './support-events';
import { expectProblem, incidentRoutes, startIncidentsApi, validIncidentBody, type IncidentsApi } from './support-handler';
import { scanAll } from './support-incidents';

/**
 * The audit trail against DynamoDB Local: concurrent appends keep one gap-free chain; changes to
 * incidents and refused requests are recorded; /audit lists and /audit/verify verifies, and a
 * record altered directly in the engine is found.
 */

const stamps = { clock: { now: () => new Date() }, ids: { newId: () => randomUUID() } };
const auditor = { id: 'auditor-sub', name: 'audrey.auditor', roles: ['auditor' as const] };
const entry = (n: number, overrides: Partial<AuditEntry> = {}): AuditEntry => ({
  actor: `writer-${n}`,
  roles: ['agent'],
  action: 'incident:update',
  resource: { type: 'incident', id: `incident-${n % 3}` },
  outcome: 'allowed',
  changes: [{ field: 'assignee', before: 'a', after: `b-${n}` }],
  ...overrides,
});

describe('appending to the chain', () => {
  let tables: TestTables;
  beforeEach(async () => {
    tables = await createTestTables();
  });
  afterEach(() => tables?.destroy());

  test('20 concurrent appends (separate writers) make one intact chain with sequences 1…20 and a head on the last', async () => {
    const writers = Array.from({ length: 20 }, () => new DynamoDbAuditTrail(tables.documents, tables.names.audit, stamps, sha256Hex));
    const appended = await Promise.all(writers.map((writer, n) => writer.append(entry(n))));
    expect(appended.map((r) => r.sequence).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));

    const trail = new DynamoDbAuditTrail(tables.documents, tables.names.audit, stamps);
    const stored: AuditRecord[] = [];
    for await (const record of trail.chainFrom(1)) stored.push(record);
    expect(stored.map((r) => r.sequence)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    // Every writer's own entry is in the chain exactly once.
    expect(stored.map((r) => r.actor).sort()).toEqual(Array.from({ length: 20 }, (_, n) => `writer-${n}`).sort());
    for (let i = 1; i < stored.length; i++) {
      expect(stored[i]!.previousHash).toBe(stored[i - 1]!.hash);
      expect(stored[i]!.at >= stored[i - 1]!.at).toBe(true);
    }
    expect(await trail.head()).toEqual({ sequence: 20, hash: stored[19]!.hash, at: stored[19]!.at });
    expect(await verifyAuditTrail({ trail, sha256: sha256Hex }, auditor, {})).toEqual({ intact: true, checked: 20, complete: true });
  });

  test('a record is never replaced: a writer whose head is stale builds on the new head instead', async () => {
    const trail = new DynamoDbAuditTrail(tables.documents, tables.names.audit, stamps);
    await trail.append(entry(1));
    // A second writer that read the empty head loses its first attempt (the head exists now) and retries.
    let reads = 0;
    const stale = new DynamoDbAuditTrail(tables.documents, tables.names.audit, stamps);
    const realHead = stale.head.bind(stale);
    stale.head = async () => (reads++ === 0 ? { sequence: 0, hash: '0'.repeat(64), at: '1970-01-01T00:00:00.000Z' } : realHead());
    const second = await stale.append(entry(2));
    expect(reads).toBe(2);
    expect(second.sequence).toBe(2);
    const items = await scanAll(tables.documents, tables.names.audit);
    expect(items.filter((i) => i['pk'] === 'CHAIN').map((i) => [i['sequence'], i['actor']])).toEqual([
      [1, 'writer-1'],
      [2, 'writer-2'],
    ]);
  });

  test('every list and verification is a Query: records are found by resource, actor and time, page by page', async () => {
    const trail = new DynamoDbAuditTrail(tables.documents, tables.names.audit, stamps);
    for (let n = 0; n < 7; n++) await trail.append(entry(n));
    const byResource = await trail.list({ resource: { type: 'incident', id: 'incident-1' } }, { limit: 10 });
    expect(byResource.items.map((r) => r.actor)).toEqual(['writer-1', 'writer-4']);
    expect((await trail.list({ actor: 'writer-5' }, { limit: 10 })).items.map((r) => r.sequence)).toEqual([6]);

    const first = await trail.list({}, { limit: 3 });
    expect(first.items.map((r) => r.sequence)).toEqual([1, 2, 3]);
    const second = await trail.list({}, { limit: 3, nextToken: first.nextToken! });
    expect(second.items.map((r) => r.sequence)).toEqual([4, 5, 6]);
    // A cursor is bound to its filter.
    await expect(trail.list({ actor: 'writer-1' }, { limit: 3, nextToken: first.nextToken! })).rejects.toMatchObject({ kind: 'invalid-input' });

    const all = await trail.list({}, { limit: 10 });
    const fourth = all.items[3]!;
    const sixth = all.items[5]!;
    expect((await trail.list({ from: fourth.at, to: sixth.at }, { limit: 10 })).items.map((r) => r.sequence)).toEqual(
      all.items.filter((r) => r.at >= fourth.at && r.at <= sixth.at).map((r) => r.sequence),
    );
  });
});

describe('through the functions', () => {
  let api: IncidentsApi;
  let auditHandler: ProxyHandler;
  const routes = incidentRoutes(() => api.handler);

  beforeAll(async () => {
    api = await startIncidentsApi();
    // The audit function, loaded the way the runtime loads it, over the same tables.
    jest.isolateModules(() => {
      auditHandler = (require('../../lambdas/handlers/audit-handler') as typeof import('../../lambdas/handlers/audit-handler')).handler as unknown as ProxyHandler;
    });
  });
  afterAll(async () => {
    await api?.close();
  });

  const audit = (query: Record<string, string>, as: TestCaller | undefined = callers.auditor) =>
    invoke(auditHandler, 'GET', { path: '/audit', resource: '/audit', query, caller: as });
  const verify = (query: Record<string, string> = {}, as: TestCaller | undefined = callers.auditor) =>
    invoke(auditHandler, 'GET', { path: '/audit/verify', resource: '/audit/verify', query, caller: as });
  const recordsOf = async (query: Record<string, string>): Promise<AuditRecord[]> => {
    const answer = await audit({ ...query, limit: '100' });
    expect(answer.status).toBe(200);
    return answer.body.items;
  };

  test('every change to an incident is recorded with actor, roles, request id, source IP and the before/after of the fields it changed', async () => {
    const created = await routes.create(validIncidentBody({ reportedBy: callers.requester.username }), { as: callers.agent });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    const patched = await routes.patch(id, { state: 'In Progress', assignee: 'alice.agent' }, { as: callers.agent, ifMatch: '"1"' });
    expect(patched.status).toBe(200);
    // The desk's first reply to the reporter is recorded on the incident (respond target): version 3.
    expect((await routes.comment(id, { type: 'comment', text: 'Looking at it' }, { as: callers.agent })).status).toBe(201);
    expect((await routes.escalate(id, { kind: 'functional', to: 'mail-vendor', reason: 'Connector bug' }, { as: callers.serviceOwner, ifMatch: '"3"' })).status).toBe(200);
    const resolved = await routes.patch(id, { state: 'Resolved', resolutionCode: 'Solved (permanently)', resolutionNotes: 'Renewed the certificate' }, { as: callers.agent, ifMatch: '"4"' });
    expect(resolved.status).toBe(200);
    expect((await routes.reject(id, { reason: 'Still broken' }, { as: callers.requester, ifMatch: '"5"' })).status).toBe(200);
    expect((await routes.patch(id, { state: 'Resolved', resolutionCode: 'Solved (permanently)', resolutionNotes: 'Really renewed' }, { as: callers.agent, ifMatch: '"6"' })).status).toBe(200);
    expect((await routes.confirm(id, { as: callers.requester, ifMatch: '"7"' })).status).toBe(200);

    const records = await recordsOf({ resource: `incident/${id}` });
    expect(records.map((r) => [r.action, r.actor, r.roles, r.outcome])).toEqual([
      ['incident:create', 'alice.agent', ['agent'], 'allowed'],
      ['incident:update', 'alice.agent', ['agent'], 'allowed'],
      ['incident:comment', 'alice.agent', ['agent'], 'allowed'],
      ['incident:escalate', 'oscar.owner', ['service-owner'], 'allowed'],
      ['incident:update', 'alice.agent', ['agent'], 'allowed'],
      ['incident:reject', 'rita.requester', ['requester'], 'allowed'],
      ['incident:update', 'alice.agent', ['agent'], 'allowed'],
      ['incident:confirm', 'rita.requester', ['requester'], 'allowed'],
    ]);
    for (const record of records) {
      expect(record).toMatchObject({ resource: { type: 'incident', id }, sourceIp: '127.0.0.1', requestId: expect.any(String), hash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    }
    expect(new Set(records.map((r) => r.requestId)).size).toBe(records.length);
    const change = (index: number, field: string) => records[index]!.changes!.find((c) => c.field === field);
    expect(change(0, 'state')).toEqual({ field: 'state', after: 'New' });
    expect(change(0, 'reportedBy')).toEqual({ field: 'reportedBy', after: 'rita.requester' });
    expect(change(1, 'state')).toEqual({ field: 'state', before: 'New', after: 'In Progress' });
    expect(change(1, 'assignee')).toEqual({ field: 'assignee', after: 'alice.agent' });
    expect(change(1, 'version')).toEqual({ field: 'version', before: 1, after: 2 });
    // Unchanged fields are not listed.
    expect(change(1, 'shortDescription')).toBeUndefined();
    expect(change(2, 'comment')).toMatchObject({ after: { type: 'comment', text: 'Looking at it', actor: 'alice.agent' } });
    expect(change(3, 'escalationLevel')).toEqual({ field: 'escalationLevel', before: 0, after: 1 });
    expect(change(5, 'state')).toEqual({ field: 'state', before: 'Resolved', after: 'In Progress' });
    expect(change(5, 'reopenCount')).toEqual({ field: 'reopenCount', before: 0, after: 1 });
    expect(change(7, 'state')).toEqual({ field: 'state', before: 'Resolved', after: 'Closed' });

    // The auditor finds the same records by actor.
    const byRequester = await recordsOf({ actor: 'rita.requester' });
    expect(byRequester.filter((r) => r.resource.id === id).map((r) => r.action)).toEqual(['incident:reject', 'incident:confirm']);
  });

  test('refused requests are recorded: 403 with the caller and the reason, 401 as anonymous, both with route, request id and source IP', async () => {
    const created = await routes.create(validIncidentBody(), { as: callers.agent });
    const id = created.body.id as string;
    const event = apiEvent('PATCH', {
      path: `/incidents/${id}`,
      resource: '/incidents/{id}',
      pathParameters: { id },
      caller: callers.changeManager,
      headers: { 'If-Match': '"1"' },
      body: { state: 'In Progress' },
    });
    const refused = await api.handler(event, lambdaContext());
    expect(refused.statusCode).toBe(403);

    const noClaims = apiEvent('GET', { path: '/incidents', resource: '/incidents', caller: undefined });
    expect((await api.handler(noClaims, lambdaContext())).statusCode).toBe(401);

    const denied = (await recordsOf({ actor: 'carl.changes' })).filter((r) => r.outcome === 'denied');
    expect(denied).toEqual([
      expect.objectContaining({
        actor: 'carl.changes',
        roles: ['change-manager'],
        action: 'PATCH /incidents/{id}',
        resource: { type: 'route', id: `PATCH /incidents/${id}` },
        outcome: 'denied',
        requestId: event.requestContext.requestId,
        sourceIp: '127.0.0.1',
        reason: expect.stringContaining('may not change incidents'),
      }),
    ]);
    const anonymous = (await recordsOf({ actor: 'anonymous' })).find((r) => r.requestId === noClaims.requestContext.requestId);
    expect(anonymous).toMatchObject({ roles: [], action: 'GET /incidents', outcome: 'denied', sourceIp: '127.0.0.1', reason: expect.any(String) });
    // A refused request changes nothing: the incident is still at version 1.
    expect((await routes.get(id, { as: callers.agent })).body.version).toBe(1);
  });

  test('only auditors may read or verify the trail; everyone else is refused, and recorded', async () => {
    for (const who of [callers.admin, callers.agent, callers.serviceOwner, callers.requester, callers.changeManager]) {
      expectProblem(await audit({}, who), 403);
      expectProblem(await verify({}, who), 403);
    }
    const refusals = (await recordsOf({ actor: callers.admin.username })).filter((r) => r.outcome === 'denied');
    expect(refusals.map((r) => r.action)).toEqual(['GET /audit', 'GET /audit/verify']);
    expect((await audit({ limit: '1' })).status).toBe(200);
  });

  test('bad queries are refused by the schema, naming the field', async () => {
    expectProblem(await audit({ from: 'yesterday' }), 400, 'from');
    expectProblem(await audit({ resource: 'no-slash' }), 400, 'resource');
    expectProblem(await audit({ limit: '1000' }), 400, 'limit');
    expectProblem(await audit({ unknown: 'x' }), 400);
    expectProblem(await audit({ from: '2026-11-25T10:00:00Z', to: '2026-11-25T09:00:00Z' }), 400, 'from');
    expectProblem(await verify({ to: 'soon' }), 400, 'to');
  });

  test('tamper test: a record altered directly in the engine makes /audit/verify report the break at that record; removing one reports a gap', async () => {
    // Some history, then a clean verification.
    for (let n = 0; n < 3; n++) expect((await routes.create(validIncidentBody(), { as: callers.agent })).status).toBe(201);
    const intact = await verify();
    expect(intact.status).toBe(200);
    expect(intact.body).toMatchObject({ intact: true, complete: true });
    const total = intact.body.checked as number;
    expect(total).toBeGreaterThanOrEqual(3);

    // Someone with direct access to the table rewrites who made a change.
    const items = await scanAll(api.tables.documents, api.tables.names.audit);
    const victim = items.find((i) => i['pk'] === 'CHAIN' && i['sequence'] === total - 1)!;
    await api.tables.documents.send(
      new UpdateCommand({
        TableName: api.tables.names.audit,
        Key: auditRecordKey(total - 1),
        UpdateExpression: 'SET actor = :someoneElse',
        ExpressionAttributeValues: { ':someoneElse': 'mallory' },
      }),
    );
    const broken = await verify();
    expect(broken.status).toBe(200);
    expect(broken.body).toEqual({ intact: false, checked: total - 1, complete: true, firstBreak: { sequence: total - 1, recordId: victim['id'], reason: 'content-altered' } });
    // A range that includes it finds it; so does one starting just after it, which checks the link into the range.
    const last = items.find((i) => i['pk'] === 'CHAIN' && i['sequence'] === total)!;
    expect((await verify({ from: victim['at'] as string })).body.firstBreak).toEqual({ sequence: total - 1, recordId: victim['id'], reason: 'content-altered' });
    expect((await verify({ from: last['at'] as string })).body).toMatchObject({ intact: false, checked: 1, firstBreak: { sequence: total - 1 } });

    // Put the original back: intact again. Then remove a record: a gap at the one after it.
    await api.tables.documents.send(new PutCommand({ TableName: api.tables.names.audit, Item: victim }));
    expect((await verify()).body).toMatchObject({ intact: true, checked: total });
    await api.tables.documents.send(new DeleteCommand({ TableName: api.tables.names.audit, Key: auditRecordKey(total - 1) }));
    expect((await verify()).body.firstBreak).toEqual({ sequence: total, recordId: last['id'], reason: 'gap' });
    // Removing the last record too is seen against the chain head.
    await api.tables.documents.send(new DeleteCommand({ TableName: api.tables.names.audit, Key: auditRecordKey(total) }));
    expect((await verify()).body.firstBreak).toMatchObject({ sequence: total - 1, reason: 'gap' });
    // And a chain whose head was removed is not taken for an empty one.
    await api.tables.documents.send(new DeleteCommand({ TableName: api.tables.names.audit, Key: chainHeadKey }));
    expect((await verify()).body).toMatchObject({ intact: false, firstBreak: { sequence: 1, reason: 'link-broken' } });
  });
});
