import type { DynamoDBDocumentClient, QueryCommandInput, QueryCommandOutput } from '@aws-sdk/lib-dynamodb';
import { queryMovingIndex } from '../../../kernel/adapters/index-move';
import { OPEN_INCIDENT_STATES } from '../domain/incident-lifecycle';
import { INCIDENT_INDEXES, RETIRED_INCIDENT_INDEXES, type IncidentIndexName } from './incidents-table-keys';

/**
 * A Query on one of the incidents table's indexes, by its logical name. While a stack moves to the
 * lean indexes in staged deploys (docs/architecture.md, "Moving a stack to the lean indexes"), a
 * lean index may not exist yet or may still be filling: it is asked of the index it replaces
 * (queryMovingIndex in the kernel).
 */
export function queryIncidentIndex(
  db: DynamoDBDocumentClient,
  index: IncidentIndexName,
  input: Omit<QueryCommandInput, 'IndexName'>,
  now: () => number = Date.now,
): Promise<QueryCommandOutput> {
  const retired = (RETIRED_INCIDENT_INDEXES as Partial<Record<IncidentIndexName, { readonly name: string }>>)[index];
  return queryMovingIndex(db, { name: INCIDENT_INDEXES[index].name, ...(retired && { retired }) }, input, now);
}

/** What a walk over the open incidents asks of each state's partition besides its key. */
export interface OpenIncidentQuery {
  readonly TableName: string;
  readonly ProjectionExpression: string;
  readonly FilterExpression?: string;
  readonly ExpressionAttributeNames?: Readonly<Record<string, string>>;
  readonly ExpressionAttributeValues?: Readonly<Record<string, unknown>>;
}

/**
 * Walks every open incident's entry on the state index: one partition per open state, page after
 * page (each up to 1 MB), each page handed to `onPage`. No Scan, whatever the desk's size.
 * `pageLimit`, asked before each Query, bounds a walk: the next page's `Limit`, or 0 to stop there,
 * reported as `truncated` (more pages or states were left unread).
 */
export async function forEachOpenIncidentPage(
  db: DynamoDBDocumentClient,
  query: OpenIncidentQuery,
  onPage: (page: QueryCommandOutput) => void,
  pageLimit?: () => number,
): Promise<{ readonly truncated: boolean }> {
  const index = INCIDENT_INDEXES.byState;
  for (const state of OPEN_INCIDENT_STATES) {
    let start: Record<string, unknown> | undefined;
    do {
      const limit = pageLimit?.();
      if (limit !== undefined && limit <= 0) return { truncated: true };
      const page = await queryIncidentIndex(db, 'byState', {
        ...query,
        KeyConditionExpression: '#openStatePk = :openState',
        ExpressionAttributeNames: { ...query.ExpressionAttributeNames, '#openStatePk': index.partitionKey },
        ExpressionAttributeValues: { ...query.ExpressionAttributeValues, ':openState': `STATE#${state}` },
        ...(limit !== undefined && { Limit: limit }),
        ...(start && { ExclusiveStartKey: start }),
      });
      onPage(page);
      start = page.LastEvaluatedKey;
    } while (start);
  }
  return { truncated: false };
}
