/**
 * The changes table and the changes function: the table is built from the adapter's key module
 * like the others, the function's role holds exactly what its code performs, and the approvers'
 * Cognito groups exist.
 */
import type { CfnElement } from 'aws-cdk-lib';
import { CHANGE_INDEXES, CHANGES_TABLE_KEYS } from '../../lambdas/adapters/dynamodb/changes-table-keys';
import { INCIDENT_INDEXES } from '../../lambdas/adapters/dynamodb/incidents-table-keys';
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

const CHANGES_ENTRY = 'lambdas/handlers/changes-handler.ts';
const actionsOf = (statements: readonly PolicyStatementJson[]) => statements.flatMap((s) => asList(s.Action));

function roleOf(resources: Readonly<Record<string, CfnResourceJson>>, entry: string) {
  const found = resourcesOfType(resources, 'AWS::Lambda::Function').filter(([, r]) => r.Metadata?.[ENTRY_METADATA] === entry);
  expect(found).toHaveLength(1);
  const [logicalId, fn] = found[0]!;
  const roleId = referencedId(fn.Properties.Role)!;
  return { logicalId, fn, roleId, statements: statementsOfRole(resources, roleId) };
}

/** Actions granted per rendered resource ARN, for the statements naming `tableId`. */
function grantsOn(statements: readonly PolicyStatementJson[], tableId: string): Map<string, string[]> {
  const granted = new Map<string, Set<string>>();
  for (const statement of statements.filter((s) => referencedIds(s.Resource).has(tableId) && actionsOf([s]).some((a) => a.startsWith('dynamodb:')))) {
    expect(statement.Effect).toBe('Allow');
    expect(statement.Condition).toBeUndefined();
    for (const arn of asList(statement.Resource).map(renderArn)) {
      for (const action of asList(statement.Action)) granted.set(arn, (granted.get(arn) ?? new Set()).add(action));
    }
  }
  return new Map([...granted].map(([arn, actions]) => [arn, [...actions].sort()]));
}

