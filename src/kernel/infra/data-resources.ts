import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import type { Key } from 'aws-cdk-lib/aws-kms';

/**
 * What the modules' constructs are given of the stack's data: the tables, their index names and
 * the key that encrypts them. The stack's ItsmData (src/stack/itsm-data.ts) builds them from the
 * modules' key files; modules see only this shape, so the kernel never depends on a module.
 */
export interface DataResources {
  readonly key: Key;
  readonly incidentsTable: Table;
  readonly idempotencyTable: Table;
  readonly eventsTable: Table;
  readonly auditTable: Table;
  readonly catalogueTable: Table;
  readonly problemsTable: Table;
  readonly changesTable: Table;
  readonly oncallTable: Table;
  readonly incidentIndexNames: readonly string[];
  readonly auditIndexNames: readonly string[];
  readonly catalogueIndexNames: readonly string[];
  readonly problemIndexNames: readonly string[];
  readonly changeIndexNames: readonly string[];
  readonly eventIndexNames: readonly string[];
}
