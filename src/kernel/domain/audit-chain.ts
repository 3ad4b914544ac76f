/**
 * The tamper-evident audit trail, as pure rules: what a record holds, its canonical text, how it
 * links to the record before it, and how a run of records is verified. No I/O and no crypto
 * library: the SHA-256 function is passed in (node:crypto in the adapters, anything in tests).
 *
 * Records are written unchained (each its own hash), so writers never wait on each other. One
 * chainer appends the chain afterwards: entry n covers one record (its key and hash) and holds the
 * hash of entry n-1, so altering, removing or inserting a record — or an entry — shows as a
 * changed hash, a missing record, a broken link, a gap, or a record older than the chaining lag
 * that no entry covers.
 */

/** Hex SHA-256 of a UTF-8 text. */
export type Sha256 = (text: string) => string;

export const AUDIT_OUTCOMES = ['allowed', 'denied'] as const;
/** `allowed`: a change that was made; `denied`: a request that was refused (401/403). */
export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number];

export interface AuditResource {
  /** e.g. `incident`, or `route` for a refused request. */
  readonly type: string;
  readonly id: string;
}

/** One changed field: absent `before` means the field did not exist, absent `after` that it was removed. */
export interface FieldChange {
  readonly field: string;
  readonly before?: unknown;
  readonly after?: unknown;
}

import { isPseudonym, lastKeyOf, mapPersonalValues, PERSONAL_KEYS, pseudonymOf } from './personal-data';

/** What the writer of a record supplies. */
export interface AuditEntry {
  /** Who acted: a username, `client:<id>`, `system:<job>`, or `anonymous` when unknown. */
  readonly actor: string;
  readonly roles: readonly string[];
  /** What was done or attempted, e.g. `incident:update` or `PATCH /incidents/{id}`. */
  readonly action: string;
  readonly resource: AuditResource;
  readonly outcome: AuditOutcome;
  readonly requestId?: string;
  readonly sourceIp?: string;
  /** Why a request was refused. */
  readonly reason?: string;
  /** Before/after of each changed field, in field order. */
  readonly changes?: readonly FieldChange[];
}

/** The record of a scheduled job's run (`system:<job>`, role `system`): what it did, as counts, never whose records. */
export function jobRunEntry(job: string, action: string, resource: AuditResource, changes: readonly FieldChange[]): AuditEntry {
  return { actor: job, roles: ['system'], action, resource, outcome: 'allowed', changes };
}

/** A record as stored: the entry, its id and time, and its own hash. Written once; only an erasure changes its people. */
export interface AuditRecord extends AuditEntry {
  readonly id: string;
  /** UTC, ISO 8601, as the writer stamped it. */
  readonly at: string;
  /**
   * SHA-256 of the record's canonical JSON without the hash; the chain entry that covers it holds it too.
   * Version 2: with each personal value replaced by its position, see PersonalSlot.
   */
  readonly hash: string;
  /** 2: personal values are outside the hashed content (sealRecord). Absent: version 1 (stampRecord), everything hashed. */
  readonly v?: typeof AUDIT_RECORD_VERSION;
  /** Version 2, hashed: per personal value, SHA-256 of its salt and the value. */
  readonly personalDigests?: readonly string[];
  /** Version 2, not hashed: per personal value, its salt, or the erasure that replaced it with a pseudonym. */
  readonly personal?: readonly PersonalSlot[];
}

/**
 * What makes a personal value checkable, and deletable. While the salt is there, the value must
 * hash (with it) to its digest, so it cannot be altered unseen. Erasure puts a pseudonym in the
 * value's place and deletes the salt: the digest stays in the hashed content (so the chain still
 * verifies) but names nobody — without the salt it cannot be tested against a guessed name.
 */
export type PersonalSlot = { readonly salt: string } | { readonly erasure: string };

export const AUDIT_RECORD_VERSION = 2;

/**
 * One link of the chain, appended by the chainer (one writer) after the record it covers was
 * written: records are chained in `recordKey` order (time, then id), so the chain walks the records
 * in the order a time-ordered index returns them.
 */
