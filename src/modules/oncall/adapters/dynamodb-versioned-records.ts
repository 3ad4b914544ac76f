import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Page, PageRequest } from '../../../kernel/app/ports';
import { AlreadyExistsError, VersionConflictError } from '../../../kernel/domain/domain-errors';
import { decodeCursor, encodeCursor, queryFromCursor } from '../../../kernel/adapters/page-cursor';
import type { VersionedRecords } from '../app/ports';
import { KEY_ATTRIBUTES, PEOPLE_PARTITION, POLICIES_PARTITION, SCHEDULES_PARTITION, personKey, policyKey, scheduleKey } from './oncall-table-keys';
import type { EscalationPolicy, Person, Schedule } from '../domain';

interface Layout {
  /** The record's kind: names it in errors and in the `kind` attribute. */
  readonly kind: string;
  readonly partition: string;
  readonly keyOf: (id: string) => { readonly pk: string; readonly sk: string };
}

/**
 * Records of one kind in the on-call table, all in one partition (oncall-table-keys.ts):
 * conditional Puts (a new id, or the expected version), GetItem, and a paged Query of the partition.
 */
export class DynamoDbVersionedRecords<T extends { readonly id: string; readonly version: number }> implements VersionedRecords<T> {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly layout: Layout,
  ) {}

  async create(record: T): Promise<void> {
    try {
      await this.db.send(new PutCommand({ TableName: this.tableName, Item: this.itemOf(record), ConditionExpression: 'attribute_not_exists(pk)' }));
    } catch (error) {
      if (isConditionFailure(error)) throw new AlreadyExistsError(`${this.layout.kind} ${record.id} exists already`, 'id');
      throw error;
    }
  }

  async get(id: string): Promise<T | undefined> {
    const result = await this.db.send(new GetCommand({ TableName: this.tableName, Key: this.layout.keyOf(id) }));
    return result.Item ? strip<T>(result.Item) : undefined;
  }

  async save(record: T, expectedVersion: number): Promise<void> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: this.itemOf(record),
          ConditionExpression: 'version = :expected',
          ExpressionAttributeValues: { ':expected': expectedVersion },
        }),
      );
    } catch (error) {
      if (isConditionFailure(error)) throw new VersionConflictError(expectedVersion, undefined);
      throw error;
    }
  }

  async list(page: PageRequest): Promise<Page<T>> {
    const shape = { list: this.layout.partition };
    const result = await queryFromCursor(this.db, {
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': this.layout.partition },
      Limit: page.limit,
      ...(page.nextToken && { ExclusiveStartKey: decodeCursor(page.nextToken, shape) }),
    });
    return {
      items: (result.Items ?? []).map((item) => strip<T>(item)),
      ...(result.LastEvaluatedKey && { nextToken: encodeCursor(result.LastEvaluatedKey, shape) }),
    };
  }

  private itemOf(record: T): Record<string, unknown> {
    return { ...this.layout.keyOf(record.id), kind: this.layout.kind, ...record };
  }
}

const isConditionFailure = (error: unknown) => (error as { name?: string }).name === 'ConditionalCheckFailedException';

function strip<T>(item: Record<string, unknown>): T {
  return Object.fromEntries(Object.entries(item).filter(([name]) => !KEY_ATTRIBUTES.includes(name))) as T;
}

export const scheduleRecords = (db: DynamoDBDocumentClient, tableName: string) =>
  new DynamoDbVersionedRecords<Schedule>(db, tableName, { kind: 'schedule', partition: SCHEDULES_PARTITION, keyOf: scheduleKey });

const POLICY_LAYOUT: Layout = { kind: 'policy', partition: POLICIES_PARTITION, keyOf: policyKey };

export const policyRecords = (db: DynamoDBDocumentClient, tableName: string) => new DynamoDbVersionedRecords<EscalationPolicy>(db, tableName, POLICY_LAYOUT);

export const personRecords = (db: DynamoDBDocumentClient, tableName: string) =>
  new DynamoDbVersionedRecords<Person>(db, tableName, { kind: 'person', partition: PEOPLE_PARTITION, keyOf: personKey });
