import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient, CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../../src/kernel/adapters/document-client';
import { AUDIT_INDEXES, RETIRED_AUDIT_INDEXES } from '../../src/kernel/adapters/audit-table-keys';
import { DynamoDbAuditTrail, sha256Hex } from '../../src/kernel/adapters/dynamodb-audit-trail';
import { chainAuditRecords, verifyAuditTrail } from '../../src/modules/audit/app/audit-use-cases';
import { HmacChainSeal } from '../../local/stand-ins/hmac-chain-seal';
import { FileChainAnchor } from '../../local/stand-ins/file-chain-anchor';
import { DynamoDbIncidentRepository } from '../../src/modules/incidents/adapters/dynamodb-incident-repository';
import { INCIDENT_INDEXES, RETIRED_INCIDENT_INDEXES, UNUSED_INCIDENT_INDEXES } from '../../src/modules/incidents/adapters/incidents-table-keys';
import { DynamoDbBacklogRecount } from '../../src/modules/incidents/adapters/report-aggregates';
import { DynamoDbOpenSlaClocks } from '../../src/modules/outbox/adapters/dynamodb-open-sla-clocks';
import { tablesOf } from '../../local/template-model';
import { synthesizedTemplate } from '../support/synthesized-template';
import { testEngineEndpoint } from '../support/test-tables';
import { aChange, anIncident } from './support-incidents';

/**
 * A stack created before the lean incident (or audit) indexes still has the ones they replace until its
 * staged deploys are done (docs/architecture.md, "Moving a stack to the lean indexes"): the
 * readers, deployed at the first step, answer from the retired index while the lean one is missing.
 * Here the table has only the indexes such a stack had.
 */
