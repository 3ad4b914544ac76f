import type { Incident, IncidentChange } from '../../incidents/domain';
import type { TimelineEntry } from '../../incidents/domain';
import type { AuditEntry } from '../../../kernel/domain/audit-chain';
import type { AlarmTags, EventSeverity } from '../domain/alarm-policy';
import type { OutboxEffect } from '../../outbox/domain';

/** Ports of this module's use cases; adapters implement them. Shared ports (clock, ids, pages, notifier, audit) are in src/kernel/app/ports.ts. */

/** The tags on a CloudWatch alarm, by its ARN (CloudWatch ListTagsForResource on AWS, a file locally). */
export interface AlarmTagSource {
  /** The alarm's tags; empty when it has none. Rejects when they could not be read. */
  tagsOf(alarmArn: string): Promise<AlarmTags>;
}

/** What is kept of each EventBridge event received, keyed by its id (exactly-once ingestion). */
export interface EventRecord {
  readonly eventId: string;
  readonly source: string;
  readonly detailType: string;
  readonly resource?: string;
  readonly state?: string;
  /** What ingestion did with it: opened, attached, noted, recorded. */
  readonly outcome: string;
  readonly incidentId?: string;
  readonly receivedAt: string;
  /** informational | warning | error: what the events list filters on and the trends count. */
  readonly severity: EventSeverity;
  /** The event's own `time` (when AWS says it happened). */
  readonly time: string;
  /** The event's `detail` as received, for the events list. */
  readonly detail: unknown;
}

export type OpenLockedIncidentResult = 'opened' | 'duplicate-event' | 'lock-taken';
/** `conflict`: the incident is open but no longer at `expectedVersion` (read it again). */
export type AttachResult = 'attached' | 'duplicate-event' | 'incident-not-open' | 'conflict';

/** What one open incident at a time stands for: a CloudWatch alarm (its ARN) or a security finding (its id or ARN). */
export interface MonitoringLock {
  readonly kind: 'alarm' | 'finding';
  readonly id: string;
}

/**
 * Writes of monitoring ingestion. Every write includes the event record under the condition that
 * the event id was never recorded, in one transaction: a redelivered event changes nothing.
 */
/** The incident a lock names, read consistently with the lock (absent if the item is gone). */
export interface LockedIncident {
  readonly incidentId: string;
  readonly incident?: Incident;
}

export interface MonitoringEventStore {
  /** The incident the lock names, if there is a lock. */
  openLock(lock: MonitoringLock): Promise<{ readonly incidentId: string } | undefined>;
  /** The lock and the incident it names, both read consistently (one round trip where it can). */
  readLock(lock: MonitoringLock): Promise<LockedIncident | undefined>;
  /**
   * Records the event, stores the new incident and its entries, and takes the lock: if
   * `staleIncidentId` is given the lock must still name that incident, otherwise it must not exist.
   */
  openLockedIncident(args: {
    readonly record: EventRecord;
    readonly lock: MonitoringLock;
    readonly change: IncidentChange;
    readonly staleIncidentId?: string;
    /** The change's audit record, stored in the same transaction (the change is never unaudited). */
    readonly audit: AuditEntry;
    /** The change's side effects (SLA workflow start, notifications), stored as outbox items in the same transaction. */
    readonly effects?: readonly OutboxEffect[];
  }): Promise<OpenLockedIncidentResult>;
  /**
   * Records the event and adds the entry to the incident if it is still open; `countOccurrence`
   * adds one to occurrenceCount; `set` replaces those fields (a new incident version either way).
   * With `expectedVersion`, only if the incident is still at that version (`set` was computed from it).
   */
  attachToIncident(args: {
    readonly record: EventRecord;
    readonly incidentId: string;
    readonly entry: TimelineEntry;
    readonly countOccurrence: boolean;
    readonly set?: Readonly<Record<string, unknown>>;
    readonly expectedVersion?: number;
    /** Stored in the same transaction. */
    readonly audit: AuditEntry;
  }): Promise<AttachResult>;
  /**
   * Records the event and stores the incident's next version (if the stored version is still
   * `expectedVersion`) with its entries, if the lock still names it. A resolved incident keeps
   * its lock: stale, replaced by the next incident for the same alarm or finding.
   */
  saveLockedIncident(args: {
    readonly record: EventRecord;
    readonly lock: MonitoringLock;
    readonly change: IncidentChange;
    /** The incident at `expectedVersion` (for the report aggregates); read by the store when not given. */
    readonly previous?: Incident;
    readonly expectedVersion: number;
    /** Stored in the same transaction. */
    readonly audit: AuditEntry;
    /** The change's side effects (SLA workflow start, notifications), stored as outbox items in the same transaction. */
    readonly effects?: readonly OutboxEffect[];
  }): Promise<'saved' | 'duplicate-event' | 'conflict'>;
  /** Records the event only; false when it was already recorded. */
  record(record: EventRecord): Promise<boolean>;
}
