import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { OPEN_INCIDENT_STATES } from '../../incidents/domain';
import { INCIDENT_INDEXES, queryIncidentIndex } from '../../incidents/adapters';
import type { OpenSlaClock, OpenSlaClocks } from '../app/reconcile-effects';


const PAGE = 100;

/**
 * Open incidents with their current SLA clock generation: one Query per open state on the byState
 * index (it projects id, updatedAt and sla), pages of 100, at most `limit` index entries read in all, so
 * a run's cost is bounded however large the desk. No Scan. Incidents changed at or after
 * `changedBefore` are filtered out (their effects may still be on their way).
 */
export class DynamoDbOpenSlaClocks implements OpenSlaClocks {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async changedBefore(changedBefore: string, limit: number): Promise<{ readonly clocks: readonly OpenSlaClock[]; readonly truncated: boolean }> {
    const index = INCIDENT_INDEXES.byState;
    const clocks: OpenSlaClock[] = [];
    let read = 0;
    for (const state of OPEN_INCIDENT_STATES) {
      let start: Record<string, unknown> | undefined;
      do {
        if (read >= limit) return { clocks, truncated: true };
        const result = await queryIncidentIndex(this.db, 'byState', {
          TableName: this.tableName,
          KeyConditionExpression: '#pk = :state',
          FilterExpression: 'updatedAt < :before',
          ProjectionExpression: 'id, sla.generation',
          ExpressionAttributeNames: { '#pk': index.partitionKey },
          ExpressionAttributeValues: { ':state': `STATE#${state}`, ':before': changedBefore },
          Limit: Math.min(PAGE, limit - read),
          ...(start && { ExclusiveStartKey: start }),
        });
        read += result.ScannedCount ?? 0;
        for (const item of result.Items ?? []) {
          const generation = Number((item['sla'] as { generation?: unknown } | undefined)?.generation ?? 1);
          clocks.push({ incidentId: String(item['id']), generation });
        }
        start = result.LastEvaluatedKey;
      } while (start);
    }
    return { clocks, truncated: false };
  }
}
