import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { AttributeType, BillingMode, StreamViewType, Table, TableEncryption, type ProjectionType } from 'aws-cdk-lib/aws-dynamodb';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import type { DataResources } from '../kernel/infra/data-resources';
import { AUDIT_INDEXES, AUDIT_TABLE_KEYS } from '../kernel/adapters/audit-table-keys';
import { CATALOGUE_INDEXES, CATALOGUE_TABLE_KEYS } from '../modules/catalogue/adapters/catalogue-table-keys';
import { CHANGE_INDEXES, CHANGES_TABLE_KEYS } from '../modules/changes/adapters/changes-table-keys';
import { EVENT_INDEXES, EVENTS_TABLE_KEYS } from '../modules/monitoring/adapters/events-table-keys';
import { INCIDENTS_TABLE_KEYS, INCIDENT_INDEXES } from '../modules/incidents/adapters/incidents-table-keys';
import { PROBLEMS_TABLE_KEYS, PROBLEM_INDEXES } from '../modules/problems/adapters/problems-table-keys';
import { ONCALL_TABLE_KEYS } from '../modules/oncall/adapters/oncall-table-keys';

export interface ItsmDataProps {
  /** Client id, used in the key alias and descriptions. */
  readonly clientId: string;
  /**
   * What happens to the tables and key when the stack is deleted.
   * @default RemovalPolicy.RETAIN — a client's records outlive any stack.
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The stateful half of a client stack: the customer-managed key and the tables. Kept apart from
 * the functions so a change to code never replaces data. Key schemas and indexes come from the
 * adapters' key modules, the same definitions the code queries and the local runtime creates.
 */
export class ItsmData extends Construct implements DataResources {
  readonly key: Key;
  readonly incidentsTable: Table;
  /** Powertools idempotency records for Idempotency-Key (24 h, expired by DynamoDB TTL). */
  readonly idempotencyTable: Table;
  /** One record per EventBridge event received (exactly-once ingestion), expired by DynamoDB TTL. */
  readonly eventsTable: Table;
  /** Names of the incidents table's global secondary indexes, for grants that name each one. */
  readonly incidentIndexNames: readonly string[];
  /**
   * The tamper-evident audit trail: append-only, hash-chained records of every change and every
   * refused request. No TTL: records are never expired, and no role may update or delete them.
   */
  readonly auditTable: Table;
  readonly auditIndexNames: readonly string[];
  /** The service catalogue and configuration items, with every CI version kept. */
  readonly catalogueTable: Table;
  /** Names of the catalogue table's global secondary indexes. */
  readonly catalogueIndexNames: readonly string[];
  /** Problems with their logs, analyses and links; known errors; knowledge articles; their search terms. */
  readonly problemsTable: Table;
  /** Names of the problems table's global secondary indexes. */
  readonly problemIndexNames: readonly string[];
  /** Changes, their slots on services and CIs (overlap checks) and go-live milestones. */
  readonly changesTable: Table;
  /** Names of the changes table's global secondary indexes. */
  readonly changeIndexNames: readonly string[];
  /** Names of the events table's global secondary indexes (events by source and day, trend counters by day). */
  readonly eventIndexNames: readonly string[];
  /** On-call schedules (with their overrides) and escalation policies. */
  readonly oncallTable: Table;

  constructor(scope: Construct, id: string, props: ItsmDataProps) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;

    this.key = new Key(this, 'DataKey', {
      description: `rowe-itsm ${props.clientId}: encrypts tables, queues, topics and logs`,
      enableKeyRotation: true,
      alias: `alias/rowe-itsm/${props.clientId}/data`,
      removalPolicy,
    });
    // CloudWatch Logs encrypts the stack's log groups with this key, only for this account's logs.
    const { region, account, partition } = Stack.of(this);
    this.key.addToResourcePolicy(
      new PolicyStatement({
        principals: [new ServicePrincipal(`logs.${region}.amazonaws.com`)],
        actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
        resources: ['*'],
        conditions: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': `arn:${partition}:logs:${region}:${account}:*` } },
      }),
    );

