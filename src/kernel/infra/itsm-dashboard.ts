import { Duration } from 'aws-cdk-lib';
import type { RestApiBase } from 'aws-cdk-lib/aws-apigateway';
import { AlarmStatusWidget, Dashboard, GraphWidget, Metric, TextWidget, type IAlarm, type IMetric, type IWidget } from 'aws-cdk-lib/aws-cloudwatch';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';

/** A function on the dashboard: its errors and throttles, under the name ops know it by. */
export interface DashboardFunction {
  readonly label: string;
  readonly function: IFunction;
}

export interface ItsmDashboardProps {
  readonly clientId: string;
  /** The client's REST API: latency (p50, p99) and 5xx. */
  readonly api: RestApiBase;
  readonly functions: readonly DashboardFunction[];
  /** Dead-letter queues: messages waiting. */
  readonly deadLetterQueues: readonly IQueue[];
  /** State machines whose failed executions are shown. */
  readonly stateMachines: readonly IStateMachine[];
  /** The stack's health alarms, shown with their state. */
  readonly alarms?: readonly IAlarm[];
  /**
   * The namespace the functions publish their Powertools (EMF) metrics in.
   * @default 'RoweItsm'
   */
  readonly namespace?: string;
  /**
   * The period of every widget's metrics.
   * @default Duration.minutes(5)
   */
  readonly period?: Duration;
}

/** The application metrics the functions publish (EMF), with the Powertools `service` dimension of each. */
export const DASHBOARD_APPLICATION_METRICS = {
  incidentsOpened: { service: 'incidents', names: ['IncidentsOpened', 'IncidentsOpened_P1', 'IncidentsOpened_P2', 'IncidentsOpened_P3', 'IncidentsOpened_P4', 'IncidentsOpened_P5'] },
  incidentsBySource: { service: 'incidents', names: ['IncidentsOpened_api', 'IncidentsOpened_phone', 'IncidentsOpened_email', 'IncidentsOpened_web'] },
  monitoring: { service: 'event-ingestion', names: ['EventsIngested', 'EventIngestionFailed', 'IncidentsOpened_monitoring'] },
  sla: { service: 'sla-clock', names: ['SlaWarnings', 'SlaBreaches', 'SlaEscalations'] },
} as const;

/**
 * One CloudWatch dashboard per client stack (`rowe-itsm-<client>`): the desk's figures (incidents
 * opened by priority and source, SLA warnings, breaches and escalations, monitoring events
 * ingested and failed) above the stack's health (API latency and 5xx, function errors and
 * throttles, dead-letter queue depth, failed state-machine executions).
 */
export class ItsmDashboard extends Construct {
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: ItsmDashboardProps) {
    super(scope, id);
    const period = props.period ?? Duration.minutes(5);
    const namespace = props.namespace ?? 'RoweItsm';
    const app = (group: keyof typeof DASHBOARD_APPLICATION_METRICS): IMetric[] =>
      DASHBOARD_APPLICATION_METRICS[group].names.map(
        (metricName) => new Metric({ namespace, metricName, dimensionsMap: { service: DASHBOARD_APPLICATION_METRICS[group].service }, statistic: 'Sum', period, label: metricName }),
      );
    const graph = (title: string, left: IMetric[], width = 8) => new GraphWidget({ title, left, width, height: 6 });

    const rows: IWidget[][] = [
      [new TextWidget({ markdown: `# rowe-itsm · ${props.clientId}\nThe desk's figures, then the stack's health.`, width: 24, height: 2 })],
      [
        graph('Incidents opened by priority', app('incidentsOpened')),
        graph('Incidents opened by source', [...app('incidentsBySource'), app('monitoring')[2]!]),
        graph('SLA warnings, breaches, escalations', app('sla')),
      ],
      [
        graph('Monitoring events ingested and failed', app('monitoring').slice(0, 2)),
        graph('API latency (p50, p99)', [props.api.metricLatency({ statistic: 'p50', period }), props.api.metricLatency({ statistic: 'p99', period })]),
        graph('API 5xx', [props.api.metricServerError({ statistic: 'Sum', period })]),
      ],
      [
        graph('Function errors', props.functions.map((f) => f.function.metricErrors({ statistic: 'Sum', period, label: f.label })), 12),
        graph('Function throttles', props.functions.map((f) => f.function.metricThrottles({ statistic: 'Sum', period, label: f.label })), 12),
      ],
      [
        graph('Dead-letter queue depth', props.deadLetterQueues.map((q) => q.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum', period })), 12),
        graph('Failed state-machine executions', props.stateMachines.map((m) => m.metricFailed({ statistic: 'Sum', period })), 12),
      ],
    ];
    if (props.alarms && props.alarms.length > 0) {
      rows.push([new AlarmStatusWidget({ title: 'Health alarms', alarms: [...props.alarms], width: 24, height: Math.min(12, 2 + Math.ceil(props.alarms.length / 4)) })]);
    }
    this.dashboard = new Dashboard(this, 'Dashboard', { dashboardName: `rowe-itsm-${props.clientId}`, widgets: rows });
  }
}
