/**
 * The catalogue table and the catalogue function: the table is built from the adapter's key
 * module like the others, and the function's role holds exactly what its code performs.
 */
import type { CfnElement } from 'aws-cdk-lib';
import { CATALOGUE_INDEXES, CATALOGUE_TABLE_KEYS } from '../../lambdas/adapters/dynamodb/catalogue-table-keys';
import { ENTRY_METADATA } from '../../lib/constructs/itsm-function';
import {
  asList,
  logicalIdOf,
  referencedId,
  referencedIds,
  renderArn,
  resourcesOfType,
  statementsOfRole,
  synthesizeClientStacks,
  type CfnResourceJson,
  type ClientStacksFixture,
  type PolicyStatementJson,
} from './infra-fixtures';

let fixture: ClientStacksFixture;
beforeAll(() => {
  fixture = synthesizeClientStacks();
});
afterAll(() => fixture?.dispose());

const CATALOGUE_ENTRY = 'lambdas/handlers/catalogue-handler.ts';
const INCIDENTS_ENTRY = 'lambdas/handlers/incidents-handler.ts';
const CATALOGUE_TABLE_ACTIONS = ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query'];

const actionsOf = (statements: readonly PolicyStatementJson[]) => statements.flatMap((s) => asList(s.Action));

function roleOf(resources: Readonly<Record<string, CfnResourceJson>>, entry: string) {
  const found = resourcesOfType(resources, 'AWS::Lambda::Function').filter(([, r]) => r.Metadata?.[ENTRY_METADATA] === entry);
  expect(found).toHaveLength(1);
  const [logicalId, fn] = found[0]!;
  const roleId = referencedId(fn.Properties.Role)!;
  return { logicalId, fn, roleId, statements: statementsOfRole(resources, roleId) };
}

