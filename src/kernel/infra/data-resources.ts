import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { Key } from 'aws-cdk-lib/aws-kms';

/**
 * What the modules' constructs are given of the stack's data: the tables, their index names and
 * the key that encrypts them. The stack's ItsmData (src/stack/itsm-data.ts) builds them from the
 * modules' key files; modules see only this shape, so the kernel never depends on a module.
 */
export interface DataResources {
  /** The customer-managed key of the tables (and of the stack's queues, topics and logs). */
  readonly key: Key;
  /** Incidents, their timelines, counters and outbox items; its stream feeds the outbox consumer. */
  readonly incidentsTable: ITable;
  /** Powertools idempotency records for Idempotency-Key (24 h, expired by DynamoDB TTL). */
  readonly idempotencyTable: ITable;
  /** One record per EventBridge event received (exactly-once ingestion), expired by DynamoDB TTL. */
  readonly eventsTable: ITable;
  /**
   * The tamper-evident audit trail: append-only, hash-chained records of every change and every
   * refused request. No TTL: records are never expired, and no role may update or delete them.
   */
  readonly auditTable: ITable;
  /** The service catalogue and configuration items, with every CI version kept. */
  readonly catalogueTable: ITable;
  /** Problems with their logs, analyses and links; known errors; knowledge articles; their search terms. */
  readonly problemsTable: ITable;
  /** Changes, their slots on services and CIs (overlap checks) and go-live milestones. */
  readonly changesTable: ITable;
  /** On-call schedules (with their overrides) and escalation policies. */
  readonly oncallTable: ITable;
  /** Names of each table's global secondary indexes, for grants that name each one. */
  readonly incidentIndexNames: readonly string[];
  readonly auditIndexNames: readonly string[];
  readonly catalogueIndexNames: readonly string[];
  readonly problemIndexNames: readonly string[];
  readonly changeIndexNames: readonly string[];
  readonly eventIndexNames: readonly string[];
}
