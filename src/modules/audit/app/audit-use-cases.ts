import {
  chainEntriesFor,
  changedFields,
  ChainVerifier,
  GENESIS_HASH,
  jobRunEntry,
  recordKeyOf,
  type AuditEntry,
  type AuditRecord,
  type ChainBreak,
  type ChainEntry,
  type ChainHead,
  type PruneMarker,
  type Sha256,
} from '../../../kernel/domain/audit-chain';
import { mayUseAuditTrail, type AuditAction, type Caller } from '../../../kernel/domain/access-policy';
import { ForbiddenError, InvalidInputError } from '../../../kernel/domain/domain-errors';
import type { Actor, Incident } from '../../incidents/domain';
import type { AuditChainStore, AuditLog, AuditPruneStore, AuditTrailReader, Clock, Page } from '../../../kernel/app/ports';
import { RETENTION_RULES } from '../../../kernel/domain/retention';
import type { ChainAnchor, ChainSeal } from './ports';

/**
 * Entries for changes to incidents: resource, actor and the before/after of each changed field. A
 * creation lists every field of the new incident but those the record states already or every new
 * incident starts with (CREATION_IMPLIES): the record stays under 2 KB, 4 write units a copy.
 */
export function incidentChangeEntry(actor: Actor & { readonly roles?: readonly string[] }, action: string, before: Incident | undefined, after: Incident): AuditEntry {
  return {
    actor: actor.name,
    roles: [...(actor.roles ?? systemRoles(actor))],
    action,
    resource: { type: 'incident', id: after.id },
    outcome: 'allowed',
    changes: changedFields(before, before ? after : withoutImplied(after, CREATION_IMPLIES(actor.name, after))),
  };
}

/**
 * A created incident's fields its record leaves out where they hold exactly these values: the id
 * is the record's resource, who recorded and last updated it is the record's actor, it was last
 * updated when created, and it starts at version 1, unescalated, never reopened. The incident is
 * the record's `after` values with these added.
 */
export const CREATION_IMPLIES = (actor: string, incident: Incident): Partial<Incident> => ({
  id: incident.id,
  recordedBy: actor,
  updatedBy: actor,
  updatedAt: incident.createdAt,
  version: 1,
  escalationLevel: 0,
  escalations: [],
  reopenCount: 0,
});

function withoutImplied(incident: Incident, implied: Partial<Incident>): Partial<Incident> {
  const kept: Record<string, unknown> = { ...incident };
  for (const [field, value] of Object.entries(implied)) {
    if (JSON.stringify(kept[field]) === JSON.stringify(value)) delete kept[field];
  }
  return kept as Partial<Incident>;
}

/** Entries for changes to any other record (services, CIs): the same shape, for its own resource type. */
export function recordChangeEntry(
  actor: Actor & { readonly roles?: readonly string[] },
  action: string,
  resource: { readonly type: string; readonly id: string },
  before: object | undefined,
  after: object,
): AuditEntry {
  return { actor: actor.name, roles: [...(actor.roles ?? systemRoles(actor))], action, resource, outcome: 'allowed', changes: changedFields(before, after) };
}

/** An addition to an incident that does not change the incident itself (a comment, a work note, a monitoring note). */
export function incidentAdditionEntry(
  actor: Actor & { readonly roles?: readonly string[] },
  action: string,
  incidentId: string,
  added: Record<string, unknown>,
): AuditEntry {
  return {
    actor: actor.name,
    roles: [...(actor.roles ?? systemRoles(actor))],
    action,
    resource: { type: 'incident', id: incidentId },
    outcome: 'allowed',
    changes: Object.keys(added).sort().map((field) => ({ field, after: added[field] })),
  };
}

/** Jobs (`system:auto-close`, `system:monitoring`) act under the `system` role. */
const systemRoles = (actor: Actor): string[] => (actor.name.startsWith('system:') ? ['system'] : []);

export interface AuditQuery {
  readonly resource?: string;
  readonly actor?: string;
  readonly from?: string;
  readonly to?: string;
  readonly limit: number;
  readonly nextToken?: string;
}

/**
 * How long after its time a record is chained. Writers stamp a record before they store it; one
 * that takes a while to land must not sort before the chain head once the chainer has passed it,
 * so the chainer leaves every record younger than this alone.
 */
export const CHAIN_LAG_MS = 2 * 60_000;
/**
 * Verification reports a record no entry covers as a break once it is older than this: the lag,
 * plus the chainer's schedule (1 minute) and a margin for a run that is retried.
 */
