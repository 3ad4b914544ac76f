/**
 * The stateful half: tables and logs survive stack deletion, are encrypted with the client's
 * rotating customer-managed key, and the table's indexes are the ones the adapters query.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AUDIT_INDEXES, AUDIT_TABLE_KEYS, RETIRED_AUDIT_INDEXES, auditIndexNamesFor } from '../../src/kernel/adapters/audit-table-keys';
import { CATALOGUE_INDEXES, CATALOGUE_TABLE_KEYS } from '../../src/modules/catalogue/adapters/catalogue-table-keys';
import { CHANGE_INDEXES, CHANGES_TABLE_KEYS } from '../../src/modules/changes/adapters/changes-table-keys';
import { INCIDENTS_TABLE_KEYS, INCIDENT_INDEXES, RETIRED_INCIDENT_INDEXES, UNUSED_INCIDENT_INDEXES, incidentIndexNamesFor } from '../../src/modules/incidents/adapters/incidents-table-keys';
import { AUDIT_INDEX_STEP_CONTEXT, AUDIT_INDEX_STEPS, INCIDENT_INDEX_STEP_CONTEXT, INCIDENT_INDEX_STEPS, ItsmData, auditIndexesAt, incidentIndexesAt } from '../../src/stack/itsm-data';
import { PROBLEM_INDEXES, PROBLEMS_TABLE_KEYS } from '../../src/modules/problems/adapters/problems-table-keys';
import {
  expectDurableTableEncryptedWith,
  expectTableBuiltFrom,
  idOf,
  referencedId,
  resourcesOfType,
  useClientStacks,
  type TableKeyModule,
} from './infra-fixtures';

const fixture = useClientStacks();

const CLIENTS = ['example', 'acme-us'] as const;

/** The tables built from an adapter key module (partition and sort key, global indexes): the table, and that module. */
const KEYED_TABLES: readonly [name: string, table: 'incidentsTable' | 'catalogueTable' | 'problemsTable' | 'changesTable' | 'auditTable', module: TableKeyModule][] = [
  ['incidents', 'incidentsTable', { keys: INCIDENTS_TABLE_KEYS, indexes: { ...INCIDENT_INDEXES, ...UNUSED_INCIDENT_INDEXES } }],
  ['catalogue', 'catalogueTable', { keys: CATALOGUE_TABLE_KEYS, indexes: CATALOGUE_INDEXES }],
  ['problems', 'problemsTable', { keys: PROBLEMS_TABLE_KEYS, indexes: PROBLEM_INDEXES }],
  ['changes', 'changesTable', { keys: CHANGES_TABLE_KEYS, indexes: CHANGE_INDEXES }],
  ['audit', 'auditTable', { keys: AUDIT_TABLE_KEYS, indexes: AUDIT_INDEXES }],
];

