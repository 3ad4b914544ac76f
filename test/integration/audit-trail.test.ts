import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDbAuditTrail, sha256Hex, toItem } from '../../src/kernel/adapters/dynamodb-audit-trail';
import { erasePerson } from '../../src/modules/privacy/app';
import { DynamoDbAuditRecordEraser, DynamoDbPersonalDataStore } from '../../src/modules/privacy/adapters';
import { auditRecordKey, chainEntryKey, chainHeadKey, prunedMarkerKey } from '../../src/kernel/adapters/audit-table-keys';
import { chainAuditRecords, CHAIN_LAG_MS, pruneAuditRecords, runAuditPruning, verifyAuditTrail } from '../../src/modules/audit/app/audit-use-cases';
import { chainEntriesFor, headOf, recordKeyOf, stampRecord, type AuditEntry, type AuditRecord, type ChainEntry } from '../../src/kernel/domain/audit-chain';
import { createTestTables, type TestTables } from '../support/test-tables';
import { apiEvent, callers, invoke, lambdaContext, type ProxyHandler, type TestCaller } from './support-events';
import { exampleFunctionEnv, exampleSettings, expectProblem, incidentRoutes, setEnv, startIncidentsApi, validIncidentBody, type IncidentsApi } from './support-handler';
import { scanAll } from './support-incidents';
import { HmacChainSeal } from '../../local/stand-ins/hmac-chain-seal';
import { FileChainAnchor } from '../../local/stand-ins/file-chain-anchor';
import { LOCAL_STAND_IN_ENV, registerLocalStandIns } from '../../local/stand-ins/register-stand-ins';

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
const clockAt = (at: Date | string) => ({ now: () => new Date(at) });
/** The chain's seal and anchor as the local runtime has them (stand-ins for the KMS HMAC key and the S3 Object Lock bucket). */
const integrityDir = mkdtempSync(join(tmpdir(), 'itsm-audit-integrity-'));
const sealKeyFile = join(integrityDir, 'seal-key');
const seal = HmacChainSeal.fromKeyFile(sealKeyFile);
/** A fresh anchor for fresh tables. */
let anchor: FileChainAnchor;
const newAnchor = (name: string = randomUUID()) => (anchor = new FileChainAnchor(join(integrityDir, `${name}.jsonl`)));
/** Runs the chainer as the schedule would, at `now` (default: the real time) with the real lag, or with no lag. */
const chainer = (trail: DynamoDbAuditTrail, options: { now?: Date; lagMs?: number } = {}) =>
  chainAuditRecords({ chain: trail, sha256: sha256Hex, clock: clockAt(options.now ?? new Date()), seal, anchor, ...(options.lagMs !== undefined && { lagMs: options.lagMs }) });
const verifyNow = (trail: DynamoDbAuditTrail, query: { from?: string; to?: string } = {}, now = new Date()) =>
  verifyAuditTrail({ trail, sha256: sha256Hex, clock: clockAt(now), seal, anchor }, auditor, query);
async function entriesOf(trail: DynamoDbAuditTrail): Promise<ChainEntry[]> {
  const entries: ChainEntry[] = [];
  for await (const e of trail.chainFrom(1)) entries.push(e);
  return entries;
}

/** `old` records written 800 days ago and chained then, `recent` ones written and chained now: the trail, and the recent records. */
async function oldAndRecentChained(tables: TestTables, old: number, recent: number): Promise<{ trail: DynamoDbAuditTrail; recent: AuditRecord[] }> {
  const then = new Date(Date.now() - 800 * 86_400_000);
  const oldTrail = new DynamoDbAuditTrail(tables.documents, tables.names.audit, { clock: clockAt(then), ids: stamps.ids });
  for (let n = 0; n < old; n++) await oldTrail.append(entry(n));
  await chainer(oldTrail, { now: new Date(then.getTime() + 60_000), lagMs: 0 });
  const trail = new DynamoDbAuditTrail(tables.documents, tables.names.audit, stamps);
  const written: AuditRecord[] = [];
  for (let n = old; n < old + recent; n++) written.push(await trail.append(entry(n)));
  await chainer(trail, { lagMs: 0 });
  return { trail, recent: written };
}

