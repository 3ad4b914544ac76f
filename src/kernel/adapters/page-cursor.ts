import { createHash } from 'node:crypto';
import { InvalidInputError } from '../domain/domain-errors';
import { QueryCommand, type DynamoDBDocumentClient, type QueryCommandInput, type QueryCommandOutput } from '@aws-sdk/lib-dynamodb';

/**
 * Opaque pagination cursors: DynamoDB's LastEvaluatedKey, bound to the query that produced it so
 * a cursor cannot be replayed against another filter (e.g. another reporter's partition).
 */
export function encodeCursor(lastKey: Record<string, unknown>, queryShape: unknown): string {
  return Buffer.from(JSON.stringify({ k: lastKey, q: fingerprint(queryShape) })).toString('base64url');
}

export function decodeCursor(token: string, queryShape: unknown): Record<string, unknown> {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { k?: unknown; q?: unknown };
    if (parsed.q === fingerprint(queryShape) && isStringRecord(parsed.k)) return parsed.k;
  } catch {
    // fall through to the error below
  }
  throw new InvalidInputError([{ field: 'nextToken', message: 'is not a cursor returned by this list with these filters' }]);
}

function fingerprint(queryShape: unknown): string {
  return createHash('sha256').update(JSON.stringify(queryShape)).digest('base64url').slice(0, 16);
}

function isStringRecord(value: unknown): value is Record<string, string> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.values(value).every((v) => typeof v === 'string')
  );
}

/**
 * A Query whose start key came from a cursor: a start key DynamoDB refuses can only come from a
 * doctored cursor, the client's error. `query` runs it when the caller picks the index itself
 * (e.g. an index a stack may still be moving to: queryMovingIndex).
 */
export async function queryFromCursor(
  db: DynamoDBDocumentClient,
  input: QueryCommandInput,
  query: (input: QueryCommandInput) => Promise<QueryCommandOutput> = (i) => db.send(new QueryCommand(i)),
): Promise<QueryCommandOutput> {
  try {
    return await query(input);
  } catch (error) {
    if (input.ExclusiveStartKey && (error as { name?: string }).name === 'ValidationException') {
      throw new InvalidInputError([{ field: 'nextToken', message: 'is not a cursor returned by this list with these filters' }]);
    }
    throw error;
  }
}
