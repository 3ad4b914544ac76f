/**
 * Monitoring events: the CloudWatch alarm rule (pattern from lambdas/schemas/event-rules.ts), its
 * retry policy and encrypted dead-letter queue, the alarm on that queue, and the events table.
 */
import type { CfnElement } from 'aws-cdk-lib';
import { ENTRY_METADATA } from '../../lib/constructs/itsm-function';
import { CLOUDWATCH_ALARM_STATE_CHANGE_PATTERN } from '../../lambdas/schemas/event-rules';
import { EVENTS_TABLE_KEYS } from '../../lambdas/adapters/dynamodb/events-table-keys';
import { logicalIdOf, referencedId, referencedIds, resourcesOfType, synthesizeClientStacks, type ClientStacksFixture } from './infra-fixtures';

let fixture: ClientStacksFixture;
beforeAll(() => {
  fixture = synthesizeClientStacks();
});
afterAll(() => fixture?.dispose());

const INGESTION_ENTRY = 'lambdas/handlers/event-ingestion-handler.ts';

describe.each(['example', 'acme-us'])('%s: event ingestion', (clientId) => {
  const ingestion = () => {
    const { resources } = fixture.get(clientId);
    const found = resourcesOfType(resources, 'AWS::Lambda::Function').find(([, r]) => r.Metadata?.[ENTRY_METADATA] === INGESTION_ENTRY);
    expect(found).toBeDefined();
    return found!;
  };
  const patternRules = () => resourcesOfType(fixture.get(clientId).resources, 'AWS::Events::Rule').filter(([, r]) => r.Properties.EventPattern);

  test('one rule on the default bus, with exactly the pattern of event-rules.ts, targets the ingestion function', () => {
    const rules = patternRules();
    expect(rules).toHaveLength(1);
    const [, rule] = rules[0]!;
    expect(rule.Properties.EventPattern).toEqual(CLOUDWATCH_ALARM_STATE_CHANGE_PATTERN);
    expect(rule.Properties.EventBusName).toBeUndefined();
    expect(rule.Properties.State ?? 'ENABLED').toBe('ENABLED');
    const [functionId] = ingestion();
    expect(rule.Properties.Targets).toHaveLength(1);
    expect(referencedIds(rule.Properties.Targets[0].Arn).has(functionId)).toBe(true);
  });

  test('the target retries, then sends to the encrypted EventIngestionFailures queue, which is also the function dead-letter queue', () => {
    const { resources, stack } = fixture.get(clientId);
    const [, rule] = patternRules()[0]!;
    const target = rule.Properties.Targets[0];
    expect(target.RetryPolicy).toEqual({ MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 7200 });
    const queueId = referencedId(target.DeadLetterConfig.Arn);
    expect(queueId).toMatch(/^EventIngestionFailures/);
    const queue = resources[queueId!]!;
    expect(queue.Type).toBe('AWS::SQS::Queue');
    const keyId = logicalIdOf(stack, stack.data.key.node.defaultChild as CfnElement);
    expect(referencedId(queue.Properties.KmsMasterKeyId)).toBe(keyId);
    const [, fn] = ingestion();
    expect(referencedId(fn.Properties.DeadLetterConfig.TargetArn)).toBe(queueId);
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
    const tableId = logicalIdOf(stack, stack.data.eventsTable.node.defaultChild as CfnElement);
    const table = resources[tableId]!;
    expect(table.DeletionPolicy).toBe('Retain');
    expect(table.Properties.KeySchema).toEqual([{ AttributeName: EVENTS_TABLE_KEYS.partitionKey, KeyType: 'HASH' }]);
    expect(table.Properties.TimeToLiveSpecification).toEqual({ AttributeName: 'expiresAt', Enabled: true });
    expect(table.Properties.DeletionProtectionEnabled).toBe(true);
    expect(table.Properties.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
    expect(table.Properties.SSESpecification.SSEEnabled).toBe(true);
    const [, fn] = ingestion();
    expect(fn.Properties.Environment.Variables.EVENTS_TABLE_NAME).toEqual({ Ref: tableId });
  });
});
