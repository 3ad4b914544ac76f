import type { QuotaCharge } from '../app/ports';

/** The attribute the tables' TTL removes items by (create-quota counters, finished outage records). */
export const EXPIRY_ATTRIBUTE = 'expiresAt';

/**
 * A caller's create counter for one window, one more under the condition that it is below the
 * limit: the quota is enforced by DynamoDB inside the create's own transaction (no read, no extra
 * round trip) and holds across every container. The item expires a day after its window.
 */
export function quotaCounterUpdate(tableName: string, key: Record<string, string>, quota: QuotaCharge) {
  return {
    Update: {
      TableName: tableName,
      Key: key,
      UpdateExpression: 'ADD #count :one SET #expires = :expires',
      ConditionExpression: 'attribute_not_exists(#count) OR #count < :limit',
      ExpressionAttributeNames: { '#count': 'count', '#expires': EXPIRY_ATTRIBUTE },
      ExpressionAttributeValues: { ':one': 1, ':limit': quota.limit, ':expires': quota.expiresAt },
    },
  };
}

/** The key of a caller's counter for one window, the same shape in every table that keeps one. */
export const createQuotaKey = (quota: Pick<QuotaCharge, 'subject' | 'counts' | 'windowStart'>) => ({ pk: `QUOTA#${quota.subject}`, sk: `${quota.counts}#${quota.windowStart}` });
