import type { OutboxEffect } from '../domain/effects';
import { EXPIRY_ATTRIBUTE } from '../../../kernel/adapters/quota-counter';
import { expiresAtEpochSeconds } from '../../../kernel/domain/retention';

/**
 * Outbox items live in the incidents table, beside the changes that cause them, so one
 * TransactWriteItems stores a change and its effects, and the table's stream carries them.
 * | item        | pk     | sk                        |
 * |-------------|--------|---------------------------|
 * | outbox item | OUTBOX | <createdAt>#<effectId>    |
 *
 * One partition, in creation order: the reconciler and the local runtime read the undelivered
 * items oldest first with one Query. A desk writes far fewer effects per second than the ~1,000
 * writes/s a partition sustains; delivered items are deleted, so the partition stays small.
 */
export const OUTBOX_PARTITION = 'OUTBOX';

export const outboxItemKey = (createdAt: string, effectId: string) => ({ pk: OUTBOX_PARTITION, sk: `${createdAt}#${effectId}` });

/** The Lambda event filter of the consumer: outbox items as they are inserted, nothing else of the table. */
export const OUTBOX_INSERT_FILTER = { eventName: ['INSERT'], dynamodb: { Keys: { pk: { S: [OUTBOX_PARTITION] } } } } as const;

/**
 * The Puts of a change's effects, for the change's own transaction; each only if not stored yet.
 * Each expires (the table's TTL) `retentionDays` after it was created (client config
 * `retention.outboxItems`): a delivered item is deleted at once, one never delivered goes then.
 */
export function outboxPuts(tableName: string, effects: readonly OutboxEffect[], createdAt: string, retentionDays: number) {
  const expiresAt = expiresAtEpochSeconds(retentionDays, createdAt);
  return effects.map(({ effectId, effect }) => ({
    Put: {
      TableName: tableName,
      Item: { ...outboxItemKey(createdAt, effectId), effectId, kind: effect.kind, effect, createdAt, [EXPIRY_ATTRIBUTE]: expiresAt },
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  }));
}
