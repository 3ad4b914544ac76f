import { Duration, type CfnResource } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Policy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { EventSourceMapping, FilterCriteria, StartingPosition, type CfnEventSourceMapping } from 'aws-cdk-lib/aws-lambda';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { environmentOf } from '../../../platform/environment-contract';
import { OUTBOX_CONSUMER_ENVIRONMENT } from '../functions/environment';
import { ItsmFunction } from '../../../kernel/infra/itsm-function';
import type { ClientContactsSecret } from '../../../kernel/infra/client-contacts-secret';
import { healthAlarmPrefix } from '../../../kernel/infra/itsm-health-alarms';
import { acknowledgeNagFinding } from '../../../kernel/infra/nag-acknowledgements';
import { OUTBOX_INSERT_FILTER, OUTBOX_PARTITION } from '../adapters/outbox-table-keys';

/** How the consumer reads the stream: the same figures the local runtime reads from the template. */
export const OUTBOX_STREAM_SETTINGS = {
  batchSize: 10,
  /** Retries of a failing batch (bisected first) before it goes to the failure queue. */
  retryAttempts: 8,
  /** A record not delivered within this goes to the failure queue (the reconciler repairs what is still due). */
  maxRecordAge: Duration.hours(6),
} as const;

/** The self-help site's own variables and grants for a function that rebuilds it (ItsmSelfHelpSite). */
export interface SelfHelpSiteResources {
  environment(): { readonly problemsTable: string; readonly catalogueTable: string; readonly selfHelpBucket: string; readonly selfHelpUrl: string; readonly selfHelpAccess: string; readonly selfHelpBundle: string };
  grantPublisher(fn: ItsmFunction): void;
}

/** The self-help site, when the client has one: the variables and grants of a function that rebuilds it, the desk's contact (the contacts secret) included. */
export interface SelfHelpSitePublishing {
  environment(): ReturnType<SelfHelpSiteResources['environment']> & { readonly clientContactsSecret: string };
  grantPublisher(fn: ItsmFunction): void;
}

/** The site's pages name the desk (the provider's named contact): its rebuilders read the client-contacts secret too. */
export function publishingWithDeskContact(site: SelfHelpSiteResources, contacts: ClientContactsSecret, key: IKey): SelfHelpSitePublishing {
  return {
    environment: () => ({ ...site.environment(), clientContactsSecret: contacts.secretArn }),
    grantPublisher: (fn) => {
      site.grantPublisher(fn);
      contacts.grantRead(fn, key);
    },
  };
}

/** No site: the variables are empty, and the publish-site effect has nothing to do. */
export const NO_SELF_HELP_SITE = { problemsTable: '', catalogueTable: '', selfHelpBucket: '', selfHelpUrl: '', selfHelpAccess: '', selfHelpBundle: '', clientContactsSecret: '' } as const;

export interface ItsmOutboxProps {
  readonly clientId: string;
  /**
   * The incidents table, with its stream: outbox items are written there with their changes. A
   * recovery stack deployed before its replica's stream ARN is known has a table without one: its
   * consumer then has no mapping, and the reconciler delivers what is due (docs/disaster-recovery.md).
   */
  readonly table: ITable;
  readonly key: IKey;
  readonly logRetention: RetentionDays;
  /** ITSM_CLIENT_SETTINGS, as the other functions get it (the notifier reads the webhook settings). */
  readonly clientSettings: string;
  readonly slaStateMachine: IStateMachine;
  readonly topics: { readonly majorIncidents: ITopic; readonly escalations: ITopic; readonly security: ITopic };
  /** The client's webhook signing key, when the client has a webhook. */
  readonly webhookSecretArn?: string;
  /** The call-centre webhooks' signing key (integrations.callCentreWebhooks), for page-webhook effects. */
  readonly callCentreSecretArn?: string;
  /**
   * The self-help site the publish-site effect rebuilds.
   * @default no site
   */
  readonly selfHelpSite?: SelfHelpSitePublishing;
  /**
   * The changes table, where the client has ServiceNow: a change they approve there is pushed from it.
   * @default none
   */
  readonly servicenowChangesTable?: ITable;
  /** Where draft-article effects store resolution drafts (the problems table) and audit them (the audit table); granted by OutboxModule. */
  readonly resolutionDrafts: { readonly problemsTable: string; readonly auditTable: string };
}

/**
 * The transactional outbox's consumer (src/modules/outbox): a function on the incidents table's
 * stream, invoked with outbox INSERTs only (the mapping's filter), in small batches, bisected on
 * error, answering partial batch failures, retried a bounded number of times; what still fails
 * goes to an encrypted queue whose depth raises a health alarm. Its role may read the stream, read
 * and delete outbox items (nothing else of the table), start the SLA workflow, publish to the
 * notification topics and read the webhook's signing key.
 */
export class ItsmOutbox extends Construct {
  readonly consumer: ItsmFunction;
  readonly failures: Queue;
  readonly failuresAlarm: Alarm;
  /** Absent only when the table's stream is not known (a recovery stack before its replica exists). */
  readonly mapping?: EventSourceMapping;

