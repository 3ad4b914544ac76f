import { DEFAULT_RETENTION_DAYS } from '../../../kernel/domain/retention';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand, TransactWriteCommand, type DynamoDBDocumentClient, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import type { ChangeRepository, ChangeSideEffects, ChangeSlot, ChangeTarget, Milestone, RaisedRecord, RequestRepository } from '../app/change-ports';
import type { RequestState, ServiceRequest } from '../domain/service-request';
import { QuotaExhaustedError, type Page, type PageRequest, type QuotaCharge } from '../../../kernel/app/ports';
import { createQuotaKey, quotaCounterUpdate } from '../../../kernel/adapters/quota-counter';
import type { Change } from '../domain/change';
import { outboxPuts } from '../../outbox/adapters';
import { monthsBetween } from '../domain/change-calendar';
import { InvalidInputError, VersionConflictError } from '../../../kernel/domain/domain-errors';
import {
  CHANGE_INDEXES,
  KEY_ATTRIBUTES,
  calendarPartition,
  createdPartition,
  changeIndexKeys,
  changeKey,
  milestoneKey,
  requestIndexKeys,
  requestKey,
  milestonePartition,
  slotKey,
  targetPartition,
} from './changes-table-keys';
import { decodeCursor, encodeCursor, queryFromCursor } from '../../../kernel/adapters/page-cursor';

/**
 * The changes table. A change's next version and what follows from it (its slots on services and
 * CIs, the overlap flag on the other changes, go-live milestones) are written in one transaction.
 */
