/**
 * The problems table and the problems function: the table is built from the adapter's key module
 * like the others, the function's role holds exactly what its code performs, and the incidents
 * function may only read known errors and articles by search term.
 */
import type { CfnElement } from 'aws-cdk-lib';
import { PROBLEM_INDEXES, PROBLEMS_TABLE_KEYS } from '../../lambdas/adapters/dynamodb/problems-table-keys';
import { API_ROUTES } from '../../lambdas/schemas/api-catalogue';
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

const PROBLEMS_ENTRY = 'lambdas/handlers/problems-handler.ts';
const INCIDENTS_ENTRY = 'lambdas/handlers/incidents-handler.ts';
const RETIREMENT_ENTRY = 'lambdas/handlers/knowledge-retirement-handler.ts';
const PROBLEMS_TABLE_ACTIONS = ['dynamodb:ConditionCheckItem', 'dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem'];

const actionsOf = (statements: readonly PolicyStatementJson[]) => statements.flatMap((s) => asList(s.Action));

function roleOf(resources: Readonly<Record<string, CfnResourceJson>>, entry: string) {
  const found = resourcesOfType(resources, 'AWS::Lambda::Function').filter(([, r]) => r.Metadata?.[ENTRY_METADATA] === entry);
  expect(found).toHaveLength(1);
  const [logicalId, fn] = found[0]!;
  const roleId = referencedId(fn.Properties.Role)!;
  return { logicalId, fn, roleId, statements: statementsOfRole(resources, roleId) };
}

function grantsOn(statements: readonly PolicyStatementJson[], tableId: string): Record<string, string[]> {
  const granted: Record<string, Set<string>> = {};
  for (const statement of statements.filter((s) => referencedIds(s.Resource).has(tableId))) {
    expect(statement.Effect).toBe('Allow');
    for (const arn of asList(statement.Resource).map(renderArn)) for (const action of asList<string>(statement.Action)) (granted[arn] ??= new Set()).add(action);
  }
  return Object.fromEntries(Object.entries(granted).map(([arn, actions]) => [arn, [...actions].sort()]));
}