describe('records and the chainer', () => {
  let tables: TestTables;
  beforeEach(async () => {
    tables = await createTestTables();
    newAnchor();
  });
  afterEach(() => tables?.destroy());

  test('20 concurrent writers each store one record (no chain to wait on); the chainer then links all 20 in key order and the chain verifies', async () => {
    const writers = Array.from({ length: 20 }, () => new DynamoDbAuditTrail(tables.documents, tables.names.audit, stamps, sha256Hex));
    const written = await Promise.all(writers.map((writer, n) => writer.append(entry(n))));
    const trail = new DynamoDbAuditTrail(tables.documents, tables.names.audit, stamps);
    // Not chained yet: young records are pending, not a break; reading them needs no chain.
    expect(await verifyNow(trail)).toEqual({ intact: true, checked: 0, pending: 20, complete: true });
    expect((await trail.list({}, { limit: 100 })).items).toHaveLength(20);

    expect(await chainer(trail, { lagMs: 0 })).toBe(20);
    const entries = await entriesOf(trail);
    expect(entries.map((e) => e.sequence)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(entries.map((e) => e.recordKey)).toEqual(written.map(recordKeyOf).sort());
    for (let i = 1; i < entries.length; i++) expect(entries[i]!.previousHash).toBe(entries[i - 1]!.hash);
    expect(await trail.head()).toEqual({ sequence: 20, hash: entries[19]!.hash, recordKey: entries[19]!.recordKey });
    expect(await verifyNow(trail)).toEqual({ intact: true, checked: 20, pending: 0, complete: true });
    // Nothing new: the next run chains nothing and the head stays.
    expect(await chainer(trail, { lagMs: 0 })).toBe(0);
    expect((await trail.head()).sequence).toBe(20);
  });

  test('the chainer leaves records younger than the lag for a later run, goes on from the head, and writes batches of at most 100 items', async () => {
    const t0 = Date.parse('2026-11-25T09:00:00.000Z');
    let now = t0;
    const trail = new DynamoDbAuditTrail(tables.documents, tables.names.audit, { clock: { now: () => new Date(now++) }, ids: stamps.ids });
    for (let n = 0; n < 150; n++) await trail.append(entry(n));
    expect(await chainer(trail, { now: new Date(t0 + CHAIN_LAG_MS - 1) })).toBe(0);
    // A minute later the first 60 ms of records are older than the lag.
    expect(await chainer(trail, { now: new Date(t0 + CHAIN_LAG_MS + 60) })).toBe(60);
    expect(await chainer(trail, { now: new Date(t0 + CHAIN_LAG_MS + 1_000) })).toBe(90);
    expect((await trail.head()).sequence).toBe(150);
    expect(await verifyNow(trail, {}, new Date(t0 + 3_600_000))).toEqual({ intact: true, checked: 150, pending: 0, complete: true });
    // A time range verifies its entries and the link into them.
    const entries = await entriesOf(trail);
    const from = entries[99]!.recordKey.split('#')[0]!;
    const to = entries[119]!.recordKey.split('#')[0]!;
    expect(await verifyNow(trail, { from, to }, new Date(t0 + 3_600_000))).toEqual({ intact: true, checked: 22, pending: 0, complete: true });
  });

  test('two chainers at once cannot fork the chain: the head condition refuses one, and the chain stays whole', async () => {
    const trail = new DynamoDbAuditTrail(tables.documents, tables.names.audit, stamps);
    await Promise.all(Array.from({ length: 30 }, (_, n) => trail.append(entry(n))));
    const runs = await Promise.allSettled([chainer(trail, { lagMs: 0 }), chainer(new DynamoDbAuditTrail(tables.documents, tables.names.audit, stamps), { lagMs: 0 })]);
    expect(runs.some((r) => r.status === 'fulfilled' && r.value === 30)).toBe(true);
    await chainer(trail, { lagMs: 0 });
    expect(await verifyNow(trail)).toEqual({ intact: true, checked: 30, pending: 0, complete: true });
  });

  test('a chain entry without the chainer\'s seal, or sealed with another key, is reported; so is a chain cut back behind its anchored head', async () => {
    const trail = new DynamoDbAuditTrail(tables.documents, tables.names.audit, stamps);
    for (let n = 0; n < 3; n++) await trail.append(entry(n));
    expect(await chainer(trail, { lagMs: 0 })).toBe(3);
    const sealed = await entriesOf(trail);
    expect(sealed.every((e) => typeof e.mac === 'string' && e.mac.length > 0)).toBe(true);
    expect(await anchor.latest()).toEqual({ sequence: 3, hash: sealed[2]!.hash, recordKey: sealed[2]!.recordKey, mac: sealed[2]!.mac });
    expect(await verifyNow(trail)).toEqual({ intact: true, checked: 3, pending: 0, complete: true });

    // Someone able to write anywhere in the table (not a writer's role: IAM refuses it that) stores a
    // record and chains it themselves, with a correct hash, link and head: but no seal.
    const forged = await trail.append(entry(9));
    const head = await trail.head();
    const [unsealedEntry] = chainEntriesFor(head, [forged], sha256Hex).entries;
    const putEntry = (e: ChainEntry) =>
      tables.documents.send(new PutCommand({ TableName: tables.names.audit, Item: { ...chainEntryKey(e.sequence), gsi1pk: 'CHAINED', gsi1sk: e.recordKey, ...e } }));
    await putEntry(unsealedEntry!);
    await tables.documents.send(new PutCommand({ TableName: tables.names.audit, Item: { ...chainHeadKey, ...headOf(unsealedEntry!) } }));
    expect(await verifyNow(trail)).toEqual({ intact: false, checked: 4, pending: 0, complete: true, firstBreak: { sequence: 4, recordId: forged.id, reason: 'unsealed' } });
    // Sealed with a key of their own: no better.
    const [otherMac] = await HmacChainSeal.fromKeyFile(join(integrityDir, `other-key-${randomUUID()}`)).seal([unsealedEntry!.hash]);
    await putEntry({ ...unsealedEntry!, mac: otherMac! });
    expect((await verifyNow(trail)).firstBreak).toEqual({ sequence: 4, recordId: forged.id, reason: 'unsealed' });

    // They remove the forgery and the last genuine entry, and move the table's head back to entry 2:
    // the chain in the table is consistent, but no longer reaches the head anchored outside it.
    await tables.documents.send(new DeleteCommand({ TableName: tables.names.audit, Key: chainEntryKey(4) }));
    await tables.documents.send(new DeleteCommand({ TableName: tables.names.audit, Key: chainEntryKey(3) }));
    await tables.documents.send(new DeleteCommand({ TableName: tables.names.audit, Key: auditRecordKey(forged.id) }));
    await tables.documents.send(new PutCommand({ TableName: tables.names.audit, Item: { ...chainHeadKey, ...headOf(sealed[1]!) } }));
    const lastId = sealed[2]!.recordKey.slice(sealed[2]!.recordKey.indexOf('#') + 1);
    expect(await verifyNow(trail)).toEqual({ intact: false, checked: 0, pending: 0, complete: true, firstBreak: { sequence: 3, recordId: lastId, reason: 'truncated' } });
    // Without the anchor, the same table would verify (apart from the record left unchained): the anchor is what finds it.
    const unanchored = await verifyAuditTrail({ trail, sha256: sha256Hex, clock: clockAt(new Date()), seal, anchor: { latest: async () => undefined } }, auditor, {});
    expect(unanchored.firstBreak?.reason).not.toBe('truncated');
  });

  test('audit retention: records past it are removed with their entries, the rest still verifies; a marker moved, unsealed or removed is found', async () => {
    const { trail } = await oldAndRecentChained(tables, 5, 3);
    expect(await verifyNow(trail)).toMatchObject({ intact: true, checked: 8 });

    // Three years' retention keeps everything; one year removes the five old records and their entries.
    expect(await pruneAuditRecords({ store: trail, clock: stamps.clock, retentionDays: 1095 })).toBe(0);
    // A run stops after any batch its time is up (the next run goes on), and says so; one audit entry per run, counts only.
    const runs: AuditEntry[] = [];
    const runLog = { record: async (e: AuditEntry) => void runs.push(e) };
    expect(await runAuditPruning({ store: trail, clock: stamps.clock, retentionDays: 365, audit: runLog }, { batch: 2, mayContinue: () => false })).toEqual({ pruned: 2, complete: false });
    expect(await runAuditPruning({ store: trail, clock: stamps.clock, retentionDays: 365, audit: runLog }, { batch: 2, mayContinue: () => true })).toEqual({ pruned: 3, complete: true });
    expect(runs.map((r) => r.changes)).toEqual([
      [{ field: 'pruned', after: 2 }, { field: 'retentionDays', after: 365 }],
      [{ field: 'pruned', after: 3 }, { field: 'retentionDays', after: 365 }],
    ]);
    expect((await entriesOf(trail)).map((e) => e.sequence)).toEqual([6, 7, 8]);
    expect((await trail.list({}, { limit: 100 })).items).toHaveLength(3);
    expect(await trail.pruned()).toMatchObject({ sequence: 5 });
    expect(await verifyNow(trail)).toEqual({ intact: true, checked: 3, pending: 0, complete: true });
    expect(await pruneAuditRecords({ store: trail, clock: stamps.clock, retentionDays: 365 })).toBe(0);

    // Someone else "prunes" recent records: a marker moved forward (a real entry and its seal) is younger than any retention.
    const marker = (await tables.documents.send(new GetCommand({ TableName: tables.names.audit, Key: prunedMarkerKey }))).Item!;
    const seventh = (await entriesOf(trail))[1]!;
    await tables.documents.send(new PutCommand({ TableName: tables.names.audit, Item: { ...prunedMarkerKey, sequence: 7, hash: seventh.hash, recordKey: seventh.recordKey, mac: seventh.mac } }));
    expect(await verifyNow(trail)).toMatchObject({ intact: false, firstBreak: { sequence: 7, reason: 'truncated' } });
    // A marker without the chainer's seal.
    await tables.documents.send(new PutCommand({ TableName: tables.names.audit, Item: { ...marker, mac: 'AAAA' } }));
    expect(await verifyNow(trail)).toMatchObject({ intact: false, firstBreak: { sequence: 5, reason: 'truncated' } });
    // The marker removed: the chain no longer starts at 1.
    await tables.documents.send(new DeleteCommand({ TableName: tables.names.audit, Key: prunedMarkerKey }));
    expect(await verifyNow(trail)).toMatchObject({ intact: false, firstBreak: { sequence: 6, reason: 'gap' } });
    await tables.documents.send(new PutCommand({ TableName: tables.names.audit, Item: marker }));
    expect(await verifyNow(trail)).toMatchObject({ intact: true, checked: 3 });
  });

  test('every list and verification is a Query on a keys-only index, then the records by key: found by resource, actor and time, page by page', async () => {
    let now = Date.parse('2026-11-25T09:00:00.000Z');
    const trail = new DynamoDbAuditTrail(tables.documents, tables.names.audit, { clock: { now: () => new Date((now += 1000)) }, ids: stamps.ids });
    for (let n = 0; n < 7; n++) await trail.append(entry(n));
    const byResource = await trail.list({ resource: { type: 'incident', id: 'incident-1' } }, { limit: 10 });
    expect(byResource.items.map((r) => r.actor)).toEqual(['writer-1', 'writer-4']);
    expect((await trail.list({ actor: 'writer-5' }, { limit: 10 })).items.map((r) => r.actor)).toEqual(['writer-5']);
    // A resource's records by one actor: the actor applies to the records read (the index holds keys only).
    expect((await trail.list({ resource: { type: 'incident', id: 'incident-1' }, actor: 'writer-4' }, { limit: 10 })).items.map((r) => r.actor)).toEqual(['writer-4']);

    const first = await trail.list({}, { limit: 3 });
    expect(first.items.map((r) => r.actor)).toEqual(['writer-0', 'writer-1', 'writer-2']);
    const second = await trail.list({}, { limit: 3, nextToken: first.nextToken! });
    expect(second.items.map((r) => r.actor)).toEqual(['writer-3', 'writer-4', 'writer-5']);
    // A cursor is bound to its filter.
    await expect(trail.list({ actor: 'writer-1' }, { limit: 3, nextToken: first.nextToken! })).rejects.toMatchObject({ kind: 'invalid-input' });

    const all = await trail.list({}, { limit: 10 });
    const fourth = all.items[3]!;
    const sixth = all.items[5]!;
    expect((await trail.list({ from: fourth.at, to: sixth.at }, { limit: 10 })).items.map((r) => r.actor)).toEqual(['writer-3', 'writer-4', 'writer-5']);
  });
});

describe('scheduled audit pruning (the pruner function, as the daily rule runs it)', () => {
  let tables: TestTables;
  let undo: (() => void)[] = [];
  beforeAll(async () => {
    tables = await createTestTables();
    const anchorFile = join(integrityDir, 'pruning.jsonl');
    newAnchor('pruning');
    // The example client's settings with a year's audit retention; the auditors' function seals and anchors through the stand-ins.
    undo = [
      setEnv(exampleFunctionEnv(tables, { ...exampleSettings(), retention: { auditRecords: 365 } })),
      registerLocalStandIns({ [LOCAL_STAND_IN_ENV.auditSealKeyFile]: sealKeyFile, [LOCAL_STAND_IN_ENV.auditAnchorFile]: anchorFile }),
    ];
  });
  afterAll(async () => {
    for (const u of undo.reverse()) u();
    await tables?.destroy();
  });

  test('records past retention go with their entries, /audit/verify still answers intact, the run is audited; a deletion by anyone else is found', async () => {
    const { trail, recent } = await oldAndRecentChained(tables, 6, 3);

    let pruner!: (event: unknown, context: ReturnType<typeof lambdaContext>) => Promise<{ pruned: number; complete: boolean }>;
    let auditHandler!: ProxyHandler;
    jest.isolateModules(() => {
      pruner = (require('../../src/modules/audit/functions/audit-pruner-handler') as typeof import('../../src/modules/audit/functions/audit-pruner-handler')).handler as unknown as typeof pruner;
      auditHandler = (require('../../src/modules/audit/functions/audit-handler') as typeof import('../../src/modules/audit/functions/audit-handler')).handler as unknown as ProxyHandler;
    });
    const verify = async () => (await invoke(auditHandler, 'GET', { path: '/audit/verify', resource: '/audit/verify', caller: callers.auditor })).body;
    const scheduled = { version: '0', id: randomUUID(), 'detail-type': 'Scheduled Event', source: 'aws.events', account: '123456789012', time: new Date().toISOString(), region: 'eu-west-2', resources: [], detail: {} };
    expect(await verify()).toMatchObject({ intact: true, checked: 9 });

    expect(await pruner(scheduled, lambdaContext('rowe-itsm-example-audit-pruner'))).toEqual({ pruned: 6, complete: true });
    expect((await entriesOf(trail)).map((e) => e.sequence)).toEqual([7, 8, 9]);
    // The verification's own record is there too, and the run's (not chained yet: pending).
    const left = (await trail.list({}, { limit: 100 })).items;
    expect(left.filter((r) => r.action === 'incident:update').map((r) => r.id).sort()).toEqual(recent.map((r) => r.id).sort());
    const run = left.find((r) => r.action === 'audit:prune')!;
    expect(run).toMatchObject({ actor: 'system:audit-pruner', roles: ['system'], resource: { type: 'audit-trail', id: 'retention' } });
    expect(run.changes).toEqual([{ field: 'pruned', after: 6 }, { field: 'retentionDays', after: 365 }]);
    expect(await verify()).toMatchObject({ intact: true, checked: 3, complete: true });
    // Run again: nothing past retention is left.
    expect(await pruner(scheduled, lambdaContext('rowe-itsm-example-audit-pruner'))).toEqual({ pruned: 0, complete: true });

    // Anyone else (another role, or the pruner's own role out of turn) removes a recent record with its entry: found.
    const removed = (await entriesOf(trail))[1]!;
    await tables.documents.send(new DeleteCommand({ TableName: tables.names.audit, Key: chainEntryKey(removed.sequence) }));
    await tables.documents.send(new DeleteCommand({ TableName: tables.names.audit, Key: auditRecordKey(removed.recordKey.slice(removed.recordKey.indexOf('#') + 1)) }));
    expect(await verify()).toMatchObject({ intact: false, firstBreak: { sequence: 9, reason: 'gap' } });
  });
});

describe('through the functions', () => {
  let api: IncidentsApi;
  let auditHandler: ProxyHandler;
  const routes = incidentRoutes(() => api.handler);

  let undoStandIns: () => void;

  beforeAll(async () => {
    api = await startIncidentsApi();
    // The audit function seals and anchors through the local stand-ins, sharing the key and anchor with this file's chainer.
    newAnchor('functions');
    undoStandIns = registerLocalStandIns({ [LOCAL_STAND_IN_ENV.auditSealKeyFile]: sealKeyFile, [LOCAL_STAND_IN_ENV.auditAnchorFile]: join(integrityDir, 'functions.jsonl') });
    // The audit function, loaded the way the runtime loads it, over the same tables.
    jest.isolateModules(() => {
      auditHandler = (require('../../src/modules/audit/functions/audit-handler') as typeof import('../../src/modules/audit/functions/audit-handler')).handler as unknown as ProxyHandler;
    });
  });
  afterAll(async () => {
    undoStandIns?.();
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

  test('erasure of a person: pseudonymised in incidents and audit records, the chain still verifies; an erased value altered is found', async () => {
    const rita = callers.requester;
    const created = await routes.create(validIncidentBody(), { as: rita });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    expect((await routes.comment(id, { type: 'comment', text: 'Still down for me' }, { as: rita })).status).toBe(201);
    const etag = (await routes.get(id, { as: callers.agent })).headers['etag']!;
    expect((await routes.patch(id, { state: 'In Progress', assignee: 'alice.agent' }, { as: callers.agent, ifMatch: etag })).status).toBe(200);
    // A record an older stack wrote (version 1: her name inside the hashed content).
    const legacy = stampRecord({ actor: rita.username, roles: ['requester'], action: 'incident:comment', resource: { type: 'incident', id }, outcome: 'allowed' }, { id: `legacy-${randomUUID()}`, now: new Date(Date.now() - 60_000).toISOString() }, sha256Hex);
    await api.tables.documents.send(new PutCommand({ TableName: api.tables.names.audit, Item: toItem(legacy) }));
    const trail = new DynamoDbAuditTrail(api.tables.documents, api.tables.names.audit, stamps);
    await chainer(trail, { lagMs: 0 });
    expect((await verify()).body).toMatchObject({ intact: true });
    const hers = (await recordsOf({ actor: rita.username })).length;
    expect(hers).toBeGreaterThanOrEqual(3);

    const admin = { id: callers.admin.sub, name: callers.admin.username, roles: ['admin' as const] };
    const deps = {
      stores: [new DynamoDbPersonalDataStore({ db: api.tables.documents, tableName: api.tables.names.incidents, name: 'incidents' })],
      auditRecords: new DynamoDbAuditRecordEraser({ db: api.tables.documents, tableName: api.tables.names.audit }),
      audit: trail,
      ids: stamps.ids,
    };
    const report = await erasePerson(deps, admin, [rita.username, rita.sub]);
    expect(report.records['incidents']).toBeGreaterThanOrEqual(2);
    expect(report).toMatchObject({ pseudonym: `erased-${report.erasureId}`, legacyAuditRecords: 1 });
    // Her own actions, and the records of others' changes that name her (`updatedBy` before the agent's change).
    expect(report.records['audit']).toBeGreaterThan(hers - 1);

    // Her name and id are gone from every incident item but her create-quota counter (keyed by her id; it expires within a day).
    const incidentItems = (await scanAll(api.tables.documents, api.tables.names.incidents)).filter((item) => !String(item['pk']).startsWith('QUOTA#'));
    expect(incidentItems.filter((item) => JSON.stringify(item).includes(rita.username) || JSON.stringify(item).includes(rita.sub))).toEqual([]);
    const incident = await routes.get(id, { as: callers.agent });
    expect(incident.body).toMatchObject({ reportedBy: report.pseudonym, assignee: 'alice.agent' });
    // In the audit trail only the version 1 record still names her; her actions are listed under the pseudonym.
    const auditItems = await scanAll(api.tables.documents, api.tables.names.audit);
    expect(auditItems.filter((item) => JSON.stringify(item).includes(rita.username)).map((item) => item['id'])).toEqual([legacy.id]);
    expect((await recordsOf({ actor: report.pseudonym })).length).toBe(hers - 1);
    const erasures = await recordsOf({ resource: `person/${report.pseudonym}` });
    expect(erasures.map((r) => [r.action, r.actor])).toEqual([['person:erase', admin.name], ['person:erased', admin.name]]);

    // The chain verifies over the erased records and the erasure's own (chained now).
    await chainer(trail, { lagMs: 0 });
    expect((await verify()).body).toMatchObject({ intact: true, pending: 0 });

    // An erased value changed (her actions put on someone else): found. So is a value still salted.
    const now = auditItems.find((item) => item['actor'] === report.pseudonym)!;
    expect(now['gsi3pk']).toBe(`ACTOR#${report.pseudonym}`);
    await api.tables.documents.send(new PutCommand({ TableName: api.tables.names.audit, Item: { ...now, actor: 'bert.agent' } }));
    expect((await verify()).body).toMatchObject({ intact: false, firstBreak: { recordId: now['id'], reason: 'content-altered' } });
    const salted = auditItems.find((item) => item['actor'] === callers.agent.username && item['v'] === 2)!;
    await api.tables.documents.send(new PutCommand({ TableName: api.tables.names.audit, Item: now }));
    await api.tables.documents.send(new PutCommand({ TableName: api.tables.names.audit, Item: { ...salted, actor: 'bert.agent' } }));
    expect((await verify()).body).toMatchObject({ intact: false, firstBreak: { recordId: salted['id'], reason: 'content-altered' } });
    await api.tables.documents.send(new PutCommand({ TableName: api.tables.names.audit, Item: salted }));
    expect((await verify()).body).toMatchObject({ intact: true });
  });

  test('tamper test: a record altered, removed or inserted directly in the engine makes /audit/verify report the break there', async () => {
    // Some history, chained (the schedule's run, without waiting out the lag), then a clean verification.
    for (let n = 0; n < 3; n++) expect((await routes.create(validIncidentBody(), { as: callers.agent })).status).toBe(201);
    const trail = new DynamoDbAuditTrail(api.tables.documents, api.tables.names.audit, stamps);
    await chainer(trail, { lagMs: 0 });
    const intact = await verify();
    expect(intact.status).toBe(200);
    expect(intact.body).toMatchObject({ intact: true, complete: true, pending: 0 });
    const total = intact.body.checked as number;
    expect(total).toBeGreaterThanOrEqual(3);

    const entries = await entriesOf(trail);
    const idOf = (e: ChainEntry) => e.recordKey.slice(e.recordKey.indexOf('#') + 1);
    const items = await scanAll(api.tables.documents, api.tables.names.audit);
    const victimEntry = entries[total - 2]!;
    const victim = items.find((i) => i['id'] === idOf(victimEntry) && String(i['pk']).startsWith('RECORD#'))!;
    // Someone with direct access to the table rewrites who made a change.
    await api.tables.documents.send(
      new UpdateCommand({
        TableName: api.tables.names.audit,
        Key: auditRecordKey(idOf(victimEntry)),
        UpdateExpression: 'SET actor = :someoneElse',
        ExpressionAttributeValues: { ':someoneElse': 'mallory' },
      }),
    );
    const broken = await verify();
    expect(broken.status).toBe(200);
    expect(broken.body).toEqual({ intact: false, checked: total - 1, pending: 0, complete: true, firstBreak: { sequence: total - 1, recordId: victim['id'], reason: 'content-altered' } });
    // A range that includes it finds it; so does one starting just after it, which checks the entry before the range too.
    const lastEntry = entries[total - 1]!;
    expect((await verify({ from: victim['at'] as string })).body.firstBreak).toEqual({ sequence: total - 1, recordId: victim['id'], reason: 'content-altered' });
    expect((await verify({ from: lastEntry.recordKey.split('#')[0]! })).body).toMatchObject({ intact: false, checked: 1, firstBreak: { sequence: total - 1 } });

    // Put the original back: intact again. Then remove the record: missing, at its entry.
    await api.tables.documents.send(new PutCommand({ TableName: api.tables.names.audit, Item: victim }));
    expect((await verify()).body).toMatchObject({ intact: true, checked: total });
    await api.tables.documents.send(new DeleteCommand({ TableName: api.tables.names.audit, Key: auditRecordKey(idOf(victimEntry)) }));
    expect((await verify()).body.firstBreak).toEqual({ sequence: total - 1, recordId: victim['id'], reason: 'record-missing' });
    await api.tables.documents.send(new PutCommand({ TableName: api.tables.names.audit, Item: victim }));
    expect((await verify()).body).toMatchObject({ intact: true, checked: total });

    // A forged record inserted with a past time (self-hashed, well-formed): no entry covers it.
    const forged = stampRecord(
      { actor: 'alice.agent', roles: ['agent'], action: 'incident:update', resource: { type: 'incident', id: 'x' }, outcome: 'allowed' },
      { id: '-forged', now: victim['at'] as string },
      sha256Hex,
    );
    const forgedItem = { ...victim, ...forged, pk: auditRecordKey(forged.id).pk, gsi1sk: recordKeyOf(forged), gsi2sk: recordKeyOf(forged), gsi3sk: recordKeyOf(forged) };
    delete forgedItem['requestId'];
    delete forgedItem['sourceIp'];
    delete forgedItem['changes'];
    await api.tables.documents.send(new PutCommand({ TableName: api.tables.names.audit, Item: forgedItem }));
    expect((await verify()).body).toMatchObject({ intact: false, firstBreak: { recordId: '-forged', reason: 'unchained' } });
    await api.tables.documents.send(new DeleteCommand({ TableName: api.tables.names.audit, Key: auditRecordKey(forged.id) }));

    // Removing the last chain entry is seen against the head anchored outside the table.
    await api.tables.documents.send(new DeleteCommand({ TableName: api.tables.names.audit, Key: chainEntryKey(total) }));
    expect((await verify()).body.firstBreak).toMatchObject({ sequence: total, reason: 'truncated' });
    // And a chain whose head was removed is not taken for an empty one.
    await api.tables.documents.send(new DeleteCommand({ TableName: api.tables.names.audit, Key: chainHeadKey }));
    expect((await verify()).body).toMatchObject({ intact: false, firstBreak: { sequence: total, reason: 'truncated' } });
  });

  test('reads on the record: who listed which audit records, and who read a security incident (other incidents\' reads are not recorded)', async () => {
    const ordinary = await routes.create(validIncidentBody(), { as: callers.agent });
    const secret = await routes.create(validIncidentBody(), { as: callers.agent });
    // As finding ingestion stores them: a security incident (only the flag matters here).
    await api.tables.documents.send(
      new UpdateCommand({ TableName: api.tables.names.incidents, Key: { pk: `INCIDENT#${secret.body.id}`, sk: 'INCIDENT' }, UpdateExpression: 'SET #security = :yes', ExpressionAttributeNames: { '#security': 'security' }, ExpressionAttributeValues: { ':yes': true } }),
    );
    expect((await routes.get(secret.body.id, { as: callers.agent })).status).toBe(200);
    expect((await routes.get(ordinary.body.id, { as: callers.agent })).status).toBe(200);
    const reads = async (id: string) => (await recordsOf({ resource: `incident/${id}` })).filter((r) => r.action === 'incident:read');
    expect(await reads(secret.body.id)).toEqual([expect.objectContaining({ actor: callers.agent.username, roles: ['agent'], outcome: 'allowed', requestId: expect.any(String) })]);
    expect(await reads(ordinary.body.id)).toEqual([]);

    // The listings just made by recordsOf are on the trail too: the auditor, and the query asked.
    const listings = (await recordsOf({ actor: callers.auditor.username })).filter((r) => r.action === 'audit:read');
    expect(listings.map((r) => r.resource)).toEqual(
      expect.arrayContaining([{ type: 'audit-trail', id: `resource=incident/${secret.body.id}` }, { type: 'audit-trail', id: `resource=incident/${ordinary.body.id}` }]),
    );
  });

  test('records read right after a write need no chain: the new record is listed before any chainer ran', async () => {
    const created = await routes.create(validIncidentBody(), { as: callers.agent });
    expect((await recordsOf({ resource: `incident/${created.body.id}` })).map((r) => r.action)).toEqual(['incident:create']);
  });
});
