import { Duration } from 'aws-cdk-lib';
import type { RestApiBase } from 'aws-cdk-lib/aws-apigateway';
import { Alarm, ComparisonOperator, MathExpression, TreatMissingData, type IMetric } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Subscription, SubscriptionProtocol, Topic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Stack, type CfnResource } from 'aws-cdk-lib';
import { acknowledgeNagFinding } from './nag-acknowledgements';
import { Construct } from 'constructs';

/** The catalogue service health alarms are raised against in the client's own desk. */
export const HEALTH_ALARM_SERVICE = 'itsm-platform';

/** Every health alarm is named `rowe-itsm-health-<client>-<what>`. */
export const healthAlarmPrefix = (clientId: string) => `rowe-itsm-health-${clientId}-`;

/**
 * The monitoring alarm rule the stack puts first in the client's rules: health alarms are errors
 * (impact 2, urgency 1) on HEALTH_ALARM_SERVICE, whatever the client's own rules say.
 */
export const healthAlarmRule = (clientId: string) => ({ namePattern: `${healthAlarmPrefix(clientId)}*`, severity: 'error' as const, service: HEALTH_ALARM_SERVICE });

/** Thresholds of the health alarms (README "Health alarms"). */
export const HEALTH_THRESHOLDS = {
  /** Share of API requests answered 5xx, per 5 minutes. */
  api5xxRate: 0.05,
  /** p99 API latency in ms, three 5-minute periods running (API Gateway gives up at 29 s). */
  apiP99LatencyMs: 5000,
} as const;

export interface HealthFunction {
  /** The name ops know the function by (its construct id). */
  readonly label: string;
  readonly function: IFunction;
  /**
   * The alias every invoker calls (ItsmFunction `live`): errors and latency are alarmed on what it
   * serves, so a canary's new version trips them and CodeDeploy rolls back (ItsmReleases).
   * Throttles stay on the function (reserved concurrency is the function's).
   */
  readonly live?: IFunction;
  /** The function's timeout: the latency alarm fires at RELEASE_LATENCY_SHARE of it. */
  readonly timeout?: Duration;
}

/** p99 duration at or over this share of the function's timeout, two minutes running, is a latency alarm. */
export const RELEASE_LATENCY_SHARE = 0.8;

export interface ItsmHealthAlarmsProps {
  readonly clientId: string;
  readonly key: IKey;
  /** Subscribed to the ops topic by e-mail when set (client config `alertEmail`). */
  readonly opsEmail?: string;
  readonly api: RestApiBase;
  readonly functions: readonly HealthFunction[];
  /** Dead-letter queues, by label; a message waiting in one is an alarm. */
  readonly deadLetterQueues: readonly { readonly label: string; readonly queue: IQueue }[];
  readonly stateMachines: readonly { readonly label: string; readonly stateMachine: IStateMachine }[];
  /** Alarms the stack has already (the practices' own): they get the ops action too. */
  readonly existing?: readonly Alarm[];
  /** Service names (the `service` dimension) of the functions that append to the audit trail. */
  readonly auditWriters?: readonly string[];
}

/**
 * Alarms on the stack's own health, each with an action on the ops SNS topic. They are CloudWatch
 * alarms, so their state changes also reach the stack's alarm rule and become incidents in the
 * client's own desk (rule `healthAlarmRule`: error severity, service itsm-platform).
 */
export class ItsmHealthAlarms extends Construct {
  readonly opsTopic: Topic;
  readonly alarms: Alarm[] = [];
  /** Per function label: the alarms on its alias (errors, latency) a deploy rolls back on. */
  readonly releaseAlarms = new Map<string, Alarm[]>();