export const CHAIN_OVERDUE_MS = CHAIN_LAG_MS + 3 * 60_000;

export interface AuditReadDeps {
  readonly trail: AuditTrailReader;
  readonly sha256: Sha256;
  readonly clock: Clock;
  /** Checks each chain entry's seal (verification only; it cannot seal). */
  readonly seal: Pick<ChainSeal, 'verify'>;
  /** The head anchored outside the table (read only). */
  readonly anchor: Pick<ChainAnchor, 'latest'>;
  /** Where each read of audit records is itself recorded (who read what). */
  readonly audit: AuditLog;
}

/** Chain entries whose seals are checked in one call (the KMS adapter runs them concurrently). */
const SEAL_BATCH = 100;

/** One verification reads at most this many chain entries; `complete: false` says there is more to check. */
export const MAX_VERIFIED_RECORDS = 20_000;

export interface AuditVerification {
  readonly intact: boolean;
  /** Chain entries checked, each with its record. */
  readonly checked: number;
  /** Records not chained yet because they are younger than the chaining lag (not a break). */
  readonly pending: number;
  /** False when the range held more than one verification reads; verify again from `resumeFrom`. */
  readonly complete: boolean;
  readonly resumeFrom?: string;
  readonly firstBreak?: ChainBreak;
}

export async function listAuditRecords(deps: AuditReadDeps, caller: Caller, query: AuditQuery): Promise<Page<AuditRecord>> {
  requireAuditAccess(caller, 'audit:read', 'read the audit trail');
  const range = timeRange(query);
  const resource = query.resource === undefined ? undefined : parseResource(query.resource);
  const page = await deps.trail.list(
    { ...(resource && { resource }), ...(query.actor !== undefined && { actor: query.actor }), ...range },
    { limit: query.limit, ...(query.nextToken !== undefined && { nextToken: query.nextToken }) },
  );
  // Reading the trail is itself on the record, once it has been read (a refused query reads nothing):
  // who looked at which records (the query, not the page). A person asked for is a personal value
  // (the change `query.actor`, erasable), not part of the resource id, which is hashed as it is.
  const asked = Object.entries({ resource: query.resource, from: range.from, to: range.to }).filter(([, v]) => v !== undefined);
  await deps.audit.record({
    actor: caller.name,
    roles: [...caller.roles],
    action: 'audit:read',
    resource: { type: 'audit-trail', id: [...asked.map(([k, v]) => `${k}=${v}`), ...(query.actor !== undefined ? ['actor'] : [])].join('&') || '*' },
    outcome: 'allowed',
    ...(query.actor !== undefined && { changes: [{ field: 'query.actor', after: query.actor }] }),
  });
  return page;
}

/**
 * Verifies the chain over a time range (all of it by default): every chain entry's hash, its link
 * to the entry before it, no gaps, and the record each entry covers, recomputed. Records are
 * walked in key order alongside the entries, so a record no entry covers (inserted after the fact)
 * is found too. The entry before the range is read as well, so the link into the range is checked.
 * A range open at the end is checked against the chain head, which catches entries removed from
 * the end; records after the head are pending while younger than CHAIN_OVERDUE_MS, a break after.
 * Each entry must carry the chainer's seal (a MAC only the chainer can make), and the chain must
 * reach the head anchored outside the table (so entries removed from the end, with the table's head
 * moved back, are found too).
 */
