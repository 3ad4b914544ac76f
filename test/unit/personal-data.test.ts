import { createHash } from 'node:crypto';
import {
  AUDIT_RECORD_VERSION,
  chainEntriesFor,
  EMPTY_CHAIN,
  eraseFromRecord,
  personalValuesIntact,
  recordHash,
  sealRecord,
  stampRecord,
  verifyChain,
  type AuditEntry,
  type AuditRecord,
} from '../../src/kernel/domain/audit-chain';
import { peopleNamedIn, pseudonymise, pseudonymOf } from '../../src/kernel/domain/personal-data';
import { DEFAULT_RETENTION_DAYS, expiresAtEpochSeconds, isRetentionDue, RETENTION_RULES, retentionCutoff } from '../../src/kernel/domain/retention';
import { clientSettingsSchema } from '../../src/config/client-settings-schema';
import { erasePerson, type ErasePersonDeps } from '../../src/modules/privacy/app';
import { pseudonymisedItem } from '../../src/modules/privacy/adapters';

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
let saltCount = 0;
const salt = () => `salt-${++saltCount}`;
const rita = new Set(['rita.requester', 'sub-rita']);

const entry = (overrides: Partial<AuditEntry> = {}): AuditEntry => ({
  actor: 'rita.requester',
  roles: ['requester'],
  action: 'incident:update',
  resource: { type: 'incident', id: 'incident-1' },
  outcome: 'allowed',
  sourceIp: '198.51.100.7',
  changes: [
    { field: 'assignee', before: 'rita.requester', after: 'alice.agent' },
    { field: 'comments[2]', after: { by: 'rita.requester', text: 'rita.requester here: still down' } },
    { field: 'state', before: 'New', after: 'In Progress' },
  ],
  ...overrides,
});
const sealed = (n: number, overrides: Partial<AuditEntry> = {}) =>
  sealRecord(entry(overrides), { id: `rec-${n}`, now: new Date(Date.UTC(2026, 10, 25, 9, 0, n)).toISOString(), salt }, sha256);

describe('audit records, version 2: personal values outside the hashed content', () => {
  test('each personal value (actor, source address, personal fields of the changes) gets a salt and a digest; nothing else does', () => {
    const record = sealed(1);
    expect(record.v).toBe(AUDIT_RECORD_VERSION);
    // actor, sourceIp, assignee before, assignee after, comments[2].by — not the state, not the comment's text.
    expect(record.personal).toHaveLength(5);
    expect(record.personalDigests).toHaveLength(5);
    expect(record.hash).toBe(recordHash(record, sha256));
    expect(personalValuesIntact(record, sha256)).toBe(true);
  });

  test('the hash does not depend on the personal values; everything else still counts', () => {
    const record = sealed(1);
    expect(recordHash({ ...record, actor: 'someone.else' }, sha256)).toBe(record.hash);
    expect(personalValuesIntact({ ...record, actor: 'someone.else' }, sha256)).toBe(false);
    expect(recordHash({ ...record, action: 'incident:delete' }, sha256)).not.toBe(record.hash);
    expect(recordHash({ ...record, personalDigests: [...record.personalDigests!].reverse() }, sha256)).not.toBe(record.hash);
    const changedText = { ...record, changes: [record.changes![0]!, { field: 'comments[2]', after: { by: 'rita.requester', text: 'edited' } }, record.changes![2]!] };
    expect(recordHash(changedText, sha256)).not.toBe(record.hash);
  });

  test('erasure replaces every identifier of the person with the pseudonym and deletes those salts: hash unchanged, values intact, chain verifies', () => {
    const records = [sealed(1), sealed(2, { actor: 'alice.agent', changes: [{ field: 'reportedById', before: 'sub-rita', after: 'sub-bert' }] }), sealed(3, { actor: 'bert.agent', changes: [] })];
    const entries = chainEntriesFor(EMPTY_CHAIN, records, sha256).entries;
    const erased = records.map((record) => eraseFromRecord(record, rita, 'e1') ?? record);
    const pseudonym = pseudonymOf('e1');
    expect(erased[0]).toMatchObject({ actor: pseudonym, sourceIp: '198.51.100.7', changes: [{ before: pseudonym, after: 'alice.agent' }, { after: { by: pseudonym, text: 'rita.requester here: still down' } }, { before: 'New' }] });
    expect(erased[0]!.personal!.filter((slot) => 'erasure' in slot)).toHaveLength(3);
    expect(erased[1]).toMatchObject({ actor: 'alice.agent', changes: [{ before: pseudonym, after: 'sub-bert' }] });
    expect(eraseFromRecord(records[2]!, rita, 'e1')).toBeUndefined();
    expect(JSON.stringify(erased.map(({ personal: _p, ...visible }) => visible))).not.toMatch(/"rita\.requester"|sub-rita/);
    expect(erased.map((r) => r.hash)).toEqual(records.map((r) => r.hash));
    expect(verifyChain(entries, erased, sha256)).toEqual({ intact: true, checked: 3, pending: 0 });
  });

  test('an erased value changed to anything but its pseudonym, or a salted value changed, breaks the chain at that record', () => {
    const records = [sealed(1), sealed(2)];
    const entries = chainEntriesFor(EMPTY_CHAIN, records, sha256).entries;
    const erased = eraseFromRecord(records[0]!, rita, 'e1')!;
    expect(verifyChain(entries, [{ ...erased, actor: 'bert.agent' }, records[1]!], sha256)).toMatchObject({ intact: false, firstBreak: { recordId: 'rec-1', reason: 'content-altered' } });
    expect(verifyChain(entries, [erased, { ...records[1]!, sourceIp: '203.0.113.9' }], sha256)).toMatchObject({ intact: false, firstBreak: { recordId: 'rec-2', reason: 'content-altered' } });
    // A slot marked erased without an erasure's pseudonym in its place: still found.
    const falselyErased: AuditRecord = { ...records[1]!, personal: [{ erasure: 'e2' }, ...records[1]!.personal!.slice(1)] };
    expect(verifyChain(entries, [erased, falselyErased], sha256)).toMatchObject({ intact: false, firstBreak: { recordId: 'rec-2', reason: 'content-altered' } });
  });

  test('version 1 records (everything hashed) still verify beside version 2 ones; erasure leaves them as they are', () => {
    const legacy = stampRecord(entry(), { id: 'rec-0', now: '2026-11-25T08:59:00.000Z' }, sha256);
    const records = [legacy, sealed(1)];
    const entries = chainEntriesFor(EMPTY_CHAIN, records, sha256).entries;
    expect(verifyChain(entries, records, sha256)).toMatchObject({ intact: true, checked: 2 });
    expect(eraseFromRecord(legacy, rita, 'e1')).toBeUndefined();
    expect(verifyChain(entries, [{ ...legacy, actor: 'x' }, records[1]!], sha256)).toMatchObject({ intact: false, firstBreak: { recordId: 'rec-0', reason: 'content-altered' } });
  });
});

