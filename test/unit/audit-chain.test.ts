import { createHash } from 'node:crypto';
import {
  canonicalJson,
  changedFields,
  ChainVerifier,
  EMPTY_CHAIN,
  GENESIS_HASH,
  headOf,
  nextRecord,
  recordHash,
  verifyChain,
  type AuditEntry,
  type AuditRecord,
} from '../../lambdas/domain/audit-chain';

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

/** A valid chain of `count` records, one second apart. */
function chain(count: number): AuditRecord[] {
  const records: AuditRecord[] = [];
  let head = EMPTY_CHAIN;
  for (let n = 1; n <= count; n++) {
    const record = nextRecord(head, entry(n), { id: `rec-${n}`, now: new Date(Date.UTC(2026, 10, 25, 9, 0, n)).toISOString() }, sha256);
    records.push(record);
    head = headOf(record);
  }
  return records;
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

describe('nextRecord', () => {
  test('the first record follows the genesis hash with sequence 1', () => {
    const record = nextRecord(EMPTY_CHAIN, entry(1), { id: 'r1', now: '2026-11-25T09:00:00.000Z' }, sha256);
    expect(record).toMatchObject({ id: 'r1', sequence: 1, previousHash: GENESIS_HASH, at: '2026-11-25T09:00:00.000Z', actor: 'alice.agent' });
    expect(record.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(record.hash).toBe(recordHash(record, sha256));
  });

  test('each record links to the hash of the one before and takes the next sequence', () => {
    const [first, second, third] = chain(3);
    expect(second!.previousHash).toBe(first!.hash);
    expect(third!.previousHash).toBe(second!.hash);
    expect([first!.sequence, second!.sequence, third!.sequence]).toEqual([1, 2, 3]);
  });

  test('a writer whose clock is behind the head is stamped with the head time, so time order is sequence order', () => {
    const head = { sequence: 7, hash: 'a'.repeat(64), at: '2026-11-25T09:00:05.000Z' };
    const record = nextRecord(head, entry(8), { id: 'r8', now: '2026-11-25T09:00:04.998Z' }, sha256);
    expect(record.at).toBe('2026-11-25T09:00:05.000Z');
    expect(nextRecord(head, entry(8), { id: 'r8', now: '2026-11-25T09:00:06.000Z' }, sha256).at).toBe('2026-11-25T09:00:06.000Z');
  });

  test('undefined members of the entry are not stored, so the hash survives a round trip through the store', () => {
    const record = nextRecord(EMPTY_CHAIN, { ...entry(1), reason: undefined, sourceIp: undefined }, { id: 'r1', now: '2026-11-25T09:00:00.000Z' }, sha256);
    expect(Object.keys(record)).not.toContain('reason');
    const roundTripped = JSON.parse(JSON.stringify(record)) as AuditRecord;
    expect(recordHash(roundTripped, sha256)).toBe(record.hash);
  });

  test('the hash covers every field: changing any one changes it', () => {
    const record = chain(1)[0]!;
    const variants: Partial<AuditRecord>[] = [
      { actor: 'mallory' }, { roles: ['admin'] }, { action: 'incident:create' }, { resource: { type: 'incident', id: 'other' } },
      { outcome: 'denied' }, { requestId: 'req-x' }, { sourceIp: '203.0.113.1' }, { reason: 'added' },
      { changes: [{ field: 'state', before: 'New', after: 'Closed' }] }, { id: 'rec-x' }, { sequence: 2 },
      { at: '2026-11-25T09:00:02.000Z' }, { previousHash: 'f'.repeat(64) },
    ];
    for (const variant of variants) {
      expect({ variant, same: recordHash({ ...record, ...variant }, sha256) === record.hash }).toEqual({ variant, same: false });
    }
  });
});

describe('verifyChain', () => {
  test('an intact chain verifies, counting every record, also against its head', () => {
    const records = chain(5);
    expect(verifyChain(records, sha256)).toEqual({ intact: true, checked: 5 });
    expect(verifyChain(records, sha256, { head: headOf(records.at(-1)!) })).toEqual({ intact: true, checked: 5 });
  });

  test('an empty chain with an empty head is intact', () => {
    expect(verifyChain([], sha256, { head: EMPTY_CHAIN })).toEqual({ intact: true, checked: 0 });
  });

  test('altered content is reported at the altered record, and nothing after it is checked', () => {
    const records = chain(5);
    records[2] = { ...records[2]!, changes: [{ field: 'state', before: 'New', after: 'Closed' }] };
    expect(verifyChain(records, sha256)).toEqual({ intact: false, checked: 3, firstBreak: { sequence: 3, recordId: 'rec-3', reason: 'content-altered' } });
  });

  test('a record rewritten with a freshly computed hash breaks the link of the record after it', () => {
    const records = chain(5);
    const forged = { ...records[1]!, actor: 'mallory' };
    records[1] = { ...forged, hash: recordHash(forged, sha256) };
    expect(verifyChain(records, sha256).firstBreak).toEqual({ sequence: 3, recordId: 'rec-3', reason: 'link-broken' });
  });

  test('a removed record is a gap at the record after it', () => {
    const records = chain(5);
    records.splice(3, 1);
    expect(verifyChain(records, sha256).firstBreak).toEqual({ sequence: 5, recordId: 'rec-5', reason: 'gap' });
  });

  test('a missing first record is a gap at the first one present', () => {
    expect(verifyChain(chain(3).slice(1), sha256).firstBreak).toEqual({ sequence: 2, recordId: 'rec-2', reason: 'gap' });
  });

  test('records swapped in order are a gap', () => {
    const records = chain(4);
    [records[1], records[2]] = [records[2]!, records[1]!];
    expect(verifyChain(records, sha256).firstBreak).toEqual({ sequence: 3, recordId: 'rec-3', reason: 'gap' });
  });

  test('a record inserted with a fitting sequence but a made-up link is a broken link', () => {
    const records = chain(3);
    const inserted = nextRecord({ sequence: 1, hash: 'b'.repeat(64), at: records[0]!.at }, entry(99), { id: 'rec-x', now: records[0]!.at }, sha256);
    expect(verifyChain([records[0]!, inserted, ...records.slice(2)], sha256).firstBreak).toEqual({ sequence: 2, recordId: 'rec-x', reason: 'link-broken' });
  });

  test('a chain whose last records were removed fails against its head with a gap after the last one present', () => {
    const records = chain(5);
    expect(verifyChain(records.slice(0, 3), sha256, { head: headOf(records[4]!) })).toEqual({
      intact: false,
      checked: 3,
      firstBreak: { sequence: 4, recordId: 'rec-3', reason: 'gap' },
    });
  });

  test('a replaced last record (rehashed) fails against the head that still names the original', () => {
    const records = chain(3);
    const forged = { ...records[2]!, actor: 'mallory' };
    const rehashed = { ...forged, hash: recordHash(forged, sha256) };
    expect(verifyChain([records[0]!, records[1]!, rehashed], sha256, { head: headOf(records[2]!) }).firstBreak).toEqual({
      sequence: 3,
      recordId: 'rec-3',
      reason: 'link-broken',
    });
  });

  test('verification may start inside the chain: the first record is checked for content and sequence, its link is not known', () => {
    const records = chain(6);
    expect(verifyChain(records.slice(2), sha256, { start: { sequence: 3 } })).toEqual({ intact: true, checked: 4 });
    expect(verifyChain(records.slice(3), sha256, { start: { sequence: 3 } }).firstBreak).toEqual({ sequence: 4, recordId: 'rec-4', reason: 'gap' });
    expect(verifyChain(records.slice(2), sha256, { start: { sequence: 3, previousHash: 'c'.repeat(64) } }).firstBreak?.reason).toBe('link-broken');
  });

  test('the verifier can be fed page by page and stops at the first break', () => {
    const records = chain(4);
    records[3] = { ...records[3]!, sourceIp: '203.0.113.9' };
    const verifier = new ChainVerifier(sha256, { sequence: 1 });
    expect(records.slice(0, 2).map((r) => verifier.check(r))).toEqual([true, true]);
    expect(records.slice(2).map((r) => verifier.check(r))).toEqual([true, false]);
    expect(verifier.check(records[0]!)).toBe(false);
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
});
