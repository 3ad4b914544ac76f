import { DEFAULT_RETENTION_DAYS } from '../../../kernel/domain/retention';
import { randomBytes } from 'node:crypto';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, TransactGetCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Incident, IncidentChange } from '../../incidents/domain';
import { aggregateTransactItems } from '../../incidents/adapters';
import { outboxPuts } from '../../outbox/adapters';
import type { OutboxEffect } from '../../outbox/domain';
import type { TimelineEntry } from '../../incidents/domain';
import type { AttachResult, EventRecord, LockedIncident, MonitoringEventStore, MonitoringLock, OpenLockedIncidentResult } from '../app/ports';
import type { AuditEntry } from '../../../kernel/domain/audit-chain';
import type { AuditRecordPut } from '../../../kernel/adapters/dynamodb-audit-trail';
import { fromItem, toItem } from '../../incidents/adapters';
import { eventExpiry, eventIndexKeys, eventRecordKey, trendCounterKeys, trendShard, utcHour } from './events-table-keys';
import { incidentKey, monitoringLockKey, timelineEntryKey } from '../../incidents/adapters';

const CLOSED_STATES = { ':resolved': 'Resolved', ':closed': 'Closed', ':canceled': 'Canceled' } as const;

/** Transactions are retried by the caller when they lose a race with a concurrent one. */
const conflictCodes = new Set(['TransactionConflict']);

/** Lock guesses kept per container; beyond this many alarms and findings they start again (a guess costs one read). */
const MAX_LOCK_HINTS = 5_000;

