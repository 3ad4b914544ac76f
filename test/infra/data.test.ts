/**
 * The stateful half: tables and logs survive stack deletion, are encrypted with the client's
 * rotating customer-managed key, and the table's indexes are the ones the adapters query.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AUDIT_INDEXES, AUDIT_TABLE_KEYS } from '../../src/kernel/adapters/audit-table-keys';
import { CATALOGUE_INDEXES, CATALOGUE_TABLE_KEYS } from '../../src/modules/catalogue/adapters/catalogue-table-keys';
import { CHANGE_INDEXES, CHANGES_TABLE_KEYS } from '../../src/modules/changes/adapters/changes-table-keys';
import { INCIDENTS_TABLE_KEYS, INCIDENT_INDEXES, RETIRED_INCIDENT_INDEXES, incidentIndexNamesFor } from '../../src/modules/incidents/adapters/incidents-table-keys';
import { INCIDENT_INDEX_STEP_CONTEXT, INCIDENT_INDEX_STEPS, ItsmData, incidentIndexesAt } from '../../src/stack/itsm-data';
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
  ['incidents', 'incidentsTable', { keys: INCIDENTS_TABLE_KEYS, indexes: INCIDENT_INDEXES }],
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

describe('moving a stack to the lean incident indexes (context incidentIndexStep)', () => {
  const names = (indexes: readonly { readonly name: string }[]): string[] => indexes.map((i): string => i.name).sort();
  const before: string[] = [INCIDENT_INDEXES.byNumber.name, INCIDENT_INDEXES.byOpenService.name, ...Object.values(RETIRED_INCIDENT_INDEXES).map((i) => i.name)].sort();

  test('each step adds or deletes one index of the table, from the indexes a stack had before to the lean ones', () => {
    let previous: string[] = before;
    for (let step = 1; step <= INCIDENT_INDEX_STEPS; step++) {
      const current = names(incidentIndexesAt(step));
      const added = current.filter((n) => !previous.includes(n));
      const removed = previous.filter((n) => !current.includes(n));
      // CloudFormation creates or deletes one global secondary index per table per update.
      expect(added.length + removed.length).toBe(1);
      // Deletions come after every lean index is there: the readers never lack both.
      if (removed.length > 0) expect(current).toEqual(expect.arrayContaining(Object.values(INCIDENT_INDEXES).map((i) => i.name)));
      previous = current;
    }
    expect(previous).toEqual(names(incidentIndexesAt(undefined)));
    expect(previous).toEqual(names(Object.values(INCIDENT_INDEXES)));
  });

  test('a step the move does not have fails the synth, naming the context and the reason', () => {
    for (const bad of ['0', '13', 'three']) {
      const app = new App({ context: { [INCIDENT_INDEX_STEP_CONTEXT]: bad } });
      expect(() => new ItsmData(new Stack(app, 'S'), 'Data', { clientId: 'x' })).toThrow(new RegExp(`Context incidentIndexStep=${bad}: must be a whole number from 1 to 12`));
    }
  });

  test('at a step, the table has that step\'s indexes and the index names the grants read', () => {
    const app = new App({ context: { [INCIDENT_INDEX_STEP_CONTEXT]: '3' } });
    const data = new ItsmData(new Stack(app, 'S'), 'Data', { clientId: 'x' });
    const table = Object.values(Template.fromStack(Stack.of(data)).findResources('AWS::DynamoDB::Table')).find((t) => (t as { Properties: { GlobalSecondaryIndexes?: { IndexName: string }[] } }).Properties.GlobalSecondaryIndexes?.some((i) => i.IndexName === 'byNumber')) as { Properties: { GlobalSecondaryIndexes: { IndexName: string }[] } };
    expect(table.Properties.GlobalSecondaryIndexes.map((i) => i.IndexName).sort()).toEqual(names(incidentIndexesAt(3)));
    expect([...data.incidentIndexNames].sort()).toEqual(names(incidentIndexesAt(3)));
    // byState is queried through the lean index and, while it is there, the retired one.
    expect(incidentIndexNamesFor('byState', data.incidentIndexNames)).toEqual(['byStateBrief', 'byState']);
    expect(incidentIndexNamesFor('byState', names(incidentIndexesAt(undefined)))).toEqual(['byStateBrief']);
  });
});
