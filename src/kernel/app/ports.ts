import type { Notification } from '../domain/notification';
import type { AuditEntry, AuditRecord, ChainEntry, ChainHead, PruneMarker } from '../domain/audit-chain';

/** Ports the use cases depend on; adapters implement them (DynamoDB and SNS on AWS, DynamoDB Local and an outbox locally). */

export interface Clock {
  now(): Date;
}

export interface IdSource {
  newId(): string;
}

export interface PageRequest {
  readonly limit: number;
  /** Opaque cursor from a previous page. */
  readonly nextToken?: string;
}

export interface Page<T> {
  readonly items: readonly T[];
  readonly nextToken?: string;
}

// What to tell whom is the domain's; how it is sent is this port's.
export type { ContactRef, Notification, NotificationTopic } from '../domain/notification';

export interface Notifier {
  notify(notification: Notification): Promise<void>;
}

/** Integration secrets, referenced by ARN in the config and read at run time (cached by the adapter). */
export interface SecretSource {
  secretString(arn: string): Promise<string>;
}

/**
 * Where every change and every refused request is recorded (the tamper-evident audit trail).
 * Use cases record after their change is stored; see docs/security.md ("Audit trail") for why
 * the record is not part of the change's own transaction.
 */
export interface AuditLog {
  record(entry: AuditEntry): Promise<void>;
}

export interface AuditFilter {
  /** `<type>/<id>`, e.g. `incident/6f0c…`. */
  readonly resource?: { readonly type: string; readonly id: string };
  readonly actor?: string;
  /** Inclusive ISO 8601 UTC bounds on the record time. */
  readonly from?: string;
  readonly to?: string;
}

/** Reading the audit trail: lists for auditors, and the chain in sequence order for verification. */
export interface AuditTrailReader {
  list(filter: AuditFilter, page: PageRequest): Promise<Page<AuditRecord>>;
  /** The chain head as stored now (sequence 0 when nothing was chained yet). */
  head(): Promise<ChainHead>;
  /** Sequence of the first chain entry covering a record at or after `at`, if there is one. */
  firstSequenceFrom(at: string): Promise<number | undefined>;
  /** Chain entries from `sequence` on, in sequence order, as stored (read consistently). */
  chainFrom(sequence: number): AsyncIterable<ChainEntry>;
  /** Records with a key (`<at>#<id>`) at or after `recordKey`, in key order. */
  recordsFrom(recordKey: string): AsyncIterable<AuditRecord>;
  /** Where the chain was pruned to, if it was (audit retention). */
  pruned(): Promise<PruneMarker | undefined>;
}

/** What audit pruning needs: the chain, where it was pruned to, and removing what is past retention. */
export interface AuditPruneStore {
  head(): Promise<ChainHead>;
  pruned(): Promise<PruneMarker | undefined>;
  chainFrom(sequence: number): AsyncIterable<ChainEntry>;
  /** Moves the prune marker (before anything is removed: a run cut short leaves only what verification skips). */
  markPruned(marker: PruneMarker): Promise<void>;
  /** Removes these chain entries and the records they cover. */
  removeChained(entries: readonly ChainEntry[]): Promise<void>;
}

/** What the chainer needs: the head, the records after it, and one atomic append of entries and head. */
export interface AuditChainStore {
  head(): Promise<ChainHead>;
  /** Up to `limit` records with a key after `afterKey` and a time before `before`, in key order. */
  recordsAfter(afterKey: string, before: string, limit: number): Promise<readonly AuditRecord[]>;
  /** Puts the entries and moves the head from `expected` to `head`, all or nothing. */
  appendChain(entries: readonly ChainEntry[], head: ChainHead, expected: ChainHead): Promise<void>;
}

/**
 * An Idempotency-Key honoured inside the write's own transaction (POST /incidents): the marker
 * is one more conditional Put of that transaction, so the write and "this key was used" are
 * stored together or not at all, and a replay can never write twice, even across a crash.
 */
export interface IdempotencyMarker {
  /** Who asked, what and with which key, hashed (the table's key). */
  readonly id: string;
  /** SHA-256 of the raw request body: the same key with another body is refused (422). */
  readonly bodyHash: string;
}

/** A marker as stored: the response the first request answered, kept for the replays. */
export interface StoredIdempotencyMarker extends IdempotencyMarker {
  readonly response: { readonly status: number; readonly body?: unknown; readonly headers?: Readonly<Record<string, string>> };
}

export interface IdempotencyMarkers {
  /** The marker stored under this id and not yet expired (strongly consistent read). */
  get(id: string): Promise<StoredIdempotencyMarker | undefined>;
}

/**
 * One more create counted against a caller's quota, in the create's own transaction: a counter
 * item per caller and window, added to under the condition that it is below the limit.
 */
export interface QuotaCharge {
  /** The caller's stable id (Cognito `sub` or client id): a username can be reused, a sub cannot. */
  readonly subject: string;
  /** What is counted, e.g. `incident`. */
  readonly counts: string;
  /** ISO instant the fixed window started. */
  readonly windowStart: string;
  readonly limit: number;
  /** Epoch seconds after which the counter may be removed (the table's TTL). */
  readonly expiresAt: number;
}

/** Thrown by a repository whose transaction was refused because the caller's quota counter is at its limit. */
export class QuotaExhaustedError extends Error {
  constructor() {
    super('The caller has used up their quota for this window');
    this.name = 'QuotaExhaustedError';
  }
}

/** Thrown by a repository whose transaction was refused because the marker's key is already used (or being used right now). */
export class IdempotencyKeyTakenError extends Error {
  constructor(readonly inFlight: boolean) {
    super(inFlight ? 'The Idempotency-Key is being used by a concurrent request' : 'The Idempotency-Key has already been used');
    this.name = 'IdempotencyKeyTakenError';
  }
}
