import { QueryCommand, type DynamoDBDocumentClient, type QueryCommandInput, type QueryCommandOutput } from '@aws-sdk/lib-dynamodb';

/**
 * A secondary index a table is moving to, and the one it replaces (same key attributes, every
 * attribute projected). A projection cannot change in place, so a leaner index has a new name and
 * a stack created before it moves over in staged deploys (docs/architecture.md, "Moving a stack to
 * the lean indexes"): meanwhile the table may have either or both.
 */
export interface MovingIndex {
  readonly name: string;
  /** The index it replaces, while a stack may still have it. */
  readonly retired?: { readonly name: string };
}

/**
 * The index names a function that queries `index` is granted: its own, and the one it replaces
 * while the table still has it (`present`: the table's index names), which queryMovingIndex asks
 * while the new one is not there yet.
 */
export const movingIndexNames = (index: MovingIndex, present: readonly string[]): string[] => [
  index.name,
  ...(index.retired && present.includes(index.retired.name) ? [index.retired.name] : []),
];

/** How long a container keeps asking the retired index once the new one was refused. */
const RETIRED_FOR_MS = 60_000;
const retiredUntil = new Map<string, number>();

/**
 * A Query on an index that may be moving. While a stack moves in staged deploys, the new index may
 * not exist yet or may still be filling: DynamoDB refuses the Query (ValidationException), and it
 * is asked of the index it replaces, which has the same keys and every attribute (so cursors hold
 * for both). For a minute after, the container asks that one first.
 */
export async function queryMovingIndex(
  db: DynamoDBDocumentClient,
  index: MovingIndex,
  input: Omit<QueryCommandInput, 'IndexName'>,
  now: () => number = Date.now,
): Promise<QueryCommandOutput> {
  const { retired } = index;
  const ask = (name: string) => db.send(new QueryCommand({ ...input, IndexName: name }));
  if (retired && (retiredUntil.get(index.name) ?? 0) > now()) {
    try {
      return await ask(retired.name);
    } catch (error) {
      if (!refusesIndex(error)) throw error;
      retiredUntil.delete(index.name);
    }
  }
  try {
    return await ask(index.name);
  } catch (error) {
    if (!retired || !refusesIndex(error)) throw error;
    // Remembered only when the retired index answers: a refusal for another reason (a doctored
    // cursor) is the caller's, as it was.
    try {
      const answer = await ask(retired.name);
      retiredUntil.set(index.name, now() + RETIRED_FOR_MS);
      return answer;
    } catch {
      throw error;
    }
  }
}

/** DynamoDB's answer for an index the table does not have, or one still filling. */
const refusesIndex = (error: unknown) =>
  (error as { name?: string }).name === 'ValidationException' && /index/i.test((error as { message?: string }).message ?? '') && !/ExclusiveStartKey|start key/i.test((error as { message?: string }).message ?? '');