describe.each(CLIENTS)('%s: DynamoDB tables', (clientId) => {
  test('the stack has the incidents table', () => {
    const { stack, resources } = fixture.get(clientId);
    const tableId = idOf(stack, stack.data.incidentsTable);
    expect(resources[tableId]?.Type).toBe('AWS::DynamoDB::Table');
  });

  test('every table is on-demand, point-in-time recoverable, deletion-protected and retained', () => {
    const { resources } = fixture.get(clientId);
    const tables = resourcesOfType(resources, 'AWS::DynamoDB::Table');
    expect(tables.length).toBeGreaterThan(0);
    for (const [logicalId, table] of tables) {
      expect({ logicalId, ...table }).toMatchObject({
        logicalId,
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
        Properties: {
          BillingMode: 'PAY_PER_REQUEST',
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
          DeletionProtectionEnabled: true,
        },
      });
      // On-demand tables take no provisioned throughput, on the table or on an index.
      expect(table.Properties.ProvisionedThroughput).toBeUndefined();
      for (const gsi of table.Properties.GlobalSecondaryIndexes ?? []) expect(gsi.ProvisionedThroughput).toBeUndefined();
    }
  });

  test('every table is encrypted with a customer-managed KMS key that rotates and is retained', () => {
    const { resources } = fixture.get(clientId);
    for (const [logicalId, table] of resourcesOfType(resources, 'AWS::DynamoDB::Table')) {
      const sse = table.Properties.SSESpecification;
      expect({ logicalId, sse }).toMatchObject({ logicalId, sse: { SSEEnabled: true, SSEType: 'KMS' } });
      const keyId = referencedId(sse.KMSMasterKeyId);
      expect(keyId).toBeDefined();
      const key = resources[keyId!];
      expect(key).toMatchObject({
        Type: 'AWS::KMS::Key',
        Properties: { EnableKeyRotation: true },
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
      });
      // A disabled or pending-deletion key would make the table unreadable.
      expect(key!.Properties.Enabled).not.toBe(false);
      expect(key!.Properties.PendingWindowInDays).toBeUndefined();
    }
  });

  test.each(KEYED_TABLES)('the %s table is on-demand, point-in-time recoverable, deletion-protected, retained and encrypted with the data key', (_name, table) => {
    const { stack, resources } = fixture.get(clientId);
    expectDurableTableEncryptedWith(resources[idOf(stack, stack.data[table])]!, idOf(stack, stack.data.key));
  });

  test('no index of the incidents table projects every attribute: lists hold keys only, the state queue a few attributes', () => {
    const { stack, resources } = fixture.get(clientId);
    const indexes = resources[idOf(stack, stack.data.incidentsTable)]!.Properties.GlobalSecondaryIndexes as { IndexName: string; Projection: { ProjectionType: string; NonKeyAttributes?: string[] } }[];
    // An index projecting every attribute is rewritten at the incident's full size on every write (write units: docs/architecture.md).
    expect(Object.fromEntries(indexes.map((i) => [i.IndexName, i.Projection.ProjectionType]))).toEqual({
      byNumber: 'KEYS_ONLY',
      byOpenService: 'KEYS_ONLY',
      byStateBrief: 'INCLUDE',
      byServiceKeys: 'KEYS_ONLY',
      byReporterKeys: 'KEYS_ONLY',
      byCreatedKeys: 'KEYS_ONLY',
      byAssigneeKeys: 'KEYS_ONLY',
      byGroupKeys: 'KEYS_ONLY',
    });
    expect(indexes.find((i) => i.IndexName === 'byStateBrief')!.Projection.NonKeyAttributes).toEqual(['id', 'updatedAt', 'sla', 'major', 'service', 'resolvedAt', 'pseudonymisedAt']);
  });

  test.each(KEYED_TABLES)('the %s table keys, indexes and key attributes match the adapter key module', (_name, tableName, { keys, indexes }) => {
    const { stack, resources } = fixture.get(clientId);
    const table = resources[idOf(stack, stack.data[tableName])]!;
    expectTableBuiltFrom(table, { keys, indexes });
    expect(table.Properties.LocalSecondaryIndexes).toBeUndefined();

    // Every key attribute is a string and declared exactly once.
    const keyAttributes = [keys.partitionKey, keys.sortKey, ...Object.values(indexes).flatMap((i) => [i.partitionKey, i.sortKey])];
    expect([...table.Properties.AttributeDefinitions].sort((a, b) => a.AttributeName.localeCompare(b.AttributeName))).toEqual(
      [...new Set(keyAttributes)].sort().map((name) => ({ AttributeName: name, AttributeType: 'S' })),
    );
  });
});

describe.each([
  ['example', 365],
  ['acme-us', 731],
] as const)('%s: log groups', (clientId, retentionDays) => {
  test(`the client file asks for ${retentionDays} days`, () => {
    expect(fixture.get(clientId).config.logRetentionDays).toBe(retentionDays);
  });

  test(`every log group keeps logs ${retentionDays} days, is KMS-encrypted with the data key and retained`, () => {
    const { stack, resources } = fixture.get(clientId);
    const dataKeyId = idOf(stack, stack.data.key);
    const logGroups = resourcesOfType(resources, 'AWS::Logs::LogGroup');
    expect(logGroups.length).toBeGreaterThan(0);
    for (const [logicalId, group] of logGroups) {
      expect({ logicalId, retention: group.Properties.RetentionInDays, key: referencedId(group.Properties.KmsKeyId) }).toEqual({
        logicalId,
        retention: retentionDays,
        key: dataKeyId,
      });
      expect(group.DeletionPolicy).toBe('Retain');
    }
    expect(resources[dataKeyId]).toMatchObject({ Type: 'AWS::KMS::Key', Properties: { EnableKeyRotation: true } });
  });

  test('every function logs to one of those encrypted groups (not an implicit /aws/lambda group)', () => {
    const { resources } = fixture.get(clientId);
    const functions = resourcesOfType(resources, 'AWS::Lambda::Function');
    expect(functions.length).toBeGreaterThan(0);
    for (const [logicalId, fn] of functions) {
      const groupId = referencedId(fn.Properties.LoggingConfig?.LogGroup);
      expect({ logicalId, groupType: groupId && resources[groupId]?.Type }).toEqual({ logicalId, groupType: 'AWS::Logs::LogGroup' });
    }
  });

  test("the key lets CloudWatch Logs of this client's account and region use it, and nobody else's", () => {
    const { stack, template } = fixture.get(clientId);
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: `logs.${stack.region}.amazonaws.com` },
            Action: Match.arrayWith(['kms:Encrypt*', 'kms:Decrypt*', 'kms:GenerateDataKey*']),
            Condition: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': stack.resolve(`arn:${stack.partition}:logs:${stack.region}:${stack.account}:*`) } },
          }),
        ]),
      },
    });
  });
});

