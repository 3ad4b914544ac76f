/**
 * The tamper-evident audit trail, as pure rules: what a record holds, its canonical text, how it
 * links to the record before it, and how a run of records is verified. No I/O and no crypto
 * library: the SHA-256 function is passed in (node:crypto in the adapters, anything in tests).
 *
 * One chain per client stack. Record n holds the hash of record n-1 (`previousHash`) and its own
 * hash over the canonical text of everything else it holds, so altering, removing or inserting a
 * record shows as a broken hash, a broken link or a gap in the sequence.
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

/** A record as stored: the entry, its place in the chain, and the hashes. */
export interface AuditRecord extends AuditEntry {
  readonly id: string;
  /** 1, 2, 3, … without gaps, per client. */
  readonly sequence: number;
  /** UTC, ISO 8601; never earlier than the previous record's, so time order is sequence order. */
  readonly at: string;
  readonly previousHash: string;
  readonly hash: string;
}

/** The chain's last record, as the chain head item keeps it. */
export interface ChainHead {
  readonly sequence: number;
  readonly hash: string;
  readonly at: string;
}

/** What record 1 links to. */
export const GENESIS_HASH = '0'.repeat(64);
export const EMPTY_CHAIN: ChainHead = { sequence: 0, hash: GENESIS_HASH, at: '1970-01-01T00:00:00.000Z' };

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

/** The hash of a record: over everything it holds except the hash itself. */
export function recordHash(record: Omit<AuditRecord, 'hash'> & { readonly hash?: string }, sha256: Sha256): string {
  const { hash: _ignored, ...content } = record;
  return sha256(canonicalJson(content));
}

/**
 * The record that follows `head`: next sequence, linked to the head's hash, stamped no earlier
 * than the head (clocks of concurrent writers differ by milliseconds; the chain's order wins).
 */
export function nextRecord(
  head: ChainHead,
  entry: AuditEntry,
  stamp: { readonly id: string; readonly now: string },
  sha256: Sha256,
): AuditRecord {
  const at = stamp.now > head.at ? stamp.now : head.at;
  const content: Omit<AuditRecord, 'hash'> = {
    ...withoutUndefined(entry),
    id: stamp.id,
    sequence: head.sequence + 1,
    at,
    previousHash: head.hash,
  };
  return { ...content, hash: recordHash(content, sha256) };
}

export const headOf = (record: Pick<AuditRecord, 'sequence' | 'hash' | 'at'>): ChainHead => ({
  sequence: record.sequence,
  hash: record.hash,
  at: record.at,
});

export const CHAIN_BREAK_REASONS = ['content-altered', 'link-broken', 'gap'] as const;
/**
 * `content-altered`: the record's hash does not match what it holds. `link-broken`: it does not
 * hold the hash of the record before it (that record was rewritten, or it was). `gap`: records
 * before it are missing (sequence jumps), or the chain ends before its head says it does.
 */
export type ChainBreakReason = (typeof CHAIN_BREAK_REASONS)[number];

export interface ChainBreak {
  readonly sequence: number;
  readonly recordId: string;
  readonly reason: ChainBreakReason;
}

export interface ChainVerdict {
  readonly intact: boolean;
  readonly checked: number;
  readonly firstBreak?: ChainBreak;
}

/**
 * Checks records one at a time, in sequence order, and keeps the first break. `expected` is the
 * sequence the first record must have; `previousHash` the hash it must link to, when known (the
 * genesis hash for record 1; unknown when verification starts inside the chain).
 */
export class ChainVerifier {
  private checkedCount = 0;
  private broken: ChainBreak | undefined;
  private nextSequence: number;
  private previousHash: string | undefined;
  private lastRecord: Pick<AuditRecord, 'sequence' | 'hash' | 'id'> | undefined;

  constructor(
    private readonly sha256: Sha256,
    start: { readonly sequence: number; readonly previousHash?: string },
  ) {
    this.nextSequence = start.sequence;
    this.previousHash = start.previousHash ?? (start.sequence === 1 ? GENESIS_HASH : undefined);
  }

  /** Checks the next record; false once the chain is broken (later records are not checked). */
  check(record: AuditRecord): boolean {
    if (this.broken) return false;
    this.checkedCount++;
    const at = (reason: ChainBreakReason): false => {
      this.broken = { sequence: record.sequence, recordId: record.id, reason };
      return false;
    };
    if (recordHash(record, this.sha256) !== record.hash) return at('content-altered');
    if (record.sequence !== this.nextSequence) return at('gap');
    if (this.previousHash !== undefined && record.previousHash !== this.previousHash) return at('link-broken');
    this.nextSequence = record.sequence + 1;
    this.previousHash = record.hash;
    this.lastRecord = record;
    return true;
  }

  /**
   * After the last record of the chain: the head must name it. A head further on means records at
   * the end are missing; the same sequence with another hash, that the last record was replaced.
   */
  checkHead(head: ChainHead): boolean {
    if (this.broken) return false;
    if (head.sequence === 0 && !this.lastRecord) return true;
    if (head.sequence >= this.nextSequence) {
      this.broken = { sequence: this.nextSequence, recordId: this.lastRecord?.id ?? '', reason: 'gap' };
      return false;
    }
    if (this.lastRecord && this.lastRecord.sequence === head.sequence && this.lastRecord.hash !== head.hash) {
      this.broken = { sequence: head.sequence, recordId: this.lastRecord.id, reason: 'link-broken' };
      return false;
    }
    return true;
  }

  verdict(): ChainVerdict {
    return { intact: !this.broken, checked: this.checkedCount, ...(this.broken && { firstBreak: this.broken }) };
  }
}

/** Verifies a whole run of records (in sequence order), optionally against the chain head. */
export function verifyChain(
  records: Iterable<AuditRecord>,
  sha256: Sha256,
  options: { readonly start?: { readonly sequence: number; readonly previousHash?: string }; readonly head?: ChainHead } = {},
): ChainVerdict {
  const verifier = new ChainVerifier(sha256, options.start ?? { sequence: 1 });
  for (const record of records) if (!verifier.check(record)) break;
  if (options.head) verifier.checkHead(options.head);
  return verifier.verdict();
}

/**
 * The fields that differ between two versions of a resource (compared by canonical value), with
 * their before and after, sorted by field name. `before` undefined: the resource was created.
 */
export function changedFields(before: object | undefined, after: object): FieldChange[] {
  const b = (before ?? {}) as Record<string, unknown>;
  const a = after as Record<string, unknown>;
  const fields = [...new Set([...Object.keys(b), ...Object.keys(a)])].sort();
  const changes: FieldChange[] = [];
  for (const field of fields) {
    const was = b[field];
    const is = a[field];
    if (was === undefined && is === undefined) continue;
    if (was !== undefined && is !== undefined && canonicalJson(was) === canonicalJson(is)) continue;
    changes.push({ field, ...(was !== undefined && { before: was }), ...(is !== undefined && { after: is }) });
  }
  return changes;
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
