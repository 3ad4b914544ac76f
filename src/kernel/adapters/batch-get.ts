import { BatchGetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** DynamoDB's limit on keys in one BatchGetItem call. */
export const BATCH_GET_MAX_KEYS = 100;
/** Calls in flight at once when there are more keys than one call takes (a page of 1,000 is ten calls). */
const CALLS_IN_FLIGHT = 4;

export interface BatchGetOptions {
  readonly tableName: string;
  /** Strongly consistent reads, as a GetItem with `ConsistentRead` would be. @default false */
  readonly consistentRead?: boolean;
  /**
   * Calls for one batch of keys, the first included, before keys DynamoDB keeps leaving
   * unprocessed (throttling, or the 16 MB answer limit) fail the read. @default 6
   */
  readonly maxAttempts?: number;
  /** Waits before a retry of the unprocessed keys; a test passes one that does not sleep. */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** Thrown when keys were still unprocessed after `maxAttempts` calls: the read did not complete. */
export class BatchGetIncompleteError extends Error {
  constructor(readonly tableName: string, readonly unprocessed: number) {
    super(`BatchGetItem on ${tableName} left ${unprocessed} key(s) unprocessed after every retry`);
    this.name = 'BatchGetIncompleteError';
  }
}

const sleepFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The items of `keys` from one table, in the keys' order (`undefined` where there is none), by
 * BatchGetItem: up to 100 keys a call instead of a GetItem each. DynamoDB answers a batch in any
 * order and may leave some keys unprocessed: those are asked again with a short, bounded, jittered
 * backoff (10, 20, 40… ms, capped at 200). A key given twice is asked once (DynamoDB refuses
 * duplicates in one call).
 */
export async function batchGetInOrder(
  db: DynamoDBDocumentClient,
  keys: readonly Record<string, unknown>[],
  options: BatchGetOptions,
): Promise<(Record<string, unknown> | undefined)[]> {
  if (keys.length === 0) return [];
  const keyAttributes = Object.keys(keys[0]!).sort();
  const identity = (record: Record<string, unknown>) => JSON.stringify(keyAttributes.map((name) => record[name]));
  const distinct = [...new Map(keys.map((key) => [identity(key), key])).values()];
  const found = new Map<string, Record<string, unknown>>();
  const chunks: Record<string, unknown>[][] = [];
  for (let i = 0; i < distinct.length; i += BATCH_GET_MAX_KEYS) chunks.push(distinct.slice(i, i + BATCH_GET_MAX_KEYS));
  for (let i = 0; i < chunks.length; i += CALLS_IN_FLIGHT) {
    const answers = await Promise.all(chunks.slice(i, i + CALLS_IN_FLIGHT).map((chunk) => readChunk(db, chunk, options)));
    for (const item of answers.flat()) found.set(identity(item), item);
  }
  return keys.map((key) => found.get(identity(key)));
}

async function readChunk(db: DynamoDBDocumentClient, chunk: Record<string, unknown>[], options: BatchGetOptions): Promise<Record<string, unknown>[]> {
  const { tableName, consistentRead = false, maxAttempts = 6, sleep = sleepFor } = options;
  const items: Record<string, unknown>[] = [];
  let pending = chunk;
  for (let attempt = 1; ; attempt++) {
    const result = await db.send(
      new BatchGetCommand({ RequestItems: { [tableName]: { Keys: pending, ...(consistentRead && { ConsistentRead: true }) } } }),
    );
    items.push(...(result.Responses?.[tableName] ?? []));
    pending = (result.UnprocessedKeys?.[tableName]?.Keys ?? []) as Record<string, unknown>[];
    if (pending.length === 0) return items;
    if (attempt >= maxAttempts) throw new BatchGetIncompleteError(tableName, pending.length);
    const ceiling = Math.min(200, 10 * 2 ** (attempt - 1));
    await sleep(ceiling / 2 + Math.random() * (ceiling / 2));
  }
}
