import { DEFAULT_RETENTION_DAYS } from '../../../kernel/domain/retention';
import { randomBytes } from 'node:crypto';
import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { InvalidInputError, VersionConflictError } from '../../../kernel/domain/domain-errors';
import type { Incident, IncidentChange } from '../domain/incident';
import type { TimelineEntry } from '../domain/incident-timeline';
import type { IncidentFilter, IncidentRepository, OnceMarker, StoredTimelineEntry } from '../app/ports';
import {
  IdempotencyKeyTakenError,
  QuotaExhaustedError,
  type IdempotencyMarker,
  type Page,
  type PageRequest,
  type QuotaCharge,
  type StoredIdempotencyMarker,
} from '../../../kernel/app/ports';
import { decodeCursor, encodeCursor } from '../../../kernel/adapters/page-cursor';
import { batchGetInOrder } from '../../../kernel/adapters/batch-get';
import type { AuditEntry } from '../../../kernel/domain/audit-chain';
import type { AuditRecordPut } from '../../../kernel/adapters/dynamodb-audit-trail';
import { aggregateKey, aggregateTransactItems } from './report-aggregates';
import { BACKLOG_KEY, withSlaCounted } from '../domain/incident-aggregates';
import type { AppliedSlaTerms, IncidentSla, SlaPolicy } from '../domain/incident-sla';
import { dueMarkerDelta, type DueMarker } from '../domain/post-incident-review';
import { createQuotaKey, quotaCounterUpdate } from '../../../kernel/adapters/quota-counter';
import { outboxPuts } from '../../outbox/adapters';
import { queryIncidentIndex } from './incident-index-query';
import type { OutboxEffect } from '../../outbox/domain';
import {
  INCIDENT_INDEXES,
  KEY_ATTRIBUTES,
  formatIncidentNumber,
  incidentIdOfKey,
  incidentIndexKeys,
  incidentKey,
  incidentNumberCounterKey,
  timelineEntryKey,
  TIMELINE_PREFIX,
  REVIEW_ACTIONS_DUE_PARTITION,
  reviewActionDueKey,
  QUOTA_EXPIRY_ATTRIBUTE,
  type IncidentIndexName,
} from './incidents-table-keys';

/** A page read stops after this many DynamoDB calls even if filters left it short; the cursor resumes. */
const MAX_QUERY_CALLS_PER_PAGE = 5;

