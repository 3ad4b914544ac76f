/**
 * On call: its own durable table built from the key module, one function whose role holds exactly
 * what its code performs (whole-record Get/Query/Put on its table, audit append, the jobs' queue),
 * serving the oncall routes and run daily by a rule, and the OnCallGaps alarm.
 */
import { ONCALL_TABLE_KEYS, PEOPLE_PARTITION, POLICIES_PARTITION, SCHEDULES_PARTITION } from '../../src/modules/oncall/adapters/oncall-table-keys';
import { API_ROUTES } from '../../src/api/api-catalogue';
import {
  actionsOf,
  apiOperationsOf,
  expectDurableTableEncryptedWith,
  functionOfAlias,
  functionWithEntry,
  granteesOf,
  grantsOn,
  idOf,
  integratedFunctionIds,
  referencedIds,
  resourcesOfType,
  useClientStacks,
  dailyTargetsOf,
  namesClientContactsSecret,
  HANDLER_ENTRIES,
} from './infra-fixtures';

const fixture = useClientStacks();

describe.each(['example', 'acme-us'])('%s', (clientId) => {
  test('the on-call table: durable, encrypted with the data key, keys from oncall-table-keys.ts, no index', () => {
    const { stack, resources } = fixture.get(clientId);
    const tableId = idOf(stack, stack.data.oncallTable);
    const table = resources[tableId]!;
    expectDurableTableEncryptedWith(table, idOf(stack, stack.data.key));
    expect(table.Properties.KeySchema).toEqual([
      { AttributeName: ONCALL_TABLE_KEYS.partitionKey, KeyType: 'HASH' },
      { AttributeName: ONCALL_TABLE_KEYS.sortKey, KeyType: 'RANGE' },
    ]);
    expect(table.Properties.GlobalSecondaryIndexes).toBeUndefined();
  });

  test('the on-call function alone writes its table: GetItem, Query, PutItem (no Scan, Update or Delete); audit append; the jobs\' queue; the SLA function reads policies, schedules and people only; auto-close reads people only (a review action\'s owner)', () => {
    const { stack, resources } = fixture.get(clientId);
    const [oncallId, auditId] = [stack.data.oncallTable, stack.data.auditTable].map((t) => idOf(stack, t));
    const oncall = functionWithEntry(resources, HANDLER_ENTRIES.oncall);
    const slaClock = functionWithEntry(resources, HANDLER_ENTRIES.slaClock);
    const autoClose = functionWithEntry(resources, HANDLER_ENTRIES.autoClose);
    expect(granteesOf(resources, oncallId).sort()).toEqual([oncall.roleId, slaClock.roleId, autoClose.roleId].sort());
    const autoCloseOnOncall = autoClose.statements.filter((st) => referencedIds(st.Resource).has(oncallId) && actionsOf([st]).some((a) => a.startsWith('dynamodb:')));
    expect(autoCloseOnOncall.map((st) => ({ actions: actionsOf([st]).sort(), condition: st.Condition }))).toEqual([
      { actions: ['dynamodb:GetItem'], condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [PEOPLE_PARTITION] } } },
    ]);
    // Paging by policy: GetItem and Query on three partitions, nothing else of the table.
    const slaOnOncall = slaClock.statements.filter((st) => referencedIds(st.Resource).has(oncallId) && actionsOf([st]).some((a) => a.startsWith('dynamodb:')));
    expect(slaOnOncall.map((st) => ({ actions: actionsOf([st]).sort(), condition: st.Condition }))).toEqual([
      { actions: ['dynamodb:GetItem', 'dynamodb:Query'], condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [POLICIES_PARTITION, SCHEDULES_PARTITION, PEOPLE_PARTITION] } } },
    ]);
    expect(grantsOn(oncall.statements, oncallId)).toEqual({ [`\${${oncallId}.Arn}`]: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query'] });
    expect(grantsOn(oncall.statements, auditId)).toEqual({ [`\${${auditId}.Arn}`]: ['dynamodb:PutItem'] });
    const tableIds = new Set(resourcesOfType(resources, 'AWS::DynamoDB::Table').map(([tid]) => tid));
    const touched = oncall.statements.filter((s) => actionsOf([s]).some((a) => a.startsWith('dynamodb:'))).flatMap((s) => [...referencedIds(s.Resource)].filter((tid) => tableIds.has(tid)));
    expect(new Set(touched)).toEqual(new Set([oncallId, auditId]));
    // …and the client's contacts (its default escalation policy), their secret only (test/infra/client-contacts.test.ts).
    expect(actionsOf(oncall.statements.filter((s) => !namesClientContactsSecret(resources, s))).filter((a) => !/^(dynamodb|kms|logs|xray):/.test(a))).toEqual(['sqs:SendMessage']);
    expect(oncall.fn.Properties.Environment.Variables.ONCALL_TABLE_NAME).toEqual({ Ref: oncallId });
  });

  test('it serves every oncall route and only those', () => {
    const { resources } = fixture.get(clientId);
    const oncall = functionWithEntry(resources, HANDLER_ENTRIES.oncall);
    const operations = apiOperationsOf(resources)
      .filter((m) => integratedFunctionIds(m.operation, resources).includes(oncall.logicalId))
      .map((m) => m.operation.operationId as string)
      .sort();
    expect(operations).toEqual(API_ROUTES.filter((r) => r.group === 'oncall').map((r) => r.operationId).sort());
    expect(operations.length).toBeGreaterThanOrEqual(10);
  });

  test('the daily gap check: a rule on the live alias with retries and the jobs\' dead-letter queue; OnCallGaps alarmed as a health alarm', () => {
    const { stack, resources } = fixture.get(clientId);
    const oncall = functionWithEntry(resources, HANDLER_ENTRIES.oncall);
    // One target of the stack's daily schedule (DailySchedule), through the job's live alias.
    const daily = dailyTargetsOf(resources, oncall.logicalId);
    expect(daily).toHaveLength(1);
    const { target } = daily[0]!;
    expect([...referencedIds(target.Arn)].map((id) => [resources[id]?.Type, functionOfAlias(resources, id)])).toEqual([['AWS::Lambda::Alias', oncall.logicalId]]);
    expect(target.RetryPolicy).toEqual({ MaximumEventAgeInSeconds: 3600, MaximumRetryAttempts: 2 });
    const queueId = idOf(stack, stack.node.findChild('ScheduledJobFailures'));
    expect(referencedIds(target.DeadLetterConfig.Arn)).toEqual(new Set([queueId]));
    expect(referencedIds(oncall.fn.Properties.DeadLetterConfig.TargetArn)).toEqual(new Set([queueId]));

    const alarms = resourcesOfType(resources, 'AWS::CloudWatch::Alarm').filter(([, a]) => a.Properties.MetricName === 'OnCallGaps');
    expect(alarms).toHaveLength(1);
    expect(alarms[0]![1].Properties).toMatchObject({
      AlarmName: `rowe-itsm-health-${clientId}-oncall-gaps`,
      Namespace: 'RoweItsm',
      Dimensions: [{ Name: 'service', Value: 'oncall' }],
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      Period: 86400,
    });
    // To the ops topic, like every module alarm (the stack's health alarms wire them).
    expect(alarms[0]![1].Properties.AlarmActions?.length ?? 0).toBeGreaterThan(0);
    const auditAlarm = resourcesOfType(resources, 'AWS::CloudWatch::Alarm').find(([, a]) => String(a.Properties.AlarmName).endsWith('-audit-write-failures'));
    expect(auditAlarm![1].Properties.Metrics[0].Expression).toContain("service = 'oncall'");
  });
});
