import { Aws, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import {
  AttributeType,
  Billing,
  BillingMode,
  StreamViewType,
  Table,
  TableEncryption,
  TableEncryptionV2,
  TableV2,
  type ITable,
  type ProjectionType,
} from 'aws-cdk-lib/aws-dynamodb';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import type { DataResources } from '../kernel/infra/data-resources';
import { AUDIT_INDEXES, AUDIT_TABLE_KEYS, RETIRED_AUDIT_INDEXES } from '../kernel/adapters/audit-table-keys';
import { CATALOGUE_INDEXES, CATALOGUE_TABLE_KEYS } from '../modules/catalogue/adapters/catalogue-table-keys';
import { CHANGE_INDEXES, CHANGES_TABLE_KEYS } from '../modules/changes/adapters/changes-table-keys';
import { EVENT_INDEXES, EVENTS_TABLE_KEYS } from '../modules/monitoring/adapters/events-table-keys';
import { INCIDENTS_TABLE_KEYS, INCIDENT_INDEXES, QUOTA_EXPIRY_ATTRIBUTE, RETIRED_INCIDENT_INDEXES, UNUSED_INCIDENT_INDEXES } from '../modules/incidents/adapters/incidents-table-keys';
import { PROBLEMS_TABLE_KEYS, PROBLEM_INDEXES } from '../modules/problems/adapters/problems-table-keys';
import { ONCALL_TABLE_KEYS } from '../modules/oncall/adapters/oncall-table-keys';
import type { ReplicatedTable } from '../config/client-config-schema';

/** The alias of a client's data key; the recovery stack gives its key the same alias in the recovery region. */
export const dataKeyAlias = (clientId: string) => `alias/rowe-itsm/${clientId}/data`;

/** Where a client's tables are replicated, and their physical names (the recovery stack finds them by name). */
export interface TableReplication {
  readonly region: string;
  readonly tableNames: Readonly<Record<ReplicatedTable, string>>;
}

/** The physical name of each table of a client with a recovery region: its own override, else rowe-itsm-<client>-<table>. */
export function replicatedTableNames(clientId: string, overrides: Partial<Record<ReplicatedTable, string | undefined>>): Record<ReplicatedTable, string> {
  const name = (table: ReplicatedTable) => overrides[table] ?? `rowe-itsm-${clientId}-${table}`;
  return {
    incidents: name('incidents'),
    idempotency: name('idempotency'),
    events: name('events'),
    audit: name('audit'),
    catalogue: name('catalogue'),
    problems: name('problems'),
    changes: name('changes'),
    oncall: name('oncall'),
  };
}

interface IndexDefinition {
  readonly name: string;
  readonly partitionKey: string;
  readonly sortKey: string;
  /** Absent: every attribute. INCLUDE: the keys and `attributes`. */
  readonly projection?: 'KEYS_ONLY' | 'INCLUDE';
  readonly attributes?: readonly string[];
}

/** An index's projection as both table constructs take it. */
const projectionOf = (index: IndexDefinition) => ({
  projectionType: (index.projection ?? 'ALL') as ProjectionType,
  ...(index.attributes && { nonKeyAttributes: [...index.attributes] }),
});

/** One table as the key modules define it. */
interface TableDefinition {
  readonly id: string;
  readonly replicated: ReplicatedTable;
  readonly partitionKey: string;
  readonly sortKey?: string;
  readonly timeToLiveAttribute?: string;
  readonly indexes: readonly IndexDefinition[];
}

const indexesOf = (indexes: Record<string, IndexDefinition>): readonly IndexDefinition[] => Object.values(indexes);

/** The incidents table's indexes: those in use, and those kept one release more (UNUSED_INCIDENT_INDEXES). */
const INCIDENT_TABLE_INDEXES = { ...INCIDENT_INDEXES, ...UNUSED_INCIDENT_INDEXES };
/** Index names no function is granted: nothing reads them any more. */
const UNUSED_INDEX_NAMES: ReadonlySet<string> = new Set(Object.values(UNUSED_INCIDENT_INDEXES).map((index) => index.name));

/** The stack's tables, by construct id (their logical ids derive from it: keep them). */
const TABLES: readonly TableDefinition[] = [
  // Only the create-quota counters carry the time-to-live attribute (incidents-table-keys.ts): they go a day after their window.
  { id: 'IncidentsTable', replicated: 'incidents', partitionKey: INCIDENTS_TABLE_KEYS.partitionKey, sortKey: INCIDENTS_TABLE_KEYS.sortKey, timeToLiveAttribute: QUOTA_EXPIRY_ATTRIBUTE, indexes: indexesOf(INCIDENT_TABLE_INDEXES) },
  { id: 'IdempotencyTable', replicated: 'idempotency', partitionKey: 'id', timeToLiveAttribute: 'expiration', indexes: [] },
  { id: 'EventsTable', replicated: 'events', partitionKey: EVENTS_TABLE_KEYS.partitionKey, timeToLiveAttribute: EVENTS_TABLE_KEYS.timeToLiveAttribute, indexes: indexesOf(EVENT_INDEXES) },
  { id: 'AuditTable', replicated: 'audit', partitionKey: AUDIT_TABLE_KEYS.partitionKey, sortKey: AUDIT_TABLE_KEYS.sortKey, indexes: indexesOf(AUDIT_INDEXES) },
  { id: 'CatalogueTable', replicated: 'catalogue', partitionKey: CATALOGUE_TABLE_KEYS.partitionKey, sortKey: CATALOGUE_TABLE_KEYS.sortKey, indexes: indexesOf(CATALOGUE_INDEXES) },
  { id: 'ProblemsTable', replicated: 'problems', partitionKey: PROBLEMS_TABLE_KEYS.partitionKey, sortKey: PROBLEMS_TABLE_KEYS.sortKey, indexes: indexesOf(PROBLEM_INDEXES) },
  // …and the request-quota counters here (kernel/adapters/quota-counter.ts).
  { id: 'ChangesTable', replicated: 'changes', partitionKey: CHANGES_TABLE_KEYS.partitionKey, sortKey: CHANGES_TABLE_KEYS.sortKey, timeToLiveAttribute: QUOTA_EXPIRY_ATTRIBUTE, indexes: indexesOf(CHANGE_INDEXES) },
  { id: 'OnCallTable', replicated: 'oncall', partitionKey: ONCALL_TABLE_KEYS.partitionKey, sortKey: ONCALL_TABLE_KEYS.sortKey, indexes: [] },
];

/**
 * A table's move to lean indexes (new names, same keys, a leaner projection) for a stack created
 * before them. CloudFormation creates or deletes one global secondary index per table per update,
 * so the move is a series of deploys with a CDK context naming the step (docs/architecture.md,
 * "Moving a stack to the lean indexes"); without it, the lean indexes only, as a new stack has them.
 * The limit is per table: two tables' moves may run in the same deploys.
 */
interface IndexMove {
  readonly table: ReplicatedTable;
  /** The CDK context that names the step (`cdk deploy -c <context>=<n>`). */
  readonly context: string;
  /** What the move is to, for the synth's error. */
  readonly to: string;
  readonly indexes: Readonly<Record<string, IndexDefinition>>;
  /** The retired indexes, by the logical index that replaces each. */
  readonly retired: Readonly<Record<string, IndexDefinition>>;
}

export const INCIDENT_INDEX_STEP_CONTEXT = 'incidentIndexStep';
export const AUDIT_INDEX_STEP_CONTEXT = 'auditIndexStep';
const INCIDENT_INDEX_MOVE: IndexMove = { table: 'incidents', context: INCIDENT_INDEX_STEP_CONTEXT, to: 'the lean incident indexes', indexes: INCIDENT_TABLE_INDEXES, retired: RETIRED_INCIDENT_INDEXES };
const AUDIT_INDEX_MOVE: IndexMove = { table: 'audit', context: AUDIT_INDEX_STEP_CONTEXT, to: 'the keys-only audit indexes', indexes: AUDIT_INDEXES, retired: RETIRED_AUDIT_INDEXES };
const INDEX_MOVES: readonly IndexMove[] = [INCIDENT_INDEX_MOVE, AUDIT_INDEX_MOVE];

const stepsOf = (move: IndexMove) => Object.keys(move.retired).length * 2;
export const INCIDENT_INDEX_STEPS = stepsOf(INCIDENT_INDEX_MOVE);
export const AUDIT_INDEX_STEPS = stepsOf(AUDIT_INDEX_MOVE);

/**
 * A table's indexes at a step of its move: the first half of the steps each add one lean index
 * beside every retired one, the second half each delete one retired index (by then every lean
 * index is there).
 */
function indexesAt(move: IndexMove, step: number | undefined): readonly IndexDefinition[] {
  const retiredByLogical = Object.entries(move.retired);
  if (step === undefined || step >= stepsOf(move)) return indexesOf(move.indexes);
  const unchanged = indexesOf(move.indexes).filter((index) => !retiredByLogical.some(([logical]) => move.indexes[logical]!.name === index.name));
  const lean = retiredByLogical.slice(0, Math.min(step, retiredByLogical.length)).map(([logical]) => move.indexes[logical]!);
  const retired = retiredByLogical.slice(Math.max(0, step - retiredByLogical.length)).map(([, index]) => index);
  return [...unchanged, ...retired, ...lean];
}

/** The incidents table's indexes at a step of its move (1–12: six added, then six retired ones deleted). */
export const incidentIndexesAt = (step: number | undefined) => indexesAt(INCIDENT_INDEX_MOVE, step);
/** The audit table's indexes at a step of its move (1–6: three added, then three retired ones deleted). */
export const auditIndexesAt = (step: number | undefined) => indexesAt(AUDIT_INDEX_MOVE, step);

/** The step the move's context names, if any; anything but a whole number from 1 to the last step fails the synth. */
function indexStepOf(scope: Construct, move: IndexMove): number | undefined {
  const raw = scope.node.tryGetContext(move.context) as unknown;
  if (raw === undefined) return undefined;
  const step = Number(raw);
  const steps = stepsOf(move);
  if (!Number.isInteger(step) || step < 1 || step > steps) {
    throw new Error(`Context ${move.context}=${String(raw)}: must be a whole number from 1 to ${steps} (the step of the move to ${move.to}, docs/architecture.md), or absent once the move is done`);
  }
  return step;
}

/** A table as the key modules define it, at the steps the context names for the moves. */
const tableDefinition = (replicated: ReplicatedTable, steps: ReadonlyMap<ReplicatedTable, number | undefined>): TableDefinition => {
  const definition = TABLES.find((t) => t.replicated === replicated)!;
  const move = INDEX_MOVES.find((m) => m.table === replicated);
  return move ? { ...definition, indexes: indexesAt(move, steps.get(replicated)) } : definition;
};

export interface ItsmDataProps {
  /** Client id, used in the key alias and descriptions. */
  readonly clientId: string;
  /**
   * What happens to the tables and key when the stack is deleted.
   * @default RemovalPolicy.RETAIN — a client's records outlive any stack.
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * A recovery region: every table becomes a global table (AWS::DynamoDB::GlobalTable) named
   * `tableNames`, with a replica there encrypted by the recovery stack's data key (its alias).
   * @default none — single-region tables (AWS::DynamoDB::Table)
   */
  readonly replication?: TableReplication;
}

/** The table's names and its indexes' names, for DataResources. */
type Tables = Pick<
  DataResources,
  | 'incidentsTable' | 'idempotencyTable' | 'eventsTable' | 'auditTable' | 'catalogueTable' | 'problemsTable' | 'changesTable' | 'oncallTable'
  | 'incidentIndexNames' | 'auditIndexNames' | 'catalogueIndexNames' | 'problemIndexNames' | 'changeIndexNames' | 'eventIndexNames'
>;

function tablesFrom(scope: Construct, build: (definition: TableDefinition) => ITable): Tables {
  const steps = new Map(INDEX_MOVES.map((move) => [move.table, indexStepOf(scope, move)]));
  const table = (replicated: ReplicatedTable) => build(tableDefinition(replicated, steps));
  const names = (replicated: ReplicatedTable) => tableDefinition(replicated, steps).indexes.map((index) => index.name).filter((name) => !UNUSED_INDEX_NAMES.has(name));
  return {
    incidentsTable: table('incidents'),
    idempotencyTable: table('idempotency'),
    eventsTable: table('events'),
    auditTable: table('audit'),
    catalogueTable: table('catalogue'),
    problemsTable: table('problems'),
    changesTable: table('changes'),
    oncallTable: table('oncall'),
    incidentIndexNames: names('incidents'),
    auditIndexNames: names('audit'),
    catalogueIndexNames: names('catalogue'),
    problemIndexNames: names('problems'),
    changeIndexNames: names('changes'),
    eventIndexNames: names('events'),
  };
}

/** The client's customer-managed data key, which CloudWatch Logs may use for this account's log groups. */
function dataKey(scope: Construct, clientId: string, removalPolicy: RemovalPolicy, purpose: string): Key {
  const key = new Key(scope, 'DataKey', {
    description: `rowe-itsm ${clientId}: ${purpose}`,
    enableKeyRotation: true,
    alias: dataKeyAlias(clientId),
    removalPolicy,
  });
  const { region, account, partition } = Stack.of(scope);
  key.addToResourcePolicy(
    new PolicyStatement({
      principals: [new ServicePrincipal(`logs.${region}.amazonaws.com`)],
      actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
      resources: ['*'],
      conditions: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': `arn:${partition}:logs:${region}:${account}:*` } },
    }),
  );
  return key;
}

/**
 * The stateful half of a client stack: the customer-managed key and the tables. Kept apart from
 * the functions so a change to code never replaces data. Key schemas and indexes come from the
 * adapters' key modules, the same definitions the code queries and the local runtime creates.
 * Every table is on demand, point-in-time recoverable, deletion-protected, retained and
 * encrypted with the data key; with a recovery region, each is a global table whose replica
 * there is all of these too (docs/disaster-recovery.md). Its members are DataResources' (the
 * interface merges into the class), set from what the constructor builds.
 */
export interface ItsmData extends DataResources {}
export class ItsmData extends Construct {
  constructor(scope: Construct, id: string, props: ItsmDataProps) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const key = dataKey(this, props.clientId, removalPolicy, 'encrypts tables, queues, topics and logs');
    const { replication } = props;
    const tables = tablesFrom(this, (definition) =>
      replication ? this.globalTable(definition, key, props.clientId, replication, removalPolicy) : this.singleRegionTable(definition, key, removalPolicy),
    );
    Object.assign(this, { key, ...tables });
  }

  private singleRegionTable(definition: TableDefinition, key: Key, removalPolicy: RemovalPolicy): Table {
    const table = new Table(this, definition.id, {
      partitionKey: { name: definition.partitionKey, type: AttributeType.STRING },
      ...(definition.sortKey && { sortKey: { name: definition.sortKey, type: AttributeType.STRING } }),
      billingMode: BillingMode.PAY_PER_REQUEST,
      ...(definition.timeToLiveAttribute && { timeToLiveAttribute: definition.timeToLiveAttribute }),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      encryption: TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: key,
      removalPolicy,
      // The outbox's consumer reads the outbox items' keys from here (src/modules/outbox); keys only: it reads each item itself.
      ...(definition.replicated === 'incidents' && { stream: StreamViewType.KEYS_ONLY }),
    });
    for (const index of definition.indexes) {
      table.addGlobalSecondaryIndex({
        indexName: index.name,
        partitionKey: { name: index.partitionKey, type: AttributeType.STRING },
        sortKey: { name: index.sortKey, type: AttributeType.STRING },
        ...projectionOf(index),
      });
    }
    return table;
  }

  private globalTable(definition: TableDefinition, key: Key, clientId: string, replication: TableReplication, removalPolicy: RemovalPolicy): TableV2 {
    // The replica's key: the recovery stack's data key, named by its alias (DynamoDB accepts an alias
    // ARN), so this stack needs no output of the other region's stack.
    const replicaKeyArn = `arn:${Aws.PARTITION}:kms:${replication.region}:${Aws.ACCOUNT_ID}:${dataKeyAlias(clientId)}`;
    return new TableV2(this, definition.id, {
      tableName: replication.tableNames[definition.replicated],
      partitionKey: { name: definition.partitionKey, type: AttributeType.STRING },
      ...(definition.sortKey && { sortKey: { name: definition.sortKey, type: AttributeType.STRING } }),
      billing: Billing.onDemand(),
      ...(definition.timeToLiveAttribute && { timeToLiveAttribute: definition.timeToLiveAttribute }),
      // A global table with two replicas must have a stream (DynamoDB replicates through it); keys
      // only is all the outbox consumer reads.
      dynamoStream: StreamViewType.KEYS_ONLY,
      // Both apply to every replica: each is recoverable on its own, and neither can be deleted by accident.
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      encryption: TableEncryptionV2.customerManagedKey(key, { [replication.region]: replicaKeyArn }),
      replicas: [{ region: replication.region }],
      removalPolicy,
      globalSecondaryIndexes: definition.indexes.map((index) => ({
        indexName: index.name,
        partitionKey: { name: index.partitionKey, type: AttributeType.STRING },
        sortKey: { name: index.sortKey, type: AttributeType.STRING },
        ...projectionOf(index),
      })),
    });
  }
}

