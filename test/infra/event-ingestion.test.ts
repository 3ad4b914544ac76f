/**
 * Monitoring events: the one rule for CloudWatch alarms, GuardDuty and Inspector2 findings (patterns from src/modules/monitoring/schemas/event-rules.ts), its
 * retry policy and encrypted dead-letter queue, the alarm on that queue, the events table; and the daily schedule, the stack's other shared rule.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { DailySchedule, TARGETS_PER_RULE } from '../../src/kernel/infra/daily-schedule';
import { loadClientConfigs } from '../../src/config/load-client-configs';
import { addClientStacks } from '../../src/stack/itsm-app';
import { CLOUDWATCH_ALARM_STATE_CHANGE_PATTERN, GUARDDUTY_FINDING_PATTERN, INSPECTOR2_FINDING_PATTERN, MONITORING_EVENTS_PATTERN } from '../../src/modules/monitoring/schemas/event-rules';
import { EVENTS_TABLE_KEYS } from '../../src/modules/monitoring/adapters/events-table-keys';
import {
  actionsOf,
  CLIENTS_DIR,
  expectDurableTableEncryptedWith,
  FAST_SYNTH_CONTEXT,
  functionWithEntry,
  idOf,
  referencedId,
  referencedIds,
  renderArn,
  resourcesOfType,
  useClientStacks,
  identityPolicies,
  type CfnResourceJson,
  HANDLER_ENTRIES,
} from './infra-fixtures';

const fixture = useClientStacks();

describe.each(['example', 'acme-us'])('%s: event ingestion', (clientId) => {
  const ingestion = () => functionWithEntry(fixture.get(clientId).resources, HANDLER_ENTRIES.eventIngestion);
  const patternRules = () => resourcesOfType(fixture.get(clientId).resources, 'AWS::Events::Rule').filter(([, r]) => r.Properties.EventPattern);

  const PATTERNS = [CLOUDWATCH_ALARM_STATE_CHANGE_PATTERN, GUARDDUTY_FINDING_PATTERN, INSPECTOR2_FINDING_PATTERN];

  test('one rule on the default bus, matching exactly the patterns of event-rules.ts (any of them), targeting the ingestion function', () => {
    const rules = patternRules();
    expect(rules).toHaveLength(1);
    const [[ruleId, rule]] = rules as [[string, CfnResourceJson]];
    expect(ruleId).toMatch(/^MonitoringEvents/);
    expect(rule.Properties.EventPattern).toEqual({ $or: PATTERNS });
    expect(rule.Properties.EventPattern).toEqual(MONITORING_EVENTS_PATTERN);
    const { logicalId: functionId } = ingestion();
    expect(rule.Properties.EventBusName).toBeUndefined();
    expect(rule.Properties.State ?? 'ENABLED').toBe('ENABLED');
    expect(rule.Properties.Targets).toHaveLength(1);
    // Through the function's live alias (CodeDeploy shifts it on a deploy).
    const [targetId] = [...referencedIds(rule.Properties.Targets[0].Arn)];
    expect(fixture.get(clientId).resources[targetId!]).toMatchObject({ Type: 'AWS::Lambda::Alias', Properties: { FunctionName: { Ref: functionId } } });
    // One invoke permission for the rule, on that alias.
    const permissions = resourcesOfType(fixture.get(clientId).resources, 'AWS::Lambda::Permission').filter(([, p]) => referencedIds(p.Properties.SourceArn).has(ruleId));
    expect(permissions.map(([, p]) => referencedId(p.Properties.FunctionName))).toEqual([targetId]);
  });

  test('every target retries, then sends to the encrypted EventIngestionFailures queue, which is also the function dead-letter queue', () => {
    const { resources, stack } = fixture.get(clientId);
    const queueIds = new Set<string | undefined>();
    for (const [, rule] of patternRules()) {
      const target = rule.Properties.Targets[0];
      expect(target.RetryPolicy).toEqual({ MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 7200 });
      queueIds.add(referencedId(target.DeadLetterConfig.Arn));
    }
    expect(queueIds.size).toBe(1);
    const [queueId] = [...queueIds];
    expect(queueId).toMatch(/^EventIngestionFailures/);
    const queue = resources[queueId!]!;
    expect(queue.Type).toBe('AWS::SQS::Queue');
    const keyId = idOf(stack, stack.data.key);
    expect(referencedId(queue.Properties.KmsMasterKeyId)).toBe(keyId);
    const { fn } = ingestion();
    expect(referencedId(fn.Properties.DeadLetterConfig.TargetArn)).toBe(queueId);
  });

  test('the ingestion function publishes nothing and starts no workflow: its security notices and SLA starts are outbox effects', () => {
    const { resources } = fixture.get(clientId);
    const { fn, statements } = ingestion();
    // The notification topics (the ops topic of the health alarms is CloudWatch's, not a function's).
    const topics = resourcesOfType(resources, 'AWS::SNS::Topic').map(([id]) => id).filter((id) => id.startsWith('Notifications'));
    expect(topics).toHaveLength(3);
    const variables = Object.keys(fn.Properties.Environment.Variables as Record<string, unknown>);
    expect(variables.filter((name) => /TOPIC_ARN$|STATE_MACHINE_ARN$/.test(name))).toEqual([]);
    expect(statements.filter((s) => actionsOf([s]).some((a) => a.startsWith('sns:') || a.startsWith('states:')))).toEqual([]);
  });

  test('the ingestion role may read alarm tags (cloudwatch:ListTagsForResource on alarm:* of its account and region), nothing else in CloudWatch; no other role may', () => {
    const { resources } = fixture.get(clientId);
    const { fn, roleId } = ingestion();
    /** An ARN as written in the template, pseudo parameters shown as <AWS::…>. */
    const arnText = (value: unknown): string => {
      if (typeof value === 'string') return value;
      const v = value as { Ref?: string; 'Fn::Join'?: [string, unknown[]] };
      if (v.Ref) return `<${v.Ref}>`;
      if (v['Fn::Join']) return v['Fn::Join'][1].map(arnText).join(v['Fn::Join'][0]);
      return JSON.stringify(value);
    };
    const cloudWatch = identityPolicies(resources).flatMap(([, p]) =>
      ([p.Properties.PolicyDocument.Statement].flat() as { Action: string | string[]; Resource: unknown; Effect: string }[])
        .filter((s) => [s.Action].flat().some((a) => a.startsWith('cloudwatch:')))
        .map((s) => ({ roles: (p.Properties.Roles as unknown[]).map(referencedId), actions: [s.Action].flat(), resources: [s.Resource].flat().map(arnText), effect: s.Effect })),
    );
    // The only other CloudWatch grant is the reports function's GetMetricData, for the capacity
    // metrics actions name (test/infra/capacity-metrics.test.ts).
    for (const other of cloudWatch.filter((s) => !s.roles.includes(roleId))) expect(other.actions).toEqual(['cloudwatch:GetMetricData']);
    expect(cloudWatch.filter((s) => s.roles.includes(roleId))).toEqual([
      {
        roles: [roleId],
        actions: ['cloudwatch:ListTagsForResource'],
        resources: ['arn:<AWS::Partition>:cloudwatch:<AWS::Region>:<AWS::AccountId>:alarm:*'],
        effect: 'Allow',
      },
    ]);
    // The local runtime has no CloudWatch; on AWS the function must not be told to read a file instead.
    expect(fn.Properties.Environment.Variables.ITSM_LOCAL_ALARM_TAGS_FILE).toBeUndefined();
  });

  test('an alarm fires as soon as one message waits in the dead-letter queue', () => {
    const { resources } = fixture.get(clientId);
    const [, rule] = patternRules()[0]!;
    const queueId = referencedId(rule.Properties.Targets[0].DeadLetterConfig.Arn);
    const alarms = resourcesOfType(resources, 'AWS::CloudWatch::Alarm').filter(([, a]) =>
      (a.Properties.Dimensions ?? []).some((d: { Value: unknown }) => referencedIds(d.Value).has(queueId!)),
    );
    expect(alarms).toHaveLength(1);
    const [, alarm] = alarms[0]!;
    expect(alarm.Properties).toMatchObject({
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Namespace: 'AWS/SQS',
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 1,
    });
  });

  test('the events table: keyed by pk, TTL on expiresAt, encrypted, PITR, deletion protection, retained', () => {
    const { resources, stack } = fixture.get(clientId);
    const tableId = idOf(stack, stack.data.eventsTable);
    const table = resources[tableId]!;
    expectDurableTableEncryptedWith(table, idOf(stack, stack.data.key));
    expect(table.Properties.KeySchema).toEqual([{ AttributeName: EVENTS_TABLE_KEYS.partitionKey, KeyType: 'HASH' }]);
    expect(table.Properties.TimeToLiveSpecification).toEqual({ AttributeName: 'expiresAt', Enabled: true });
    const { fn } = ingestion();
    expect(fn.Properties.Environment.Variables.EVENTS_TABLE_NAME).toEqual({ Ref: tableId });
  });
});