describe('pseudonymising process records', () => {
  test('values under personal keys that are exactly an identifier are replaced, at any depth; free text and other people are not', () => {
    const incident = { reportedBy: 'rita.requester', reportedById: 'sub-rita', assignee: 'alice.agent', description: 'rita.requester cannot log in', escalations: [{ to: 'rita.requester', by: 'alice.agent' }], version: 3 };
    const { value, replaced } = pseudonymise(incident, rita, 'erased-x');
    expect(replaced).toBe(3);
    expect(value).toEqual({ ...incident, reportedBy: 'erased-x', reportedById: 'erased-x', escalations: [{ to: 'erased-x', by: 'alice.agent' }] });
  });

  test('an item keeps its table keys; index keys that embed the person are rewritten; an item without them is left alone', () => {
    const item = { pk: 'INCIDENT#1', sk: 'INCIDENT', gsi5pk: 'REPORTER#rita.requester', gsi5sk: '2026#1', reportedBy: 'rita.requester' };
    expect(pseudonymisedItem(item, rita, 'erased-x', ['pk', 'sk'])).toEqual({ ...item, gsi5pk: 'REPORTER#erased-x', reportedBy: 'erased-x' });
    expect(pseudonymisedItem({ pk: 'QUOTA#sub-rita', sk: 'incident#2026', count: 1 }, rita, 'erased-x', ['pk', 'sk'])).toBeUndefined();
  });
});