export class DynamoDbChangeRepository implements ChangeRepository, RequestRepository {
  /**
   * @param outboxTable the table outbox items are written to (the incidents table), in the same
   *   transaction as the change that causes them. The function always names it; without it (tests
   *   that deliver no effects) effects are not stored.
   */
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly outboxTable?: string,
    /** Days an outbox item stays if never delivered (client config `retention.outboxItems`). */
    private readonly outboxRetentionDays: number = DEFAULT_RETENTION_DAYS.outboxItems,
  ) {}

  async create(change: Change): Promise<void> {
    await this.db.send(new PutCommand({ TableName: this.tableName, Item: changeItem(change), ConditionExpression: 'attribute_not_exists(pk)' }));
  }

  async get(id: string): Promise<Change | undefined> {
    const result = await this.db.send(new GetCommand({ TableName: this.tableName, Key: changeKey(id) }));
    return result.Item ? (strip(result.Item) as unknown as Change) : undefined;
  }

  async save(change: Change, expectedVersion: number, effects: ChangeSideEffects = {}): Promise<void> {
    const TableName = this.tableName;
    const writes: Record<string, unknown>[] = [
      {
        Put: {
          TableName,
          Item: changeItem(change),
          ConditionExpression: 'attribute_exists(pk) AND #version = :expected',
          ExpressionAttributeNames: { '#version': 'version' },
          ExpressionAttributeValues: { ':expected': expectedVersion },
        },
      },
    ];
    for (const target of effects.slots ?? []) {
      writes.push({
        Put: {
          TableName,
          Item: { ...slotKey(target, change.plannedStart, change.id), kind: 'slot', changeId: change.id, start: change.plannedStart, end: change.plannedEnd },
        },
      });
    }
    for (const other of effects.flagOverlaps ?? []) {
      // The other change gains a version: its readers' ETags no longer match, as for any change.
      writes.push({
        Update: {
          TableName,
          Key: changeKey(other),
          UpdateExpression: 'SET #overlaps = list_append(#overlaps, :me), #version = #version + :one',
          ConditionExpression: 'attribute_exists(pk) AND NOT contains(#overlaps, :id)',
          ExpressionAttributeNames: { '#overlaps': 'overlapsWith', '#version': 'version' },
          ExpressionAttributeValues: { ':me': [change.id], ':id': change.id, ':one': 1 },
        },
      });
    }
    for (const m of effects.milestones ?? []) {
      writes.push({ Put: { TableName, Item: { ...milestoneKey(m.service, m.at, m.change), kind: 'milestone', ...m } } });
    }
    if (this.outboxTable) writes.push(...outboxPuts(this.outboxTable, effects.outbox ?? [], change.updatedAt, this.outboxRetentionDays));
    try {
      if (writes.length === 1) await this.db.send(new PutCommand(writes[0]!['Put'] as never));
      else await this.db.send(new TransactWriteCommand({ TransactItems: writes as never }));
    } catch (error) {
      const code = error instanceof TransactionCanceledException ? error.CancellationReasons?.[0]?.Code : (error as { name?: string }).name;
      if (code === 'ConditionalCheckFailed' || code === 'ConditionalCheckFailedException' || code === 'TransactionConflict') {
        throw new VersionConflictError(expectedVersion, undefined);
      }
      throw error;
    }
  }

  async listByState(state: Change['state'], page: PageRequest): Promise<Page<Change>> {
    const shape = { state };
    const index = CHANGE_INDEXES.byState;
    const result = await this.query({
      TableName: this.tableName,
      IndexName: index.name,
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': index.partitionKey },
      ExpressionAttributeValues: { ':pk': `CHANGE-STATE#${state}` },
      ScanIndexForward: false,
      Limit: page.limit,
      ...(page.nextToken && { ExclusiveStartKey: decodeCursor(page.nextToken, shape) }),
    });
    return {
      items: (result.Items ?? []).map((item) => strip(item) as unknown as Change),
      ...(result.LastEvaluatedKey && { nextToken: encodeCursor(result.LastEvaluatedKey, shape) }),
    };
  }

  /**
   * One Query per month partition, each on the sort-key range [from, to). The cursor names the
   * month it resumes in (`@month`) with DynamoDB's last key there, if any.
   */
  async calendar(from: string, to: string, page: PageRequest): Promise<Page<Change>> {
    const shape = { calendar: [from, to] };
    const months = monthsBetween(from, to);
    let start = page.nextToken ? decodeCursor(page.nextToken, shape) : { '@month': months[0]! };
    const items: Change[] = [];
    const index = CHANGE_INDEXES.byCalendarMonth;
    for (;;) {
      const { '@month': month, ...lastKey } = start as Record<string, string>;
      if (!month || !months.includes(month)) throw new InvalidInputError([{ field: 'nextToken', message: 'is not a cursor returned by this list with these filters' }]);
      const result = await this.query({
        TableName: this.tableName,
        IndexName: index.name,
        KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :from AND :to',
        ExpressionAttributeNames: { '#pk': index.partitionKey, '#sk': index.sortKey },
        // `#` sorts before every id character, `~` after: [from, to) on the planned start.
        ExpressionAttributeValues: { ':pk': calendarPartition(month), ':from': `${from}#`, ':to': `${to}#` },
        Limit: page.limit - items.length,
        ...(Object.keys(lastKey).length > 0 && { ExclusiveStartKey: lastKey }),
      });
      items.push(...(result.Items ?? []).map((item) => strip(item) as unknown as Change));
      const nextMonth = months[months.indexOf(month) + 1];
      if (result.LastEvaluatedKey) start = { '@month': month, ...(result.LastEvaluatedKey as Record<string, string>) };
      else if (nextMonth) start = { '@month': nextMonth };
      else return { items };
      if (items.length >= page.limit) return { items, nextToken: encodeCursor(start, shape) };
    }
  }

  async slotsOn(target: ChangeTarget, from: string, to: string): Promise<ChangeSlot[]> {
    const slots: ChangeSlot[] = [];
    let lastKey: Record<string, unknown> | undefined;
    do {
      const result = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
          ExpressionAttributeValues: { ':pk': targetPartition(target), ':from': `${from}#`, ':to': `${to}#` },
          ...(lastKey && { ExclusiveStartKey: lastKey }),
        }),
      );
      for (const item of result.Items ?? []) slots.push({ changeId: item['changeId'] as string, start: item['start'] as string, end: item['end'] as string });
      lastKey = result.LastEvaluatedKey;
    } while (lastKey);
    return slots;
  }

  async milestones(service: string, page: PageRequest): Promise<Page<Milestone>> {
    const shape = { milestones: service };
    const result = await this.query({
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': milestonePartition(service) },
      ScanIndexForward: false,
      Limit: page.limit,
      ...(page.nextToken && { ExclusiveStartKey: decodeCursor(page.nextToken, shape) }),
    });
    return {
      items: (result.Items ?? []).map((item) => {
        const { service: s, at, change, title } = item as unknown as Milestone;
        return { service: s, at, change, title };
      }),
      ...(result.LastEvaluatedKey && { nextToken: encodeCursor(result.LastEvaluatedKey, shape) }),
    };
  }

  /** One Query per month partition of byCreatedMonth, every page, projecting only what the report counts. */
  async raisedBetween(from: string, to: string): Promise<RaisedRecord[]> {
    const index = CHANGE_INDEXES.byCreatedMonth;
    const records: RaisedRecord[] = [];
    for (const month of monthsBetween(from, to)) {
      let lastKey: Record<string, unknown> | undefined;
      do {
        const result = await this.db.send(
          new QueryCommand({
            TableName: this.tableName,
            IndexName: index.name,
            KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :from AND :to',
            ExpressionAttributeNames: { '#pk': index.partitionKey, '#sk': index.sortKey, '#kind': 'kind', '#services': 'services', '#service': 'service', '#createdAt': 'createdAt' },
            ExpressionAttributeValues: { ':pk': createdPartition(month), ':from': `${from}#`, ':to': `${to}#` },
            ProjectionExpression: '#kind, #services, #service, #createdAt',
            ...(lastKey && { ExclusiveStartKey: lastKey }),
          }),
        );
        for (const item of result.Items ?? []) {
          const kind = item['kind'] === 'request' ? 'request' : 'change';
          records.push({ kind, services: kind === 'request' ? [item['service'] as string] : (item['services'] as string[]), createdAt: item['createdAt'] as string });
        }
        lastKey = result.LastEvaluatedKey;
      } while (lastKey);
    }
    return records;
  }

  async createRequest(request: ServiceRequest, quota?: QuotaCharge): Promise<void> {
    const put = { TableName: this.tableName, Item: requestItem(request), ConditionExpression: 'attribute_not_exists(pk)' };
    if (!quota) {
      await this.db.send(new PutCommand(put));
      return;
    }
    // The caller's create counter rides in the same request: still one round trip.
    try {
      await this.db.send(new TransactWriteCommand({ TransactItems: [{ Put: put }, quotaCounterUpdate(this.tableName, createQuotaKey(quota), quota)] }));
    } catch (error) {
      if (error instanceof TransactionCanceledException && error.CancellationReasons?.[1]?.Code === 'ConditionalCheckFailed') throw new QuotaExhaustedError();
      throw error;
    }
  }

  async getRequest(id: string): Promise<ServiceRequest | undefined> {
    const result = await this.db.send(new GetCommand({ TableName: this.tableName, Key: requestKey(id) }));
    return result.Item ? (strip(result.Item) as unknown as ServiceRequest) : undefined;
  }

  async saveRequest(request: ServiceRequest, expectedVersion: number): Promise<void> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: requestItem(request),
          ConditionExpression: 'attribute_exists(pk) AND #version = :expected',
          ExpressionAttributeNames: { '#version': 'version' },
          ExpressionAttributeValues: { ':expected': expectedVersion },
        }),
      );
    } catch (error) {
      if ((error as { name?: string }).name === 'ConditionalCheckFailedException') throw new VersionConflictError(expectedVersion, undefined);
      throw error;
    }
  }

  async listRequestsByState(state: RequestState, page: PageRequest): Promise<Page<ServiceRequest>> {
    const shape = { requestState: state };
    const index = CHANGE_INDEXES.byState;
    const result = await this.query({
      TableName: this.tableName,
      IndexName: index.name,
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': index.partitionKey },
      ExpressionAttributeValues: { ':pk': `REQUEST-STATE#${state}` },
      ScanIndexForward: false,
      Limit: page.limit,
      ...(page.nextToken && { ExclusiveStartKey: decodeCursor(page.nextToken, shape) }),
    });
    return {
      items: (result.Items ?? []).map((item) => strip(item) as unknown as ServiceRequest),
      ...(result.LastEvaluatedKey && { nextToken: encodeCursor(result.LastEvaluatedKey, shape) }),
    };
  }

  /** A start key DynamoDB refuses can only come from a doctored cursor (page-cursor.ts). */
  private query(input: QueryCommandInput) {
    return queryFromCursor(this.db, input);
  }
}

const requestItem = (request: ServiceRequest) => ({ ...requestKey(request.id), ...requestIndexKeys(request), kind: 'request', ...request });
const changeItem = (change: Change) => ({ ...changeKey(change.id), ...changeIndexKeys(change), kind: 'change', ...change });

function strip(item: Record<string, unknown>): Record<string, unknown> {
  const entity: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(item)) if (!KEY_ATTRIBUTES.includes(key)) entity[key] = value;
  return entity;
}
