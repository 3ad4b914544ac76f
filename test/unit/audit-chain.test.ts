import { createHash } from 'node:crypto';
import {
  canonicalJson,
  changedFields,
  chainEntriesFor,
  chainEntryHash,
  ChainVerifier,
  EMPTY_CHAIN,
  GENESIS_HASH,
  headOf,
  recordHash,
  recordKeyOf,
  stampRecord,
  verifyChain,
  type AuditEntry,
  type AuditRecord,
  type ChainEntry,
} from '../../src/kernel/domain/audit-chain';

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

const entry = (n: number, overrides: Partial<AuditEntry> = {}): AuditEntry => ({
  actor: 'alice.agent',
  roles: ['agent'],
  action: 'incident:update',
  resource: { type: 'incident', id: `incident-${n}` },
  outcome: 'allowed',
  requestId: `req-${n}`,
  sourceIp: '198.51.100.7',
  changes: [{ field: 'state', before: 'New', after: 'In Progress' }],
  ...overrides,
});

/** `count` records one second apart, and the valid chain that covers them. */
function chain(count: number): { records: AuditRecord[]; entries: ChainEntry[] } {
  const records = Array.from({ length: count }, (_, i) =>
    stampRecord(entry(i + 1), { id: `rec-${i + 1}`, now: new Date(Date.UTC(2026, 10, 25, 9, 0, i + 1)).toISOString() }, sha256),
  );
  return { records, entries: chainEntriesFor(EMPTY_CHAIN, records, sha256).entries };
}

describe('canonicalJson', () => {
  test('sorts keys at every depth and leaves out undefined members', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: true, y: null }], c: 'x' }, u: undefined })).toBe(
      '{"a":{"c":"x","d":[3,{"y":null,"z":true}]},"b":1}',
    );
  });

  test('the same content in another key order gives the same text', () => {
    expect(canonicalJson({ x: 1, y: { p: 'a', q: 'b' } })).toBe(canonicalJson({ y: { q: 'b', p: 'a' }, x: 1 }));
  });

  test('escapes strings as JSON does, including quotes and non-ASCII', () => {
    expect(canonicalJson({ text: 'He said "hi"\n— ünïcödé' })).toBe('{"text":"He said \\"hi\\"\\n— ünïcödé"}');
  });

  test('refuses values JSON cannot carry faithfully', () => {
    expect(() => canonicalJson({ n: Number.NaN })).toThrow(/NaN/);
    expect(() => canonicalJson({ n: Infinity })).toThrow();
    expect(() => canonicalJson({ f: () => 1 })).toThrow(/function/);
  });
});