export interface ChainEntry {
  /** 1, 2, 3, … without gaps, per client. */
  readonly sequence: number;
  /** `<at>#<id>` of the record covered. */
  readonly recordKey: string;
  /** The covered record's hash, recomputed by the chainer from what it read. */
  readonly recordHash: string;
  readonly previousHash: string;
  /** SHA-256 over the canonical JSON of the four fields above. */
  readonly hash: string;
  /**
   * The chainer's seal: an HMAC over `hash` made with a key only the chainer may use (KMS), so an
   * entry written by anyone else, even with a correct hash, does not verify.
   */
  readonly mac?: string;
}

/** The chain's last entry, as the chain head item keeps it: also where the chainer goes on from. */
export interface ChainHead {
  readonly sequence: number;
  readonly hash: string;
  /** The last chained record's key; '' before the first. */
  readonly recordKey: string;
}

/**
 * Where the chain was pruned to (audit retention): the last entry removed, with its seal (the
 * chainer's MAC of its hash). Verification starts after it, linking to its hash.
 */
export interface PruneMarker extends ChainHead {
  readonly mac: string;
}

/** What entry 1 links to. */
export const GENESIS_HASH = '0'.repeat(64);
export const EMPTY_CHAIN: ChainHead = { sequence: 0, hash: GENESIS_HASH, recordKey: '' };

/**
 * Canonical JSON: object keys sorted by code unit, no whitespace, `undefined` members left out
 * (as DynamoDB leaves them out), arrays in order. The same record read back from the store gives
 * the same text, whatever order the store returns attributes in.
 */
export function canonicalJson(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new Error(`Cannot serialise ${value} canonically`);
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
      const members = Object.keys(value as Record<string, unknown>)
        .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
        .sort()
        .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
      return `{${members.join(',')}}`;
    }
    default:
      throw new Error(`Cannot serialise a ${typeof value} canonically`);
  }
}

/**
 * The hash of a record: over everything it holds except the hash itself. Version 2: except also
 * its slots, and with each personal value replaced by its position, so an erasure (which changes
 * only personal values and slots) leaves the hash as it was.
 */
export function recordHash(record: Omit<AuditRecord, 'hash'> & { readonly hash?: string }, sha256: Sha256): string {
  const { hash: _ignored, personal: _slots, ...content } = record;
  if (record.v !== AUDIT_RECORD_VERSION) return sha256(canonicalJson({ ...content, ...(_slots !== undefined && { personal: _slots }) }));
  let position = 0;
  return sha256(canonicalJson(mapAuditPersonalValues(content, () => ({ personal: position++ }))));
}

/**
 * Every personal value of a record's content, mapped: the actor, the source address, and in the
 * changes each value of a personal field (`assignee`, `comments[2].by`) and each string under a
 * personal key inside a changed value. Always visited in the same order.
 */
export function mapAuditPersonalValues<T extends object>(content: T, replace: (personal: string) => unknown): T {
  const { changes, ...rest } = content as T & { readonly changes?: readonly FieldChange[] };
  const mapped = mapPersonalValues(rest, replace) as Record<string, unknown>;
  if (changes !== undefined) {
    mapped['changes'] = changes.map((change) => {
      const personalField = PERSONAL_KEYS.has(lastKeyOf(change.field));
      const before = change.before === undefined ? undefined : mapPersonalValues(change.before, replace, personalField);
      const after = change.after === undefined ? undefined : mapPersonalValues(change.after, replace, personalField);
      return { field: change.field, ...(before !== undefined && { before }), ...(after !== undefined && { after }) };
    });
  }
  return mapped as T;
}

const personalDigest = (salt: string, value: string, sha256: Sha256) => sha256(`${salt}\u0000${value}`);

/** The personal values of a record, in slot order. */
export function personalValuesOf(record: object): string[] {
  const values: string[] = [];
  mapAuditPersonalValues(record, (value) => values.push(value));
  return values;
}

/**
 * Whether a version 2 record's personal values are what was written: each one with a salt hashes
 * to its digest; each erased one is the pseudonym of its erasure. Version 1 records have none.
 */
export function personalValuesIntact(record: AuditRecord, sha256: Sha256): boolean {
  if (record.v !== AUDIT_RECORD_VERSION) return true;
  const values = personalValuesOf(record);
  const digests = record.personalDigests ?? [];
  const slots = record.personal ?? [];
  if (values.length !== digests.length || values.length !== slots.length) return false;
  return values.every((value, i) => {
    const slot = slots[i]!;
    if ('erasure' in slot) return isPseudonym(value) && value === pseudonymOf(slot.erasure);
    return personalDigest(slot.salt, value, sha256) === digests[i];
  });
}

