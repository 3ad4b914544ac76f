/**
 * Alarms on each client stack's own health (README "Health alarms"): each alarm's metric,
 * threshold and action on the encrypted ops topic, and the alarm rule that turns them into error
 * incidents on the itsm-platform service in the client's own desk.
 */
import { unpackSettings } from '../../src/config/packed-settings';
import { classifyAlarm } from '../../src/modules/monitoring/domain/alarm-policy';
import { functionSettingsSchema } from '../../src/config/client-settings-schema';
import { HEALTH_ALARM_SERVICE, HEALTH_THRESHOLDS, healthAlarmPrefix } from '../../src/kernel/infra/itsm-health-alarms';
import { referencedIds, resourcesOfType, useClientStacks, type CfnResourceJson, HANDLER_ENTRIES } from './infra-fixtures';

const fixture = useClientStacks();

describe.each(['example', 'acme-us'])('%s', (clientId) => {
  const resources = () => fixture.get(clientId).resources;
  const alarms = () => resourcesOfType(resources(), 'AWS::CloudWatch::Alarm');
  const healthAlarms = () => alarms().filter(([, a]) => String(a.Properties.AlarmName ?? '').startsWith(healthAlarmPrefix(clientId)));
  const byName = (suffix: string): CfnResourceJson => {
    const found = healthAlarms().filter(([, a]) => a.Properties.AlarmName === `${healthAlarmPrefix(clientId)}${suffix}`);
    expect({ suffix, count: found.length }).toEqual({ suffix, count: 1 });
    return found[0]![1];
  };
  const opsTopicId = () => {
    const topics = resourcesOfType(resources(), 'AWS::SNS::Topic').filter(([, t]) => t.Properties.TopicName === `rowe-itsm-${clientId}-ops`);
    expect(topics).toHaveLength(1);
    return topics[0]![0];
  };
  const dimensionIds = (alarm: CfnResourceJson) => new Set((alarm.Properties.Dimensions ?? []).flatMap((d: { Value: unknown }) => [...referencedIds(d.Value)]));

  test('the ops topic is encrypted with the data key, refuses publishing without TLS and mails the ops address', () => {
    const id = opsTopicId();
    const [, topic] = resourcesOfType(resources(), 'AWS::SNS::Topic').find(([logicalId]) => logicalId === id)!;
    expect(topic.Properties.KmsMasterKeyId).toBeDefined();
    const policies = resourcesOfType(resources(), 'AWS::SNS::TopicPolicy').filter(([, p]) => JSON.stringify(p.Properties.Topics).includes(id));
    expect(JSON.stringify(policies)).toContain('"aws:SecureTransport":"false"');
    const subscriptions = resourcesOfType(resources(), 'AWS::SNS::Subscription').filter(([, s]) => referencedIds(s.Properties.TopicArn).has(id));
    expect(subscriptions.map(([, s]) => s.Properties.Protocol)).toEqual(['email']);
  });

  test('every health alarm notifies the ops topic when it fires', () => {
    const id = opsTopicId();
    expect(healthAlarms().length).toBeGreaterThan(20);
    for (const [logicalId, alarm] of healthAlarms()) {
      expect({ logicalId, ops: (alarm.Properties.AlarmActions ?? []).some((a: unknown) => referencedIds(a).has(id)) }).toEqual({ logicalId, ops: true });
    }
  });

  test('API: 5xx rate at 5 % in five minutes, p99 latency at 5 s for fifteen', () => {
    expect(byName('api-5xx-rate').Properties).toMatchObject({
      Namespace: 'AWS/ApiGateway', MetricName: '5XXError', Statistic: 'Average', Period: 300,
      Threshold: HEALTH_THRESHOLDS.api5xxRate, ComparisonOperator: 'GreaterThanOrEqualToThreshold', EvaluationPeriods: 1,
    });
    expect(byName('api-p99-latency').Properties).toMatchObject({
      Namespace: 'AWS/ApiGateway', MetricName: 'Latency', ExtendedStatistic: 'p99', Period: 300, Threshold: 5000, EvaluationPeriods: 3,
    });
  });

  test('each function: one errors alarm at the first occurrence; one throttles alarm names every function', () => {
    const functions = resourcesOfType(resources(), 'AWS::Lambda::Function').filter(([, fn]) => fn.Metadata?.['itsm:entry']);
    expect(functions.length).toBeGreaterThanOrEqual(10);
    for (const [functionId] of functions) {
      const watching = healthAlarms().filter(([, a]) => a.Properties.MetricName === 'Errors' && dimensionIds(a).has(functionId));
      expect({ functionId, alarms: watching.length }).toEqual({ functionId, alarms: 1 });
      expect(watching[0]![1].Properties).toMatchObject({ Namespace: 'AWS/Lambda', Statistic: 'Sum', Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold' });
    }
    // A Metrics Insights query over exactly the stack's functions (their names are references to them).
    const throttles = byName('throttles').Properties;
    expect(throttles).toMatchObject({ Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold' });
    expect(throttles.Metrics).toHaveLength(1);
    const query = JSON.stringify(throttles.Metrics[0].Expression);
    expect(query).toContain('SELECT SUM(Throttles) FROM SCHEMA(\\"AWS/Lambda\\", FunctionName) WHERE');
    expect(throttles.Metrics[0].Period).toBe(300);
    for (const [functionId] of functions) expect({ functionId, named: query.includes(`{"Ref":"${functionId}"}`) }).toEqual({ functionId, named: true });
    expect(query.match(/\{"Ref":"/g)).toHaveLength(functions.length);
  });

  test('every dead-letter queue: one depth alarm (the event-ingestion one reused), and failed SLA workflow executions', () => {
    for (const [queueId] of resourcesOfType(resources(), 'AWS::SQS::Queue')) {
      const watching = healthAlarms().filter(([, a]) => a.Properties.MetricName === 'ApproximateNumberOfMessagesVisible' && dimensionIds(a).has(queueId));
      expect({ queueId, alarms: watching.length }).toEqual({ queueId, alarms: 1 });
    }
    expect(byName('ScheduledJobFailures-depth').Properties).toMatchObject({ Namespace: 'AWS/SQS', Statistic: 'Maximum', Threshold: 1 });
    expect(byName('EventIngestionFailures-depth').Properties).toMatchObject({ Namespace: 'AWS/SQS', Threshold: 0, ComparisonOperator: 'GreaterThanThreshold' });
    const [machineId] = resourcesOfType(resources(), 'AWS::StepFunctions::StateMachine')[0]!;
    const failed = byName('SlaWorkflow-failed-executions');
    expect(failed.Properties).toMatchObject({ Namespace: 'AWS/States', MetricName: 'ExecutionsFailed', Statistic: 'Sum', Threshold: 1 });
    expect(dimensionIds(failed).has(machineId)).toBe(true);
  });

  test('one audit write failure alarm, a health alarm too, watches every function that appends to the audit trail', () => {
    const audit = byName('audit-write-failures').Properties;
    expect(audit).toMatchObject({ Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold' });
    const query: string = audit.Metrics[0].Expression;
    expect(query.startsWith('SELECT SUM(AuditWriteFailed) FROM SCHEMA(RoweItsm, service) WHERE ')).toBe(true);
    const services = [...query.matchAll(/service = '([\w-]+)'/g)].map((m) => m[1]);
    // Sixteen writers, the knowledge-retirement job, the on-call and the ServiceNow functions included,
    // the outbox's two (they audit the resolution drafts they store) and the audit pruner and the retention job (the records of their runs).
    expect(services).toHaveLength(16);
    expect(services).toEqual(expect.arrayContaining(['incidents', 'problems', 'knowledge-retirement', 'oncall', 'servicenow', 'outbox', 'outbox-reconciler', 'audit-pruner', 'retention']));
  });

  test('through the alarm rule each health alarm becomes an error incident on itsm-platform, whatever the client rules say', () => {
    const ingestion = resourcesOfType(resources(), 'AWS::Lambda::Function').find(([, fn]) => fn.Metadata?.['itsm:entry'] === HANDLER_ENTRIES.eventIngestion)!;
    const settings = functionSettingsSchema.parse(JSON.parse(unpackSettings(ingestion[1].Properties.Environment.Variables.ITSM_CLIENT_SETTINGS)));
    for (const [, alarm] of healthAlarms()) {
      expect({ name: alarm.Properties.AlarmName, ...classifyAlarm(settings.monitoring, alarm.Properties.AlarmName) }).toEqual({ name: alarm.Properties.AlarmName, severity: 'error', service: HEALTH_ALARM_SERVICE });
    }
    // Alarms of the client's own workloads still follow the client's rules.
    expect(classifyAlarm(settings.monitoring, 'some-other-alarm').service).not.toBe(HEALTH_ALARM_SERVICE);
  });
});

test('the example catalogue holds the itsm-platform service the health alarms are raised on', () => {
  const example = fixture.get('example').stack.config;
  expect(example.services?.map((s) => s.id)).toContain(HEALTH_ALARM_SERVICE);
});