export class DynamoDbMonitoringEventStore implements MonitoringEventStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tables: { readonly incidents: string; readonly events: string },
    private readonly retentionDays: number,
    /** Builds each change's audit record as a Put for the change's own transaction (DynamoDbAuditTrail). */
    private readonly auditTrail: { transactPut(entry: AuditEntry): AuditRecordPut },
    /** Days an outbox item stays if never delivered (client config `retention.outboxItems`). */
    private readonly outboxRetentionDays: number = DEFAULT_RETENTION_DAYS.outboxItems,
  ) {}

  /**
   * Which incident each lock named when this container last read or took it. Only a guess: it
   * lets the lock and that incident be read in one round trip (TransactGetItems, a consistent
   * snapshot of both); when the lock names another incident, that one is read next.
   */
  private readonly lockHints = new Map<string, string>();

  async readLock(lock: MonitoringLock): Promise<LockedIncident | undefined> {
    const hintKey = `${lock.kind}#${lock.id}`;
    const hinted = this.lockHints.get(hintKey);
    if (hinted !== undefined) {
      const both = await this.readLockAndIncident(lock, hinted);
      if (both) {
        if (both.incidentId === hinted) return { incidentId: hinted, ...(both.incident && { incident: both.incident }) };
        this.lockHints.delete(hintKey);
        if (both.incidentId === undefined) return undefined;
      }
    }
    const held = await this.openLock(lock);
    if (!held) return undefined;
    if (this.lockHints.size >= MAX_LOCK_HINTS) this.lockHints.clear();
    this.lockHints.set(hintKey, held.incidentId);
    const incident = await this.db.send(new GetCommand({ TableName: this.tables.incidents, Key: incidentKey(held.incidentId), ConsistentRead: true }));
    return { incidentId: held.incidentId, ...(incident.Item && { incident: fromItem(incident.Item) }) };
  }

  /** The lock and the guessed incident in one snapshot; undefined when a concurrent write cancelled the read (read them apart). */
  private async readLockAndIncident(lock: MonitoringLock, incidentId: string): Promise<{ incidentId?: string; incident?: Incident } | undefined> {
    try {
      const result = await this.db.send(
        new TransactGetCommand({
          TransactItems: [
            { Get: { TableName: this.tables.incidents, Key: monitoringLockKey(lock) } },
            { Get: { TableName: this.tables.incidents, Key: incidentKey(incidentId) } },
          ],
        }),
      );
      const named = result.Responses?.[0]?.Item?.['incidentId'];
      const item = result.Responses?.[1]?.Item;
      if (typeof named !== 'string') return {};
      return { incidentId: named, ...(named === incidentId && item && { incident: fromItem(item) }) };
    } catch (error) {
      if ((error as { name?: string }).name === 'TransactionCanceledException') return undefined;
      throw error;
    }
  }

  async openLock(lock: MonitoringLock): Promise<{ incidentId: string } | undefined> {
    const result = await this.db.send(new GetCommand({ TableName: this.tables.incidents, Key: monitoringLockKey(lock), ConsistentRead: true }));
    const incidentId = result.Item?.['incidentId'];
    return typeof incidentId === 'string' ? { incidentId } : undefined;
  }

  async record(record: EventRecord): Promise<boolean> {
    // A transaction, not a plain Put: the trend counter must move with the record, and only then.
    const reasons = await this.transact([{ Put: this.recordPut(record) }, this.counterAdd(record)]);
    if (!reasons) return true;
    if (reasons[0] === 'ConditionalCheckFailed') return false;
    throw new Error(`Recording event ${record.eventId} failed: ${reasons.join(', ')}`);
  }

  async openLockedIncident(args: {
    record: EventRecord;
    lock: MonitoringLock;
    change: IncidentChange;
    staleIncidentId?: string;
    audit: AuditEntry;
    effects?: readonly OutboxEffect[];
  }): Promise<OpenLockedIncidentResult> {
    const { record, lock, change, staleIncidentId } = args;
    const incident = change.incident;
    const lockItem = {
      ...monitoringLockKey(lock),
      incidentId: incident.id,
      ...(lock.kind === 'alarm' ? { alarmArn: lock.id } : { findingId: lock.id }),
      lockedAt: record.receivedAt,
    };
    const stored = change.entries.filter((e) => e.type !== 'created');
    const reasons = await this.transact([
      { Put: this.recordPut(record) },
      {
        Put: {
          TableName: this.tables.incidents,
          Item: lockItem,
          ...(staleIncidentId === undefined
            ? { ConditionExpression: 'attribute_not_exists(pk)' }
            : { ConditionExpression: 'incidentId = :stale', ExpressionAttributeValues: { ':stale': staleIncidentId } }),
        },
      },
      { Put: { TableName: this.tables.incidents, Item: toItem(incident), ConditionExpression: 'attribute_not_exists(pk)' } },
      ...aggregateTransactItems(this.tables.incidents, undefined, incident),
      ...stored.map((entry, i) => ({
        Put: {
          TableName: this.tables.incidents,
          Item: { ...timelineEntryKey(incident.id, entry.at, `${String(incident.version).padStart(6, '0')}#${String(i).padStart(2, '0')}`), ...entry },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      })),
      this.counterAdd(record),
      { Put: this.auditTrail.transactPut(args.audit) },
      // The change's effects, delivered from the incidents table's stream (src/modules/outbox).
      ...outboxPuts(this.tables.incidents, args.effects ?? [], record.receivedAt, this.outboxRetentionDays),
    ]);
    if (!reasons) {
      this.lockHints.set(`${lock.kind}#${lock.id}`, incident.id);
      return 'opened';
    }
    if (reasons[0] === 'ConditionalCheckFailed') return 'duplicate-event';
    return 'lock-taken';
  }

  async saveLockedIncident(args: {
    record: EventRecord;
    lock: MonitoringLock;
    change: IncidentChange;
    expectedVersion: number;
    previous?: Incident;
    audit: AuditEntry;
    effects?: readonly OutboxEffect[];
  }): Promise<'saved' | 'duplicate-event' | 'conflict'> {
    const { record, lock, change, expectedVersion } = args;
    const incident = change.incident;
    // The aggregates' delta needs the stored version; a stale read fails the version condition below anyway.
    const before =
      args.previous?.version === expectedVersion
        ? args.previous
        : await this.db.send(new GetCommand({ TableName: this.tables.incidents, Key: incidentKey(incident.id), ConsistentRead: true })).then((read) => read.Item && fromItem(read.Item));
    if (!before || before.version !== expectedVersion) return 'conflict';
    const reasons = await this.transact([
      { Put: this.recordPut(record) },
      {
        Put: {
          TableName: this.tables.incidents,
          Item: toItem(incident),
          ConditionExpression: 'attribute_exists(pk) AND #version = :expected',
          ExpressionAttributeNames: { '#version': 'version' },
          ExpressionAttributeValues: { ':expected': expectedVersion },
        },
      },
      // The lock stays (naming a now-resolved incident, if this resolves it): the next event finds
      // it stale and replaces it conditionally (no DeleteItem needed on the incidents table).
      {
        ConditionCheck: {
          TableName: this.tables.incidents,
          Key: monitoringLockKey(lock),
          ConditionExpression: 'incidentId = :id',
          ExpressionAttributeValues: { ':id': incident.id },
        },
      },
      ...aggregateTransactItems(this.tables.incidents, before, incident),
      ...change.entries.map((entry, i) => ({
        Put: {
          TableName: this.tables.incidents,
          Item: { ...timelineEntryKey(incident.id, entry.at, `${String(incident.version).padStart(6, '0')}#${String(i).padStart(2, '0')}`), ...entry },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      })),
      this.counterAdd(record),
      { Put: this.auditTrail.transactPut(args.audit) },
      ...outboxPuts(this.tables.incidents, args.effects ?? [], record.receivedAt, this.outboxRetentionDays),
    ]);
    if (!reasons) return 'saved';
    if (reasons[0] === 'ConditionalCheckFailed') return 'duplicate-event';
    return 'conflict';
  }

  async attachToIncident(args: {
    record: EventRecord;
    incidentId: string;
    entry: TimelineEntry;
    countOccurrence: boolean;
    set?: Readonly<Record<string, unknown>>;
    expectedVersion?: number;
    audit: AuditEntry;
  }): Promise<AttachResult> {
    const { record, incidentId, entry, countOccurrence, expectedVersion } = args;
    const versioned = expectedVersion !== undefined;
    const openCondition = `attribute_exists(pk) AND NOT (#state IN (:resolved, :closed, :canceled))${versioned ? ' AND #version = :expected' : ''}`;
    const versionValue = versioned ? { ':expected': expectedVersion } : {};
    const fields = Object.entries(args.set ?? {});
    const setNames = Object.fromEntries(fields.map(([name], i) => [`#s${i}`, name]));
    const setValues = Object.fromEntries(fields.map(([, value], i) => [`:s${i}`, value]));
    const setClause = fields.map((_, i) => `, #s${i} = :s${i}`).join('');
    const incidentWrite = countOccurrence || fields.length > 0
      ? {
          Update: {
            TableName: this.tables.incidents,
            Key: incidentKey(incidentId),
            UpdateExpression: `ADD ${countOccurrence ? 'occurrenceCount :one, ' : ''}#version :one SET updatedAt = :at, updatedBy = :by${setClause}`,
            ConditionExpression: openCondition,
            ExpressionAttributeNames: { '#state': 'state', '#version': 'version', ...setNames },
            ExpressionAttributeValues: { ...CLOSED_STATES, ':one': 1, ':at': entry.at, ':by': entry.actor, ...versionValue, ...setValues },
          },
        }
      : {
          ConditionCheck: {
            TableName: this.tables.incidents,
            Key: incidentKey(incidentId),
            ConditionExpression: openCondition,
            ExpressionAttributeNames: { '#state': 'state', ...(versioned && { '#version': 'version' }) },
            ExpressionAttributeValues: { ...CLOSED_STATES, ...versionValue },
          },
        };
    const reasons = await this.transact([
      { Put: this.recordPut(record) },
      incidentWrite,
      {
        Put: {
          TableName: this.tables.incidents,
          Item: { ...timelineEntryKey(incidentId, entry.at, `e${randomBytes(4).toString('hex')}`), ...entry },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      this.counterAdd(record),
      { Put: this.auditTrail.transactPut(args.audit) },
    ]);
    if (!reasons) return 'attached';
    if (reasons[0] === 'ConditionalCheckFailed') return 'duplicate-event';
    if (reasons[1] === 'ConditionalCheckFailed') {
      if (!versioned) return 'incident-not-open';
      // Closed, or only moved on: the one condition covers both, so look (rare: a lost race).
      const now = await this.db.send(new GetCommand({ TableName: this.tables.incidents, Key: incidentKey(incidentId), ConsistentRead: true }));
      const state = now.Item?.['state'];
      return now.Item && !Object.values(CLOSED_STATES).includes(state) ? 'conflict' : 'incident-not-open';
    }
    throw new Error(`Attaching event ${record.eventId} to incident ${incidentId} failed: ${reasons.join(', ')}`);
  }

  /** The event record, under the condition that the event id was never recorded (always item 0 of a transaction). */
  private recordPut(record: EventRecord) {
    return {
      TableName: this.tables.events,
      Item: {
        ...eventRecordKey(record.eventId),
        ...eventIndexKeys(record),
        ...record,
        expiresAt: eventExpiry(new Date(record.receivedAt), this.retentionDays),
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    };
  }

  /**
   * Adds one to the event's hour×source×severity counter (one shard of it). Always in the same
   * transaction as recordPut: a redelivered event fails that condition and counts nothing.
   * The counter expires with the hour's last events.
   */
  private counterAdd(record: EventRecord) {
    const hour = utcHour(record.receivedAt);
    const { key, gsi1pk, gsi1sk } = trendCounterKeys(hour, record.source, record.severity, trendShard(record.eventId));
    return {
      Update: {
        TableName: this.tables.events,
        Key: key,
        UpdateExpression: 'ADD #count :one SET gsi1pk = :p, gsi1sk = :s, expiresAt = :e',
        ExpressionAttributeNames: { '#count': 'count' },
        ExpressionAttributeValues: { ':one': 1, ':p': gsi1pk, ':s': gsi1sk, ':e': eventExpiry(new Date(`${hour}:59:59.999Z`), this.retentionDays) },
      },
    };
  }

  /** Runs the transaction; undefined on success, else each item's cancellation code (retrying plain conflicts). */
  private async transact(items: NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']>): Promise<string[] | undefined> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.db.send(new TransactWriteCommand({ TransactItems: items }));
        return undefined;
      } catch (error) {
        if (!(error instanceof TransactionCanceledException) && (error as { name?: string }).name !== 'TransactionCanceledException') throw error;
        const codes = ((error as TransactionCanceledException).CancellationReasons ?? []).map((r) => r.Code ?? 'None');
        const conditionFailed = codes.some((c) => c === 'ConditionalCheckFailed');
        if (!conditionFailed && codes.some((c) => conflictCodes.has(c)) && attempt < 8) {
          await new Promise((resolve) => setTimeout(resolve, 20 + Math.random() * 30 * (attempt + 1)));
          continue;
        }
        return codes;
      }
    }
  }
}
