/**
 * The problems function's role holds exactly what its code performs, and the incidents function
 * may only read known errors and articles by search term. (The problems table is durable and built
 * from the adapter's key module like the others: data.test.ts.)
 */
import { unpackSettings } from '../../src/config/packed-settings';
import { PROBLEM_INDEXES } from '../../src/modules/problems/adapters/problems-table-keys';
import { INCIDENT_INDEXES } from '../../src/modules/incidents/adapters/incidents-table-keys';
import { API_ROUTES } from '../../src/api/api-catalogue';
import {
  actionsOf,
  asList,
  functionWithEntry,
  granteesOf,
  grantsOn,
  idOf,
  referencedIds,
  resourcesOfType,
  RETENTION_ENTRY,
  retentionGrants,
  statementsOn,
  apiOperationsOf,
  functionOfAlias,
  integratedFunctionIds,
  useClientStacks,
  dailyTargetsOf,
  HANDLER_ENTRIES,
} from './infra-fixtures';

const fixture = useClientStacks();

const PROBLEMS_TABLE_ACTIONS = ['dynamodb:ConditionCheckItem', 'dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem'];

describe.each(['example', 'acme-us'])('%s', (clientId) => {
  test('the problems function: get, query, condition-check, put and delete on its table and Query on each index; GetItem, BatchGetItem, byNumber and byCreated on incidents; idempotency; audit append only', () => {
    const { stack, resources } = fixture.get(clientId);
    const [problemsId, incidentsId, idempotencyId, auditId] = [stack.data.problemsTable, stack.data.incidentsTable, stack.data.idempotencyTable, stack.data.auditTable].map((t) => idOf(stack, t));
    const problems = functionWithEntry(resources, HANDLER_ENTRIES.problems);
    const tableIds = new Set(resourcesOfType(resources, 'AWS::DynamoDB::Table').map(([tid]) => tid));
    const dynamo = problems.statements.filter((s) => actionsOf([s]).some((a) => a.startsWith('dynamodb:')));
    expect(new Set(dynamo.flatMap((s) => [...referencedIds(s.Resource)].filter((tid) => tableIds.has(tid))))).toEqual(new Set([problemsId, incidentsId, idempotencyId, auditId]));
    expect(grantsOn(problems.statements, problemsId)).toEqual({
      [`\${${problemsId}.Arn}`]: PROBLEMS_TABLE_ACTIONS,
      ...Object.fromEntries(Object.values(PROBLEM_INDEXES).map((index) => [`\${${problemsId}.Arn}/index/${index.name}`, ['dynamodb:Query']])),
    });
    // PutItem: the self-help site's rebuild, an outbox item (OUTBOX partition only; test/infra/iam.test.ts).
    // BatchGetItem: problem candidates' incidents, by the keys byCreated finds.
    expect(grantsOn(problems.statements, incidentsId)).toEqual({
      [`\${${incidentsId}.Arn}`]: ['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:PutItem'],
      [`\${${incidentsId}.Arn}/index/byNumber`]: ['dynamodb:Query'],
      [`\${${incidentsId}.Arn}/index/${INCIDENT_INDEXES.byCreated.name}`]: ['dynamodb:Query'],
    });
    // The audit trail: append only (PutItem of records; the chain head is the chainer's alone).
    expect(grantsOn(problems.statements, auditId)).toEqual({ [`\${${auditId}.Arn}`]: ['dynamodb:PutItem'] });
    // No topics, queues or other services; where the client keeps the site's bundle (the example does), GetObject
    // on that one object, to pre-sign GET /knowledge/site-bundle's link, and the bucket's name.
    const s3 = problems.statements.filter((s) => actionsOf([s]).some((a) => a.startsWith('s3:')));
    const siteBucket = resourcesOfType(resources, 'AWS::S3::Bucket').map(([id]) => id).find((id) => id.startsWith('SelfHelpSitePages'));
    if (clientId === 'example') {
      expect(s3.map((s) => [actionsOf([s]), JSON.stringify(s.Resource)])).toEqual([[['s3:GetObject'], JSON.stringify({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [siteBucket, 'Arn'] }, '/_bundle/site.zip']] })]]);
      expect(problems.fn.Properties.Environment.Variables.SELFHELP_BUCKET_NAME).toEqual({ Ref: siteBucket });
    } else {
      expect(s3).toEqual([]);
    }
    expect(actionsOf(problems.statements).filter((a) => !/^(dynamodb|kms|logs|xray):/.test(a) && a !== 's3:GetObject')).toEqual([]);
    expect(problems.fn.Properties.Environment.Variables.PROBLEMS_TABLE_NAME).toEqual({ Ref: problemsId });
  });

  test('only the problems, incidents, knowledge-retirement, reports and outbox functions touch the problems table; the incidents function reads only (GetItem, Query on bySearchTerm and byIncident); the outbox functions put resolution drafts on article partitions only', () => {
    const { stack, resources } = fixture.get(clientId);
    const tableId = idOf(stack, stack.data.problemsTable);
    const problems = functionWithEntry(resources, HANDLER_ENTRIES.problems);
    const incidents = functionWithEntry(resources, HANDLER_ENTRIES.incidents);
    const retirement = functionWithEntry(resources, HANDLER_ENTRIES.knowledgeRetirement);
    // Reports: Query only, for known errors' impact (test/infra/known-error-impact.test.ts).
    const reports = functionWithEntry(resources, HANDLER_ENTRIES.reports);
    // The outbox's functions store resolution drafts (draft-article effects), and read published
    // articles to rebuild the self-help site where the client has one.
    const outbox = [HANDLER_ENTRIES.outboxConsumer, HANDLER_ENTRIES.outboxReconciler].map((entry) => functionWithEntry(resources, entry));
    // The retention job: closed problems on byState, rewritten under their own partitions.
    const retention = functionWithEntry(resources, RETENTION_ENTRY);
    expect(granteesOf(resources, tableId).sort()).toEqual([problems.roleId, incidents.roleId, retirement.roleId, reports.roleId, retention.roleId, ...outbox.map((fn) => fn.roleId)].sort());
    expect(statementsOn(retention.statements, tableId)).toEqual(retentionGrants(tableId, 'byState', ['PROBLEM#*']));
    expect(grantsOn(incidents.statements, tableId)).toEqual({
      [`\${${tableId}.Arn}`]: ['dynamodb:GetItem'],
      [`\${${tableId}.Arn}/index/bySearchTerm`]: ['dynamodb:Query'],
      // Incident reports: the problems an incident is linked to.
      [`\${${tableId}.Arn}/index/byIncident`]: ['dynamodb:Query'],
    });
    // The drafts' Put: only under article partitions (KA#…), never problems, known errors or terms' other keys.
    for (const fn of outbox) {
      const puts = fn.statements.filter((s) => referencedIds(s.Resource).has(tableId) && asList(s.Action).includes('dynamodb:PutItem'));
      expect(puts).toHaveLength(1);
      expect(asList(puts[0]!.Action)).toEqual(['dynamodb:PutItem']);
      expect(puts[0]!.Condition).toEqual({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['KA#*'] } });
      expect(fn.fn.Properties.Environment.Variables.PROBLEMS_TABLE_NAME).toEqual({ Ref: tableId });
    }
    expect(incidents.fn.Properties.Environment.Variables.PROBLEMS_TABLE_NAME).toEqual({ Ref: tableId });
  });

  test('the problems function serves every problems route and only those, and its audit write failures raise an alarm', () => {
    const { resources } = fixture.get(clientId);
    const problems = functionWithEntry(resources, HANDLER_ENTRIES.problems);
    const operations = apiOperationsOf(resources)
      .filter((m) => integratedFunctionIds(m.operation, resources).includes(problems.logicalId))
      .map((m) => m.operation.operationId as string)
      .sort();
    expect(operations).toEqual(API_ROUTES.filter((r) => r.group === 'problems').map((r) => r.operationId).sort());
    const auditAlarm = resourcesOfType(resources, 'AWS::CloudWatch::Alarm').find(([, a]) => String(a.Properties.AlarmName).endsWith('-audit-write-failures'));
    expect(auditAlarm![1].Properties.Metrics[0].Expression).toContain("service = 'problems'");
  });

  test('the knowledge-retirement job: a daily schedule with retries and the jobs\' dead-letter queue; Query on byLastAccess (no Scan), update and delete on the problems table; audit append only', () => {
    const { stack, resources } = fixture.get(clientId);
    const [problemsId, auditId] = [stack.data.problemsTable, stack.data.auditTable].map((t) => idOf(stack, t));
    const retirement = functionWithEntry(resources, HANDLER_ENTRIES.knowledgeRetirement);
    expect(grantsOn(retirement.statements, problemsId)).toEqual({
      [`\${${problemsId}.Arn}`]: ['dynamodb:ConditionCheckItem', 'dynamodb:DeleteItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem'],
      [`\${${problemsId}.Arn}/index/byLastAccess`]: ['dynamodb:Query'],
    });
    expect(grantsOn(retirement.statements, auditId)).toEqual({ [`\${${auditId}.Arn}`]: ['dynamodb:PutItem'] });
    expect(actionsOf(retirement.statements).filter((a) => a.startsWith('dynamodb:Scan'))).toEqual([]);
    // One target of the stack's daily schedule (DailySchedule), through the job's live alias.
    const daily = dailyTargetsOf(resources, retirement.logicalId);
    expect(daily).toHaveLength(1);
    const { target } = daily[0]!;
    // Through the job's live alias (CodeDeploy shifts it on a deploy).
    expect([...referencedIds(target.Arn)].map((id) => [resources[id]?.Type, functionOfAlias(resources, id)])).toEqual([['AWS::Lambda::Alias', retirement.logicalId]]);
    expect(target.RetryPolicy).toEqual({ MaximumEventAgeInSeconds: 3600, MaximumRetryAttempts: 2 });
    const queueId = idOf(stack, stack.node.findChild('ScheduledJobFailures'));
    expect(referencedIds(target.DeadLetterConfig.Arn)).toEqual(new Set([queueId]));
    expect(referencedIds(retirement.fn.Properties.DeadLetterConfig.TargetArn)).toEqual(new Set([queueId]));
    expect(JSON.parse(unpackSettings(retirement.fn.Properties.Environment.Variables.ITSM_CLIENT_SETTINGS)).knowledgeStaleAfter).toBe('P180D');
  });
});
