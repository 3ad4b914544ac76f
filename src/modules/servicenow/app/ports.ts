import type { FieldValues, Side } from '../domain/field-map';
import type { ClientSlaSnapshot } from '../../incidents/domain';

/** Their SLA clocks of an incident, as last read (shown beside ours by the incidents function). */
export interface ClientSlaStore {
  put(incidentId: string, snapshot: ClientSlaSnapshot): Promise<void>;
}

/** A record as the Table API answers it: every value a string (reference fields as their sys_id). */
export type ServiceNowRecord = Readonly<Record<string, string>>;

/** A row of `sys_journal_field`: one comment or work note. */
export interface JournalRow {
  readonly sysId: string;
  readonly element: 'comments' | 'work_notes';
  readonly value: string;
  /** `YYYY-MM-DD HH:MM:SS`, UTC. */
  readonly createdOn: string;
  readonly createdBy: string;
}

/** The client's instance through its Table API (adapters/servicenow-table-client.ts). */
export interface ServiceNowTable {
  get(table: string, sysId: string): Promise<ServiceNowRecord | undefined>;
  /** The record whose `correlation_id` is ours, if one was created already (a redelivered create). */
  findByCorrelation(table: string, correlationId: string): Promise<ServiceNowRecord | undefined>;
  create(table: string, fields: Readonly<Record<string, string>>): Promise<ServiceNowRecord>;
  /** PATCHes the fields (journal fields append a row); answers the record as stored, `sys_mod_count` included. */
  update(table: string, sysId: string, fields: Readonly<Record<string, string>>): Promise<ServiceNowRecord>;
  /** Journal rows of a record created at or after `since` (`YYYY-MM-DD HH:MM:SS`), oldest first. */
  journalSince(sysId: string, since: string): Promise<readonly JournalRow[]>;
  /** Records of `table` matching an encoded query (`a=b^c=d^ORDERBYx`), at most `limit`. */
  list(table: string, query: string, limit: number): Promise<readonly ServiceNowRecord[]>;
  /** Records of `table` updated at or after `since`, oldest first, one page. */
  updatedSince(table: string, since: string, page: { readonly limit: number; readonly offset: number }): Promise<readonly ServiceNowRecord[]>;
}

/** The instance refused a write for good (a data policy, an ACL, a bad value): 4xx other than 429. */
export class ServiceNowRefusedError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
  ) {
    super(`ServiceNow refused the write (${status}): ${reason}`);
    this.name = 'ServiceNowRefusedError';
  }
}

/** 429: the instance's rate limit; the call is retried after `retryAfterSeconds` (the outbox retries it). */
export class ServiceNowRateLimitedError extends Error {
  constructor(readonly retryAfterSeconds: number) {
    super(`ServiceNow rate limit: retry after ${retryAfterSeconds} s`);
    this.name = 'ServiceNowRateLimitedError';
  }
}

/** What we know of one incident's record there (one item per incident, adapters/dynamodb-sync-store.ts). */
export interface SyncState {
  readonly incidentId: string;
  readonly table: string;
  readonly sysId?: string;
  readonly number?: string;
  /** The exchanged fields' values both sides last agreed on. */
  readonly base: FieldValues;
  /** Our values the instance refused (e.g. a data policy), not pushed again until they change or are retried. */
  readonly held: FieldValues;
  /** Their values we could not apply here (listed as exceptions): not tried again until they change there or are retried. */
  readonly refusedHere?: FieldValues;
  /** `sys_mod_count`s our own writes produced (recent ones): their business-rule calls are echoes. */
  readonly ourModCounts: readonly number[];
  /** Every change up to this `sys_mod_count` has been read and applied here. */
  readonly appliedModCount: number;
  /** Timeline entries (ids) already written there as comments or work notes, recent ones. */
  readonly pushedEntries: readonly string[];
  /** The incident version, and the latest comment or work note time, the last push covered: older effects skip. */
  readonly pushedVersion?: number;
  readonly pushedEntryAt?: string;
  /** Entries at or before this id were all pushed. */
  readonly pushedThrough?: string;
  /** Journal rows read up to this `sys_created_on`, and the ids of that second's rows. */
  readonly journalThrough?: string;
  readonly journalSeen: readonly string[];
}

export interface SyncStore {
  /**
   * Takes the incident's sync lease until `until`, if free or expired; when another holder has it,
   * marks the incident dirty (the holder syncs again before it lets go) and answers false.
   */
  acquire(incidentId: string, holder: string, now: string, until: string): Promise<boolean>;
  /** Lets the lease go, unless the incident was marked dirty meanwhile: then clears the mark, keeps the lease and answers 'dirty'. */
  release(incidentId: string, holder: string): Promise<'released' | 'dirty'>;
  get(incidentId: string): Promise<SyncState | undefined>;
  /** Stores the state (the lease holder only). */
  put(state: SyncState, holder: string): Promise<void>;
  /** The incident linked to a record there. */
  incidentOf(sysId: string): Promise<string | undefined>;
  link(sysId: string, incidentId: string): Promise<void>;
  watermark(table: string): Promise<string | undefined>;
  setWatermark(table: string, value: string): Promise<void>;
}

export type ExceptionKind = 'conflict' | 'refused-there' | 'refused-here';

/** A value the exchange could not keep in step: listed at GET /integrations/servicenow/exceptions. */
export interface SyncException {
  readonly id: string;
  readonly kind: ExceptionKind;
  readonly incidentId: string;
  readonly sysId: string;
  readonly table: string;
  readonly field: string;
  /** Whose value stands (conflicts: the field's owner). */
  readonly kept: Side;
  readonly ours: string;
  readonly theirs: string;
  readonly reason: string;
  readonly at: string;
  readonly status: 'open' | 'resolved';
  readonly resolvedBy?: string;
  readonly resolvedAt?: string;
  readonly resolution?: 'retried' | 'accepted';
}

export interface ExceptionStore {
  add(exception: SyncException): Promise<void>;
  list(page: { readonly limit: number; readonly nextToken?: string; readonly status?: 'open' | 'resolved' }): Promise<{ items: SyncException[]; nextToken?: string }>;
  get(id: string): Promise<SyncException | undefined>;
  /** Marks it resolved, if still open; false when it was not. */
  resolve(id: string, by: string, at: string, resolution: 'retried' | 'accepted'): Promise<boolean>;
}

/** Writes the link to their record on our incident, for the API (`external.servicenow`); no version change. */
export interface ExternalRefs {
  set(incidentId: string, ref: { readonly sysId: string; readonly number: string; readonly table: string }): Promise<void>;
}

export type { FieldValues, Side };