const client = new DynamoDBClient({ endpoint: testEngineEndpoint(), region: 'eu-west-2', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
const documents = createDocumentClient(client);
const tableName = `incidents-before-lean-${randomUUID().slice(0, 8)}`;
const repository = new DynamoDbIncidentRepository(documents, tableName);
const resolved = anIncident({ state: 'Resolved', service: 'vpn', reportedBy: 'rita', resolvedAt: '2026-01-02T00:00:00.000Z', resolutionCode: 'Solved (permanently)', resolutionNotes: 'done' });
const open = anIncident({ service: 'vpn', reportedBy: 'rita', assignee: 'bob.agent' });

beforeAll(async () => {
  const incidents = tablesOf(synthesizedTemplate('example')).find((t) => t.logicalId.startsWith('DataIncidentsTable'))!;
  const kept = (incidents.definition.GlobalSecondaryIndexes ?? []).filter((g) => g.IndexName === INCIDENT_INDEXES.byNumber.name || g.IndexName === UNUSED_INCIDENT_INDEXES.byOpenService.name);
  const retired = Object.values(RETIRED_INCIDENT_INDEXES).map((index) => ({
    IndexName: index.name,
    KeySchema: [{ AttributeName: index.partitionKey, KeyType: 'HASH' as const }, { AttributeName: index.sortKey, KeyType: 'RANGE' as const }],
    Projection: { ProjectionType: 'ALL' as const },
  }));
  await client.send(new CreateTableCommand({ ...incidents.definition, TableName: tableName, GlobalSecondaryIndexes: [...kept, ...retired] }));
  for (const incident of [resolved, open]) await repository.create(aChange(incident));
});
afterAll(() => client.destroy());

test('lists, the auto-close read and the reconciler answer from the retired indexes while the lean ones are missing', async () => {
  const send = jest.spyOn(documents, 'send');
  const ids = (page: { items: readonly { id: string }[] }) => page.items.map((i) => i.id).sort();
  expect(ids(await repository.list({ service: 'vpn' }, { limit: 10 }))).toEqual([resolved.id, open.id].sort());
  expect(ids(await repository.list({ reportedBy: 'rita', state: 'New' }, { limit: 10 }))).toEqual([open.id]);
  expect(ids(await repository.list({ assignee: 'bob.agent' }, { limit: 10 }))).toEqual([open.id]);
  expect(ids(await repository.list({}, { limit: 10 }))).toEqual([resolved.id, open.id].sort());
  expect(ids(await repository.resolvedBefore('2026-02-01T00:00:00.000Z', { limit: 10 }))).toEqual([resolved.id]);
  expect(ids(await repository.createdBetween('2000-01-01', '2100-01-01', { limit: 10 }))).toEqual([resolved.id, open.id].sort());
  const clocks = await new DynamoDbOpenSlaClocks(documents, tableName).changedBefore('2100-01-01T00:00:00.000Z', 10);
  expect(clocks.clocks.map((c) => c.incidentId)).toEqual([open.id]);
  const recount = await new DynamoDbBacklogRecount(documents, tableName).openIncidents(10);
  expect(recount.incidents).toEqual([{ id: open.id, service: 'vpn', priority: open.priority, createdAt: open.createdAt }]);
  // Every index read that answered named a retired index (or an index that was never replaced).
  const answered = new Set<string>([...Object.values(RETIRED_INCIDENT_INDEXES).map((i) => i.name), INCIDENT_INDEXES.byNumber.name]);
  const indexReads = send.mock.calls.map(([command]) => command as unknown).filter((c): c is QueryCommand => c instanceof QueryCommand && c.input.IndexName !== undefined);
  expect(indexReads.length).toBeGreaterThan(0);
  expect(indexReads.filter((c) => !answered.has(c.input.IndexName!)).length).toBeLessThanOrEqual(Object.keys(RETIRED_INCIDENT_INDEXES).length);
});

/**
 * The audit table likewise, before its keys-only indexes: records are listed by time, resource
 * and actor, chained, and verified over a time range (the chain entries' time partition) from the
 * retired indexes, which project every attribute; the records are read by key all the same.
 */
test('the audit list, the chainer and verification answer from the retired audit indexes while the keys-only ones are missing', async () => {
  const audit = tablesOf(synthesizedTemplate('example')).find((t) => t.logicalId.startsWith('DataAuditTable'))!;
  const auditTable = `audit-before-keys-${randomUUID().slice(0, 8)}`;
  const retired = Object.values(RETIRED_AUDIT_INDEXES).map((index) => ({
    IndexName: index.name,
    KeySchema: [{ AttributeName: index.partitionKey, KeyType: 'HASH' as const }, { AttributeName: index.sortKey, KeyType: 'RANGE' as const }],
    Projection: { ProjectionType: 'ALL' as const },
  }));
  await client.send(new CreateTableCommand({ ...audit.definition, TableName: auditTable, GlobalSecondaryIndexes: retired }));
  const dir = mkdtempSync(join(tmpdir(), 'itsm-audit-move-'));
  const integrity = { seal: HmacChainSeal.fromKeyFile(join(dir, 'seal-key')), anchor: new FileChainAnchor(join(dir, 'anchor.jsonl')) };
  let now = Date.parse('2026-11-25T09:00:00.000Z');
  const clock = { now: () => new Date((now += 1000)) };
  const trail = new DynamoDbAuditTrail(documents, auditTable, { clock, ids: { newId: () => randomUUID() } });
  for (const [actor, id] of [['ann', 'a'], ['bob', 'a'], ['ann', 'b']] as const) {
    await trail.append({ actor, roles: ['agent'], action: 'incident:update', resource: { type: 'incident', id }, outcome: 'allowed' });
  }
  const send = jest.spyOn(documents, 'send');
  send.mockClear();
  const actors = (page: { items: readonly { actor: string }[] }) => page.items.map((r) => r.actor);
  expect(actors(await trail.list({}, { limit: 10 }))).toEqual(['ann', 'bob', 'ann']);
  expect(actors(await trail.list({ resource: { type: 'incident', id: 'a' }, actor: 'bob' }, { limit: 10 }))).toEqual(['bob']);
  expect(actors(await trail.list({ actor: 'ann' }, { limit: 10 }))).toEqual(['ann', 'ann']);
  expect(await chainAuditRecords({ chain: trail, sha256: sha256Hex, clock: { now: () => new Date(now + 3_600_000) }, lagMs: 0, ...integrity })).toBe(3);
  const auditor = { id: 'auditor-sub', name: 'audrey.auditor', roles: ['auditor' as const] };
  const verified = await verifyAuditTrail({ trail, sha256: sha256Hex, clock: { now: () => new Date(now + 3_600_000) }, ...integrity }, auditor, { from: '2026-11-25T09:00:02.000Z' });
  expect(verified).toEqual({ intact: true, checked: 3, pending: 0, complete: true });
  const indexReads = send.mock.calls.map(([command]) => command as unknown).filter((c): c is QueryCommand => c instanceof QueryCommand && c.input.IndexName !== undefined);
  const keysOnly = new Set<string>(Object.values(AUDIT_INDEXES).map((i) => i.name));
  const retiredNames = new Set<string>(Object.values(RETIRED_AUDIT_INDEXES).map((i) => i.name));
  // Every index read that answered named a retired index; each keys-only one was asked once, then the container asks the retired one first.
  expect(indexReads.filter((c) => retiredNames.has(c.input.IndexName!)).length).toBeGreaterThanOrEqual(5);
  expect(indexReads.filter((c) => !retiredNames.has(c.input.IndexName!)).every((c) => keysOnly.has(c.input.IndexName!))).toBe(true);
  expect(indexReads.filter((c) => keysOnly.has(c.input.IndexName!)).length).toBeLessThanOrEqual(Object.keys(RETIRED_AUDIT_INDEXES).length);
  // The records themselves were read by key.
  expect(send.mock.calls.some(([command]) => command instanceof BatchGetCommand)).toBe(true);
});