  constructor(scope: Construct, id: string, props: ItsmOutboxProps) {
    super(scope, id);
    const streamArn = props.table.tableStreamArn;

    this.failures = new Queue(this, 'Failures', {
      encryptionMasterKey: props.key,
      encryption: QueueEncryption.KMS,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    for (const rule of ['Serverless-SQSRedrivePolicy', 'AwsSolutions-SQS3']) {
      acknowledgeNagFinding(
        this.failures.node.defaultChild as CfnResource,
        rule,
        "This queue is itself the outbox consumer's on-failure destination (the event source mapping's, which cdk-nag does not recognise as a dead-letter use); a dead-letter queue of its own would only move the problem.",
      );
    }

    this.consumer = new ItsmFunction(this, 'Consumer', {
      entry: 'src/modules/outbox/functions/outbox-consumer-handler.ts',
      serviceName: 'outbox',
      logRetention: props.logRetention,
      logKey: props.key,
      memorySize: 512,
      timeout: Duration.seconds(30),
      synchronousCaller:
        "the event source mapping on the incidents table's stream, which retries failed batches and sends what still fails to its on-failure destination (the outbox Failures queue)",
      environment: environmentOf(OUTBOX_CONSUMER_ENVIRONMENT, {
        incidentsTable: props.table.tableName,
        slaStateMachine: props.slaStateMachine.stateMachineArn,
        majorIncidentTopic: props.topics.majorIncidents.topicArn,
        escalationTopic: props.topics.escalations.topicArn,
        securityTopic: props.topics.security.topicArn,
        clientSettings: props.clientSettings,
        ...(props.selfHelpSite?.environment() ?? NO_SELF_HELP_SITE),
        changesTable: props.servicenowChangesTable?.tableName ?? '',
        ...props.resolutionDrafts,
      }),
    });
    const { role } = this.consumer;
    props.selfHelpSite?.grantPublisher(this.consumer);

    if (streamArn) {
      // The stream: the three reads of the mapping, on this table's stream only.
      role.addToPrincipalPolicy(
        new PolicyStatement({ sid: 'OutboxStreamRead', actions: ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'], resources: [streamArn] }),
      );
      const listStreams = new Policy(this, 'ListStreams', {
        roles: [role],
        statements: [new PolicyStatement({ actions: ['dynamodb:ListStreams'], resources: ['*'] })],
      });
      acknowledgeNagFinding(
        listStreams.node.defaultChild as CfnResource,
        'AwsSolutions-IAM5[Resource::*]',
        'dynamodb:ListStreams has no resource-level permissions (AWS documents Resource "*" only); Lambda lists the streams when it ' +
          'manages the mapping. It is the only action of this policy; the stream reads themselves name the incidents table\'s stream.',
      );
    }
    // Outbox items only: read (consistently) before delivery, deleted after it.
    this.consumer.grantTable({ table: props.table, key: props.key, access: ['get', 'delete'], leadingKeys: [OUTBOX_PARTITION] });
    props.slaStateMachine.grantStartExecution(role);
    this.consumer.grantPublish([props.topics.majorIncidents, props.topics.escalations, props.topics.security], props.key);
    const signingSecrets = [props.webhookSecretArn, props.callCentreSecretArn].filter((arn): arn is string => arn !== undefined);
    if (signingSecrets.length > 0) role.addToPrincipalPolicy(new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: signingSecrets }));
    // Lambda sends the failed batches' descriptions to the queue with the function's role.
    this.consumer.grantQueueSend(this.failures, props.key);

    if (streamArn) {
      const mapping = new EventSourceMapping(this, 'Stream', {
        target: this.consumer.live,
        eventSourceArn: streamArn,
        startingPosition: StartingPosition.TRIM_HORIZON,
        batchSize: OUTBOX_STREAM_SETTINGS.batchSize,
        bisectBatchOnError: true,
        reportBatchItemFailures: true,
        retryAttempts: OUTBOX_STREAM_SETTINGS.retryAttempts,
        maxRecordAge: OUTBOX_STREAM_SETTINGS.maxRecordAge,
        filters: [FilterCriteria.filter(OUTBOX_INSERT_FILTER as unknown as Record<string, unknown>)],
      });
      // The on-failure destination, set on the resource: SqsDlq would also grant the role
      // sqs:GetQueueAttributes, sqs:GetQueueUrl and kms:ReEncrypt*/GenerateDataKey*, which sending does
      // not need (grantQueueSend above grants exactly SendMessage and its key actions).
      (mapping.node.defaultChild as CfnEventSourceMapping).destinationConfig = { onFailure: { destination: this.failures.queueArn } };
      // The mapping's role needs the grants before the mapping is created.
      mapping.node.addDependency(role);
      this.mapping = mapping;
    }

    this.failuresAlarm = new Alarm(this, 'FailuresAlarm', {
      // A health alarm (ItsmHealthAlarms): named so the alarm rule raises it in the client's desk.
      alarmName: `${healthAlarmPrefix(props.clientId)}OutboxFailures-depth`,
      alarmDescription:
        'Effects (SLA workflow starts, notifications) that could not be delivered after every retry are described in the OutboxFailures queue; their outbox items are still in the incidents table',
      metric: this.failures.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' }),
      threshold: 0,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
  }
}