export class DynamoDbIncidentRepository implements IncidentRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    /**
     * Builds a change's audit record as a Put for the change's own transaction (DynamoDbAuditTrail,
     * stamped with the request). Needed by writers that pass audit entries; readers go without.
     */
    private readonly auditTrail?: { transactPut(entry: AuditEntry): AuditRecordPut },
    /** Builds an Idempotency-Key marker's Put for a create's own transaction (DynamoDbIdempotencyMarkers). */
    private readonly markers?: { transactPut(marker: IdempotencyMarker, response: StoredIdempotencyMarker['response']): Record<string, unknown> },
    /**
     * The client's SLA policy: each write counts the incident's SLA outcome in the report
     * aggregates (withSlaCounted). Every writer of incidents passes it; without it a write keeps
     * the incident's earlier counts.
     */
    private readonly slaPolicy?: SlaPolicy,
    /** Days an outbox item stays if never delivered (client config `retention.outboxItems`). */
    private readonly outboxRetentionDays: number = DEFAULT_RETENTION_DAYS.outboxItems,
  ) {}

  /** The audit record's Put, when the caller gave one: stored with the change or not at all. */
  private auditPut(audit: AuditEntry | undefined) {
    if (!audit) return [];
    if (!this.auditTrail) throw new Error('This incident repository has no audit trail: construct it with one to store audited changes');
    return [{ Put: this.auditTrail.transactPut(audit) }];
  }

  async allocateNumber(): Promise<string> {
    const result = await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: incidentNumberCounterKey,
        UpdateExpression: 'ADD #seq :one',
        ExpressionAttributeNames: { '#seq': 'sequence' },
        ExpressionAttributeValues: { ':one': 1 },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    return formatIncidentNumber(Number(result.Attributes?.['sequence']));
  }

  /** The "created" timeline entry is not stored: the timeline derives it from the incident. */
  async create(change: IncidentChange, audit?: AuditEntry, effects: readonly OutboxEffect[] = [], once?: OnceMarker, quota?: QuotaCharge): Promise<void> {
    const stored = change.entries.filter((e) => e.type !== 'created');
    const incident = withSlaCounted(undefined, change.incident, this.slaPolicy);
    if (once && !this.markers) throw new Error('This incident repository has no idempotency markers: construct it with them to honour Idempotency-Key');
    // The report aggregates ride in the incident's transaction: a duplicate id writes nothing, counts nothing.
    const items = [
      { Put: { TableName: this.tableName, Item: toItem(incident), ConditionExpression: 'attribute_not_exists(pk)' } },
      ...this.entryPuts(change.incident.id, stored, change.incident.version),
      ...aggregateTransactItems(this.tableName, undefined, incident),
      ...this.auditPut(audit),
      // The change's effects, delivered from the table's stream (src/modules/outbox).
      ...outboxPuts(this.tableName, effects, change.incident.updatedAt, this.outboxRetentionDays),
    ];
    // Last: "this Idempotency-Key was used", stored with the incident or not at all.
    const markerIndex = once ? items.push({ Put: this.markers!.transactPut(once.marker, once.response) as never }) - 1 : -1;
    const quotaIndex = quota ? items.push(quotaCounterUpdate(this.tableName, createQuotaKey(quota), quota) as never) - 1 : -1;
    try {
      await this.transact(items);
    } catch (error) {
      const reasons = error instanceof TransactionCanceledException ? (error.CancellationReasons ?? []) : [];
      if (quotaIndex >= 0 && reasons[quotaIndex]?.Code === 'ConditionalCheckFailed') throw new QuotaExhaustedError();
      if (markerIndex >= 0 && reasons[markerIndex]?.Code === 'ConditionalCheckFailed') throw new IdempotencyKeyTakenError(false);
      if (markerIndex >= 0 && reasons[markerIndex]?.Code === 'TransactionConflict') throw new IdempotencyKeyTakenError(true);
      // The same answer as a conditional PutItem: the id is taken.
      if (error instanceof TransactionCanceledException && reasons[0]?.Code === 'ConditionalCheckFailed') {
        throw new ConditionalCheckFailedException({ message: `Incident ${change.incident.id} exists`, $metadata: error.$metadata });
      }
      throw error;
    }
  }

  async get(id: string): Promise<Incident | undefined> {
    const result = await this.db.send(new GetCommand({ TableName: this.tableName, Key: incidentKey(id) }));
    return result.Item ? fromItem(result.Item) : undefined;
  }

  /**
   * Writes a transaction. The aggregate items are shared by every incident of a service (and of the
   * stack): a concurrent transaction on one of them cancels this one with TransactionConflict on
   * that item only, and it is tried again. A failed condition, or a conflict on the incident itself
   * (item 0), is the caller's answer and is thrown.
   */
  private async transact(items: NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']>): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.db.send(new TransactWriteCommand({ TransactItems: items }));
        return;
      } catch (error) {
        const codes = error instanceof TransactionCanceledException ? (error.CancellationReasons ?? []).map((r) => r.Code ?? 'None') : [];
        const sharedConflict = codes[0] !== 'TransactionConflict' && !codes.includes('ConditionalCheckFailed') && codes.includes('TransactionConflict');
        if (!sharedConflict || attempt >= 8) throw error;
        await new Promise((resolve) => setTimeout(resolve, 10 + Math.random() * 25 * (attempt + 1)));
      }
    }
  }

  private async getConsistent(id: string): Promise<Incident | undefined> {
    const result = await this.db.send(new GetCommand({ TableName: this.tableName, Key: incidentKey(id), ConsistentRead: true }));
    return result.Item ? fromItem(result.Item) : undefined;
  }

  async getByNumber(number: string): Promise<Incident | undefined> {
    const index = INCIDENT_INDEXES.byNumber;
    const result = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: index.name,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': index.partitionKey },
        ExpressionAttributeValues: { ':pk': `NUMBER#${number}` },
        Limit: 1,
      }),
    );
    // The index holds keys only (it is not rewritten on every incident write): read the item by key.
    const id = incidentIdOfKey(String(result.Items?.[0]?.['pk'] ?? ''));
    return id ? this.get(id) : undefined;
  }

  /**
   * `previous`: the incident at `expectedVersion`, as the caller loaded it; read here (consistently)
   * when not given. The aggregates' delta is computed from it; if it is not the stored version the
   * version condition refuses the whole transaction anyway.
   */
  async save(change: IncidentChange, expectedVersion: number, previous?: Incident, audit?: AuditEntry, effects: readonly OutboxEffect[] = []): Promise<void> {
    const before = previous?.version === expectedVersion ? previous : await this.getConsistent(change.incident.id);
    if (!before || before.version !== expectedVersion) throw new VersionConflictError(expectedVersion, before?.version);
    const incident = withSlaCounted(before, change.incident, this.slaPolicy);
    try {
      await this.transact([
            {
              Put: {
                TableName: this.tableName,
                Item: toItem(incident),
                ConditionExpression: 'attribute_exists(pk) AND #version = :expected',
                ExpressionAttributeNames: { '#version': 'version' },
                ExpressionAttributeValues: { ':expected': expectedVersion },
              },
            },
            ...this.entryPuts(change.incident.id, change.entries, change.incident.version),
            ...aggregateTransactItems(this.tableName, before, incident),
            ...this.dueMarkerWrites(before, incident),
            ...this.auditPut(audit),
            ...outboxPuts(this.tableName, effects, change.incident.updatedAt, this.outboxRetentionDays),
      ]);
    } catch (error) {
      // ConditionalCheckFailed: someone saved first. TransactionConflict: someone is saving the same
      // item right now (real DynamoDB only). Either way this writer lost the race.
      const code = error instanceof TransactionCanceledException ? error.CancellationReasons?.[0]?.Code : undefined;
      if (code === 'ConditionalCheckFailed' || code === 'TransactionConflict') {
        throw new VersionConflictError(expectedVersion, undefined);
      }
      throw error;
    }
  }

  async append(incidentId: string, entries: readonly TimelineEntry[], audit?: AuditEntry, effects: readonly OutboxEffect[] = []): Promise<void> {
    const position = `c${randomBytes(4).toString('hex')}`;
    await this.db.send(
      new TransactWriteCommand({
        TransactItems: [
          // The incident must exist; comments on nothing would be orphans.
          { ConditionCheck: { TableName: this.tableName, Key: incidentKey(incidentId), ConditionExpression: 'attribute_exists(pk)' } },
          ...entries.map((entry, i) => ({
            Put: {
              TableName: this.tableName,
              Item: { ...timelineEntryKey(incidentId, entry.at, `${position}${i}`), ...entry },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          })),
          ...this.auditPut(audit),
          ...outboxPuts(this.tableName, effects, entries[0]?.at ?? new Date().toISOString(), this.outboxRetentionDays),
        ],
      }),
    );
  }

  /** The review-action due markers the change adds and settles (incidents-table-keys.ts). */
  private dueMarkerWrites(before: Incident, after: Incident) {
    const { put, settle } = dueMarkerDelta(before, after);
    // Settled markers expire a day later: the overdue check skips them meanwhile.
    const expires = Math.floor(Date.parse(after.updatedAt) / 1000) + 86_400;
    return [
      ...put.map((m) => ({ Put: { TableName: this.tableName, Item: { ...reviewActionDueKey(m), ...m } } })),
      ...settle.map((m) => ({
        Update: {
          TableName: this.tableName,
          Key: reviewActionDueKey(m),
          UpdateExpression: 'SET settled = :true, #expires = :expires',
          ExpressionAttributeNames: { '#expires': QUOTA_EXPIRY_ATTRIBUTE },
          ExpressionAttributeValues: { ':true': true, ':expires': expires },
        },
      })),
    ];
  }

  /** Open review actions due before `before`, oldest first: one Query on the markers' partition. */
  async reviewActionsDueBefore(before: string, limit: number): Promise<DueMarker[]> {
    const markers: DueMarker[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const result = await this.query({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND sk < :before',
        FilterExpression: 'attribute_not_exists(settled)',
        ExpressionAttributeValues: { ':pk': REVIEW_ACTIONS_DUE_PARTITION, ':before': before },
        Limit: limit,
        ExclusiveStartKey: startKey,
      });
      for (const item of result.Items ?? []) markers.push({ due: String(item['due']), incidentId: String(item['incidentId']), actionId: String(item['actionId']) });
      startKey = result.LastEvaluatedKey;
    } while (startKey && markers.length < limit);
    return markers.slice(0, limit);
  }

  private entryPuts(incidentId: string, entries: readonly TimelineEntry[], version: number) {
    return entries.map((entry, i) => ({
      Put: {
        TableName: this.tableName,
        Item: { ...timelineEntryKey(incidentId, entry.at, `${String(version).padStart(6, '0')}#${String(i).padStart(2, '0')}`), ...entry },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    }));
  }

  /**
   * The service's backlog item (one consistent GetItem, whatever the number open): written in the
   * same transaction as every change, so it counts the changes committed before this read. A
   * backlog the recount has not corrected yet (app/backlog-recount.ts) reads no lower than 0.
   */
  async countOpenOnService(service: string, upTo: number): Promise<number> {
    const result = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: aggregateKey(service, BACKLOG_KEY), ProjectionExpression: '#open', ExpressionAttributeNames: { '#open': 'open' }, ConsistentRead: true }),
    );
    const open = Number(result.Item?.['open'] ?? 0);
    return Math.min(upTo, Math.max(0, open));
  }

  async timeline(
    incidentId: string,
    options: PageRequest & { readonly publicOnly: boolean; readonly incident?: Incident },
  ): Promise<Page<StoredTimelineEntry>> {
    const shape = { timeline: incidentId, publicOnly: options.publicOnly };
    const items: StoredTimelineEntry[] = [];
    let startKey = options.nextToken ? decodeCursor(options.nextToken, shape) : undefined;
    if (!startKey) {
      // The first entry is derived from the incident itself (see create); callers that already hold it save a read.
      const incident = options.incident ?? (await this.get(incidentId));
      if (incident) {
        items.push({
          id: `${incident.createdAt}#created`,
          type: 'created',
          at: incident.createdAt,
          actor: incident.recordedBy,
          visibility: 'public',
          text: `Logged via ${incident.channel}`,
        });
        // A page the derived entry fills on its own (limit 1) resumes before the first stored entry.
        if (items.length >= options.limit) {
          return { items, nextToken: encodeCursor({ ...incidentKey(incidentId), sk: TIMELINE_PREFIX }, shape) };
        }
      }
    }
    for (let call = 0; call < MAX_QUERY_CALLS_PER_PAGE && items.length < options.limit; call++) {
      const result = await this.query({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': incidentKey(incidentId).pk, ':prefix': TIMELINE_PREFIX, ...(options.publicOnly && { ':public': 'public' }) },
        ...(options.publicOnly && { FilterExpression: 'visibility = :public' }),
        ScanIndexForward: true,
        Limit: options.limit - items.length,
        ExclusiveStartKey: startKey,
      });
      for (const item of result.Items ?? []) {
        const { pk: _pk, sk, ...entry } = item;
        items.push({ ...(entry as TimelineEntry), id: String(sk).slice(TIMELINE_PREFIX.length) });
      }
      startKey = result.LastEvaluatedKey;
      if (!startKey) break;
    }
    return { items, ...(startKey && { nextToken: encodeCursor(startKey, shape) }) };
  }

  async resolvedBefore(resolvedBefore: string, page: PageRequest): Promise<Page<Incident>> {
    const index = INCIDENT_INDEXES.byState;
    const shape = { resolvedBefore };
    // resolvedAt is projected: the filter runs on the index, and only the matches are read.
    const result = await this.query({
      TableName: this.tableName,
      KeyConditionExpression: '#pk = :pk',
      FilterExpression: 'resolvedAt < :cutoff',
      ExpressionAttributeNames: { '#pk': index.partitionKey },
      ExpressionAttributeValues: { ':pk': 'STATE#Resolved', ':cutoff': resolvedBefore },
      Limit: page.limit,
      ...(page.nextToken && { ExclusiveStartKey: decodeCursor(page.nextToken, shape) }),
    }, 'byState');
    const incidents = await this.incidentsOf(result.Items ?? []);
    return {
      // The index lags the table: an incident reopened meanwhile is no longer one to close.
      items: incidents.filter((incident) => incident.state === 'Resolved' && incident.resolvedAt !== undefined && incident.resolvedAt < resolvedBefore),
      ...(result.LastEvaluatedKey && { nextToken: encodeCursor(result.LastEvaluatedKey, shape) }),
    };
  }

  async createdBetween(from: string, to: string, page: PageRequest): Promise<Page<Incident>> {
    const index = INCIDENT_INDEXES.byCreated;
    const shape = { createdFrom: from, createdTo: to };
    // Sort keys are `<created>#<id>`: every key of an instant before `to` sorts below `to` itself.
    const result = await this.query({
      TableName: this.tableName,
      KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :from AND :to',
      ExpressionAttributeNames: { '#pk': index.partitionKey, '#sk': index.sortKey },
      ExpressionAttributeValues: { ':pk': 'INCIDENTS', ':from': from, ':to': to },
      ScanIndexForward: true,
      Limit: page.limit,
      ...(page.nextToken && { ExclusiveStartKey: decodeCursor(page.nextToken, shape) }),
    }, 'byCreated');
    return {
      items: await this.incidentsOf(result.Items ?? []),
      ...(result.LastEvaluatedKey && { nextToken: encodeCursor(result.LastEvaluatedKey, shape) }),
    };
  }

  /**
   * The incidents of a page of index entries, in the entries' order: the list indexes hold keys
   * only (incidents-table-keys.ts), so the page's incidents are read by key with BatchGetItem (one
   * call per 100, eventually consistent like `get`). One gone meanwhile is left out.
   */
  private async incidentsOf(entries: readonly Record<string, unknown>[]): Promise<Incident[]> {
    const ids = entries.map((entry) => incidentIdOfKey(String(entry['pk'] ?? ''))).filter((id): id is string => id !== undefined);
    const items = await batchGetInOrder(this.db, ids.map(incidentKey), { tableName: this.tableName });
    return items.filter((item): item is Record<string, unknown> => item !== undefined).map(fromItem);
  }

  /** A Query on the table, or on one of its indexes by logical name (through its retired one while a stack moves to the lean ones). */
  private query(input: QueryCommandInput, index?: IncidentIndexName) {
    return queryWithCursor(this.db, input, index);
  }

  async list(filter: IncidentFilter, page: PageRequest): Promise<Page<Incident>> {
    const plan = planQuery(filter);
    const shape = { index: plan.index, filter };
    const index = INCIDENT_INDEXES[plan.index];
    const names: Record<string, string> = { '#pk': index.partitionKey };
    const values: Record<string, unknown> = { ':pk': plan.partition };
    let keyCondition = '#pk = :pk';
    if (plan.sortPrefix) {
      names['#sk'] = index.sortKey;
      values[':skPrefix'] = plan.sortPrefix;
      keyCondition += ' AND begins_with(#sk, :skPrefix)';
    }
    const input: QueryCommandInput = {
      TableName: this.tableName,
      KeyConditionExpression: keyCondition,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
      ScanIndexForward: plan.oldestFirst,
    };

    // The index holds keys only: the filters the index does not cover apply to the incidents read,
    // and so does the whole filter, since the index lags the table (an entry's incident may have left the list).
    const wanted = { ...defined({ state: filter.state, priority: filter.priority, service: filter.service, reportedBy: filter.reportedBy, assignee: filter.assignee, assignmentGroup: filter.assignmentGroup }), ...plan.residual };
    const matches = (incident: Incident) => Object.entries(wanted).every(([field, value]) => (incident as unknown as Record<string, unknown>)[field] === value);
    const items: Incident[] = [];
    let startKey = page.nextToken ? decodeCursor(page.nextToken, shape) : undefined;
    for (let call = 0; call < MAX_QUERY_CALLS_PER_PAGE && items.length < page.limit; call++) {
      const result = await this.query({ ...input, Limit: page.limit - items.length, ExclusiveStartKey: startKey }, plan.index);
      items.push(...(await this.incidentsOf(result.Items ?? [])).filter(matches));
      startKey = result.LastEvaluatedKey;
      if (!startKey) break;
    }
    return { items, ...(startKey && { nextToken: encodeCursor(startKey, shape) }) };
  }
}

