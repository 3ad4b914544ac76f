import { ArnFormat, Duration, type CfnResource } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { CfnRule, Rule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { MONITORING_EVENTS_PATTERN } from '../schemas/event-rules';
import { ItsmFunction } from '../../../kernel/infra/itsm-function';
import { healthAlarmPrefix } from '../../../kernel/infra/itsm-health-alarms';
import { ItsmModule, type ItsmModuleProps } from '../../../kernel/infra/itsm-module';
import { accountWideActionPolicy, acknowledgeNagFinding } from '../../../kernel/infra/nag-acknowledgements';
import { environmentOf } from '../../../platform/environment-contract';
import { EVENT_INGESTION_ENVIRONMENT } from '../functions/environment';

/**
 * Ingestion starts no workflow and notifies nobody itself: the SLA starts and the security notices
 * of its incident changes are outbox items in the change's transaction (OutboxModule delivers them).
 */
export type MonitoringModuleProps = ItsmModuleProps;

/**
 * Event management: CloudWatch alarm state changes and security findings (GuardDuty, Inspector2)
 * on the default bus become incidents, exactly once per event. Owns the ingestion function, its
 * three rules, its dead-letter queue and that queue's alarm, and the alarm-tag read policy.
 */
export class MonitoringModule extends ItsmModule {
  readonly eventIngestion: ItsmFunction;
  readonly ingestionFailures: Queue;

  constructor(scope: Construct, props: MonitoringModuleProps) {
    super(scope, props);
    const { data, logRetention, clientSettings, clientContacts } = props;

    const ingestionFailures = new Queue(scope, 'EventIngestionFailures', {
      encryptionMasterKey: data.key,
      encryption: QueueEncryption.KMS,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    acknowledgeNagFinding(
      ingestionFailures.node.defaultChild as CfnResource,
      'Serverless-SQSRedrivePolicy',
      'This queue is itself the dead-letter queue of event ingestion; a dead-letter queue of its own would only move the problem.',
    );
    const eventIngestion = new ItsmFunction(scope, 'EventIngestionFunction', {
      entry: 'src/modules/monitoring/functions/event-ingestion-handler.ts',
      serviceName: 'event-ingestion',
      logRetention,
      logKey: data.key,
      memorySize: 512,
      timeout: Duration.seconds(30),
      invocation: 'asynchronous',
      deadLetterQueue: ingestionFailures,
      environment: environmentOf(EVENT_INGESTION_ENVIRONMENT, {
        incidentsTable: data.incidentsTable.tableName,
        eventsTable: data.eventsTable.tableName,
        auditTable: data.auditTable.tableName,
        clientSettings,
        clientContactsSecret: clientContacts.secretArn,
      }),
    });
    eventIngestion.grantAuditAppend(this.auditAppend);
    // A security finding tells the client's security contact and the provider's ISM.
    clientContacts.grantRead(eventIngestion, data.key);
    // The incidents, their locks and the service's backlog item (concurrent incidents) by key: no index.
    eventIngestion.grantTable({ table: data.incidentsTable, key: data.key, access: ['read', 'write'] });
    // Put the event record, ADD to its trend counter (UpdateItem), both in one transaction.
    eventIngestion.grantTable({ table: data.eventsTable, key: data.key, access: ['put', 'update'] });
    eventIngestion.grantQueueSend(ingestionFailures, data.key);
    // Alarm severity and service come from the alarm's itsm:* tags first. The alarms are the
    // client's, not this stack's, so they cannot be named: any alarm of this account and region,
    // in a policy of its own so that the wildcard's acknowledgement covers this statement only.
    accountWideActionPolicy(scope, 'EventIngestionAlarmTags', {
      role: eventIngestion.role,
      action: 'cloudwatch:ListTagsForResource',
      service: 'cloudwatch',
      resource: 'alarm',
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      reason:
        "The alarms whose tags ingestion reads are the client's own, created outside this stack and unknown to it; " +
        'cloudwatch:ListTagsForResource is limited to alarms of this account and region, and is the only action in this policy.',
    });
    const monitoringEvents = new Rule(scope, 'MonitoringEvents', {
      description: 'CloudWatch alarm state changes become incidents; GuardDuty and Inspector2 findings become security incidents',
      // Only to satisfy CDK, which wants a typed pattern; replaced below by the exact one.
      eventPattern: { source: MONITORING_EVENTS_PATTERN.$or.flatMap((p) => [...p.source]) },
      targets: [new LambdaFunction(eventIngestion.live, { retryAttempts: 3, maxEventAge: Duration.hours(2), deadLetterQueue: ingestionFailures })],
    });
    // $or is not among CDK's typed pattern fields: the rule gets the pattern as written in event-rules.ts.
    (monitoringEvents.node.defaultChild as CfnRule).eventPattern = MONITORING_EVENTS_PATTERN;
    const ingestionFailuresAlarm = new Alarm(scope, 'EventIngestionFailuresAlarm', {
      // A health alarm (ItsmHealthAlarms): named so the alarm rule raises it in the client's desk.
      alarmName: `${healthAlarmPrefix(props.clientId)}EventIngestionFailures-depth`,
      alarmDescription: 'Monitoring events that could not be ingested are waiting in the EventIngestionFailures queue',
      metric: ingestionFailures.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' }),
      threshold: 0,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });

    this.eventIngestion = eventIngestion;
    this.ingestionFailures = ingestionFailures;
    this.functions.push(eventIngestion);
    this.alarms.push(ingestionFailuresAlarm);
    this.alarmOnAuditWriteFailures(eventIngestion);
    this.deadLetterQueues.push(ingestionFailures);
  }
}
