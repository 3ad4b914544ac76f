import type { DynamoDBDocumentClient, QueryCommandInput, QueryCommandOutput } from '@aws-sdk/lib-dynamodb';
import { queryMovingIndex } from '../../../kernel/adapters/index-move';
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
