import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { forEachOpenIncidentPage } from '../../incidents/adapters';
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
    const clocks: OpenSlaClock[] = [];
    let read = 0;
    const { truncated } = await forEachOpenIncidentPage(
      this.db,
      {
        TableName: this.tableName,
        FilterExpression: 'updatedAt < :before',
        ProjectionExpression: 'id, sla.generation',
        ExpressionAttributeValues: { ':before': changedBefore },
      },
      (page) => {
        read += page.ScannedCount ?? 0;
        for (const item of page.Items ?? []) {
          const generation = Number((item['sla'] as { generation?: unknown } | undefined)?.generation ?? 1);
          clocks.push({ incidentId: String(item['id']), generation });
        }
      },
      () => Math.min(PAGE, limit - read),
    );
    return { clocks, truncated };
  }
}