/** A start key DynamoDB refuses can only come from a doctored cursor: the client's error, not ours. */
async function queryWithCursor(db: DynamoDBDocumentClient, input: QueryCommandInput, index?: IncidentIndexName) {
  try {
    return await (index ? queryIncidentIndex(db, index, input) : db.send(new QueryCommand(input)));
  } catch (error) {
    if (input.ExclusiveStartKey && (error as { name?: string }).name === 'ValidationException') {
      throw new InvalidInputError([{ field: 'nextToken', message: 'is not a cursor returned by this list with these filters' }]);
    }
    throw error;
  }
}

interface QueryPlan {
  readonly index: IncidentIndexName;
  readonly partition: string;
  readonly sortPrefix?: string;
  /** Filters the chosen index does not cover, applied as a FilterExpression. */
  readonly residual: Partial<Record<'state' | 'priority' | 'service' | 'reportedBy' | 'assignee' | 'assignmentGroup', string>> & { readonly security?: true };
  readonly oldestFirst: boolean;
}

/** Picks the most selective index for the filter; everything else is a filter on that Query. */
export function planQuery(filter: IncidentFilter): QueryPlan {
  const { securityOnly, ...rest } = filter;
  const plan = planByKeys(rest);
  // Security incidents have no index of their own (a few a month): a filter on whichever index the rest picks.
  return securityOnly ? { ...plan, residual: { ...plan.residual, security: true } } : plan;
}

