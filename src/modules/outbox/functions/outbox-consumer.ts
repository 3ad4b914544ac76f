import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { deliverBatch, type BatchOutcome, type EffectDeliveryDeps, type OutboxRecord } from '../app/deliver-effects';
import { OUTBOX_PARTITION } from '../adapters/outbox-table-keys';

/**
 * The outbox consumer over its delivery deps: a batch of the incidents table's stream records
 * (the event source mapping passes outbox INSERTs only) in, a partial batch response out. The
 * entry (outbox-consumer-handler.ts) builds the deps from the environment; tests build them with
 * stateful fakes at the adapter boundary.
 */
export function createOutboxConsumer(
  deps: EffectDeliveryDeps,
  report: { onFailure?(error: unknown, record: OutboxRecord): void; onBatch?(outcome: BatchOutcome): void } = {},
): (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse> {
  return async (event) => {
    const records: OutboxRecord[] = [];
    for (const record of event.Records ?? []) {
      const keys = record.dynamodb?.Keys;
      const pk = keys?.['pk']?.S;
      const sk = keys?.['sk']?.S;
      const sequenceNumber = record.dynamodb?.SequenceNumber;
      // Only outbox items are effects; anything else the filter let through is not this consumer's.
      if (pk !== OUTBOX_PARTITION || !sk || !sequenceNumber) continue;
      records.push({ sequenceNumber, key: { pk, sk } });
    }
    const outcome = await deliverBatch(deps, records, report.onFailure);
    report.onBatch?.(outcome);
    return { batchItemFailures: outcome.failed.map((itemIdentifier) => ({ itemIdentifier })) };
  };
}