/**
 * A version 2 record with the person (any of their identifiers) replaced by the erasure's pseudonym and those values' salts
 * deleted; undefined when the person is not in it. Its hash, and so the chain, is unchanged.
 */
export function eraseFromRecord(record: AuditRecord, identifiers: ReadonlySet<string>, erasureId: string): AuditRecord | undefined {
  if (record.v !== AUDIT_RECORD_VERSION || !record.personal) return undefined;
  const pseudonym = pseudonymOf(erasureId);
  const slots = [...record.personal];
  let position = 0;
  let replaced = 0;
  const content = mapAuditPersonalValues(record, (value) => {
    const slot = position++;
    if (!identifiers.has(value)) return value;
    slots[slot] = { erasure: erasureId };
    replaced++;
    return pseudonym;
  });
  return replaced === 0 ? undefined : { ...content, personal: slots };
}

/** Where a record sorts in the chain (and in the time index): time, then id. */
export const recordKeyOf = (record: Pick<AuditRecord, 'at' | 'id'>): string => `${record.at}#${record.id}`;

/**
 * The record a writer stores (version 2): the entry stamped with an id and time, each personal
 * value given a salt (`salt()` returns a fresh random one each call) and its digest, and hashed
 * without the personal values themselves. No chain position yet.
 */
export function sealRecord(entry: AuditEntry, stamp: { readonly id: string; readonly now: string; readonly salt: () => string }, sha256: Sha256): AuditRecord {
  const content = { ...withoutUndefined(entry), id: stamp.id, at: stamp.now, v: AUDIT_RECORD_VERSION } as const;
  const personal: PersonalSlot[] = [];
  const personalDigests: string[] = [];
  for (const value of personalValuesOf(content)) {
    const salt = stamp.salt();
    personal.push({ salt });
    personalDigests.push(personalDigest(salt, value, sha256));
  }
  const sealed = { ...content, personalDigests };
  return { ...sealed, personal, hash: recordHash(sealed, sha256) };
}

/** A version 1 record (before personal values were sealed apart): everything hashed. Old chains hold these; verification accepts both. */
export function stampRecord(entry: AuditEntry, stamp: { readonly id: string; readonly now: string }, sha256: Sha256): AuditRecord {
  const content: Omit<AuditRecord, 'hash'> = { ...withoutUndefined(entry), id: stamp.id, at: stamp.now };
  return { ...content, hash: recordHash(content, sha256) };
}

export function chainEntryHash(entry: Omit<ChainEntry, 'hash'> & { readonly hash?: string }, sha256: Sha256): string {
  return sha256(canonicalJson({ sequence: entry.sequence, recordKey: entry.recordKey, recordHash: entry.recordHash, previousHash: entry.previousHash }));
}

/**
 * The chain entries that cover `records` (already in record-key order, all after the head), and
 * the head after them. The record hash is recomputed from the record as read, so a record altered
 * before it was chained is chained with the hash of what it holds, never of what it claims.
 */
export function chainEntriesFor(head: ChainHead, records: readonly AuditRecord[], sha256: Sha256): { entries: ChainEntry[]; head: ChainHead } {
  const entries: ChainEntry[] = [];
  let previous = head;
  for (const record of records) {
    const recordKey = recordKeyOf(record);
    if (recordKey <= previous.recordKey) throw new Error(`Record ${recordKey} does not sort after the chain head ${previous.recordKey}`);
    const content = { sequence: previous.sequence + 1, recordKey, recordHash: recordHash(record, sha256), previousHash: previous.hash };
    const entry = { ...content, hash: chainEntryHash(content, sha256) };
    entries.push(entry);
    previous = { sequence: entry.sequence, hash: entry.hash, recordKey };
  }
  return { entries, head: previous };
}

export const headOf = (entry: Pick<ChainEntry, 'sequence' | 'hash' | 'recordKey'>): ChainHead => ({
  sequence: entry.sequence,
  hash: entry.hash,
  recordKey: entry.recordKey,
});