describe.each(['example', 'acme-us'])('%s', (clientId) => {
  test('the changes table is on-demand, point-in-time recoverable, deletion-protected, retained and encrypted with the data key; keys and indexes from the key module', () => {
    const { stack, resources } = fixture.get(clientId);
    const table = resources[logicalIdOf(stack, stack.data.changesTable.node.defaultChild as CfnElement)]!;
    const keyId = logicalIdOf(stack, stack.data.key.node.defaultChild as CfnElement);
    expect(table.Type).toBe('AWS::DynamoDB::Table');
    expect(table.Properties).toMatchObject({
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      DeletionProtectionEnabled: true,
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS' },
    });
    expect(table.DeletionPolicy).toBe('Retain');
    expect(table.UpdateReplacePolicy).toBe('Retain');
    expect(referencedIds(table.Properties.SSESpecification.KMSMasterKeyId)).toEqual(new Set([keyId]));
    expect(table.Properties.KeySchema).toEqual([
      { AttributeName: CHANGES_TABLE_KEYS.partitionKey, KeyType: 'HASH' },
      { AttributeName: CHANGES_TABLE_KEYS.sortKey, KeyType: 'RANGE' },
    ]);
    const byName = (a: { IndexName: string }, b: { IndexName: string }) => a.IndexName.localeCompare(b.IndexName);
    expect([...table.Properties.GlobalSecondaryIndexes].sort(byName)).toEqual(
      Object.values(CHANGE_INDEXES)
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

  test('the changes function: read and write (no delete) on the changes table and Query on its indexes; GetItem on the catalogue, Put/Delete of CI entries only; GetItem and the number index on incidents; idempotency; append-only audit; publish to the escalation topic only', () => {
    const { stack, resources } = fixture.get(clientId);
    const id = (t: { node: { defaultChild?: unknown } }) => logicalIdOf(stack, t.node.defaultChild as CfnElement);
    const changesId = id(stack.data.changesTable);
    const catalogueId = id(stack.data.catalogueTable);
    const incidentsId = id(stack.data.incidentsTable);
    const idempotencyId = id(stack.data.idempotencyTable);
    const auditId = id(stack.data.auditTable);
    const changes = roleOf(resources, CHANGES_ENTRY);
    const tableIds = new Set(resourcesOfType(resources, 'AWS::DynamoDB::Table').map(([tid]) => tid));
    const touched = new Set(changes.statements.flatMap((s) => [...referencedIds(s.Resource)].filter((tid) => tableIds.has(tid))));
    expect(touched).toEqual(new Set([changesId, catalogueId, incidentsId, idempotencyId, auditId]));

    const onChanges = grantsOn(changes.statements, changesId);
    const indexArns = Object.values(CHANGE_INDEXES).map((index) => `\${${changesId}.Arn}/index/${index.name}`);
    expect([...onChanges.keys()].sort()).toEqual([`\${${changesId}.Arn}`, ...indexArns].sort());
    expect(onChanges.get(`\${${changesId}.Arn}`)).toEqual(['dynamodb:ConditionCheckItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem']);
    for (const arn of indexArns) expect(onChanges.get(arn)).toEqual(['dynamodb:Query']);

    const unconditional = changes.statements.filter((st) => st.Condition === undefined);
    expect(Object.fromEntries(grantsOn(unconditional, catalogueId))).toEqual({ [`\${${catalogueId}.Arn}`]: ['dynamodb:GetItem'] });
    // Recording installed versions: Put and Delete on CI and service partitions only.
    const onCatalogue = changes.statements.filter((st) => st.Condition !== undefined && referencedIds(st.Resource).has(catalogueId));
    expect(onCatalogue.map((st) => ({ actions: actionsOf([st]).sort(), condition: st.Condition }))).toEqual([
      { actions: ['dynamodb:DeleteItem', 'dynamodb:PutItem'], condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['CI#*', 'SERVICE#*'] } } },
    ]);
    expect(Object.fromEntries(grantsOn(changes.statements, incidentsId))).toEqual({
      [`\${${incidentsId}.Arn}`]: ['dynamodb:GetItem'],
      [`\${${incidentsId}.Arn}/index/${INCIDENT_INDEXES.byNumber.name}`]: ['dynamodb:Query'],
    });
    expect(actionsOf(changes.statements.filter((s) => !onCatalogue.includes(s))).filter((a) => a === 'dynamodb:DeleteItem' || a === 'dynamodb:Scan')).toEqual(
      // DeleteItem only on the idempotency table (Powertools removes a failed request's record) and,
      // above, on the CI entries a recorded version no longer has.
      actionsOf(changes.statements.filter((s) => referencedIds(s.Resource).has(idempotencyId))).filter((a) => a === 'dynamodb:DeleteItem'),
    );

    const publish = changes.statements.filter((s) => actionsOf([s]).includes('sns:Publish'));
    const escalationsId = resourcesOfType(resources, 'AWS::SNS::Topic').find(([tid]) => tid.includes('Escalations'))![0];
    expect(publish.flatMap((s) => [...referencedIds(s.Resource)])).toEqual([escalationsId]);
    expect(actionsOf(changes.statements).filter((a) => !/^(dynamodb|kms|logs|xray|sns):/.test(a))).toEqual([]);
    expect(changes.fn.Properties.Environment.Variables).toMatchObject({
      CHANGES_TABLE_NAME: { Ref: changesId },
      ESCALATION_TOPIC_ARN: { Ref: escalationsId },
    });
  });

  test('besides the changes function, only the incidents function touches the changes table: GetItem and PutItem on service requests (REQUEST# keys) only', () => {
    const { stack, resources } = fixture.get(clientId);
    const changesId = logicalIdOf(stack, stack.data.changesTable.node.defaultChild as CfnElement);
    const changes = roleOf(resources, CHANGES_ENTRY);
    const incidents = roleOf(resources, 'lambdas/handlers/incidents-handler.ts');
    const grantees = resourcesOfType(resources, 'AWS::IAM::Policy')
      .filter(([, p]) => asList<PolicyStatementJson>(p.Properties.PolicyDocument.Statement).some((st) => referencedIds(st.Resource).has(changesId)))
      .flatMap(([, p]) => asList<unknown>(p.Properties.Roles).map(referencedId));
    expect(grantees.sort()).toEqual([changes.roleId, incidents.roleId].sort());
    const onChanges = incidents.statements.filter((st) => referencedIds(st.Resource).has(changesId));
    expect(onChanges.map((st) => ({ actions: actionsOf([st]).sort(), resources: asList(st.Resource).map(renderArn), condition: st.Condition }))).toEqual([
      {
        actions: ['dynamodb:GetItem', 'dynamodb:PutItem'],
        resources: [`\${${changesId}.Arn}`],
        condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['REQUEST#*'] } },
      },
    ]);
  });

  test('an alarm watches the changes function for audit records it could not append', () => {
    const { resources } = fixture.get(clientId);
    const alarms = resourcesOfType(resources, 'AWS::CloudWatch::Alarm').filter(([, a]) =>
      (a.Properties.Dimensions ?? []).some((d: { Name: string; Value: string }) => d.Name === 'service' && d.Value === 'changes'),
    );
    expect(alarms).toHaveLength(1);
    expect(alarms[0]![1].Properties).toMatchObject({ MetricName: 'AuditWriteFailed', Namespace: 'RoweItsm', Threshold: 0 });
  });

  test('the CAB, emergency approvers and client approvers are Cognito groups of the pool', () => {
    const { resources } = fixture.get(clientId);
    const groups = resourcesOfType(resources, 'AWS::Cognito::UserPoolGroup').map(([, g]) => g.Properties.GroupName as string);
    expect(groups).toEqual(expect.arrayContaining(['cab', 'emergency-approver', 'client-approver']));
  });
});