export async function verifyAuditTrail(deps: Omit<AuditReadDeps, 'audit'>, caller: Caller, query: { readonly from?: string; readonly to?: string }): Promise<AuditVerification> {
  requireAuditAccess(caller, 'audit:verify', 'verify the audit trail');
  const { from, to } = timeRange(query);
  const pendingFrom = new Date(deps.clock.now().getTime() - CHAIN_OVERDUE_MS).toISOString();
  // Read the head first: entries appended while verifying lie beyond it and are left for next time.
  const head = await deps.trail.head();
  const truncation = await checkAnchor(deps, head);
  if (truncation) return { intact: false, checked: 0, pending: 0, complete: true, firstBreak: truncation };
  if (head.sequence === 0) {
    // No head: the chain must be empty. An entry without a head means the head was removed.
    for await (const entry of deps.trail.chainFrom(1)) {
      return { intact: false, checked: 0, pending: 0, complete: true, firstBreak: { sequence: entry.sequence, recordId: entry.recordKey.slice(entry.recordKey.indexOf('#') + 1), reason: 'link-broken' } };
    }
  }
  const marker = await deps.trail.pruned();
  const pruning = await checkPruneMarker(deps, head, marker);
  if (pruning) return { intact: false, checked: 0, pending: 0, complete: true, firstBreak: pruning };
  let first = head.sequence === 0 ? undefined : from === undefined ? 1 : await deps.trail.firstSequenceFrom(from);
  let start = first === undefined ? head.sequence + 1 : Math.max(1, first - 1);
  // Entries up to the prune marker were removed with their records (retention): start after it, linked to its hash.
  const afterPruned = marker !== undefined && first !== undefined && start <= marker.sequence;
  if (afterPruned) {
    start = marker.sequence + 1;
    first = Math.max(first!, start);
  }
  const verifier = new ChainVerifier(deps.sha256, { sequence: start, ...(afterPruned ? { previousHash: marker.hash } : start === 1 && { previousHash: GENESIS_HASH }) });
  // Records are walked from the first entry's own, or from just after the pruned ones.
  const recordsFrom = (key: string) => (marker && key <= marker.recordKey ? recordsAfterKey(deps.trail.recordsFrom(marker.recordKey), marker.recordKey) : deps.trail.recordsFrom(key));
  // Records are walked from the first entry's own (the one before the range, read for the link).
  let records: AsyncRecordWalk | undefined;
  let checked = 0;
  if (first !== undefined) {
    for await (const { entry, sealed } of sealChecked(deps.trail.chainFrom(start), deps.seal)) {
      if (entry.sequence > head.sequence) break;
      const at = entry.recordKey.slice(0, entry.recordKey.indexOf('#'));
      if (to !== undefined && at > to && entry.sequence >= first) break;
      if (checked >= MAX_VERIFIED_RECORDS) return { ...verifier.verdict(), pending: 0, complete: false, resumeFrom: at };
      checked++;
      // Records before an entry's own are covered by no entry: inserted after the fact.
      records ??= new AsyncRecordWalk(recordsFrom(from === undefined ? '' : entry.recordKey));
      for (let r = await records.peek(); r && recordKeyOf(r) < entry.recordKey; r = await records.peek()) verifier.uncovered((await records.take())!);
      const next = await records.peek();
      const covered = next && recordKeyOf(next) === entry.recordKey ? await records.take() : undefined;
      if (!verifier.check(entry, covered, sealed)) break;
    }
  }
  let pending = 0;
  const headAt = head.recordKey.slice(0, head.recordKey.indexOf('#'));
  const reachedEnd = to === undefined || to >= headAt;
  if (reachedEnd && !verifier.isBroken) {
    verifier.checkHead(head);
    records ??= new AsyncRecordWalk(recordsFrom(from === undefined ? '' : `${from}#`));
    for (let r = await records.take(); r && !verifier.isBroken; r = await records.take()) {
      if (to !== undefined && r.at > to) break;
      if (r.at >= pendingFrom) pending++;
      else verifier.uncovered(r);
    }
  }
  return { ...verifier.verdict(), pending, complete: true };
}

/**
 * The anchored head must be in the chain: the table's head at or beyond it, the entry at its
 * sequence the anchored one, and the anchor sealed by the chainer. No anchor yet: nothing to check.
 */
async function checkAnchor(deps: Omit<AuditReadDeps, 'audit'>, head: ChainHead): Promise<ChainBreak | undefined> {
  const anchor = await deps.anchor.latest();
  if (!anchor) return undefined;
  const truncated: ChainBreak = { sequence: anchor.sequence, recordId: anchor.recordKey.slice(anchor.recordKey.indexOf('#') + 1), reason: 'truncated' };
  if (head.sequence < anchor.sequence) return truncated;
  const [anchorSealed] = await deps.seal.verify([{ message: anchor.hash, mac: anchor.mac }]);
  let anchored: ChainEntry | undefined;
  for await (const entry of deps.trail.chainFrom(anchor.sequence)) {
    anchored = entry;
    break;
  }
  return anchorSealed && anchored?.sequence === anchor.sequence && anchored.hash === anchor.hash ? undefined : truncated;
}

/**
 * A prune marker must be the chainer's (its seal), behind the head, and older than the shortest
 * audit retention a client may set: else records were removed that retention did not remove.
 */