export interface ItsmRecoveryDataProps {
  readonly clientId: string;
  /** The replicas' physical names (the same as the primary tables'). */
  readonly tableNames: Readonly<Record<ReplicatedTable, string>>;
  /** The incidents replica's stream, once known; without it the outbox consumer has no mapping. */
  readonly incidentsStreamArn?: string;
  /** @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The recovery stack's data: its own data key in the recovery region (the key the primary stack's
 * replicas are encrypted with, under the same alias), and the replicas of the primary stack's
 * global tables, found by name. The tables themselves belong to the primary stack: CloudFormation
 * manages a global table's replicas from one stack only.
 */
export interface ItsmRecoveryData extends DataResources {}
export class ItsmRecoveryData extends Construct {
  constructor(scope: Construct, id: string, props: ItsmRecoveryDataProps) {
    super(scope, id);
    const key = dataKey(this, props.clientId, props.removalPolicy ?? RemovalPolicy.RETAIN, 'encrypts the table replicas, queues, topics and logs in the recovery region');
    const tables = tablesFrom(this, (definition) =>
      Table.fromTableAttributes(this, definition.id, {
        tableName: props.tableNames[definition.replicated],
        encryptionKey: key,
        ...(definition.replicated === 'incidents' && props.incidentsStreamArn && { tableStreamArn: props.incidentsStreamArn }),
      }),
    );
    Object.assign(this, { key, ...tables });
  }
}
