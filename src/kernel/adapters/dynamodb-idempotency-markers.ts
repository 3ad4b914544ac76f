import { gunzipSync, gzipSync } from 'node:zlib';
import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Clock, IdempotencyMarker, IdempotencyMarkers, StoredIdempotencyMarker } from '../app/ports';

/** Replays within this window answer the first response (as Powertools idempotency on the other routes). */
export const MARKER_WINDOW_SECONDS = 24 * 60 * 60;

/**
 * Idempotency markers in the stack's idempotency table (key `id`, TTL on `expiration`), next to
 * the records Powertools keeps for the other routes (their ids never collide: a marker's starts
 * with `marker#`). A marker is written only as a Put of the write's own TransactWriteItems.
 * TTL deletes expired items late (up to days), so the Put's condition also accepts an expired one.
 */
export class DynamoDbIdempotencyMarkers implements IdempotencyMarkers {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly clock: Clock,
  ) {}

  async get(id: string): Promise<StoredIdempotencyMarker | undefined> {
    const result = await this.db.send(new GetCommand({ TableName: this.tableName, Key: { id: markerKey(id) }, ConsistentRead: true }));
    const item = result.Item;
    if (!item || Number(item['expiration']) <= this.nowSeconds() || !(item['response'] instanceof Uint8Array)) return undefined;
    return { id, bodyHash: String(item['bodyHash']), response: JSON.parse(gunzipSync(item['response']).toString('utf8')) as StoredIdempotencyMarker['response'] };
  }

  /** The marker's Put, for the write's own transaction; `response` is what replays will answer. */
  transactPut(marker: IdempotencyMarker, response: StoredIdempotencyMarker['response']) {
    const now = this.nowSeconds();
    return {
      TableName: this.tableName,
      Item: {
        id: markerKey(marker.id),
        bodyHash: marker.bodyHash,
        // JSON, gzipped (binary): an incident's response (~1.3 KB) then fits the 1 KB of one write unit.
        response: gzipSync(JSON.stringify(response)),
        status: 'COMPLETED',
        expiration: now + MARKER_WINDOW_SECONDS,
      },
      ConditionExpression: 'attribute_not_exists(#id) OR #expiration <= :now',
      ExpressionAttributeNames: { '#id': 'id', '#expiration': 'expiration' },
      ExpressionAttributeValues: { ':now': now },
    };
  }

  private nowSeconds() {
    return Math.floor(this.clock.now().getTime() / 1000);
  }
}

const markerKey = (id: string) => `marker#${id}`;