describe.each(['example', 'acme-us'])('%s', (clientId) => {
  test('the problems table is on-demand, point-in-time recoverable, deletion-protected, retained and encrypted with the data key', () => {
    const { stack, resources } = fixture.get(clientId);
    const tableId = logicalIdOf(stack, stack.data.problemsTable.node.defaultChild as CfnElement);
    const keyId = logicalIdOf(stack, stack.data.key.node.defaultChild as CfnElement);
    const table = resources[tableId]!;
    expect(table.Type).toBe('AWS::DynamoDB::Table');
    expect(table.Properties.BillingMode).toBe('PAY_PER_REQUEST');
    expect(table.Properties.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
    expect(table.Properties.DeletionProtectionEnabled).toBe(true);
    expect(table.DeletionPolicy).toBe('Retain');
    expect(table.UpdateReplacePolicy).toBe('Retain');
    expect(table.Properties.SSESpecification).toMatchObject({ SSEEnabled: true, SSEType: 'KMS' });
    expect(referencedIds(table.Properties.SSESpecification.KMSMasterKeyId)).toEqual(new Set([keyId]));
  });

  test('the problems table keys and indexes match the adapter key module', () => {
    const { stack, resources } = fixture.get(clientId);
    const table = resources[logicalIdOf(stack, stack.data.problemsTable.node.defaultChild as CfnElement)]!;
    expect(table.Properties.KeySchema).toEqual([
      { AttributeName: PROBLEMS_TABLE_KEYS.partitionKey, KeyType: 'HASH' },
      { AttributeName: PROBLEMS_TABLE_KEYS.sortKey, KeyType: 'RANGE' },
    ]);
    const byName = (a: { IndexName: string }, b: { IndexName: string }) => a.IndexName.localeCompare(b.IndexName);
    expect([...table.Properties.GlobalSecondaryIndexes].sort(byName)).toEqual(
      Object.values(PROBLEM_INDEXES)
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

  test('the problems function: get, query, condition-check, put and delete on its table and Query on each index; GetItem, byNumber and byCreated on incidents; idempotency; audit append only', () => {
    const { stack, resources } = fixture.get(clientId);
    const id = (table: { node: { defaultChild?: unknown } }) => logicalIdOf(stack, table.node.defaultChild as CfnElement);
    const [problemsId, incidentsId, idempotencyId, auditId] = [stack.data.problemsTable, stack.data.incidentsTable, stack.data.idempotencyTable, stack.data.auditTable].map(id);
    const problems = roleOf(resources, PROBLEMS_ENTRY);
    const tableIds = new Set(resourcesOfType(resources, 'AWS::DynamoDB::Table').map(([tid]) => tid));
    const dynamo = problems.statements.filter((s) => actionsOf([s]).some((a) => a.startsWith('dynamodb:')));
    expect(new Set(dynamo.flatMap((s) => [...referencedIds(s.Resource)].filter((tid) => tableIds.has(tid))))).toEqual(new Set([problemsId, incidentsId, idempotencyId, auditId]));
    expect(grantsOn(problems.statements, problemsId!)).toEqual({
      [`\${${problemsId}.Arn}`]: PROBLEMS_TABLE_ACTIONS,
      ...Object.fromEntries(Object.values(PROBLEM_INDEXES).map((index) => [`\${${problemsId}.Arn}/index/${index.name}`, ['dynamodb:Query']])),
    });
    expect(grantsOn(problems.statements, incidentsId!)).toEqual({
      [`\${${incidentsId}.Arn}`]: ['dynamodb:GetItem'],
      [`\${${incidentsId}.Arn}/index/byNumber`]: ['dynamodb:Query'],
      [`\${${incidentsId}.Arn}/index/byCreated`]: ['dynamodb:Query'],
    });
    // The audit trail: append only (PutItem, and GetItem of the chain head).
    expect(grantsOn(problems.statements, auditId!)).toEqual({ [`\${${auditId}.Arn}`]: ['dynamodb:GetItem', 'dynamodb:PutItem'] });
    // No topics, queues or other services.
    expect(actionsOf(problems.statements).filter((a) => !/^(dynamodb|kms|logs|xray):/.test(a))).toEqual([]);
    expect(problems.fn.Properties.Environment.Variables.PROBLEMS_TABLE_NAME).toEqual({ Ref: problemsId });
  });

  test('only the problems, incidents, knowledge-retirement and reports functions touch the problems table; the incidents function with GetItem on the table, Query on bySearchTerm and PutItem on article partitions only', () => {
    const { stack, resources } = fixture.get(clientId);
    const tableId = logicalIdOf(stack, stack.data.problemsTable.node.defaultChild as CfnElement);
    const problems = roleOf(resources, PROBLEMS_ENTRY);
    const incidents = roleOf(resources, INCIDENTS_ENTRY);
    const grantees = resourcesOfType(resources, 'AWS::IAM::Policy')
      .filter(([, p]) => asList<PolicyStatementJson>(p.Properties.PolicyDocument.Statement).some((s) => referencedIds(s.Resource).has(tableId)))
      .flatMap(([, p]) => asList<unknown>(p.Properties.Roles).map(referencedId));
    const retirement = roleOf(resources, RETIREMENT_ENTRY);
    // Reports: Query only, for known errors' impact (test/infra/known-error-impact.test.ts).
    const reports = roleOf(resources, 'lambdas/handlers/reports-handler.ts');
    expect(grantees.sort()).toEqual([problems.roleId, incidents.roleId, retirement.roleId, reports.roleId].sort());
    expect(grantsOn(incidents.statements, tableId)).toEqual({
      [`\${${tableId}.Arn}`]: ['dynamodb:GetItem', 'dynamodb:PutItem'],
      [`\${${tableId}.Arn}/index/bySearchTerm`]: ['dynamodb:Query'],
    });
    // The Put is for resolution drafts: only under article partitions (KA#…), never problems, known errors or terms' other keys.
    const puts = incidents.statements.filter((s) => referencedIds(s.Resource).has(tableId) && asList(s.Action).includes('dynamodb:PutItem'));
    expect(puts).toHaveLength(1);
    expect(asList(puts[0]!.Action)).toEqual(['dynamodb:PutItem']);
    expect(puts[0]!.Condition).toEqual({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['KA#*'] } });
    expect(incidents.fn.Properties.Environment.Variables.PROBLEMS_TABLE_NAME).toEqual({ Ref: tableId });
  });

  test('the problems function serves every problems route and only those, and its audit write failures raise an alarm', () => {
    const { resources } = fixture.get(clientId);
    const problems = roleOf(resources, PROBLEMS_ENTRY);
    const operations = resourcesOfType(resources, 'AWS::ApiGateway::Method')
      .filter(([, m]) => JSON.stringify(m.Properties.Integration ?? {}).includes(`"${problems.logicalId}"`))
      .map(([, m]) => m.Properties.OperationName as string)
      .sort();
    expect(operations).toEqual(API_ROUTES.filter((r) => r.group === 'problems').map((r) => r.operationId).sort());
    const alarms = resourcesOfType(resources, 'AWS::CloudWatch::Alarm').filter(([id]) => id.startsWith('ProblemsFunctionAuditWriteFailures'));
    expect(alarms).toHaveLength(1);
    expect(alarms[0]![1].Properties.Dimensions).toEqual([{ Name: 'service', Value: 'problems' }]);
  });

  test('the knowledge-retirement job: a daily schedule with retries and the jobs\' dead-letter queue; Query on byLastAccess (no Scan), update and delete on the problems table; audit append only', () => {
    const { stack, resources } = fixture.get(clientId);
    const id = (table: { node: { defaultChild?: unknown } }) => logicalIdOf(stack, table.node.defaultChild as CfnElement);
    const [problemsId, auditId] = [stack.data.problemsTable, stack.data.auditTable].map(id);
    const retirement = roleOf(resources, RETIREMENT_ENTRY);
    expect(grantsOn(retirement.statements, problemsId!)).toEqual({
      [`\${${problemsId}.Arn}`]: ['dynamodb:ConditionCheckItem', 'dynamodb:DeleteItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem'],
      [`\${${problemsId}.Arn}/index/byLastAccess`]: ['dynamodb:Query'],
    });
    expect(grantsOn(retirement.statements, auditId!)).toEqual({ [`\${${auditId}.Arn}`]: ['dynamodb:GetItem', 'dynamodb:PutItem'] });
    expect(actionsOf(retirement.statements).filter((a) => a.startsWith('dynamodb:Scan'))).toEqual([]);
    const rules = resourcesOfType(resources, 'AWS::Events::Rule').filter(([rid]) => rid.startsWith('KnowledgeRetirementSchedule'));
    expect(rules).toHaveLength(1);
    const rule = rules[0]![1];
    expect(rule.Properties.ScheduleExpression).toBe('rate(1 day)');
    const target = rule.Properties.Targets[0];
    expect(referencedIds(target.Arn)).toEqual(new Set([retirement.logicalId]));
    expect(target.RetryPolicy).toEqual({ MaximumEventAgeInSeconds: 3600, MaximumRetryAttempts: 2 });
    const queueId = logicalIdOf(stack, stack.node.findChild('ScheduledJobFailures').node.defaultChild as CfnElement);
    expect(referencedIds(target.DeadLetterConfig.Arn)).toEqual(new Set([queueId]));
    expect(referencedIds(retirement.fn.Properties.DeadLetterConfig.TargetArn)).toEqual(new Set([queueId]));
    expect(JSON.parse(retirement.fn.Properties.Environment.Variables.ITSM_CLIENT_SETTINGS).knowledgeStaleAfter).toBe('P180D');
  });
});