function planByKeys(filter: Omit<IncidentFilter, 'securityOnly'>): QueryPlan {
  const { state, priority, service, reportedBy, assignee, assignmentGroup } = filter;
  if (reportedBy !== undefined) {
    return { index: 'byReporter', partition: `REPORTER#${reportedBy}`, residual: defined({ state, priority, service, assignee, assignmentGroup }), oldestFirst: false };
  }
  if (state !== undefined) return queue('byState', `STATE#${state}`, priority, defined({ service, assignee, assignmentGroup }));
  // Assignee and group queues hold open work only, ordered by priority then age.
  if (assignee !== undefined) return queue('byAssignee', `ASSIGNEE#${assignee}`, priority, defined({ service, assignmentGroup }));
  if (assignmentGroup !== undefined) return queue('byGroup', `GROUP#${assignmentGroup}`, priority, defined({ service }));
  if (service !== undefined) {
    // A service's incidents read like a queue too: priority, then age.
    return queue('byService', `SERVICE#${service}`, priority, {});
  }
  return { index: 'byCreated', partition: 'INCIDENTS', residual: defined({ priority }), oldestFirst: false };
}

/** A queue index sorts by priority, then age: a priority filter is a sort-key prefix, oldest first. */
function queue(index: IncidentIndexName, partition: string, priority: string | undefined, residual: QueryPlan['residual']): QueryPlan {
  return { index, partition, ...(priority !== undefined && { sortPrefix: `${priority}#` }), residual, oldestFirst: true };
}

