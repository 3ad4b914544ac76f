import { DeleteCommand, GetCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Effect } from '../domain/effects';
import type { OutboxStore, StoredOutboxItem } from '../app/ports';
import { OUTBOX_PARTITION } from './outbox-table-keys';

/** The outbox items of the incidents table (outbox-table-keys.ts). */
export class DynamoDbOutbox implements OutboxStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(key: Readonly<Record<string, string>>): Promise<StoredOutboxItem | undefined> {
    const result = await this.db.send(new GetCommand({ TableName: this.tableName, Key: { pk: key['pk'], sk: key['sk'] }, ConsistentRead: true }));
    return result.Item ? fromItem(result.Item) : undefined;
  }

  async markDelivered(key: Readonly<Record<string, string>>): Promise<void> {
    await this.db.send(new DeleteCommand({ TableName: this.tableName, Key: { pk: key['pk'], sk: key['sk'] } }));
  }

  async undeliveredBefore(before: string, limit: number): Promise<readonly StoredOutboxItem[]> {
    const result = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND sk < :before',
        ExpressionAttributeValues: { ':pk': OUTBOX_PARTITION, ':before': before },
        ConsistentRead: true,
        Limit: limit,
      }),
    );
    return (result.Items ?? []).map(fromItem);
  }
}

function fromItem(item: Record<string, unknown>): StoredOutboxItem {
  return {
    key: { pk: String(item['pk']), sk: String(item['sk']) },
    effectId: String(item['effectId']),
    effect: item['effect'] as Effect,
    createdAt: String(item['createdAt']),
  };
}
