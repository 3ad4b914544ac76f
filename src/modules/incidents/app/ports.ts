import type { OutageInterval } from '../domain/incident-aggregates';
import type { Incident, IncidentChange } from '../domain/incident';
import type { IncidentState } from '../domain/incident-lifecycle';
import type { TimelineEntry } from '../domain/incident-timeline';
import type { Priority } from '../../../kernel/domain/priority';
import type { AuditEntry } from '../../../kernel/domain/audit-chain';
import type { PageRequest, Page } from '../../../kernel/app/ports';
import type { OutboxEffect } from '../../outbox/domain';
import type { EscalationPolicy, PersonContact, ScheduleDefinition } from '../../oncall/domain';
import type { IdempotencyMarker, QuotaCharge, StoredIdempotencyMarker } from '../../../kernel/app/ports';

/** An Idempotency-Key honoured in a create's own transaction: the marker and what replays answer. */
export interface OnceMarker {
  readonly marker: IdempotencyMarker;
  readonly response: StoredIdempotencyMarker['response'];
}

/** Ports of this module's use cases; adapters implement them. Shared ports (clock, ids, pages, notifier, audit) are in src/kernel/app/ports.ts. */

export interface IncidentFilter {
  readonly state?: IncidentState;
  readonly priority?: Priority;
  readonly service?: string;
  /** Open incidents assigned to this person (a queue: priority, then age). */
  readonly assignee?: string;
  /** Open incidents assigned to this group (a queue: priority, then age). */
  readonly assignmentGroup?: string;
  /** Restricts the list to incidents reported by this person (requesters see only their own). */
  readonly reportedBy?: string;
  /** Restricts the list to security incidents (the Information Security Manager sees only those). */
  readonly securityOnly?: true;
}

export interface StoredTimelineEntry extends TimelineEntry {
  /** Position in the timeline, unique per incident. */
  readonly id: string;
}

export interface IncidentRepository {
  /** Allocates the next incident number atomically, e.g. INC0000042. */
  allocateNumber(): Promise<string>;
  /**
   * Stores a new incident and its first timeline entries together; fails if the id exists.
   * `audit`: the change's audit record, stored in the same transaction (never one without the other).
   * `effects`: the change's side effects, stored as outbox items in the same transaction.
   * `once`: an Idempotency-Key's marker and the response replays answer, stored in the same
   * transaction; if the key is already used the whole transaction is refused with
   * IdempotencyKeyTakenError (nothing written).
   * `quota`: the caller's create counter, added to in the same transaction; at its limit the whole
   * transaction is refused with QuotaExhaustedError (nothing written).
   */
  create(change: IncidentChange, audit?: AuditEntry, effects?: readonly OutboxEffect[], once?: OnceMarker, quota?: QuotaCharge): Promise<void>;
  get(id: string): Promise<Incident | undefined>;
  getByNumber(number: string): Promise<Incident | undefined>;
  /**
   * Stores the next version with its timeline entries, all or nothing, if the stored version is
   * still `expectedVersion`; throws VersionConflictError otherwise, writing nothing. `effects`: as for create.
   */
  save(change: IncidentChange, expectedVersion: number, previous?: Incident, audit?: AuditEntry, effects?: readonly OutboxEffect[]): Promise<void>;
  /** Appends entries that do not change the incident itself (comments, work notes). */
  append(incidentId: string, entries: readonly TimelineEntry[], audit?: AuditEntry, effects?: readonly OutboxEffect[]): Promise<void>;
  list(filter: IncidentFilter, page: PageRequest): Promise<Page<Incident>>;
  /** Open incidents on a service right now, counted up to `upTo` (all a priority rule needs to know). */
  countOpenOnService(service: string, upTo: number): Promise<number>;
  /** `incident`, when the caller has already read it, spares reading it again for the derived first entry. */
  timeline(
    incidentId: string,
    options: PageRequest & { readonly publicOnly: boolean; readonly incident?: Incident },
  ): Promise<Page<StoredTimelineEntry>>;
  /** Resolved incidents whose resolution is older than `resolvedBefore` (auto-close candidates). */
  resolvedBefore(resolvedBefore: string, page: PageRequest): Promise<Page<Incident>>;
  /** Incidents logged in [from, to), oldest first (reports). */
  createdBetween(from: string, to: string, page: PageRequest): Promise<Page<Incident>>;
}

/**
 * Starts the workflow that drives an incident's SLA clocks for one generation (Step Functions
 * on AWS, the same definition run in-process locally). Starting a generation twice is a no-op.
 */
export interface SlaScheduler {
  start(run: { readonly incidentId: string; readonly generation: number }): Promise<void>;
}

/** Archives a GuardDuty finding (ArchiveFindings) once its incident is closed. */
export interface FindingArchiver {
  archive(finding: { readonly detectorId: string; readonly findingId: string }): Promise<void>;
}

/** The report aggregates kept in the incidents' write path (domain/incident-aggregates.ts); read with Queries only. */
export interface ReportAggregates {
  /** Day counters of a service (or `*`) for the UTC days `fromDay` … `toDay` inclusive, summed. */
  dayCounters(service: string, fromDay: string, toDay: string): Promise<Record<string, number>>;
  /** The backlog counters of a service (or `*`) now. */
  backlog(service: string): Promise<Record<string, number>>;
  /** Outages of a service that end at or after `from` (or are ongoing) and start before `to`. */
  outages(service: string, from: string, to: string): Promise<readonly OutageInterval[]>;
}

/**
 * What paging by escalation policy reads (src/modules/oncall): the stored policies, the schedules
 * their steps name, and the directory that says how to reach a person.
 */
export interface PagingSource {
  /** Every stored escalation policy (a client has tens). */
  policies(): Promise<readonly EscalationPolicy[]>;
  schedule(id: string): Promise<ScheduleDefinition | undefined>;
  person(username: string): Promise<PersonContact | undefined>;
}