/** Each table's move to lean indexes: its context, its steps, and its indexes before and after. */
const MOVES = [
  {
    context: INCIDENT_INDEX_STEP_CONTEXT,
    steps: INCIDENT_INDEX_STEPS,
    indexesAt: incidentIndexesAt,
    // The table's indexes once moved: the lean ones, and those nothing uses any more (kept one release).
    lean: { ...INCIDENT_INDEXES, ...UNUSED_INCIDENT_INDEXES },
    retired: RETIRED_INCIDENT_INDEXES,
    // The table that has this index (found in a template by it).
    marker: INCIDENT_INDEXES.byNumber.name,
    grants: { at3: incidentIndexNamesFor('byState', incidentIndexesAt(3).map((i) => i.name)), after: incidentIndexNamesFor('byState', incidentIndexesAt(undefined).map((i) => i.name)) },
    expectedGrants: { at3: ['byStateBrief', 'byState'], after: ['byStateBrief'] },
  },
  {
    context: AUDIT_INDEX_STEP_CONTEXT,
    steps: AUDIT_INDEX_STEPS,
    indexesAt: auditIndexesAt,
    lean: AUDIT_INDEXES,
    retired: RETIRED_AUDIT_INDEXES,
    marker: AUDIT_INDEXES.byTime.name,
    grants: { at3: auditIndexNamesFor('byTime', auditIndexesAt(3).map((i) => i.name)), after: auditIndexNamesFor('byTime', auditIndexesAt(undefined).map((i) => i.name)) },
    expectedGrants: { at3: ['byTimeKeys', 'byTime'], after: ['byTimeKeys'] },
  },
] as const;

describe.each(MOVES)('moving a stack to lean indexes (context $context)', ({ context, steps, indexesAt, lean, retired, marker, grants, expectedGrants }) => {
  const names = (indexes: readonly { readonly name: string }[]): string[] => indexes.map((i): string => i.name).sort();
  const retiredNames = Object.values(retired).map((i): string => i.name);
  const replaced = Object.keys(retired).map((logical) => (lean as Record<string, { readonly name: string }>)[logical]!.name);
  const before: string[] = [...Object.values(lean).map((i): string => i.name).filter((name) => !replaced.includes(name)), ...retiredNames].sort();

  test('each step adds or deletes one index of the table, from the indexes a stack had before to the lean ones', () => {
    let previous: string[] = before;
    for (let step = 1; step <= steps; step++) {
      const current = names(indexesAt(step));
      const added = current.filter((n) => !previous.includes(n));
      const removed = previous.filter((n) => !current.includes(n));
      // CloudFormation creates or deletes one global secondary index per table per update.
      expect(added.length + removed.length).toBe(1);
      // Deletions come after every lean index is there: the readers never lack both.
      if (removed.length > 0) expect(current).toEqual(expect.arrayContaining(Object.values(lean).map((i) => i.name)));
      previous = current;
    }
    expect(previous).toEqual(names(indexesAt(undefined)));
    expect(previous).toEqual(names(Object.values(lean)));
  });

  test('a step the move does not have fails the synth, naming the context and the reason', () => {
    for (const bad of ['0', String(steps + 1), 'three', '2.5']) {
      const app = new App({ context: { [context]: bad } });
      expect(() => new ItsmData(new Stack(app, 'S'), 'Data', { clientId: 'x' })).toThrow(new RegExp(`Context ${context}=${bad.replace('.', '\\.')}: must be a whole number from 1 to ${steps}`));
    }
  });

  test("at a step, the table has that step's indexes and the index names the grants read", () => {
    const app = new App({ context: { [context]: '3' } });
    const data = new ItsmData(new Stack(app, 'S'), 'Data', { clientId: 'x' });
    type IndexedTable = { Properties: { GlobalSecondaryIndexes?: { IndexName: string }[] } };
    const tables = Object.values(Template.fromStack(Stack.of(data)).findResources('AWS::DynamoDB::Table')) as IndexedTable[];
    const table = tables.find((t) => t.Properties.GlobalSecondaryIndexes?.some((i) => i.IndexName === marker || retiredNames.includes(i.IndexName)))!;
    expect(table.Properties.GlobalSecondaryIndexes!.map((i) => i.IndexName).sort()).toEqual(names(indexesAt(3)));
    // The names functions are granted: the table's, less those nothing reads any more.
    const unused = new Set<string>(Object.values(UNUSED_INCIDENT_INDEXES).map((i) => i.name));
    expect([...(context === AUDIT_INDEX_STEP_CONTEXT ? data.auditIndexNames : data.incidentIndexNames)].sort()).toEqual(names(indexesAt(3)).filter((n) => !unused.has(n)));
    // Queried through the lean index and, while it is there, the retired one.
    expect(grants).toEqual(expectedGrants);
  });
});

test('the two moves may run in the same deploys: each table takes its own step', () => {
  const app = new App({ context: { [INCIDENT_INDEX_STEP_CONTEXT]: '7', [AUDIT_INDEX_STEP_CONTEXT]: '2' } });
  const data = new ItsmData(new Stack(app, 'S'), 'Data', { clientId: 'x' });
  expect([...data.incidentIndexNames].sort()).toEqual(incidentIndexesAt(7).map((i) => i.name).filter((n) => n !== UNUSED_INCIDENT_INDEXES.byOpenService.name).sort());
  expect([...data.auditIndexNames].sort()).toEqual(auditIndexesAt(2).map((i) => i.name).sort());
});