describe.each(['example', 'acme-us'])('%s', (clientId) => {
  test('the catalogue table is on-demand, point-in-time recoverable, deletion-protected, retained and encrypted with the data key', () => {
    const { stack, resources } = fixture.get(clientId);
    const tableId = logicalIdOf(stack, stack.data.catalogueTable.node.defaultChild as CfnElement);
    const keyId = logicalIdOf(stack, stack.data.key.node.defaultChild as CfnElement);
    const table = resources[tableId]!;
    expect(table.Type).toBe('AWS::DynamoDB::Table');
    expect(table.Properties.BillingMode).toBe('PAY_PER_REQUEST');
    expect(table.Properties.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
    expect(table.Properties.DeletionProtectionEnabled).toBe(true);
    expect(table.DeletionPolicy).toBe('Retain');
    expect(table.UpdateReplacePolicy).toBe('Retain');
    expect(table.Properties.SSESpecification.SSEEnabled).toBe(true);
    expect(table.Properties.SSESpecification.SSEType).toBe('KMS');
    expect(referencedIds(table.Properties.SSESpecification.KMSMasterKeyId)).toEqual(new Set([keyId]));
  });

  test('the catalogue table keys and indexes match the adapter key module', () => {
    const { stack, resources } = fixture.get(clientId);
    const table = resources[logicalIdOf(stack, stack.data.catalogueTable.node.defaultChild as CfnElement)]!;
    expect(table.Properties.KeySchema).toEqual([
      { AttributeName: CATALOGUE_TABLE_KEYS.partitionKey, KeyType: 'HASH' },
      { AttributeName: CATALOGUE_TABLE_KEYS.sortKey, KeyType: 'RANGE' },
    ]);
    const byName = (a: { IndexName: string }, b: { IndexName: string }) => a.IndexName.localeCompare(b.IndexName);
    expect([...table.Properties.GlobalSecondaryIndexes].sort(byName)).toEqual(
      Object.values(CATALOGUE_INDEXES)
        .map((index) => ({
          IndexName: index.name,
          KeySchema: [
            { AttributeName: index.partitionKey, KeyType: 'HASH' },
            { AttributeName: index.sortKey, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        }))
        .sort(byName),
    );
  });

  test('the catalogue function may GetItem, Query, PutItem and DeleteItem on the catalogue table, Query each index by name; of the other tables only the idempotency table and (append-only) the audit table', () => {
    const { stack, resources } = fixture.get(clientId);
    const tableId = logicalIdOf(stack, stack.data.catalogueTable.node.defaultChild as CfnElement);
    const idempotencyId = logicalIdOf(stack, stack.data.idempotencyTable.node.defaultChild as CfnElement);
    const auditId = logicalIdOf(stack, stack.data.auditTable.node.defaultChild as CfnElement);
    const catalogue = roleOf(resources, CATALOGUE_ENTRY);
    const allDynamo = catalogue.statements.filter((s) => actionsOf([s]).some((a) => a.startsWith('dynamodb:')));
    const tableIds = new Set(resourcesOfType(resources, 'AWS::DynamoDB::Table').map(([id]) => id));
    expect(new Set(allDynamo.flatMap((s) => [...referencedIds(s.Resource)].filter((id) => tableIds.has(id))))).toEqual(new Set([tableId, idempotencyId, auditId]));
    const dynamo = allDynamo.filter((s) => referencedIds(s.Resource).has(tableId));
    const granted = new Map<string, Set<string>>();
    for (const statement of dynamo) {
      expect(statement.Effect).toBe('Allow');
      for (const arn of asList(statement.Resource).map(renderArn)) {
        for (const action of asList(statement.Action)) granted.set(arn, (granted.get(arn) ?? new Set()).add(action));
      }
    }
    const indexArns = Object.values(CATALOGUE_INDEXES).map((index) => `\${${tableId}.Arn}/index/${index.name}`);
    expect([...granted.keys()].sort()).toEqual([`\${${tableId}.Arn}`, ...indexArns].sort());
    expect([...granted.get(`\${${tableId}.Arn}`)!].sort()).toEqual(CATALOGUE_TABLE_ACTIONS);
    for (const arn of indexArns) expect({ arn, actions: [...granted.get(arn)!] }).toEqual({ arn, actions: ['dynamodb:Query'] });

    const keyId = logicalIdOf(stack, stack.data.key.node.defaultChild as CfnElement);
    const kms = catalogue.statements.filter((s) => actionsOf([s]).some((a) => a.startsWith('kms:')));
    expect(kms.length).toBeGreaterThan(0);
    for (const statement of kms) {
      expect(asList(statement.Resource).map(renderArn)).toEqual([`\${${keyId}.Arn}`]);
      for (const action of asList(statement.Action)) expect(['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey']).toContain(action);
    }
    // No topics, queues or other services.
    expect(actionsOf(catalogue.statements).filter((a) => !/^(dynamodb|kms|logs|xray):/.test(a))).toEqual([]);
  });

  test('only the catalogue, incidents, changes, SLA check and reports functions touch the catalogue table; incidents, changes and SLA check only with GetItem (CI writes of the changes function: changes.test.ts; reports: iam.test.ts)', () => {
    const { stack, resources } = fixture.get(clientId);
    const tableId = logicalIdOf(stack, stack.data.catalogueTable.node.defaultChild as CfnElement);
    const catalogue = roleOf(resources, CATALOGUE_ENTRY);
    const incidents = roleOf(resources, INCIDENTS_ENTRY);
    const slaClock = roleOf(resources, 'lambdas/handlers/sla-clock-handler.ts');
    const changes = roleOf(resources, 'lambdas/handlers/changes-handler.ts');
    const reports = roleOf(resources, 'lambdas/handlers/reports-handler.ts');
    const grantees = resourcesOfType(resources, 'AWS::IAM::Policy')
      .filter(([, p]) => asList<PolicyStatementJson>(p.Properties.PolicyDocument.Statement).some((s) => referencedIds(s.Resource).has(tableId)))
      .flatMap(([, p]) => asList<unknown>(p.Properties.Roles).map(referencedId));
    expect(grantees.sort()).toEqual([catalogue.roleId, incidents.roleId, slaClock.roleId, changes.roleId, reports.roleId].sort());
    for (const reader of [incidents, slaClock, changes]) {
      // The changes function also records installed versions, under a CI#/SERVICE# LeadingKeys condition (changes.test.ts).
      const onTable = reader.statements.filter((s) => referencedIds(s.Resource).has(tableId) && s.Condition === undefined);
      expect([...new Set(actionsOf(onTable))]).toEqual(['dynamodb:GetItem']);
      expect(onTable.flatMap((s) => asList(s.Resource).map(renderArn))).toEqual([`\${${tableId}.Arn}`]);
    }
    expect(incidents.fn.Properties.Environment.Variables.CATALOGUE_TABLE_NAME).toEqual({ Ref: tableId });
  });

  test('the catalogue function serves every catalogue route and only those', () => {
    const { resources } = fixture.get(clientId);
    const catalogue = roleOf(resources, CATALOGUE_ENTRY);
    const paths = resourcesOfType(resources, 'AWS::ApiGateway::Method')
      .filter(([, m]) => JSON.stringify(m.Properties.Integration ?? {}).includes(`"${catalogue.logicalId}"`))
      .map(([, m]) => m.Properties.OperationName as string)
      .sort();
    expect(paths).toEqual(
      [
        'createConfigurationItem', 'createService', 'getConfigurationItem', 'getConfigurationItemHistory', 'getService', 'listConfigurationItems',
        'listServiceCis', 'listServices', 'listSharedPlatforms', 'listSoftwareInventory', 'retireService', 'updateConfigurationItem', 'updateService',
      ].sort(),
    );
  });
});
