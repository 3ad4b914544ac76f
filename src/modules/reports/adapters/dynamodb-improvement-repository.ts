import { GetCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Page, PageRequest } from '../../../kernel/app/ports';
import type { ImprovementRepository } from '../app/report-ports';
import { AlreadyExistsError, VersionConflictError } from '../../../kernel/domain/domain-errors';
import type { ImprovementItem, ImprovementStatus } from '../domain/improvement';
import { CATALOGUE_INDEXES, IMPROVEMENTS_PARTITION, improvementIndexKeys, improvementKey, KEY_ATTRIBUTES } from '../../catalogue/adapters';
import { decodeCursor, encodeCursor } from '../../../kernel/adapters/page-cursor';

/**
 * Improvement items in the catalogue table (`IMPROVEMENT#<id>`): conditional Puts (a new id, or the
 * expected version), and lists by status or all on two of the table's indexes, oldest first.
 */
export class DynamoDbImprovementRepository implements ImprovementRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async create(item: ImprovementItem): Promise<void> {
    try {
      await this.db.send(new PutCommand({ TableName: this.tableName, Item: this.itemOf(item), ConditionExpression: 'attribute_not_exists(pk)' }));
    } catch (error) {
      if (isConditionFailure(error)) throw new AlreadyExistsError(`Improvement ${item.id} exists already`, 'id');
      throw error;
    }
  }

  async get(id: string): Promise<ImprovementItem | undefined> {
    const result = await this.db.send(new GetCommand({ TableName: this.tableName, Key: improvementKey(id) }));
    return result.Item ? strip(result.Item) : undefined;
  }

  async save(item: ImprovementItem, expectedVersion: number): Promise<void> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: this.itemOf(item),
          ConditionExpression: 'version = :expected',
          ExpressionAttributeValues: { ':expected': expectedVersion },
        }),
      );
    } catch (error) {
      if (isConditionFailure(error)) throw new VersionConflictError(expectedVersion, undefined);
      throw error;
    }
  }

  async list(status: ImprovementStatus | undefined, page: PageRequest): Promise<Page<ImprovementItem>> {
    const index = status === undefined ? CATALOGUE_INDEXES.byServiceName : CATALOGUE_INDEXES.byServiceStatus;
    const partition = status === undefined ? IMPROVEMENTS_PARTITION : `IMPROVEMENT-STATUS#${status}`;
    const shape = { improvements: status ?? '*' };
    const result = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: index.name,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': index.partitionKey },
        ExpressionAttributeValues: { ':pk': partition },
        Limit: page.limit,
        ...(page.nextToken && { ExclusiveStartKey: decodeCursor(page.nextToken, shape) }),
      }),
    );
    return {
      items: (result.Items ?? []).map(strip),
      ...(result.LastEvaluatedKey && { nextToken: encodeCursor(result.LastEvaluatedKey, shape) }),
    };
  }

  private itemOf(item: ImprovementItem): Record<string, unknown> {
    return { ...improvementKey(item.id), kind: 'improvement', ...improvementIndexKeys(item), ...item };
  }
}

const isConditionFailure = (error: unknown) => (error as { name?: string }).name === 'ConditionalCheckFailedException';

function strip(item: Record<string, unknown>): ImprovementItem {
  return Object.fromEntries(Object.entries(item).filter(([name]) => !KEY_ATTRIBUTES.includes(name))) as unknown as ImprovementItem;
}
