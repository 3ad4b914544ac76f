/**
 * The outbox reconciler as the stack deploys it: a scheduled function whose failures go to the
 * scheduled jobs' queue, a role limited to what reconciling does, and a health alarm on repairs.
 */
import { healthAlarmPrefix } from '../../src/kernel/infra/itsm-health-alarms';
import { OUTBOX_PARTITION } from '../../src/modules/outbox/adapters';
import { schedulesOf } from '../../local/template-model';
import type { CfnElement } from 'aws-cdk-lib';
import { actionsOf, asList, functionOfAlias, functionWithEntry, referencedId, referencedIds, renderArn, resourcesOfType, useClientStacks, HANDLER_ENTRIES } from './infra-fixtures';

const fixture = useClientStacks();

describe.each(['example', 'acme-us'])('%s', (clientId) => {
  const only = <T>(items: readonly T[]): T => {
    expect(items).toHaveLength(1);
    return items[0]!;
  };
  const jobFailuresId = (resources: Parameters<typeof resourcesOfType>[0]) =>
    only(resourcesOfType(resources, 'AWS::SQS::Queue').filter(([id]) => id.startsWith('ScheduledJobFailures')))[0];

  test('runs every 5 minutes from an EventBridge schedule; failed invocations and undeliverable events go to the scheduled jobs queue', () => {
    const { resources } = fixture.get(clientId);
    const reconciler = functionWithEntry(resources, HANDLER_ENTRIES.outboxReconciler);
    const queueId = jobFailuresId(resources);
    const [ruleId, rule] = only(
      // The schedule invokes the function's live alias (canary releases), which names the function.
      resourcesOfType(resources, 'AWS::Events::Rule').filter(([, r]) =>
        asList<{ Arn: unknown }>(r.Properties.Targets).some((t) => [...referencedIds(t.Arn)].some((id) => functionOfAlias(resources, id) === reconciler.logicalId)),
      ),
    );
    expect(rule.Properties.ScheduleExpression).toBe('rate(5 minutes)');
    const [target] = rule.Properties.Targets;
    expect(target.RetryPolicy).toEqual({ MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 });
    expect(referencedId(target.DeadLetterConfig.Arn)).toBe(queueId);
    expect(referencedId(reconciler.fn.Properties.DeadLetterConfig.TargetArn)).toBe(queueId);
    // The local runtime reads the same schedule (POST /_local/schedules/<rule>/run).
    expect(schedulesOf({ Resources: resources } as never)).toContainEqual(expect.objectContaining({ logicalId: ruleId, functionIds: [reconciler.logicalId] }));
  });

  test("its role: outbox items (get, query, delete), the byState index (query), the SLA workflow's executions (describe, start), the topics, the jobs queue; no Scan", () => {
    const { resources } = fixture.get(clientId);
    const reconciler = functionWithEntry(resources, HANDLER_ENTRIES.outboxReconciler);
    // Rebuilding the self-help site (a repaired publish-site effect, clients that have one): the
    // problems and catalogue tables' reads and the site bucket (test/infra/selfhelp-site.test.ts),
    // and byState again, which it reads too; set apart here.
    const { stack } = fixture.get(clientId);
    const siteTables = new Set([stack.data.problemsTable, stack.data.catalogueTable].map((t) => stack.getLogicalId(t.node.defaultChild as CfnElement)));
    // Repaired resolution drafts: PutItem on article partitions (KA#…) only, and their audit records; set apart too.
    const [problemsId, auditId] = [stack.data.problemsTable, stack.data.auditTable].map((t) => stack.getLogicalId(t.node.defaultChild as CfnElement));
    const isDraftPut = (st: (typeof reconciler.statements)[number]) => referencedIds(st.Resource).has(problemsId!) && actionsOf([st]).join() === 'dynamodb:PutItem';
    const isDraftGrant = (st: (typeof reconciler.statements)[number]) => isDraftPut(st) || referencedIds(st.Resource).has(auditId!);
    expect(reconciler.statements.filter(isDraftPut).map((st) => st.Condition)).toEqual([{ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['KA#*'] } }]);
    const isSiteGrant = (st: (typeof reconciler.statements)[number]) =>
      !isDraftGrant(st) && (actionsOf([st]).some((a) => a.startsWith('s3:')) || [...referencedIds(st.Resource)].some((id) => siteTables.has(id)));
    const seen = new Set<string>();
    const statements = reconciler.statements.filter((st) => !isSiteGrant(st) && !isDraftGrant(st) && !seen.has(JSON.stringify(st)) && seen.add(JSON.stringify(st)));
    expect(reconciler.statements.some(isSiteGrant)).toBe(stack.config.selfHelp.site.enabled);
    const granted = (prefix: string) => [...new Set(actionsOf(statements).filter((a) => a.startsWith(prefix)))].sort();
    expect(granted('dynamodb:')).toEqual(['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:Query']);
    expect(granted('states:')).toEqual(['states:DescribeExecution', 'states:StartExecution']);
    expect(granted('sns:')).toEqual(['sns:Publish']);
    expect(granted('sqs:')).toEqual(['sqs:SendMessage']);
    const services = [...new Set(actionsOf(statements).map((a) => a.split(':')[0]!))].sort();
    expect(services.filter((s) => s !== 'secretsmanager')).toEqual(['dynamodb', 'kms', 'logs', 'sns', 'sqs', 'states', 'xray']);

    const onTable = statements.filter((s) => actionsOf([s]).some((a) => a.startsWith('dynamodb:')));
    const onIndex = onTable.filter((s) => asList(s.Resource).some((r) => renderArn(r).includes('/index/')));
    const onItems = onTable.filter((s) => !onIndex.includes(s));
    // The table itself: outbox items only (leading key OUTBOX).
    for (const s of onItems) {
      expect(actionsOf([s]).sort()).toEqual(['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:Query']);
      expect(s.Condition).toEqual({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [OUTBOX_PARTITION] } });
    }
    // Indexes: Query on byState, by its own ARN, nothing else.
    expect(onIndex).toHaveLength(1);
    expect(actionsOf(onIndex)).toEqual(['dynamodb:Query']);
    expect(asList(onIndex[0]!.Resource).map(renderArn)).toEqual([expect.stringMatching(/^\$\{DataIncidentsTable[0-9A-F]+\.Arn\}\/index\/byStateBrief$/)]);

    const machineId = only(resourcesOfType(resources, 'AWS::StepFunctions::StateMachine').filter(([id]) => id.startsWith('SlaWorkflow')))[0];
    const describe = only(statements.filter((s) => actionsOf([s]).includes('states:DescribeExecution')));
    expect(actionsOf([describe])).toEqual(['states:DescribeExecution']);
    expect(asList(describe.Resource).map(renderArn)).toEqual([`arn:\${AWS::Partition}:states:\${AWS::Region}:\${AWS::AccountId}:execution:\${${machineId}.Name}:*`]);
    const start = only(statements.filter((s) => actionsOf([s]).includes('states:StartExecution')));
    expect(actionsOf([start])).toEqual(['states:StartExecution']);
    expect(asList(start.Resource).map(referencedId)).toEqual([machineId]);
  });

  test('a health alarm fires as soon as one repair is counted', () => {
    const { resources } = fixture.get(clientId);
    const [, alarm] = only(resourcesOfType(resources, 'AWS::CloudWatch::Alarm').filter(([, a]) => a.Properties.AlarmName === `${healthAlarmPrefix(clientId)}OutboxReconciler-repairs`));
    expect(alarm.Properties).toMatchObject({
      Namespace: 'RoweItsm',
      MetricName: 'EffectsRepairedTotal',
      Dimensions: [{ Name: 'service', Value: 'outbox-reconciler' }],
      Statistic: 'Sum',
      Period: 300,
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
    });
    expect(alarm.Properties.AlarmActions?.length ?? 0).toBeGreaterThan(0);
  });
});
