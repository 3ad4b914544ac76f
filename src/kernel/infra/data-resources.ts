import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { Key } from 'aws-cdk-lib/aws-kms';

/**
 * What the modules' constructs are given of the stack's data: the tables, their index names and
 * the key that encrypts them. The stack's ItsmData (src/stack/itsm-data.ts) builds them from the
 * modules' key files; modules see only this shape, so the kernel never depends on a module.
 */
export interface DataResources {
  readonly key: Key;
  readonly incidentsTable: ITable;
  readonly idempotencyTable: ITable;
  readonly eventsTable: ITable;
  readonly auditTable: ITable;
  readonly catalogueTable: ITable;
  readonly problemsTable: ITable;
  readonly changesTable: ITable;
  readonly incidentIndexNames: readonly string[];
  readonly auditIndexNames: readonly string[];
  readonly catalogueIndexNames: readonly string[];
  readonly problemIndexNames: readonly string[];
  readonly changeIndexNames: readonly string[];
  readonly eventIndexNames: readonly string[];
}