export const CHAIN_BREAK_REASONS = ['content-altered', 'record-missing', 'entry-altered', 'link-broken', 'gap', 'unchained', 'unsealed', 'truncated'] as const;
/**
 * `content-altered`: the record no longer hashes to what its chain entry holds. `record-missing`:
 * the chain covers a record that is not there. `entry-altered`: a chain entry does not hash to what
 * it holds. `link-broken`: an entry does not hold the hash of the entry before it, or the head does
 * not name the last entry. `gap`: entries are missing (sequence jumps, or the chain ends before its
 * head says it does). `unchained`: a record older than the chaining lag that no entry covers — one
 * inserted after the fact (or a chainer that stopped running). `unsealed`: an entry without the
 * chainer's seal (MAC), or with a wrong one: written by someone other than the chainer.
 * `truncated`: the chain no longer reaches the head anchored outside the table (entries removed
 * from the end and the head moved back), or the entry there is not the anchored one.
 */
export type ChainBreakReason = (typeof CHAIN_BREAK_REASONS)[number];

export interface ChainBreak {
  /** The chain entry where the break shows (for `unchained`: the sequence the record would have had). */
  readonly sequence: number;
  readonly recordId: string;
  readonly reason: ChainBreakReason;
}

export interface ChainVerdict {
  readonly intact: boolean;
  readonly checked: number;
  readonly firstBreak?: ChainBreak;
}

const recordIdOf = (recordKey: string) => recordKey.slice(recordKey.indexOf('#') + 1);

/**
 * Checks chain entries one at a time, in sequence order, each with the record it covers (or
 * undefined when that record is not there), and keeps the first break. The caller walks records
 * in key order alongside and reports records no entry covers with `uncovered`. `start.sequence` is
 * the sequence the first entry must have; `previousHash` the hash it must link to, when known (the
 * genesis hash for entry 1; unknown when verification starts inside the chain).
 */
export class ChainVerifier {
  private checkedCount = 0;
  private broken: ChainBreak | undefined;
  private nextSequence: number;
  private previousHash: string | undefined;
  private lastEntry: ChainEntry | undefined;

  constructor(
    private readonly sha256: Sha256,
    start: { readonly sequence: number; readonly previousHash?: string },
  ) {
    this.nextSequence = start.sequence;
    this.previousHash = start.previousHash ?? (start.sequence === 1 ? GENESIS_HASH : undefined);
  }

  get isBroken(): boolean {
    return this.broken !== undefined;
  }

  /**
   * Checks the next entry and its record; false once the chain is broken (later entries are not
   * checked). `sealed`: whether the entry's seal verified (checked by the caller, with the key).
   */
  check(entry: ChainEntry, record: AuditRecord | undefined, sealed = true): boolean {
    if (this.broken) return false;
    this.checkedCount++;
    const at = (reason: ChainBreakReason): false => {
      this.broken = { sequence: entry.sequence, recordId: record?.id ?? recordIdOf(entry.recordKey), reason };
      return false;
    };
    if (chainEntryHash(entry, this.sha256) !== entry.hash) return at('entry-altered');
    if (!sealed) return at('unsealed');
    if (entry.sequence !== this.nextSequence) return at('gap');
    if (this.previousHash !== undefined && entry.previousHash !== this.previousHash) return at('link-broken');
    if (!record || recordKeyOf(record) !== entry.recordKey) return at('record-missing');
    if (recordHash(record, this.sha256) !== entry.recordHash || record.hash !== entry.recordHash || !personalValuesIntact(record, this.sha256)) return at('content-altered');
    this.nextSequence = entry.sequence + 1;
    this.previousHash = entry.hash;
    this.lastEntry = entry;
    return true;
  }

  /** A record no entry covers, though it is older than the chaining lag (or sorts before the head). */
  uncovered(record: AuditRecord): false {
    if (!this.broken) this.broken = { sequence: this.nextSequence, recordId: record.id, reason: 'unchained' };
    return false;
  }