describe('stampRecord', () => {
  test('a record is the entry with an id, a time and its own hash, and no place in the chain yet', () => {
    const record = stampRecord(entry(1), { id: 'r1', now: '2026-11-25T09:00:00.000Z' }, sha256);
    expect(record).toMatchObject({ id: 'r1', at: '2026-11-25T09:00:00.000Z', actor: 'alice.agent' });
    expect(Object.keys(record)).not.toEqual(expect.arrayContaining(['sequence']));
    expect(record.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(record.hash).toBe(recordHash(record, sha256));
    expect(recordKeyOf(record)).toBe('2026-11-25T09:00:00.000Z#r1');
  });

  test('undefined members of the entry are not stored, so the hash survives a round trip through the store', () => {
    const record = stampRecord({ ...entry(1), reason: undefined, sourceIp: undefined }, { id: 'r1', now: '2026-11-25T09:00:00.000Z' }, sha256);
    expect(Object.keys(record)).not.toContain('reason');
    const roundTripped = JSON.parse(JSON.stringify(record)) as AuditRecord;
    expect(recordHash(roundTripped, sha256)).toBe(record.hash);
  });

  test('the hash covers every field: changing any one changes it', () => {
    const record = chain(1).records[0]!;
    const variants: Partial<AuditRecord>[] = [
      { actor: 'mallory' }, { roles: ['admin'] }, { action: 'incident:create' }, { resource: { type: 'incident', id: 'other' } },
      { outcome: 'denied' }, { requestId: 'req-x' }, { sourceIp: '203.0.113.1' }, { reason: 'added' },
      { changes: [{ field: 'state', before: 'New', after: 'Closed' }] }, { id: 'rec-x' }, { at: '2026-11-25T09:00:02.000Z' },
    ];
    for (const variant of variants) {
      expect({ variant, same: recordHash({ ...record, ...variant }, sha256) === record.hash }).toEqual({ variant, same: false });
    }
  });
});

describe('chainEntriesFor', () => {
  test('entries cover the records in order, from the genesis hash, each linked to the one before; the head names the last', () => {
    const { records, entries } = chain(3);
    expect(entries.map((e) => e.sequence)).toEqual([1, 2, 3]);
    expect(entries[0]!.previousHash).toBe(GENESIS_HASH);
    expect(entries[1]!.previousHash).toBe(entries[0]!.hash);
    expect(entries.map((e) => e.recordKey)).toEqual(records.map(recordKeyOf));
    expect(entries.map((e) => e.recordHash)).toEqual(records.map((r) => r.hash));
    for (const e of entries) expect(chainEntryHash(e, sha256)).toBe(e.hash);
    expect(chainEntriesFor(EMPTY_CHAIN, records, sha256).head).toEqual(headOf(entries[2]!));
  });

  test('a later batch goes on from the head', () => {
    const { records, entries } = chain(4);
    const first = chainEntriesFor(EMPTY_CHAIN, records.slice(0, 2), sha256);
    expect([...first.entries, ...chainEntriesFor(first.head, records.slice(2), sha256).entries]).toEqual(entries);
  });

  test('the record hash is recomputed: a record altered before chaining is chained as it is, so verification still sees its own hash disagree', () => {
    const { records } = chain(1);
    const altered = { ...records[0]!, actor: 'mallory' };
    const [covering] = chainEntriesFor(EMPTY_CHAIN, [altered], sha256).entries;
    expect(covering!.recordHash).not.toBe(altered.hash);
    expect(verifyChain([covering!], [altered], sha256).firstBreak?.reason).toBe('content-altered');
  });

  test('a record that does not sort after the head is refused (the chainer never goes back)', () => {
    const { records, entries } = chain(2);
    expect(() => chainEntriesFor(headOf(entries[1]!), [records[0]!], sha256)).toThrow(/does not sort after/);
  });

  test('the entry hash covers sequence, record key, record hash and link', () => {
    const { entries } = chain(1);
    const e = entries[0]!;
    for (const variant of [{ sequence: 2 }, { recordKey: 'x#y' }, { recordHash: 'f'.repeat(64) }, { previousHash: 'e'.repeat(64) }]) {
      expect(chainEntryHash({ ...e, ...variant }, sha256)).not.toBe(e.hash);
    }
  });
});

describe('verifyChain', () => {
  const tail = '2026-11-25T10:00:00.000Z';

  test('an intact chain verifies, counting every entry, also against its head', () => {
    const { records, entries } = chain(5);
    expect(verifyChain(entries, records, sha256)).toEqual({ intact: true, checked: 5, pending: 0 });
    expect(verifyChain(entries, records, sha256, { head: headOf(entries.at(-1)!) })).toEqual({ intact: true, checked: 5, pending: 0 });
  });

  test('an empty chain with an empty head is intact', () => {
    expect(verifyChain([], [], sha256, { head: EMPTY_CHAIN })).toEqual({ intact: true, checked: 0, pending: 0 });
  });

  test('altered record content is reported at the entry covering it, and nothing after it is checked', () => {
    const { records, entries } = chain(5);
    records[2] = { ...records[2]!, changes: [{ field: 'state', before: 'New', after: 'Closed' }] };
    expect(verifyChain(entries, records, sha256)).toEqual({ intact: false, checked: 3, pending: 0, firstBreak: { sequence: 3, recordId: 'rec-3', reason: 'content-altered' } });
  });

  test('a record rewritten with a freshly computed hash of its own still disagrees with its chain entry', () => {
    const { records, entries } = chain(5);
    const forged = { ...records[1]!, actor: 'mallory' };
    records[1] = { ...forged, hash: recordHash(forged, sha256) };
    expect(verifyChain(entries, records, sha256).firstBreak).toEqual({ sequence: 2, recordId: 'rec-2', reason: 'content-altered' });
  });

  test('a removed record is reported at the entry that covered it', () => {
    const { records, entries } = chain(5);
    records.splice(3, 1);
    expect(verifyChain(entries, records, sha256).firstBreak).toEqual({ sequence: 4, recordId: 'rec-4', reason: 'record-missing' });
  });

  test('an inserted record (no entry covers it) is a break, wherever it sorts', () => {
    const { records, entries } = chain(3);
    const forged = stampRecord(entry(99), { id: 'rec-x', now: '2026-11-25T09:00:01.500Z' }, sha256);
    expect(verifyChain(entries, [records[0]!, forged, ...records.slice(1)], sha256).firstBreak).toEqual({ sequence: 2, recordId: 'rec-x', reason: 'unchained' });
    // After the head: pending while younger than the lag, a break once older.
    const late = stampRecord(entry(98), { id: 'rec-late', now: '2026-11-25T09:30:00.000Z' }, sha256);
    const head = headOf(entries.at(-1)!);
    expect(verifyChain(entries, [...records, late], sha256, { head, pendingFrom: '2026-11-25T09:20:00.000Z' })).toEqual({ intact: true, checked: 3, pending: 1 });
    expect(verifyChain(entries, [...records, late], sha256, { head, pendingFrom: tail }).firstBreak).toEqual({ sequence: 4, recordId: 'rec-late', reason: 'unchained' });
  });

  test('a removed entry is a gap at the entry after it; an altered entry is found by its own hash', () => {
    const { records, entries } = chain(5);
    expect(verifyChain([...entries.slice(0, 2), ...entries.slice(3)], records, sha256).firstBreak?.reason).toBe('unchained');
    const altered = [...entries];
    altered[1] = { ...altered[1]!, recordHash: 'f'.repeat(64) };
    expect(verifyChain(altered, records, sha256).firstBreak).toEqual({ sequence: 2, recordId: 'rec-2', reason: 'entry-altered' });
  });

  test('an entry rewritten with a fitting hash but a made-up link is a broken link', () => {
    const { records, entries } = chain(3);
    const content = { ...entries[1]!, previousHash: 'b'.repeat(64) };
    const rehashed = { ...content, hash: chainEntryHash(content, sha256) };
    expect(verifyChain([entries[0]!, rehashed, entries[2]!], records, sha256).firstBreak).toEqual({ sequence: 2, recordId: 'rec-2', reason: 'link-broken' });
  });

  test('entries (and their records) removed from the end fail against the head with a gap after the last one present', () => {
    const { records, entries } = chain(5);
    expect(verifyChain(entries.slice(0, 3), records.slice(0, 3), sha256, { head: headOf(entries[4]!) })).toEqual({
      intact: false,
      checked: 3,
      pending: 0,
      firstBreak: { sequence: 4, recordId: 'rec-3', reason: 'gap' },
    });
  });

  test('a replaced last entry (rehashed) fails against the head that still names the original', () => {
    const { records, entries } = chain(3);
    const content = { ...entries[2]!, recordHash: 'd'.repeat(64) };
    const rehashed = { ...content, hash: chainEntryHash(content, sha256) };
    expect(verifyChain([entries[0]!, entries[1]!, rehashed], records, sha256, { head: headOf(entries[2]!) }).firstBreak?.reason).toBe('content-altered');
  });

  test('verification may start inside the chain: the first entry is checked for content and sequence, its link is not known', () => {
    const { records, entries } = chain(6);
    expect(verifyChain(entries.slice(2), records.slice(2), sha256, { start: { sequence: 3 } })).toMatchObject({ intact: true, checked: 4 });
    expect(verifyChain(entries.slice(3), records.slice(3), sha256, { start: { sequence: 3 } }).firstBreak).toEqual({ sequence: 4, recordId: 'rec-4', reason: 'gap' });
    expect(verifyChain(entries.slice(2), records.slice(2), sha256, { start: { sequence: 3, previousHash: 'c'.repeat(64) } }).firstBreak?.reason).toBe('link-broken');
  });

  test('the verifier can be fed entry by entry and stops at the first break', () => {
    const { records, entries } = chain(4);
    records[3] = { ...records[3]!, sourceIp: '203.0.113.9' };
    const verifier = new ChainVerifier(sha256, { sequence: 1 });
    expect(entries.slice(0, 2).map((e, i) => verifier.check(e, records[i]))).toEqual([true, true]);
    expect(entries.slice(2).map((e, i) => verifier.check(e, records[i + 2]))).toEqual([true, false]);
    expect(verifier.check(entries[0]!, records[0])).toBe(false);
    expect(verifier.verdict()).toEqual({ intact: false, checked: 4, firstBreak: { sequence: 4, recordId: 'rec-4', reason: 'content-altered' } });
  });
});

describe('changedFields', () => {
  test('lists only the fields that differ, with before and after, by field name', () => {
    expect(
      changedFields(
        { state: 'New', assignee: undefined, priority: 'P3', escalations: [], version: 1 },
        { state: 'In Progress', assignee: 'alice', priority: 'P3', escalations: [], version: 2 },
      ),
    ).toEqual([
      { field: 'assignee', after: 'alice' },
      { field: 'state', before: 'New', after: 'In Progress' },
      { field: 'version', before: 1, after: 2 },
    ]);
  });

  test('a created resource lists every field as an after', () => {
    expect(changedFields(undefined, { id: 'x', state: 'New' })).toEqual([
      { field: 'id', after: 'x' },
      { field: 'state', after: 'New' },
    ]);
  });

  test('a removed field keeps only its before; nested values compare by content, not identity', () => {
    expect(changedFields({ onHoldReason: 'awaiting caller', tags: { a: 1, b: 2 } }, { tags: { b: 2, a: 1 } })).toEqual([
      { field: 'onHoldReason', before: 'awaiting caller' },
    ]);
  });

  test('nested objects record only the members that changed, and a list that only grew only its new elements', () => {
    const before = { sla: { generation: 1, events: [{ type: 'start' }], targets: { respond: 'a' } }, escalations: [{ to: 'x' }], tags: ['a', 'b'] };
    const after = { sla: { generation: 1, events: [{ type: 'start' }, { type: 'pause' }], targets: { respond: 'b' }, acknowledgedAt: 't' }, escalations: [{ to: 'x' }, { to: 'y' }], tags: ['b'] };
    expect(changedFields(before, after)).toEqual([
      { field: 'escalations[1]', after: { to: 'y' } },
      { field: 'sla.acknowledgedAt', after: 't' },
      { field: 'sla.events[1]', after: { type: 'pause' } },
      { field: 'sla.targets.respond', before: 'a', after: 'b' },
      { field: 'tags', before: ['a', 'b'], after: ['b'] },
    ]);
  });
});