function defined<T extends Record<string, string | undefined>>(record: T): Partial<Record<keyof T, string>> {
  return Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined)) as Partial<Record<keyof T, string>>;
}

/**
 * The incident's item. It leaves out what the incident implies: a new incident's defaults (no
 * escalation, never reopened, no SLA history or notice yet) and copies of its `createdAt`, which
 * never changes (`detectedAt` when none was given, the SLA terms' `recordedAt`). Every write
 * rewrites the whole item and is billed per started KB, so these bytes cost on every change
 * (docs/architecture.md, "Write units"). `fromItem` puts them back.
 */
export function toItem(incident: Incident): Record<string, unknown> {
  const { detectedAt, escalations, escalationLevel, reopenCount, sla, ...rest } = incident;
  return {
    ...incidentKey(incident.id),
    ...incidentIndexKeys(incident),
    ...rest,
    ...(detectedAt !== incident.createdAt && { detectedAt }),
    ...(escalations?.length && { escalations }),
    ...(escalationLevel !== 0 && { escalationLevel }),
    ...(reopenCount !== 0 && { reopenCount }),
    ...(sla && { sla: slaItem(sla, incident.createdAt) }),
  };
}

function slaItem(sla: IncidentSla, createdAt: string): Record<string, unknown> {
  const { history, notices, terms, ...rest } = sla;
  const { recordedAt, ...termsRest } = terms ?? ({} as Partial<AppliedSlaTerms>);
  return {
    ...rest,
    ...(history?.length && { history }),
    ...(notices?.length && { notices }),
    ...(terms && { terms: recordedAt === createdAt ? termsRest : terms }),
  };
}

/** The incident an item holds, with what `toItem` left out put back (items written before it hold it all). */
export function fromItem(item: Record<string, unknown>): Incident {
  const entity: Record<string, unknown> = { ...item };
  for (const attribute of KEY_ATTRIBUTES) delete entity[attribute];
  const createdAt = entity['createdAt'];
  const sla = entity['sla'] as Record<string, unknown> | undefined;
  const terms = sla?.['terms'] as Record<string, unknown> | undefined;
  return {
    escalations: [],
    escalationLevel: 0,
    reopenCount: 0,
    ...(createdAt !== undefined && { detectedAt: createdAt }),
    ...entity,
    ...(sla && { sla: { history: [], notices: [], ...sla, ...(terms && { terms: { ...(createdAt !== undefined && { recordedAt: createdAt }), ...terms } }) } }),
  } as unknown as Incident;
}
