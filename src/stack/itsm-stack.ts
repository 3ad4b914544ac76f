import { ArnFormat, Aws, Duration, Stack, Tags, type CfnResource, type StackProps } from 'aws-cdk-lib';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { Alarm, ComparisonOperator, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { CLOUDWATCH_ALARM_STATE_CHANGE_PATTERN, GUARDDUTY_FINDING_PATTERN, INSPECTOR2_FINDING_PATTERN } from '../modules/monitoring/schemas/event-rules';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Policy, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { REQUEST_PARTITION_PATTERN } from '../modules/changes/adapters/changes-table-keys';
import { CI_PARTITION_PATTERN, SERVICE_PARTITION_PATTERN } from '../modules/catalogue/adapters/catalogue-table-keys';
import { INCIDENT_INDEXES } from '../modules/incidents/adapters/incidents-table-keys';
import { ARTICLE_PARTITION_PREFIX, PROBLEM_INDEXES, problemKey } from '../modules/problems/adapters/problems-table-keys';
import { AUDIT_INDEXES, CHAIN_HEAD_PARTITION } from '../kernel/adapters/audit-table-keys';
import { CAPACITY_PREFIX, CATALOGUE_INDEXES, IMPROVEMENT_PREFIX } from '../modules/catalogue/adapters/catalogue-table-keys';
import { ItsmNotifications } from '../kernel/infra/itsm-notifications';
import { acknowledgeNagFinding } from '../kernel/infra/nag-acknowledgements';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { CfnOutput } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { ClientConfig } from '../config/client-config-schema';
import { ItsmApi } from '../kernel/infra/itsm-api';
import { ItsmDashboard } from '../kernel/infra/itsm-dashboard';
import { healthAlarmPrefix, healthAlarmRule, ItsmHealthAlarms } from '../kernel/infra/itsm-health-alarms';
import { ItsmData } from '../kernel/infra/itsm-data';
import { ItsmFunction } from '../kernel/infra/itsm-function';
import { OPENAPI_DOCUMENT_FILE } from '../modules/meta/functions/meta-files';
import { renderOpenApiDocument } from '../api/openapi-document';
import { ItsmIdentity } from '../kernel/infra/itsm-identity';
import { ItsmSlaWorkflow } from '../modules/incidents/infra/itsm-sla-workflow';
import { ItsmOutbox } from '../modules/outbox/infra/itsm-outbox';
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';

/** Room for the reports function's settings in Lambda's 4 KB of environment, besides its table names. */
export const MAX_REPORTS_SETTINGS_LENGTH = 3600;

export interface ItsmStackProps extends StackProps {
  readonly config: ClientConfig;
}

/** One client's whole ITSM backend, pinned to the client's account and region. */
export class ItsmStack extends Stack {
  readonly data: ItsmData;
  readonly api: ItsmApi;
  readonly identity: ItsmIdentity;
  readonly config: ClientConfig;
  readonly slaStateMachine: StateMachine;

  constructor(scope: Construct, id: string, props: ItsmStackProps) {
    const { config } = props;
    super(scope, id, {
      ...props,
      env: { account: config.account, region: config.region },
      description: `rowe-itsm ITSM backend for ${config.name} (${config.id})`,
      terminationProtection: true,
    });
    this.config = config;
    Tags.of(this).add('rowe-itsm:client', config.id);

    this.data = new ItsmData(this, 'Data', { clientId: config.id });
    this.identity = new ItsmIdentity(this, 'Identity', { clientId: config.id });

    const logRetention = config.logRetentionDays as RetentionDays;
    // What the functions read at run time: the client settings schema in src/config.
    const clientSettings = JSON.stringify({
      id: config.id,
      timeZone: config.timeZone,
      priorityMatrix: config.priorityMatrix,
      slaTargets: config.slaTargets,
      priorityThresholds: config.priorityThresholds,
      autoCloseAfter: config.autoCloseAfter,
      contacts: config.contacts,
      // The health alarms' rule comes first, so no client rule can demote them.
      monitoring: { ...config.monitoring, alarmRules: [healthAlarmRule(config.id), ...config.monitoring.alarmRules] },
      sla: config.sla,
      changes: config.changes,
      requests: config.requests,
      integrations: config.integrations,
      knowledgeStaleAfter: config.knowledgeStaleAfter,
      problems: config.problems,
      ...(config.disasterRecoveryPlan && { disasterRecoveryPlan: config.disasterRecoveryPlan }),
    });
    // The reports function reads the SLA policy and the capacity actions; it gets those only
    // (the rest take their defaults), because Lambda allows 4 KB of environment per function.
    const reportsSettings = JSON.stringify({
      id: config.id,
      timeZone: config.timeZone,
      slaTargets: config.slaTargets,
      contacts: config.contacts,
      sla: config.sla,
      capacity: config.capacity,
    });
    if (reportsSettings.length > MAX_REPORTS_SETTINGS_LENGTH) {
      throw new Error(
        `Invalid client configuration clients/${config.id}.json:\n  - capacity.actions: the capacity actions, SLA policy and contacts take ${reportsSettings.length} characters; ` +
          `the reports function's environment holds at most ${MAX_REPORTS_SETTINGS_LENGTH} (Lambda's 4 KB): agree fewer or shorter actions`,
      );
    }
    const notifications = new ItsmNotifications(this, 'Notifications', { clientId: config.id, key: this.data.key });

    // SLA clocks: a Standard workflow per incident clock generation, whose task is this function.
    const slaClock = new ItsmFunction(this, 'SlaClockFunction', {
      entry: 'src/modules/incidents/functions/sla-clock-handler.ts',
      serviceName: 'sla-clock',
      logRetention,
      logKey: this.data.key,
      memorySize: 512,
      timeout: Duration.seconds(30),
      synchronousCaller: 'the SLA workflow (Step Functions), whose task retry policy retries it',
      environment: {
        INCIDENTS_TABLE_NAME: this.data.incidentsTable.tableName,
        MAJOR_INCIDENT_TOPIC_ARN: notifications.majorIncidents.topicArn,
        ESCALATION_TOPIC_ARN: notifications.escalations.topicArn,
        SECURITY_TOPIC_ARN: notifications.security.topicArn,
        AUDIT_TABLE_NAME: this.data.auditTable.tableName,
        CATALOGUE_TABLE_NAME: this.data.catalogueTable.tableName,
        ITSM_CLIENT_SETTINGS: clientSettings,
      },
    });
    slaClock.grantTable({ table: this.data.incidentsTable, key: this.data.key, access: ['read', 'write'] });
    // Escalation calls the service's own contacts and owner: one GetItem per check that sends.
    slaClock.grantTable({ table: this.data.catalogueTable, key: this.data.key, access: ['get'] });
    slaClock.grantPublish(notifications.all, this.data.key);
    const auditAppend = { table: this.data.auditTable, key: this.data.key, headPartition: CHAIN_HEAD_PARTITION };
    slaClock.grantAuditAppend(auditAppend);
    const slaWorkflow = new ItsmSlaWorkflow(this, 'SlaWorkflow', { checkFunction: slaClock.function, logRetention, logKey: this.data.key });
    this.slaStateMachine = slaWorkflow.stateMachine;
    // Effects of incident changes (SLA workflow starts, notifications) leave through the outbox.
    const outbox = new ItsmOutbox(this, 'Outbox', {
      clientId: config.id, table: this.data.incidentsTable, key: this.data.key, logRetention, clientSettings,
      slaStateMachine: slaWorkflow.stateMachine, topics: notifications,
      ...(config.integrations.webhook && { webhookSecretArn: config.integrations.webhook.secretArn }),
    });

    const incidents = new ItsmFunction(this, 'IncidentsFunction', {
      entry: 'src/modules/incidents/functions/incidents-handler.ts',
      serviceName: 'incidents',
      logRetention,
      logKey: this.data.key,
      environment: {
        INCIDENTS_TABLE_NAME: this.data.incidentsTable.tableName,
        IDEMPOTENCY_TABLE_NAME: this.data.idempotencyTable.tableName,
        AUDIT_TABLE_NAME: this.data.auditTable.tableName,
        CATALOGUE_TABLE_NAME: this.data.catalogueTable.tableName,
        PROBLEMS_TABLE_NAME: this.data.problemsTable.tableName,
        CHANGES_TABLE_NAME: this.data.changesTable.tableName,
        ITSM_CLIENT_SETTINGS: clientSettings,
      },
    });
    incidents.grantTable({
      table: this.data.incidentsTable,
      indexNames: this.data.incidentIndexNames,
      key: this.data.key,
      access: ['read', 'write'],
    });
    incidents.grantTable({ table: this.data.idempotencyTable, key: this.data.key, access: ['read', 'write', 'delete'] });
    // Incidents name a service by id; logging one checks the service exists and is not retired (GetItem only).
    incidents.grantTable({ table: this.data.catalogueTable, key: this.data.key, access: ['get'] });
    // Suggestions at logging: known errors and articles by search term (Query on bySearchTerm only), then GetItem each.
    incidents.grantTable({
      table: this.data.problemsTable,
      indexNames: [PROBLEM_INDEXES.bySearchTerm.name],
      key: this.data.key,
      access: ['get', 'query'],
      queryIndexesOnly: true,
    });
    // A request that turns out to be an incident is closed by the function that logs the incident:
    // GetItem and (version-conditioned) PutItem on service requests only, nothing else of changes.
    incidents.grantTable({ table: this.data.changesTable, key: this.data.key, access: ['get', 'put'], leadingKeys: [REQUEST_PARTITION_PATTERN] });
    // Resolving an incident drafts a knowledge article from its notes: PutItem, and only on article
    // partitions (leading key KA#…); the code puts under attribute_not_exists (docs/security.md).
    incidents.role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: 'ResolutionDraftPut',
        actions: ['dynamodb:PutItem'],
        resources: [this.data.problemsTable.tableArn],
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${ARTICLE_PARTITION_PREFIX}*`] } },
      }),
    );
    // Every function that changes data or refuses requests appends to the audit trail, and may do nothing else there.

    incidents.grantAuditAppend(auditAppend);

    // Resolved incidents nobody confirmed close by themselves after the client's autoCloseAfter.
    const jobFailures = new Queue(this, 'ScheduledJobFailures', {
      encryptionMasterKey: this.data.key,
      encryption: QueueEncryption.KMS,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    for (const rule of ['Serverless-SQSRedrivePolicy']) {
      acknowledgeNagFinding(
        jobFailures.node.defaultChild as CfnResource,
        rule,
        'This queue is itself the dead-letter queue of the scheduled jobs; a dead-letter queue of its own would only move the problem.',
      );
    }
    // EventBridge delivers failed scheduled invocations here, through the encrypted queue's key.
    this.data.key.addToResourcePolicy(
      new PolicyStatement({
        principals: [new ServicePrincipal('events.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
      }),
    );
    const autoClose = new ItsmFunction(this, 'AutoCloseFunction', {
      entry: 'src/modules/incidents/functions/auto-close-handler.ts',
      serviceName: 'auto-close',
      logRetention,
      logKey: this.data.key,
      memorySize: 512,
      timeout: Duration.minutes(5),
      invocation: 'asynchronous',
      deadLetterQueue: jobFailures,
      environment: {
        INCIDENTS_TABLE_NAME: this.data.incidentsTable.tableName,
        AUDIT_TABLE_NAME: this.data.auditTable.tableName,
        ITSM_CLIENT_SETTINGS: clientSettings,
      },
    });
    autoClose.grantAuditAppend(auditAppend);
    autoClose.grantTable({
      table: this.data.incidentsTable,
      indexNames: [INCIDENT_INDEXES.byState.name],
      key: this.data.key,
      access: ['read', 'write'],
    });
    autoClose.grantQueueSend(jobFailures, this.data.key);
    new Rule(this, 'AutoCloseSchedule', {
      description: 'Closes resolved incidents whose confirmation period has passed',
      schedule: Schedule.rate(Duration.minutes(15)),
      targets: [new LambdaFunction(autoClose.function, { retryAttempts: 2, maxEventAge: Duration.hours(1), deadLetterQueue: jobFailures })],
    });
    // monitoring.archiveFindingsOnClose: the two functions that close incidents (confirm route,
    // auto-close) archive the incident's GuardDuty finding. Only then do they get the action.
    if (config.monitoring.archiveFindingsOnClose) {
      for (const fn of [incidents, autoClose]) {
        const archive = new Policy(this, `${fn.node.id}ArchiveFindings`, {
          roles: [fn.role],
          statements: [
            new PolicyStatement({
              actions: ['guardduty:ArchiveFindings'],
              resources: [this.formatArn({ service: 'guardduty', region: Aws.REGION, account: Aws.ACCOUNT_ID, resource: 'detector', resourceName: '*', arnFormat: ArnFormat.SLASH_RESOURCE_NAME })],
            }),
          ],
        });
        acknowledgeNagFinding(
          archive.node.defaultChild as CfnResource,
          'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:guardduty:<AWS::Region>:<AWS::AccountId>:detector/*]',
          "The detector is the one that reported each finding, recorded at ingestion and not known to this stack (GuardDuty is the client's); " +
            'guardduty:ArchiveFindings is limited to detectors of this account and region and is the only action in this policy.',
        );
      }
    }

    // The audit chainer: links the records every function writes (unchained, so writers never
    // queue on one another) into the tamper-evident chain, one run at a time, every minute.
    const auditChainer = new ItsmFunction(this, 'AuditChainerFunction', {
      entry: 'src/modules/audit/functions/audit-chainer-handler.ts',
      serviceName: 'audit-chainer',
      logRetention,
      logKey: this.data.key,
      memorySize: 512,
      timeout: Duration.seconds(50),
      invocation: 'asynchronous',
      deadLetterQueue: jobFailures,
      environment: { AUDIT_TABLE_NAME: this.data.auditTable.tableName },
    });
    // One chainer at a time: two would both build on the same head (the head's condition would fail one).
    (auditChainer.function.node.defaultChild as CfnFunction).reservedConcurrentExecutions = 1;
    auditChainer.grantTable({ table: this.data.auditTable, indexNames: [AUDIT_INDEXES.byTime.name], key: this.data.key, access: ['read'] });
    auditChainer.grantAuditAppend(auditAppend);
    auditChainer.grantQueueSend(jobFailures, this.data.key);
    new Rule(this, 'AuditChainerSchedule', {
      description: 'Links new audit records into the tamper-evident chain',
      schedule: Schedule.rate(Duration.minutes(1)),
      targets: [new LambdaFunction(auditChainer.function, { retryAttempts: 2, maxEventAge: Duration.minutes(10), deadLetterQueue: jobFailures })],
    });

    // CloudWatch alarm state changes and security findings (GuardDuty, Inspector2) on the default
    // bus become incidents, exactly once per event.
    const ingestionFailures = new Queue(this, 'EventIngestionFailures', {
      encryptionMasterKey: this.data.key,
      encryption: QueueEncryption.KMS,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    acknowledgeNagFinding(
      ingestionFailures.node.defaultChild as CfnResource,
      'Serverless-SQSRedrivePolicy',
      'This queue is itself the dead-letter queue of event ingestion; a dead-letter queue of its own would only move the problem.',
    );
    const eventIngestion = new ItsmFunction(this, 'EventIngestionFunction', {
      entry: 'src/modules/monitoring/functions/event-ingestion-handler.ts',
      serviceName: 'event-ingestion',
      logRetention,
      logKey: this.data.key,
      memorySize: 512,
      timeout: Duration.seconds(30),
      invocation: 'asynchronous',
      deadLetterQueue: ingestionFailures,
      environment: {
        INCIDENTS_TABLE_NAME: this.data.incidentsTable.tableName,
        EVENTS_TABLE_NAME: this.data.eventsTable.tableName,
        AUDIT_TABLE_NAME: this.data.auditTable.tableName,
        SECURITY_TOPIC_ARN: notifications.security.topicArn,
        SLA_STATE_MACHINE_ARN: slaWorkflow.stateMachine.stateMachineArn,
        ITSM_CLIENT_SETTINGS: clientSettings,
      },
    });
    slaWorkflow.stateMachine.grantStartExecution(eventIngestion.role);
    eventIngestion.grantAuditAppend(auditAppend);
    eventIngestion.grantTable({
      table: this.data.incidentsTable,
      indexNames: [INCIDENT_INDEXES.byOpenService.name],
      key: this.data.key,
      access: ['read', 'write'],
    });
    // Put the event record, ADD to its trend counter (UpdateItem), both in one transaction.
    eventIngestion.grantTable({ table: this.data.eventsTable, key: this.data.key, access: ['put', 'update'] });
    eventIngestion.grantQueueSend(ingestionFailures, this.data.key);
    // Security incidents notify the client's security contact; the other topics are not this function's.
    eventIngestion.grantPublish([notifications.security], this.data.key);
    // Alarm severity and service come from the alarm's itsm:* tags first. The alarms are the
    // client's, not this stack's, so they cannot be named: any alarm of this account and region,
    // in a policy of its own so that the wildcard's acknowledgement covers this statement only.
    const alarmTags = new Policy(this, 'EventIngestionAlarmTags', {
      roles: [eventIngestion.role],
      statements: [
        new PolicyStatement({
          actions: ['cloudwatch:ListTagsForResource'],
          // Pseudo parameters, not the stack's literal region and account: one finding id for every client stack.
          resources: [this.formatArn({ service: 'cloudwatch', region: Aws.REGION, account: Aws.ACCOUNT_ID, resource: 'alarm', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME })],
        }),
      ],
    });
    acknowledgeNagFinding(
      alarmTags.node.defaultChild as CfnResource,
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:cloudwatch:<AWS::Region>:<AWS::AccountId>:alarm:*]',
      "The alarms whose tags ingestion reads are the client's own, created outside this stack and unknown to it; " +
        'cloudwatch:ListTagsForResource is limited to alarms of this account and region, and is the only action in this policy.',
    );
    const ingestionRules = [
      { id: 'CloudWatchAlarmStateChanges', description: 'CloudWatch alarm state changes become incidents', pattern: CLOUDWATCH_ALARM_STATE_CHANGE_PATTERN },
      { id: 'GuardDutyFindings', description: 'GuardDuty findings become security incidents', pattern: GUARDDUTY_FINDING_PATTERN },
      { id: 'Inspector2Findings', description: 'Inspector2 findings become security incidents', pattern: INSPECTOR2_FINDING_PATTERN },
    ];
    for (const { id, description, pattern } of ingestionRules) {
      new Rule(this, id, {
        description,
        eventPattern: { source: [...pattern.source], detailType: [...pattern['detail-type']] },
        targets: [
          new LambdaFunction(eventIngestion.function, { retryAttempts: 3, maxEventAge: Duration.hours(2), deadLetterQueue: ingestionFailures }),
        ],
      });
    }
    const ingestionFailuresAlarm = new Alarm(this, 'EventIngestionFailuresAlarm', {
      // A health alarm (ItsmHealthAlarms): named so the alarm rule raises it in the client's desk.
      alarmName: `${healthAlarmPrefix(config.id)}EventIngestionFailures-depth`,
      alarmDescription: 'Monitoring events that could not be ingested are waiting in the EventIngestionFailures queue',
      metric: ingestionFailures.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' }),
      threshold: 0,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });

    // The service catalogue and configuration items: its own function and role, the catalogue table only.
    const catalogue = new ItsmFunction(this, 'CatalogueFunction', {
      entry: 'src/modules/catalogue/functions/catalogue-handler.ts',
      serviceName: 'catalogue',
      logRetention,
      logKey: this.data.key,
      memorySize: 512,
      environment: {
        AUDIT_TABLE_NAME: this.data.auditTable.tableName,
        CATALOGUE_TABLE_NAME: this.data.catalogueTable.tableName,
        IDEMPOTENCY_TABLE_NAME: this.data.idempotencyTable.tableName,
      },
    });
    catalogue.grantTable({
      table: this.data.catalogueTable,
      indexNames: this.data.catalogueIndexNames,
      key: this.data.key,
      // Writes are Put (services, CIs, versions) and Delete (a CI's entries it no longer has), in transactions.
      access: ['get', 'query', 'put', 'delete'],
    });
    catalogue.grantTable({ table: this.data.idempotencyTable, key: this.data.key, access: ['read', 'write', 'delete'] });
    catalogue.grantAuditAppend(auditAppend);

    // Problem management, the known-error database and knowledge: its own function and role.
    const problems = new ItsmFunction(this, 'ProblemsFunction', {
      entry: 'src/modules/problems/functions/problems-handler.ts',
      serviceName: 'problems',
      logRetention,
      logKey: this.data.key,
      memorySize: 512,
      environment: {
        AUDIT_TABLE_NAME: this.data.auditTable.tableName,
        PROBLEMS_TABLE_NAME: this.data.problemsTable.tableName,
        INCIDENTS_TABLE_NAME: this.data.incidentsTable.tableName,
        IDEMPOTENCY_TABLE_NAME: this.data.idempotencyTable.tableName,
        ITSM_CLIENT_SETTINGS: clientSettings,
      },
    });
    problems.grantTable({
      table: this.data.problemsTable,
      indexNames: this.data.problemIndexNames,
      key: this.data.key,
      // Writes are conditional Puts (records, log entries, versions, links, terms), guarded by a
      // ConditionCheck on the problem where they hang off one, and Deletes (unlinks, dropped terms);
      // UpdateItem for the problem-number counter, article edits and an article's view count.
      access: ['read', 'write', 'delete'],
    });
    // Incidents are linked by id or number: GetItem, and Query on byNumber only; problem candidates
    // read the window's incidents on byCreated. Never written.
    problems.grantTable({
      table: this.data.incidentsTable,
      indexNames: [INCIDENT_INDEXES.byNumber.name, INCIDENT_INDEXES.byCreated.name],
      key: this.data.key,
      access: ['get', 'query'],
      queryIndexesOnly: true,
    });
    problems.grantTable({ table: this.data.idempotencyTable, key: this.data.key, access: ['read', 'write', 'delete'] });
    problems.grantAuditAppend(auditAppend);

    // Published knowledge articles nobody reads for the client's knowledgeStaleAfter are archived
    // daily: a Query on byLastAccess (no Scan), then per article an update of the article and the
    // deletion of its search terms in one transaction. Retries, then the scheduled jobs' queue.
    const knowledgeRetirement = new ItsmFunction(this, 'KnowledgeRetirementFunction', {
      entry: 'src/modules/problems/functions/knowledge-retirement-handler.ts',
      serviceName: 'knowledge-retirement',
      logRetention,
      logKey: this.data.key,
      memorySize: 512,
      timeout: Duration.minutes(5),
      invocation: 'asynchronous',
      deadLetterQueue: jobFailures,
      environment: {
        PROBLEMS_TABLE_NAME: this.data.problemsTable.tableName,
        AUDIT_TABLE_NAME: this.data.auditTable.tableName,
        ITSM_CLIENT_SETTINGS: clientSettings,
      },
    });
    knowledgeRetirement.grantTable({
      table: this.data.problemsTable,
      indexNames: [PROBLEM_INDEXES.byLastAccess.name],
      key: this.data.key,
      // Query (stale articles on the index; an article's terms in its partition), the article's
      // conditional update, and the deletion of its terms.
      access: ['query', 'write', 'delete'],
    });
    knowledgeRetirement.grantAuditAppend(auditAppend);
    knowledgeRetirement.grantQueueSend(jobFailures, this.data.key);
    new Rule(this, 'KnowledgeRetirementSchedule', {
      description: 'Archives published knowledge articles not read for the client knowledgeStaleAfter',
      schedule: Schedule.rate(Duration.days(1)),
      targets: [new LambdaFunction(knowledgeRetirement.function, { retryAttempts: 2, maxEventAge: Duration.hours(1), deadLetterQueue: jobFailures })],
    });

    // Change management: its own function and role; the changes table, and reads of the services,
    // CIs and incidents a change names. Approvers are notified on the escalation topic.
    const changes = new ItsmFunction(this, 'ChangesFunction', {
      entry: 'src/modules/changes/functions/changes-handler.ts',
      serviceName: 'changes',
      logRetention,
      logKey: this.data.key,
      memorySize: 512,
      environment: {
        AUDIT_TABLE_NAME: this.data.auditTable.tableName,
        CHANGES_TABLE_NAME: this.data.changesTable.tableName,
        CATALOGUE_TABLE_NAME: this.data.catalogueTable.tableName,
        INCIDENTS_TABLE_NAME: this.data.incidentsTable.tableName,
        IDEMPOTENCY_TABLE_NAME: this.data.idempotencyTable.tableName,
        ESCALATION_TOPIC_ARN: notifications.escalations.topicArn,
        ITSM_CLIENT_SETTINGS: clientSettings,
      },
    });
    changes.grantTable({
      table: this.data.changesTable,
      indexNames: this.data.changeIndexNames,
      key: this.data.key,
      // Put (changes, slots, milestones) and Update (the overlap flag on another change), in transactions; nothing is deleted.
      access: ['read', 'write'],
    });
    // Emergency changes name an incident (by id: GetItem; by number: Query on the number index).
    changes.grantTable({ table: this.data.incidentsTable, indexNames: [INCIDENT_INDEXES.byNumber.name], key: this.data.key, access: ['get', 'query'], queryIndexesOnly: true });
    changes.grantTable({ table: this.data.catalogueTable, key: this.data.key, access: ['get'] });
    // Implementation records the versions installed on the change's CIs: a CI's new version, its
    // history item and its entries (under the CI and under each service it names), nothing else.
    changes.grantTable({ table: this.data.catalogueTable, key: this.data.key, access: ['put', 'delete'], leadingKeys: [CI_PARTITION_PATTERN, SERVICE_PARTITION_PATTERN] });
    changes.grantTable({ table: this.data.idempotencyTable, key: this.data.key, access: ['read', 'write', 'delete'] });
    changes.grantPublish([notifications.escalations], this.data.key);
    changes.grantAuditAppend(auditAppend);

    const meta = new ItsmFunction(this, 'MetaFunction', {
      entry: 'src/modules/meta/functions/meta-handler.ts',
      serviceName: 'meta',
      logRetention,
      logKey: this.data.key,
      memorySize: 256,
      // Rendered at synth: building it from every route's zod schemas cost the first
      // GET /openapi.json of a container ~0.8 s in the bench (full CPU), more at 256 MB's share.
      bundledFiles: { [OPENAPI_DOCUMENT_FILE]: renderOpenApiDocument },
    });

    // The auditors' routes: reads the audit trail (Query on each index by name); appends only the
    // records of the requests it refuses.
    const audit = new ItsmFunction(this, 'AuditFunction', {
      entry: 'src/modules/audit/functions/audit-handler.ts',
      serviceName: 'audit',
      logRetention,
      logKey: this.data.key,
      memorySize: 512,
      // Verification walks the chain; it stops by itself at MAX_VERIFIED_RECORDS, well within API Gateway's 29 s.
      timeout: Duration.seconds(25),
      environment: { AUDIT_TABLE_NAME: this.data.auditTable.tableName },
    });
    audit.grantTable({ table: this.data.auditTable, indexNames: this.data.auditIndexNames, key: this.data.key, access: ['read'] });
    audit.grantAuditAppend(auditAppend);
    // Reports: reads the aggregates kept in the incidents' write path (Query/GetItem on the table's
    // own keys) and, for SLA compliance, the byCreated index; appends only the records of refused requests.
    const reports = new ItsmFunction(this, 'ReportsFunction', {
      entry: 'src/modules/reports/functions/reports-handler.ts',
      serviceName: 'reports',
      logRetention,
      logKey: this.data.key,
      memorySize: 512,
      timeout: Duration.seconds(25),
      environment: {
        INCIDENTS_TABLE_NAME: this.data.incidentsTable.tableName,
        AUDIT_TABLE_NAME: this.data.auditTable.tableName,
        EVENTS_TABLE_NAME: this.data.eventsTable.tableName,
        CATALOGUE_TABLE_NAME: this.data.catalogueTable.tableName,
        PROBLEMS_TABLE_NAME: this.data.problemsTable.tableName,
        ITSM_CLIENT_SETTINGS: reportsSettings,
      },
    });
    reports.grantTable({ table: this.data.incidentsTable, indexNames: [INCIDENT_INDEXES.byCreated.name], key: this.data.key, access: ['get', 'query'] });
    // GET /events and /events/trends: Queries on the events table's byDay index only.
    reports.grantTable({ table: this.data.eventsTable, indexNames: this.data.eventIndexNames, key: this.data.key, access: ['query'], queryIndexesOnly: true });
    reports.grantAuditAppend(auditAppend);
    // Capacity measurements and the improvement register live in the catalogue table (service
    // portfolio data): GetItem (services, items), Query on the table and the two indexes the
    // register reuses, and PutItem only under the CAPACITY# and IMPROVEMENT# partitions, so this
    // role can never overwrite a service or a CI.
    reports.grantTable({
      table: this.data.catalogueTable,
      indexNames: [CATALOGUE_INDEXES.byServiceStatus.name, CATALOGUE_INDEXES.byServiceName.name],
      key: this.data.key,
      access: ['get', 'query'],
    });
    reports.role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: 'CapacityAndImprovementPut',
        actions: ['dynamodb:PutItem'],
        resources: [this.data.catalogueTable.tableArn],
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${CAPACITY_PREFIX}*`, `${IMPROVEMENT_PREFIX}*`] } },
      }),
    );
    reports.role.addToPrincipalPolicy(new PolicyStatement({ actions: ['kms:Encrypt', 'kms:GenerateDataKey'], resources: [this.data.key.keyArn] }));
    // Known errors' ongoing impact (service report): Query only, on byKind (known errors) and
    // byState (open problems), and on the table only in problem partitions (a problem's incident
    // links); no GetItem, no write.
    reports.grantTable({
      table: this.data.problemsTable,
      indexNames: [PROBLEM_INDEXES.byKind.name, PROBLEM_INDEXES.byState.name],
      key: this.data.key,
      access: ['query'],
      leadingKeys: [`${problemKey('').pk}*`],
    });
    // Capacity actions may name a CloudWatch metric; only then may the reports function read
    // metrics, in a policy of its own so that the wildcard's acknowledgement covers this statement only.
    if (config.capacity.actions.some((a) => a.metric)) {
      const capacityMetrics = new Policy(this, 'ReportsCapacityMetrics', {
        roles: [reports.role],
        statements: [new PolicyStatement({ actions: ['cloudwatch:GetMetricData'], resources: ['*'] })],
      });
      acknowledgeNagFinding(
        capacityMetrics.node.defaultChild as CfnResource,
        'AwsSolutions-IAM5[Resource::*]',
        'cloudwatch:GetMetricData has no resource-level permissions (AWS documents Resource "*" only). It is the only action of this ' +
          'policy, attached to the reports function only, and present only when a capacity action of the client names a metric.',
      );
    }

    const auditWriteAlarms = [incidents, catalogue, problems, changes, autoClose, eventIngestion, slaClock, audit, reports, knowledgeRetirement].map((fn) =>
      new Alarm(this, `${fn.node.id}AuditWriteFailures`, {
        alarmName: `${healthAlarmPrefix(config.id)}${fn.node.id}-audit-write-failures`,
        alarmDescription: `${fn.node.id} could not append an audit record; the record is in the function's log ("audit record not appended")`,
        metric: new Metric({ namespace: 'RoweItsm', metricName: 'AuditWriteFailed', dimensionsMap: { service: fn.serviceName }, period: Duration.minutes(5), statistic: 'Sum' }),
        threshold: 0,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
    );

    this.api = new ItsmApi(this, 'Http', {
      clientId: config.id,
      userPool: this.identity.userPool,
      functions: { incidents: incidents.function, audit: audit.function, catalogue: catalogue.function, problems: problems.function, changes: changes.function, meta: meta.function, reports: reports.function },
      logRetention,
      logKey: this.data.key,
    });

    // Alarms on the stack's own health: to the ops topic, and through the alarm rule into the desk.
    const watchedFunctions = [incidents, catalogue, problems, changes, audit, reports, meta, autoClose, eventIngestion, slaClock, knowledgeRetirement, auditChainer, outbox.consumer].map((fn) => ({ label: fn.node.id, function: fn.function }));
    const health = new ItsmHealthAlarms(this, 'Health', {
      clientId: config.id,
      key: this.data.key,
      // The operations mailbox, else the provider's named contact: someone always hears of the stack's health.
      opsEmail: config.alertEmail ?? config.contacts.providerNamed.email,
      api: this.api.api,
      functions: watchedFunctions,
      // EventIngestionFailures has its alarm already (above); it is reused through `existing`.
      deadLetterQueues: [{ label: 'ScheduledJobFailures', queue: jobFailures }],
      stateMachines: [{ label: 'SlaWorkflow', stateMachine: slaWorkflow.stateMachine }],
      existing: [ingestionFailuresAlarm, outbox.failuresAlarm, ...auditWriteAlarms],
    });

    // Ops see the desk's figures and the stack's health at a glance.
    // The client's webhook signing key is referenced, never copied: the functions that notify read
    // that one secret (Powertools Parameters caches it), and nothing else in Secrets Manager.
    const webhookSecret = config.integrations.webhook?.secretArn;
    if (webhookSecret) {
      for (const fn of [slaClock, eventIngestion]) {
        fn.role.addToPrincipalPolicy(new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [webhookSecret] }));
      }
    }

    new ItsmDashboard(this, 'Dashboard', {
      clientId: config.id,
      api: this.api.api,
      functions: watchedFunctions,
      deadLetterQueues: [jobFailures, ingestionFailures, outbox.failures],
      stateMachines: [slaWorkflow.stateMachine],
      alarms: [...health.alarms, ingestionFailuresAlarm, outbox.failuresAlarm, ...auditWriteAlarms],
    });

    new CfnOutput(this, 'ApiUrl', { value: this.api.api.url, description: 'Base URL of the REST API' });
    new CfnOutput(this, 'UserPoolId', { value: this.identity.userPool.userPoolId });
    new CfnOutput(this, 'DeskClientId', { value: this.identity.deskClient.userPoolClientId });
  }
}
