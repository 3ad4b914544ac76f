import { QueryCommand, type DynamoDBDocumentClient, type QueryCommandInput, type QueryCommandOutput } from '@aws-sdk/lib-dynamodb';
import { INCIDENT_INDEXES, RETIRED_INCIDENT_INDEXES, type IncidentIndexName } from './incidents-table-keys';

/** How long a container keeps asking the retired index once the lean one was refused. */
const RETIRED_FOR_MS = 60_000;
const retiredUntil = new Map<IncidentIndexName, number>();

/**
 * A Query on one of the incidents table's indexes, by its logical name. While a stack moves to the
 * lean indexes in staged deploys (docs/architecture.md, "Moving a stack to the lean indexes"), a
 * lean index may not exist yet or may still be filling: DynamoDB refuses the Query
 * (ValidationException), and it is asked of the index it replaces, which has the same keys and
 * every attribute (so cursors hold for both). For a minute after, the container asks that one first.
 */
export async function queryIncidentIndex(
  db: DynamoDBDocumentClient,
  index: IncidentIndexName,
  input: Omit<QueryCommandInput, 'IndexName'>,
  now: () => number = Date.now,
): Promise<QueryCommandOutput> {
  const retired = (RETIRED_INCIDENT_INDEXES as Partial<Record<IncidentIndexName, { readonly name: string }>>)[index];
  const ask = (name: string) => db.send(new QueryCommand({ ...input, IndexName: name }));
  if (retired && (retiredUntil.get(index) ?? 0) > now()) {
    try {
      return await ask(retired.name);
    } catch (error) {
      if (!refusesIndex(error)) throw error;
      retiredUntil.delete(index);
    }
  }
  try {
    return await ask(INCIDENT_INDEXES[index].name);
  } catch (error) {
    if (!retired || !refusesIndex(error)) throw error;
    // Remembered only when the retired index answers: a refusal for another reason (a doctored
    // cursor) is the caller's, as it was.
    try {
      const answer = await ask(retired.name);
      retiredUntil.set(index, now() + RETIRED_FOR_MS);
      return answer;
    } catch {
      throw error;
    }
  }
}

/** DynamoDB's answer for an index the table does not have, or one still filling. */
const refusesIndex = (error: unknown) =>
  (error as { name?: string }).name === 'ValidationException' && /index/i.test((error as { message?: string }).message ?? '') && !/ExclusiveStartKey|start key/i.test((error as { message?: string }).message ?? '');