    this.incidentsTable = new Table(this, 'IncidentsTable', {
      partitionKey: { name: INCIDENTS_TABLE_KEYS.partitionKey, type: AttributeType.STRING },
      sortKey: { name: INCIDENTS_TABLE_KEYS.sortKey, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      encryption: TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: this.key,
      removalPolicy,
      // The outbox's consumer reads the outbox items' keys from here (src/modules/outbox); keys only: it reads each item itself.
      stream: StreamViewType.KEYS_ONLY,
    });
    this.idempotencyTable = new Table(this, 'IdempotencyTable', {
      partitionKey: { name: 'id', type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: 'expiration',
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      encryption: TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: this.key,
      removalPolicy,
    });
    this.eventsTable = new Table(this, 'EventsTable', {
      partitionKey: { name: EVENTS_TABLE_KEYS.partitionKey, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: EVENTS_TABLE_KEYS.timeToLiveAttribute,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      encryption: TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: this.key,
      removalPolicy,
    });
    const common = {
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      encryption: TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: this.key,
      removalPolicy,
    };
    this.auditTable = new Table(this, 'AuditTable', {
      partitionKey: { name: AUDIT_TABLE_KEYS.partitionKey, type: AttributeType.STRING },
      sortKey: { name: AUDIT_TABLE_KEYS.sortKey, type: AttributeType.STRING },
      ...common,
    });
    this.catalogueTable = new Table(this, 'CatalogueTable', {
      partitionKey: { name: CATALOGUE_TABLE_KEYS.partitionKey, type: AttributeType.STRING },
      sortKey: { name: CATALOGUE_TABLE_KEYS.sortKey, type: AttributeType.STRING },
      ...common,
    });
    this.problemsTable = new Table(this, 'ProblemsTable', {
      partitionKey: { name: PROBLEMS_TABLE_KEYS.partitionKey, type: AttributeType.STRING },
      sortKey: { name: PROBLEMS_TABLE_KEYS.sortKey, type: AttributeType.STRING },
      ...common,
    });
    this.changesTable = new Table(this, 'ChangesTable', {
      partitionKey: { name: CHANGES_TABLE_KEYS.partitionKey, type: AttributeType.STRING },
      sortKey: { name: CHANGES_TABLE_KEYS.sortKey, type: AttributeType.STRING },
      ...common,
    });
    this.oncallTable = new Table(this, 'OnCallTable', {
      partitionKey: { name: ONCALL_TABLE_KEYS.partitionKey, type: AttributeType.STRING },
      sortKey: { name: ONCALL_TABLE_KEYS.sortKey, type: AttributeType.STRING },
      ...common,
    });
    const addIndexes = (table: Table, indexes: Record<string, { readonly name: string; readonly partitionKey: string; readonly sortKey: string }>) => {
      for (const index of Object.values(indexes)) {
        table.addGlobalSecondaryIndex({
          indexName: index.name,
          partitionKey: { name: index.partitionKey, type: AttributeType.STRING },
          sortKey: { name: index.sortKey, type: AttributeType.STRING },
          projectionType: 'ALL' as ProjectionType,
        });
      }
      return Object.values(indexes).map((index) => index.name);
    };
    this.auditIndexNames = addIndexes(this.auditTable, AUDIT_INDEXES);
    this.catalogueIndexNames = addIndexes(this.catalogueTable, CATALOGUE_INDEXES);
    this.problemIndexNames = addIndexes(this.problemsTable, PROBLEM_INDEXES);
    this.changeIndexNames = addIndexes(this.changesTable, CHANGE_INDEXES);
    this.eventIndexNames = addIndexes(this.eventsTable, EVENT_INDEXES);
    this.incidentIndexNames = Object.values(INCIDENT_INDEXES).map((index) => index.name);
    for (const index of Object.values(INCIDENT_INDEXES) as readonly { name: string; partitionKey: string; sortKey: string; projection?: 'KEYS_ONLY' }[]) {
      this.incidentsTable.addGlobalSecondaryIndex({
        indexName: index.name,
        partitionKey: { name: index.partitionKey, type: AttributeType.STRING },
        sortKey: { name: index.sortKey, type: AttributeType.STRING },
        projectionType: (index.projection ?? 'ALL') as ProjectionType,
      });
    }
  }
}
