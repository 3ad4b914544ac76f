import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { INCIDENT_INDEXES, queryIncidentIndex } from '../../incidents/adapters';
import { PRIORITIES } from '../../../kernel/domain/priority';
import { CHANGE_INDEXES, changeStatePartition, requestStatePartition } from '../../changes/adapters';
import { PROBLEM_INDEXES, problemStatePartition } from '../../problems/adapters';
import { DynamoDbClosedRecordStore } from '../adapters';

/** An incident's terminal states: where its retention starts (byStateBrief's partitions). */
const INCIDENT_END_STATES = ['Closed', 'Canceled'] as const;

/**
 * Where each record type's closed records are found, on indexes the tables already have (none
 * added; docs/architecture.md, "Retention"): incidents on byStateBrief, in their end states, by
 * priority then creation (created before the cutoff, then closed before it: every one closed
 * before the cutoff was created before it); requests and changes on byState by last update (a
 * closed record's last update is its close or later, so the range never misses one); problems on
 * byState by creation, then closed before the cutoff.
 */
export function closedRecordStores(db: DynamoDBDocumentClient, tables: { readonly incidents: string; readonly changes: string; readonly problems: string }): DynamoDbClosedRecordStore[] {
  return [
    new DynamoDbClosedRecordStore({
      db,
      tableName: tables.incidents,
      type: 'incidents',
      index: INCIDENT_INDEXES.byState,
      partitions: INCIDENT_END_STATES.map((state) => `STATE#${state}`),
      sortPrefixes: PRIORITIES.map((priority) => `${priority}#`),
      query: (input) => queryIncidentIndex(db, 'byState', input),
    }),
    new DynamoDbClosedRecordStore({ db, tableName: tables.changes, type: 'requests', index: CHANGE_INDEXES.byState, partitions: ['Closed', 'Rejected'].map(requestStatePartition) }),
    new DynamoDbClosedRecordStore({ db, tableName: tables.changes, type: 'changes', index: CHANGE_INDEXES.byState, partitions: ['Closed', 'Rejected'].map(changeStatePartition) }),
    new DynamoDbClosedRecordStore({ db, tableName: tables.problems, type: 'problems', index: PROBLEM_INDEXES.byState, partitions: ['Closed', 'Canceled'].map(problemStatePartition) }),
  ];
}
