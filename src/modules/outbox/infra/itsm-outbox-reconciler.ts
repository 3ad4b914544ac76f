import { ArnFormat, Aws, Duration, Stack, type CfnResource } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { Policy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { environmentOf } from '../../../platform/environment-contract';
import { ItsmFunction } from '../../../kernel/infra/itsm-function';
import { healthAlarmPrefix } from '../../../kernel/infra/itsm-health-alarms';
import { acknowledgeNagFinding } from '../../../kernel/infra/nag-acknowledgements';
import { INCIDENT_INDEXES } from '../../incidents/adapters';
import { OUTBOX_PARTITION } from '../adapters/outbox-table-keys';
import { OUTBOX_RECONCILER_ENVIRONMENT } from '../functions/environment';
import { NO_SELF_HELP_SITE, type SelfHelpSitePublishing } from './itsm-outbox';

/** How often the reconciler runs (its grace, 5 minutes, is in app/reconcile-effects.ts). */
export const RECONCILER_RATE = Duration.minutes(5);

export interface ItsmOutboxReconcilerProps {
  readonly clientId: string;
  readonly table: ITable;
  readonly key: IKey;
  readonly logRetention: RetentionDays;
  readonly clientSettings: string;
  readonly slaStateMachine: StateMachine;
  readonly topics: { readonly majorIncidents: ITopic; readonly escalations: ITopic; readonly security: ITopic };
  readonly webhookSecretArn?: string;
  /** The call-centre webhooks' signing key, for repaired page-webhook effects. */
  readonly callCentreSecretArn?: string;
  /**
   * The self-help site a repaired publish-site effect rebuilds.
   * @default no site
   */
  readonly selfHelpSite?: SelfHelpSitePublishing;
  /**
   * The changes table, where the client has ServiceNow: a change they approve there is pushed from it.
   * @default none
   */
  readonly servicenowChangesTable?: ITable;
  /** The scheduled jobs' failure queue (failed asynchronous invocations and undeliverable events). */
  readonly jobFailures: IQueue;
  /** Where repaired draft-article effects store and audit their drafts; granted by OutboxModule. */
  readonly resolutionDrafts: { readonly problemsTable: string; readonly auditTable: string };
}

/**
 * The outbox reconciler: a scheduled function that delivers outbox items the stream left behind
 * and starts missing SLA workflow executions of open incidents (src/modules/outbox/app/reconcile-effects.ts).
 * Its role reads, queries and deletes outbox items only; queries the byState index only (no
 * Scan, no other index, nothing of the table's other items); describes executions of the SLA
 * workflow only and starts them; publishes to the notification topics. A health alarm fires on
 * any repair: a repair means an effect was lost silently.
 */
export class ItsmOutboxReconciler extends Construct {
  readonly function: ItsmFunction;
  readonly schedule: Rule;
  readonly repairsAlarm: Alarm;
  /** The policy whose one statement lets the role describe the SLA workflow's executions. */
  readonly describePolicy: Policy;

  constructor(scope: Construct, id: string, props: ItsmOutboxReconcilerProps) {
    super(scope, id);
    const fn = new ItsmFunction(this, 'Function', {
      entry: 'src/modules/outbox/functions/outbox-reconciler-handler.ts',
      serviceName: 'outbox-reconciler',
      logRetention: props.logRetention,
      logKey: props.key,
      memorySize: 512,
      timeout: Duration.minutes(2),
      invocation: 'asynchronous',
      deadLetterQueue: props.jobFailures,
      environment: environmentOf(OUTBOX_RECONCILER_ENVIRONMENT, {
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
    const { role } = fn;
    props.selfHelpSite?.grantPublisher(fn);
    // Outbox items: the Query of the OUTBOX partition, then each read (consistently) and deleted.
    fn.grantTable({ table: props.table, key: props.key, access: ['get', 'query', 'delete'], leadingKeys: [OUTBOX_PARTITION] });
    // Open incidents: Query on the byState index only.
    fn.grantTable({ table: props.table, indexNames: [INCIDENT_INDEXES.byState.name], key: props.key, access: ['query'], queryIndexesOnly: true });
    props.slaStateMachine.grantStartExecution(role);
    // DescribeExecution addresses an execution: the SLA workflow's executions only.
    const executions = Stack.of(this).formatArn({
      service: 'states',
      region: Aws.REGION,
      account: Aws.ACCOUNT_ID,
      resource: 'execution',
      resourceName: `${props.slaStateMachine.stateMachineName}:*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    const describe = new Policy(this, 'DescribeSlaExecutions', {
      roles: [role],
      statements: [new PolicyStatement({ actions: ['states:DescribeExecution'], resources: [executions] })],
    });
    this.describePolicy = describe;
    acknowledgeNagFinding(
      describe.node.defaultChild as CfnResource,
      // cdk-nag names the finding by the resource as written (the machine's name is its Name attribute).
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:<${Stack.of(this).getLogicalId(props.slaStateMachine.node.defaultChild as CfnResource)}.Name>:*]`,
      "states:DescribeExecution addresses executions, whose names are only known at run time (<incidentId>-g<generation>); the resource is the SLA workflow's executions only, and it is this policy's only action.",
    );
    fn.grantPublish([props.topics.majorIncidents, props.topics.escalations, props.topics.security], props.key);
    const signingSecrets = [props.webhookSecretArn, props.callCentreSecretArn].filter((arn): arn is string => arn !== undefined);
    if (signingSecrets.length > 0) role.addToPrincipalPolicy(new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: signingSecrets }));
    fn.grantQueueSend(props.jobFailures, props.key);

    this.schedule = new Rule(this, 'Schedule', {
      description: 'Delivers outbox effects the stream left behind and starts missing SLA workflow executions',
      schedule: Schedule.rate(RECONCILER_RATE),
      targets: [new LambdaFunction(fn.live, { retryAttempts: 2, maxEventAge: Duration.hours(1), deadLetterQueue: props.jobFailures })],
    });

    this.repairsAlarm = new Alarm(this, 'RepairsAlarm', {
      alarmName: `${healthAlarmPrefix(props.clientId)}OutboxReconciler-repairs`,
      alarmDescription:
        'The outbox reconciler repaired effects (undelivered outbox items, missing SLA workflow executions): something failed silently. ' +
        'The function\'s log ("effects repaired") and the EffectsRepaired metric (dimension kind) say what.',
      metric: new Metric({ namespace: 'RoweItsm', metricName: 'EffectsRepairedTotal', dimensionsMap: { service: fn.serviceName }, period: RECONCILER_RATE, statistic: 'Sum' }),
      threshold: 0,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    this.function = fn;
  }
}
