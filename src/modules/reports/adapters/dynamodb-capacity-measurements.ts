import { GetCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { CapacityMeasurements } from '../app/report-ports';
import type { CapacityMeasurement } from '../domain/capacity';
import { capacityKey } from '../../catalogue/adapters';

/**
 * Capacity measurements in the catalogue table, one item per action and instant
 * (`CAPACITY#<service>#<action>` / `<at>`): recording is one conditional Put, a report one Query
 * per action over the period's sort-key range.
 */
export class DynamoDbCapacityMeasurements implements CapacityMeasurements {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async record(measurement: CapacityMeasurement): Promise<{ created: true } | { created: false; existing: CapacityMeasurement }> {
    const key = capacityKey(measurement.service, measurement.action, measurement.at);
    try {
      await this.db.send(new PutCommand({ TableName: this.tableName, Item: { ...key, ...measurement }, ConditionExpression: 'attribute_not_exists(pk)' }));
      return { created: true };
    } catch (error) {
      if ((error as { name?: string }).name !== 'ConditionalCheckFailedException') throw error;
    }
    const stored = await this.db.send(new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }));
    return { created: false, existing: strip(stored.Item!) };
  }

  async between(service: string, action: string, from: string, to: string): Promise<readonly CapacityMeasurement[]> {
    const items: CapacityMeasurement[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const result = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          // `to` is exclusive: BETWEEN is inclusive, so the last item is dropped below when it sits on `to`.
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
          ExpressionAttributeValues: { ':pk': capacityKey(service, action, '').pk, ':from': from, ':to': to },
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of result.Items ?? []) if (item['sk'] !== to) items.push(strip(item));
      startKey = result.LastEvaluatedKey;
    } while (startKey);
    return items;
  }
}

function strip(item: Record<string, unknown>): CapacityMeasurement {
  const { pk: _pk, sk: _sk, ...measurement } = item;
  return measurement as unknown as CapacityMeasurement;
}