async function checkPruneMarker(deps: Omit<AuditReadDeps, 'audit'>, head: ChainHead, marker: PruneMarker | undefined): Promise<ChainBreak | undefined> {
  if (!marker) return undefined;
  const [sealed] = await deps.seal.verify([{ message: marker.hash, mac: marker.mac }]);
  const youngest = new Date(deps.clock.now().getTime() - RETENTION_RULES.auditRecords.minDays * 86_400_000).toISOString();
  const markedAt = marker.recordKey.slice(0, marker.recordKey.indexOf('#'));
  if (sealed && marker.sequence < head.sequence && markedAt < youngest) return undefined;
  return { sequence: marker.sequence, recordId: marker.recordKey.slice(marker.recordKey.indexOf('#') + 1), reason: 'truncated' };
}

async function* recordsAfterKey(records: AsyncIterable<AuditRecord>, afterKey: string): AsyncIterable<AuditRecord> {
  for await (const record of records) if (recordKeyOf(record) > afterKey) yield record;
}

export interface AuditPruneDeps {
  readonly store: AuditPruneStore;
  readonly clock: Clock;
  /** Client config `retention.auditRecords`. */
  readonly retentionDays: number;
}

/**
 * Audit retention: removes the records older than the retention, with the chain entries that
 * cover them, oldest first, never the head's own entry. The prune marker moves first (to the last
 * entry removed, with its seal), so a run cut short leaves only items verification skips; the
 * next run removes them. Returns how many entries it removed.
 */
export async function pruneAuditRecords(deps: AuditPruneDeps, maxEntries = 1_000): Promise<number> {
  const days = Math.max(deps.retentionDays, RETENTION_RULES.auditRecords.minDays);
  const cutoff = new Date(deps.clock.now().getTime() - days * 86_400_000).toISOString();
  const head = await deps.store.head();
  const marker = await deps.store.pruned();
  const leftovers: ChainEntry[] = [];
  const due: ChainEntry[] = [];
  for await (const entry of deps.store.chainFrom(1)) {
    if (entry.sequence >= head.sequence || due.length >= maxEntries) break;
    if (marker && entry.sequence <= marker.sequence) {
      leftovers.push(entry);
      continue;
    }
    if (entry.recordKey.slice(0, entry.recordKey.indexOf('#')) >= cutoff || entry.mac === undefined) break;
    due.push(entry);
  }
  const last = due[due.length - 1];
  if (last) await deps.store.markPruned({ sequence: last.sequence, hash: last.hash, recordKey: last.recordKey, mac: last.mac! });
  await deps.store.removeChained([...leftovers, ...due]);
  return due.length;
}

/** Who the scheduled audit pruning acts as in the trail. */
export const AUDIT_PRUNER_ACTOR = 'system:audit-pruner';

export interface AuditPruningRun {
  /** Records removed with their chain entries, this run. */
  readonly pruned: number;
  /** False when the run stopped with records past retention left (the next run goes on). */
  readonly complete: boolean;
}

/**
 * The scheduled pruning: batches of `pruneAuditRecords` until nothing past retention is left or
 * `mayContinue` says the run's time is up (asked after each batch), then one audit record of the run (`audit:prune`, the
 * count and the retention; no record content, no person) when it removed anything.
 */
export async function runAuditPruning(
  deps: AuditPruneDeps & { readonly audit: AuditLog },
  options: { readonly batch?: number; readonly mayContinue: () => boolean },
): Promise<AuditPruningRun> {
  const batch = options.batch ?? 1_000;
  let pruned = 0;
  let complete = false;
  // At least one batch each run, then more while there is time.
  do {
    const removed = await pruneAuditRecords(deps, batch);
    pruned += removed;
    complete = removed < batch;
  } while (!complete && options.mayContinue());
  if (pruned > 0) {
    await deps.audit.record(
      jobRunEntry(AUDIT_PRUNER_ACTOR, 'audit:prune', { type: 'audit-trail', id: 'retention' }, [
        { field: 'pruned', after: pruned },
        { field: 'retentionDays', after: Math.max(deps.retentionDays, RETENTION_RULES.auditRecords.minDays) },
      ]),
    );
  }
  return { pruned, complete };
}