  /**
   * After the last entry of the chain: the head must name it. A head further on means entries at
   * the end are missing; the same sequence with another hash, that the last entry was replaced.
   */
  checkHead(head: ChainHead): boolean {
    if (this.broken) return false;
    if (head.sequence === 0 && !this.lastEntry) return true;
    if (head.sequence >= this.nextSequence) {
      this.broken = { sequence: this.nextSequence, recordId: this.lastEntry ? recordIdOf(this.lastEntry.recordKey) : '', reason: 'gap' };
      return false;
    }
    if (this.lastEntry && this.lastEntry.sequence === head.sequence && (this.lastEntry.hash !== head.hash || this.lastEntry.recordKey !== head.recordKey)) {
      this.broken = { sequence: head.sequence, recordId: recordIdOf(this.lastEntry.recordKey), reason: 'link-broken' };
      return false;
    }
    return true;
  }

  verdict(): ChainVerdict {
    return { intact: !this.broken, checked: this.checkedCount, ...(this.broken && { firstBreak: this.broken }) };
  }
}

/**
 * Verifies a whole chain against its records (both in key order), optionally against the head:
 * records after the head are pending if at or after `pendingFrom`, else unchained.
 */
export function verifyChain(
  entries: Iterable<ChainEntry>,
  records: Iterable<AuditRecord>,
  sha256: Sha256,
  options: { readonly start?: { readonly sequence: number; readonly previousHash?: string }; readonly head?: ChainHead; readonly pendingFrom?: string } = {},
): ChainVerdict & { readonly pending: number } {
  const verifier = new ChainVerifier(sha256, options.start ?? { sequence: 1 });
  const walk = new RecordWalk(records[Symbol.iterator]());
  for (const entry of entries) {
    for (let r = walk.peek(); r && recordKeyOf(r) < entry.recordKey; r = walk.peek()) verifier.uncovered(walk.take()!);
    const next = walk.peek();
    const covered = next && recordKeyOf(next) === entry.recordKey ? walk.take() : undefined;
    if (!verifier.check(entry, covered)) break;
  }
  let pending = 0;
  if (options.head) {
    verifier.checkHead(options.head);
    for (let r = walk.take(); r && !verifier.isBroken; r = walk.take()) {
      if (options.pendingFrom !== undefined && r.at >= options.pendingFrom) pending++;
      else verifier.uncovered(r);
    }
  }
  return { ...verifier.verdict(), pending };
}

class RecordWalk {
  private buffered: AuditRecord | undefined;
  private done = false;
  constructor(private readonly source: Iterator<AuditRecord>) {}
  peek(): AuditRecord | undefined {
    if (!this.buffered && !this.done) {
      const next = this.source.next();
      if (next.done) this.done = true;
      else this.buffered = next.value;
    }
    return this.buffered;
  }
  take(): AuditRecord | undefined {
    const value = this.peek();
    this.buffered = undefined;
    return value;
  }
}

/**
 * The fields that differ between two versions of a resource (compared by canonical value), with
 * their before and after, sorted by field name. `before` undefined: the resource was created.
 *
 * Only what changed is recorded, not whole values: a nested object that exists before and after
 * is compared member by member (`sla.acknowledgedAt`), and a list that only grew records each new
 * element (`sla.events[4]`) instead of the whole list twice. Records stay small however long an
 * incident's history grows, and each audit write costs what the change is worth.
 */
export function changedFields(before: object | undefined, after: object): FieldChange[] {
  const changes: FieldChange[] = [];
  collectChanges('', (before ?? {}) as Record<string, unknown>, after as Record<string, unknown>, changes);
  return changes;
}

const isPlainObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function collectChanges(prefix: string, b: Record<string, unknown>, a: Record<string, unknown>, changes: FieldChange[]): void {
  const fields = [...new Set([...Object.keys(b), ...Object.keys(a)])].sort();
  for (const name of fields) {
    const field = `${prefix}${name}`;
    const was = b[name];
    const is = a[name];
    if (was === undefined && is === undefined) continue;
    if (was !== undefined && is !== undefined && canonicalJson(was) === canonicalJson(is)) continue;
    if (isPlainObject(was) && isPlainObject(is)) {
      collectChanges(`${field}.`, was, is, changes);
      continue;
    }
    if (Array.isArray(was) && Array.isArray(is) && is.length > was.length && was.every((item, i) => canonicalJson(item) === canonicalJson(is[i]))) {
      for (let i = was.length; i < is.length; i++) changes.push({ field: `${field}[${i}]`, after: is[i] });
      continue;
    }
    changes.push({ field, ...(was !== undefined && { before: was }), ...(is !== undefined && { after: is }) });
  }
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
