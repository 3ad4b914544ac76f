import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import type { Construct } from 'constructs';
import { ItsmFunction } from '../../../kernel/infra/itsm-function';
import { healthAlarmPrefix } from '../../../kernel/infra/itsm-health-alarms';
import { ItsmModule, type ItsmModuleProps } from '../../../kernel/infra/itsm-module';
import { environmentOf } from '../../../platform/environment-contract';
import { ONCALL_ENVIRONMENT } from '../functions/environment';

export type OnCallModuleProps = ItsmModuleProps;

/**
 * On call: one function for the schedule and escalation-policy routes and the daily gap check
 * (a second function would cost some eleven resources the stack's budget does not have). It
 * reads and writes its own table only (GetItem, Query of a partition, conditional PutItem) and
 * appends to the audit trail. The gap check publishes `OnCallGaps`, alarmed here.
 */
export class OnCallModule extends ItsmModule {
  readonly oncall: ItsmFunction;

  constructor(scope: Construct, props: OnCallModuleProps) {
    super(scope, props);
    const { data, logRetention, clientSettings, clientContacts, jobFailures, clientId } = props;
    const oncall = new ItsmFunction(scope, 'OnCallFunction', {
      entry: 'src/modules/oncall/functions/oncall-handler.ts',
      serviceName: 'oncall',
      logRetention,
      logKey: data.key,
      memorySize: 512,
      // API Gateway invokes it synchronously; the daily rule asynchronously: a failed gap check is
      // retried by Lambda, then kept in the scheduled jobs' queue.
      invocation: 'asynchronous',
      deadLetterQueue: jobFailures,
      environment: environmentOf(ONCALL_ENVIRONMENT, {
        oncallTable: data.oncallTable.tableName,
        auditTable: data.auditTable.tableName,
        clientSettings,
        clientContactsSecret: clientContacts.secretArn,
      }),
    });
    // Whole records only: conditional Puts (create, next version), GetItem, Query of a partition.
    oncall.grantTable({ table: data.oncallTable, key: data.key, access: ['get', 'query', 'put'] });
    oncall.grantAuditAppend(this.auditAppend);
    // The default escalation policy is the client's contacts #1–#3.
    clientContacts.grantRead(oncall, data.key);
    oncall.grantQueueSend(jobFailures, data.key);

    // Daily: every schedule is checked for a gap in the next 14 days (publishes OnCallGaps). Failed
    // deliveries are retried by EventBridge, then land in the scheduled jobs' queue (the target's DLQ).
    props.dailySchedule.add(oncall.live);
    const gaps = new Alarm(scope, 'OnCallGapsAlarm', {
      alarmName: `${healthAlarmPrefix(clientId)}oncall-gaps`,
      alarmDescription:
        'An on-call schedule has nobody on call at some point of the next 14 days (GET /schedules/{id}/gaps names the spans; the function log "on-call gap ahead" names the schedules)',
      metric: new Metric({ namespace: 'RoweItsm', metricName: 'OnCallGaps', dimensionsMap: { service: oncall.serviceName }, period: Duration.days(1), statistic: 'Maximum' }),
      threshold: 0,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      // No datapoint means the check did not run: the function's own error alarms and the jobs' queue say why.
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    this.alarms.push(gaps);

    this.oncall = oncall;
    this.apiFunctions.oncall = oncall.function;
    this.functions.push(oncall);
    this.alarmOnAuditWriteFailures(oncall);
  }
}