/** Chain entries with whether each one's seal verifies, checked a batch at a time. */
async function* sealChecked(entries: AsyncIterable<ChainEntry>, seal: Pick<ChainSeal, 'verify'>): AsyncIterable<{ entry: ChainEntry; sealed: boolean }> {
  let batch: ChainEntry[] = [];
  const flush = async () => {
    const verdicts = await seal.verify(batch.map((entry) => ({ message: entry.hash, ...(entry.mac !== undefined && { mac: entry.mac }) })));
    const checked = batch.map((entry, i) => ({ entry, sealed: verdicts[i] === true }));
    batch = [];
    return checked;
  };
  for await (const entry of entries) {
    batch.push(entry);
    if (batch.length >= SEAL_BATCH) yield* await flush();
  }
  if (batch.length > 0) yield* await flush();
}

/** Reads ahead one record of an async walk. */
class AsyncRecordWalk {
  private readonly iterator: AsyncIterator<AuditRecord>;
  private buffered: AuditRecord | undefined;
  private done = false;
  constructor(source: AsyncIterable<AuditRecord>) {
    this.iterator = source[Symbol.asyncIterator]();
  }
  async peek(): Promise<AuditRecord | undefined> {
    if (!this.buffered && !this.done) {
      const next = await this.iterator.next();
      if (next.done) this.done = true;
      else this.buffered = next.value;
    }
    return this.buffered;
  }
  async take(): Promise<AuditRecord | undefined> {
    const value = await this.peek();
    this.buffered = undefined;
    return value;
  }
}

export interface AuditChainerDeps {
  readonly chain: AuditChainStore;
  readonly sha256: Sha256;
  readonly clock: Clock;
  /** Seals each new entry (the chainer alone may use the key). */
  readonly seal: Pick<ChainSeal, 'seal'>;
  /** Where the head is anchored outside the table after each run that moved it. */
  readonly anchor: Pick<ChainAnchor, 'write'>;
  /** Records younger than this are left for a later run (CHAIN_LAG_MS unless a test says otherwise). */
  readonly lagMs?: number;
}

/** Chain entries per TransactWriteItems: 99 entries and the head make DynamoDB's 100 items. */
const CHAIN_BATCH = 99;

/**
 * The chainer: appends one chain entry per record written since the head, oldest first, for
 * every record older than the lag; the head moves with each batch, conditional on the sequence it
 * was read at (a second chainer running at once fails instead of forking the chain). Returns how
 * many records it chained; stops after `maxRecords` (the next run goes on). Each entry is sealed
 * (a MAC with the chainer's key) before it is stored, and the head the run leaves is anchored
 * outside the table; a failed anchor write fails the run (retried; the next run anchors again).
 */
export async function chainAuditRecords(deps: AuditChainerDeps, maxRecords = 5_000): Promise<number> {
  const before = new Date(deps.clock.now().getTime() - (deps.lagMs ?? CHAIN_LAG_MS)).toISOString();
  let head = await deps.chain.head();
  let chained = 0;
  let lastMac: string | undefined;
  while (chained < maxRecords) {
    const records = await deps.chain.recordsAfter(head.recordKey, before, Math.min(CHAIN_BATCH, maxRecords - chained));
    if (records.length === 0) break;
    const next = chainEntriesFor(head, records, deps.sha256);
    const macs = await deps.seal.seal(next.entries.map((entry) => entry.hash));
    await deps.chain.appendChain(next.entries.map((entry, i) => ({ ...entry, mac: macs[i]! })), next.head, head);
    head = next.head;
    lastMac = macs[macs.length - 1];
    chained += records.length;
  }
  if (lastMac !== undefined) await deps.anchor.write({ ...head, mac: lastMac });
  return chained;
}

function requireAuditAccess(caller: Caller, action: AuditAction, what: string): void {
  if (!mayUseAuditTrail(caller, action)) throw new ForbiddenError(`Only auditors may ${what}`, 'role');
}

function timeRange(query: { readonly from?: string; readonly to?: string }): { from?: string; to?: string } {
  const from = query.from === undefined ? undefined : new Date(query.from).toISOString();
  const to = query.to === undefined ? undefined : new Date(query.to).toISOString();
  if (from !== undefined && to !== undefined && from > to) {
    throw new InvalidInputError([{ field: 'from', message: 'must not be after to' }]);
  }
  return { ...(from !== undefined && { from }), ...(to !== undefined && { to }) };
}

function parseResource(text: string): { type: string; id: string } {
  const slash = text.indexOf('/');
  return { type: text.slice(0, slash), id: text.slice(slash + 1) };
}