  constructor(scope: Construct, id: string, props: ItsmHealthAlarmsProps) {
    super(scope, id);
    this.opsTopic = new Topic(this, 'OpsTopic', {
      topicName: `rowe-itsm-${props.clientId}-ops`,
      displayName: `rowe-itsm ${props.clientId} stack health`,
      masterKey: props.key,
      enforceSSL: true,
    });
    if (props.opsEmail) {
      // A fixed construct id (not the address), so the resource path is the same for every client.
      const subscription = new Subscription(this, 'OpsEmail', { topic: this.opsTopic, protocol: SubscriptionProtocol.EMAIL, endpoint: props.opsEmail });
      acknowledgeNagFinding(
        subscription.node.defaultChild as CfnResource,
        'Serverless-SNSRedrivePolicy',
        'An e-mail endpoint: SNS retries e-mail delivery itself, and every health alarm also reaches the desk as an incident through the alarm rule, so an undelivered mail loses nothing.',
      );
    }
    // CloudWatch publishes alarm notifications to the encrypted topic through the data key.
    props.key.addToResourcePolicy(
      new PolicyStatement({
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
    );
    const action = new SnsAction(this.opsTopic);
    const period = Duration.minutes(5);
    const alarm = (name: string, description: string, metric: IMetric, threshold: number, evaluationPeriods = 1, datapointsToAlarm?: number) => {
      const created = new Alarm(this, name, {
        alarmName: `${healthAlarmPrefix(props.clientId)}${name}`,
        alarmDescription: description,
        metric,
        threshold,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods,
        ...(datapointsToAlarm !== undefined && { datapointsToAlarm }),
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      created.addAlarmAction(action);
      created.addOkAction(action);
      this.alarms.push(created);
      return created;
    };

    // 5XXError's Average is the share of requests answered 5xx.
    alarm('api-5xx-rate', `More than ${HEALTH_THRESHOLDS.api5xxRate * 100} % of API requests answered 5xx in 5 minutes`, props.api.metricServerError({ statistic: 'Average', period }), HEALTH_THRESHOLDS.api5xxRate);
    alarm('api-p99-latency', `API p99 latency at or over ${HEALTH_THRESHOLDS.apiP99LatencyMs} ms for 15 minutes`, props.api.metricLatency({ statistic: 'p99', period }), HEALTH_THRESHOLDS.apiP99LatencyMs, 3);
    for (const f of props.functions) {
      const served = f.live ?? f.function;
      const errors = alarm(`${f.label}-errors`, `${f.label} failed an invocation`, served.metricErrors({ statistic: 'Sum', period }), 1);
      if (f.live && f.timeout) {
        const thresholdMs = Math.round(f.timeout.toMilliseconds() * RELEASE_LATENCY_SHARE);
        const latency = alarm(
          `${f.label}-p99-duration`,
          `${f.label} (live alias) p99 duration at or over ${thresholdMs} ms (${RELEASE_LATENCY_SHARE * 100} % of its timeout) two minutes running`,
          f.live.metricDuration({ statistic: 'p99', period: Duration.minutes(1) }),
          thresholdMs,
          2,
          2,
        );
        this.releaseAlarms.set(f.label, [errors, latency]);
      }
    }
    // One alarm for all the functions' throttles and one for every audit writer's failed appends,
    // as Metrics Insights queries over exactly these functions: one per function would cost 2
    // resources and $0.20 a month each, and say no more (the dashboard graphs each function).
    if (props.functions.length > 0) {
      const names = props.functions.map((f) => `FunctionName = '${f.function.functionName}'`).join(' OR ');
      alarm('throttles', 'A function of the stack was throttled (the dashboard graphs each one)', insights(`SELECT SUM(Throttles) FROM SCHEMA("AWS/Lambda", FunctionName) WHERE ${names}`, 'Throttles', period), 1);
    }
    if (props.auditWriters && props.auditWriters.length > 0) {
      const services = [...new Set(props.auditWriters)].map((s) => `service = '${s}'`).join(' OR ');
      alarm(
        'audit-write-failures',
        `A function could not append an audit record; the record is in its log ("audit record not appended"). Writers: ${[...new Set(props.auditWriters)].join(', ')}`,
        insights(`SELECT SUM(AuditWriteFailed) FROM SCHEMA(RoweItsm, service) WHERE ${services}`, 'AuditWriteFailed', period),
        1,
      );
    }
    for (const q of props.deadLetterQueues) {
      alarm(`${q.label}-depth`, `A message is waiting in the ${q.label} dead-letter queue`, q.queue.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum', period }), 1);
    }
    for (const m of props.stateMachines) {
      alarm(`${m.label}-failed-executions`, `A ${m.label} execution failed`, m.stateMachine.metricFailed({ statistic: 'Sum', period }), 1);
    }
    for (const existing of props.existing ?? []) existing.addAlarmAction(action);
  }
}

/** A Metrics Insights query as an alarm's metric: one aggregated time series over many metrics. */
function insights(query: string, label: string, period: Duration): IMetric {
  return new MathExpression({ expression: query, usingMetrics: {}, period, label });
}