describe('monitoring.archiveFindingsOnClose: guardduty:ArchiveFindings for the functions that deliver the archive (the outbox\'s), only when on', () => {
  const archiveGrants = (archive: boolean) => {
    const outdir = mkdtempSync(join(tmpdir(), 'itsm-archive-'));
    try {
      const app = new App({ outdir, context: { ...FAST_SYNTH_CONTEXT, client: 'example' }, builtinCloudFormationValidation: false });
      const configs = loadClientConfigs(CLIENTS_DIR).map((c) => (c.id === 'example' ? { ...c, monitoring: { ...c.monitoring, archiveFindingsOnClose: archive } } : c));
      const [stack] = addClientStacks(app, configs);
      const resources = Template.fromStack(stack!).toJSON()['Resources'] as Record<string, any>;
      const roleOf = (entry: string) => functionWithEntry(resources, entry).roleId;
      const grants = identityPolicies(resources).flatMap(([, p]) =>
        ([p.Properties.PolicyDocument.Statement].flat() as { Action: string | string[]; Resource: unknown }[])
          .filter((s) => [s.Action].flat().some((a) => a.startsWith('guardduty:')))
          .map((s) => ({ roles: (p.Properties.Roles as unknown[]).map(referencedId), actions: [s.Action].flat(), resources: [s.Resource].flat().map(renderArn) })),
      );
      return { grants, consumerRole: roleOf(HANDLER_ENTRIES.outboxConsumer), reconcilerRole: roleOf(HANDLER_ENTRIES.outboxReconciler) };
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  };

  test('off (the default): no role may call GuardDuty', () => {
    expect(archiveGrants(false).grants).toEqual([]);
  });

  test('on: the outbox consumer and reconciler roles (not the functions that close incidents) may ArchiveFindings on detectors of their account and region, nothing else in GuardDuty', () => {
    const { grants, consumerRole, reconcilerRole } = archiveGrants(true);
    const expected = (role: string | undefined) => ({
      roles: [role],
      actions: ['guardduty:ArchiveFindings'],
      resources: ['arn:${AWS::Partition}:guardduty:${AWS::Region}:${AWS::AccountId}:detector/*'],
    });
    expect(grants).toHaveLength(2);
    expect(grants).toEqual(expect.arrayContaining([expected(consumerRole), expected(reconcilerRole)]));
  });
});

// The stack's other shared rule: every daily job is a target of a rate(1 day) rule, a new rule once
// EventBridge's five targets per rule are taken; each target keeps its retries and dead-letter queue.
const jobsIn = (count: number) => {
  const stack = new Stack(new App(), 'Jobs', { env: { account: '111111111111', region: 'eu-west-2' } });
  const failures = new Queue(stack, 'Failures');
  const schedule = new DailySchedule(stack, 'DailyJobs', { deadLetterQueue: failures });
  const functions = Array.from({ length: count }, (_, i) => new LambdaFunction(stack, `Job${i}`, { runtime: Runtime.NODEJS_24_X, handler: 'index.handler', code: Code.fromInline('exports.handler=async()=>{}') }));
  const rules = functions.map((fn) => stack.getLogicalId(schedule.add(fn).node.defaultChild as never));
  return { resources: Template.fromStack(stack).toJSON().Resources as Record<string, any>, rules, failuresId: stack.getLogicalId(failures.node.defaultChild as never) };
};

test(`the daily schedule: ${TARGETS_PER_RULE} jobs share one rule; the next one starts a second`, () => {
  const { resources, rules, failuresId } = jobsIn(TARGETS_PER_RULE + 1);
  expect(new Set(rules.slice(0, TARGETS_PER_RULE)).size).toBe(1);
  expect(rules[TARGETS_PER_RULE]).not.toBe(rules[0]);
  const ruleResources = resourcesOfType(resources, 'AWS::Events::Rule');
  expect(ruleResources.map(([id, r]) => [id, r.Properties.ScheduleExpression, r.Properties.Targets.length])).toEqual([
    [rules[0], 'rate(1 day)', TARGETS_PER_RULE],
    [rules[TARGETS_PER_RULE], 'rate(1 day)', 1],
  ]);
  // Every job is invoked, each with the retries and the dead-letter queue, and may be invoked by its rule only.
  const targets = ruleResources.flatMap(([, r]) => r.Properties.Targets);
  expect(targets.map((t: any) => referencedId(t.Arn)).sort()).toEqual(resourcesOfType(resources, 'AWS::Lambda::Function').map(([id]) => id).sort());
  for (const t of targets) {
    expect(t.RetryPolicy).toEqual({ MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 });
    expect(referencedId(t.DeadLetterConfig.Arn)).toBe(failuresId);
  }
  expect(resourcesOfType(resources, 'AWS::Lambda::Permission')).toHaveLength(TARGETS_PER_RULE + 1);
});