describe('erasePerson', () => {
  const recorded: unknown[] = [];
  const deps: ErasePersonDeps = {
    stores: [{ name: 'incidents', pseudonymise: async () => 4 }],
    auditRecords: { erase: async () => ({ erased: 7, legacy: 1 }) },
    audit: { record: async (e) => void recorded.push(e) },
    ids: { newId: () => 'e1' },
  };
  const admin = { id: 'sub-ada', name: 'ada.admin', roles: ['admin' as const] };

  test('only an admin erases; a job, a machine client, anonymous or oneself cannot be erased', async () => {
    await expect(erasePerson(deps, { ...admin, roles: ['auditor'] }, ['rita.requester'])).rejects.toMatchObject({ kind: 'forbidden' });
    for (const who of ['system:auto-close', 'client:monitoring', 'anonymous', 'ada.admin', ' ']) {
      await expect(erasePerson(deps, admin, [who])).rejects.toMatchObject({ kind: 'invalid-input', subject: 'identifiers' });
    }
    expect(recorded).toEqual([]);
  });

  test('the erasure is audited before and after, under the pseudonym, never the name', async () => {
    const report = await erasePerson(deps, admin, ['rita.requester', 'sub-rita']);
    expect(report).toEqual({ erasureId: 'e1', pseudonym: 'erased-e1', records: { incidents: 4, audit: 7 }, legacyAuditRecords: 1 });
    expect(recorded.map((r: any) => [r.action, r.actor, r.resource.id])).toEqual([['person:erase', 'ada.admin', 'erased-e1'], ['person:erased', 'ada.admin', 'erased-e1']]);
    expect(JSON.stringify(recorded)).not.toMatch(/rita/);
  });
});

describe('retention', () => {
  const now = new Date('2030-01-01T00:00:00.000Z');
  test('a process record is due once closed longer than its retention; an open one never', () => {
    expect(isRetentionDue('incidents', DEFAULT_RETENTION_DAYS, now, { closedAt: '2026-12-01T00:00:00.000Z' })).toBe(true);
    expect(isRetentionDue('incidents', DEFAULT_RETENTION_DAYS, now, { closedAt: '2027-06-01T00:00:00.000Z' })).toBe(false);
    expect(isRetentionDue('incidents', DEFAULT_RETENTION_DAYS, now, { createdAt: '2001-01-01T00:00:00.000Z' })).toBe(false);
    expect(isRetentionDue('auditRecords', { ...DEFAULT_RETENTION_DAYS, auditRecords: 365 }, now, { createdAt: '2028-12-31T00:00:00.000Z' })).toBe(true);
    expect(retentionCutoff('outboxItems', DEFAULT_RETENTION_DAYS, now)).toBe('2029-12-02T00:00:00.000Z');
  });

  test('a record deleted by TTL expires its retention after its creation (epoch seconds)', () => {
    expect(expiresAtEpochSeconds(DEFAULT_RETENTION_DAYS.outboxItems, '2030-01-01T00:00:00.000Z')).toBe(Date.parse('2030-01-31T00:00:00.000Z') / 1000);
  });

  test('defaults: process records pseudonymised, the audit trail and outbox items deleted; the settings default to them', () => {
    expect(Object.fromEntries(Object.entries(RETENTION_RULES).map(([type, rule]) => [type, [rule.action, rule.by, rule.defaultDays]]))).toEqual({
      incidents: ['pseudonymise', 'pseudonymisation job', 1095],
      requests: ['pseudonymise', 'pseudonymisation job', 730],
      changes: ['pseudonymise', 'pseudonymisation job', 1095],
      problems: ['pseudonymise', 'pseudonymisation job', 1095],
      auditRecords: ['delete', 'audit pruning', 1095],
      outboxItems: ['delete', 'DynamoDB TTL', 30],
    });
    const settings = clientSettingsSchema.parse({
      id: 'acme',
      timeZone: 'Europe/London',
      contacts: { nominated: [{ name: 'N', email: 'n@acme.example' }], serviceOwner: { name: 'O', email: 'o@acme.example' }, providerNamed: { name: 'P', email: 'p@x.example', phone: '+442071234567', role: 'SM' }, providerBackup: { name: 'B', email: 'b@x.example' } },
      retention: { auditRecords: 2555 },
    });
    expect(settings.retention).toEqual({ ...DEFAULT_RETENTION_DAYS, auditRecords: 2555 });
  });
});

test('the people a record names (whom its retention replaces): under personal keys at any depth; jobs, machine clients, anonymous and pseudonyms are no one; a state transition\'s `to` is a state', () => {
  const record = {
    reportedBy: 'rita', reportedById: 'rita-sub', assignee: 'bob', updatedBy: 'system:auto-close', recordedBy: 'client:monitoring', closedBy: pseudonymOf('x'),
    comments: [{ by: 'carol', text: 'bob said so' }, { by: 'anonymous' }],
    timeline: [{ type: 'closed', actor: 'dave', from: 'Resolved', to: 'Closed' }, { type: 'field-change', actor: 'erin', field: 'assignee', from: 'frank', to: 'gina' }, { type: 'state-change', field: 'state', to: 'In Progress' }],
    escalations: [{ level: 1, to: 'hank' }],
  };
  expect([...peopleNamedIn(record)].sort()).toEqual(['bob', 'carol', 'dave', 'erin', 'gina', 'hank', 'rita', 'rita-sub']);
});
