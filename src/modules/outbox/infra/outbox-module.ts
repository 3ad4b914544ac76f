import { ArnFormat, Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, MathExpression, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import type { ItsmFunction } from '../../../kernel/infra/itsm-function';
import { healthAlarmPrefix } from '../../../kernel/infra/itsm-health-alarms';
import { ItsmModule, type ItsmModuleProps } from '../../../kernel/infra/itsm-module';
import { accountWideActionPolicy } from '../../../kernel/infra/nag-acknowledgements';
import type { ServiceNowSettings } from '../../../config/servicenow-settings-schema';
import { grantServiceNowPush } from '../../servicenow/infra';
import { ARTICLE_PARTITION_PREFIX } from '../../problems/adapters';
import { ItsmOutbox, publishingWithDeskContact, type SelfHelpSiteResources } from './itsm-outbox';
import { ItsmOutboxReconciler } from './itsm-outbox-reconciler';

export interface OutboxModuleProps extends ItsmModuleProps {
  /** The SLA workflow whose clock generations the outbox starts (the incidents module's). */
  readonly slaStateMachine: StateMachine;
  /**
   * The client's webhook signing secret, for notifications the client receives by webhook.
   * @default no webhook: no secret is readable
   */
  readonly webhookSecretArn?: string;
  /**
   * The call-centre webhooks' signing secret (integrations.callCentreWebhooks), for page-webhook effects.
   * @default none: escalation steps' webhook targets are paging gaps, and no secret is readable
   */
  readonly callCentreSecretArn?: string;
  /**
   * The client's self-help site, rebuilt by the outbox's functions (publish-site effects).
   * @default no site
   */
  readonly selfHelpSite?: SelfHelpSiteResources;
  /**
   * The client's active ServiceNow integration: the consumer (and the reconciler) push incidents there.
   * @default none: nothing of the incidents or the credentials is readable
   */
  readonly servicenow?: ServiceNowSettings;
  /**
   * monitoring.archiveFindingsOnClose: the consumer (and the reconciler) deliver archive-finding
   * effects, and only then get guardduty:ArchiveFindings.
   * @default false
   */
  readonly archiveFindingsOnClose?: boolean;
}

/**
 * The outbox as a practice of the stack: its consumer is watched and graphed with the other
 * functions, its failure queue and alarm join the health alarms and the dashboard.
 */
export class OutboxModule extends ItsmModule {
  readonly outbox: ItsmOutbox;
  readonly reconciler: ItsmOutboxReconciler;

  constructor(scope: Construct, props: OutboxModuleProps) {
    super(scope, props);
    const selfHelpSite = props.selfHelpSite && publishingWithDeskContact(props.selfHelpSite, props.clientContacts, props.data.key);
    const resolutionDrafts = { problemsTable: props.data.problemsTable.tableName, auditTable: props.data.auditTable.tableName };
    this.outbox = new ItsmOutbox(scope, 'Outbox', {
      clientId: props.clientId,
      table: props.data.incidentsTable,
      key: props.data.key,
      logRetention: props.logRetention,
      clientSettings: props.clientSettings,
      slaStateMachine: props.slaStateMachine,
      topics: props.notifications,
      ...(props.webhookSecretArn && { webhookSecretArn: props.webhookSecretArn }),
      ...(props.callCentreSecretArn && { callCentreSecretArn: props.callCentreSecretArn }),
      ...(selfHelpSite && { selfHelpSite }),
      ...(props.servicenow && { servicenowChangesTable: props.data.changesTable }),
      resolutionDrafts,
    });
    this.functions.push(this.outbox.consumer);
    this.alarms.push(this.outbox.failuresAlarm);
    this.deadLetterQueues.push(this.outbox.failures);
    // What slipped through anyway, repaired on a schedule; its failures go to the scheduled jobs' queue.
    this.reconciler = new ItsmOutboxReconciler(scope, 'OutboxReconciler', {
      clientId: props.clientId,
      table: props.data.incidentsTable,
      incidentIndexNames: props.data.incidentIndexNames,
      key: props.data.key,
      logRetention: props.logRetention,
      clientSettings: props.clientSettings,
      slaStateMachine: props.slaStateMachine,
      topics: props.notifications,
      jobFailures: props.jobFailures,
      ...(props.webhookSecretArn && { webhookSecretArn: props.webhookSecretArn }),
      ...(props.callCentreSecretArn && { callCentreSecretArn: props.callCentreSecretArn }),
      ...(selfHelpSite && { selfHelpSite }),
      ...(props.servicenow && { servicenowChangesTable: props.data.changesTable }),
      resolutionDrafts,
    });
    this.functions.push(this.reconciler.function);
    for (const fn of [this.outbox.consumer, this.reconciler.function]) {
      // Resolution drafts (draft-article): PutItem on article partitions only (KA#…), under
      // attribute_not_exists in the code (docs/security.md), each audited as its resolver's; and
      // where articles are published to the client's ServiceNow knowledge base, GetItem on them too.
      const articleAccess = props.servicenow?.knowledge ? (['put', 'get'] as const) : (['put'] as const);
      fn.grantTable({ table: props.data.problemsTable, key: props.data.key, access: [...articleAccess], leadingKeys: [`${ARTICLE_PARTITION_PREFIX}*`] });
      fn.grantAuditAppend(this.auditAppend);
      this.alarmOnAuditWriteFailures(fn);
    }
    if (props.servicenow) {
      for (const fn of [this.outbox.consumer, this.reconciler.function]) grantServiceNowPush(fn, props.data.incidentsTable, props.data.changesTable, props.data.key, props.servicenow);
    }
    if (props.archiveFindingsOnClose) {
      for (const fn of [this.outbox.consumer, this.reconciler.function]) grantFindingArchive(fn);
    }
    this.alarms.push(this.reconciler.repairsAlarm);
    if (props.callCentreSecretArn) {
      // A call centre that refuses a page for good is not retried (a 4xx, a redirect, an address the
      // SSRF guard forbids): nobody behind that target was paged, so the desk hears of it as an incident.
      const refused = (fn: ItsmFunction) =>
        new Metric({ namespace: 'RoweItsm', metricName: 'PageWebhookRefused', dimensionsMap: { service: fn.serviceName }, period: Duration.minutes(5), statistic: 'Sum' });
      this.alarms.push(
        new Alarm(scope, 'PageWebhookRefusedAlarm', {
          alarmName: `${healthAlarmPrefix(props.clientId)}page-webhook-refused`,
          alarmDescription: 'A call centre refused a page for good (a 4xx other than 408 and 429, a redirect, or a forbidden address): the people behind that escalation target were not paged',
          metric: new MathExpression({
            expression: 'FILL(consumer, 0) + FILL(reconciler, 0)',
            usingMetrics: { consumer: refused(this.outbox.consumer), reconciler: refused(this.reconciler.function) },
            period: Duration.minutes(5),
            label: 'Pages refused by call centres',
          }),
          threshold: 0,
          comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: TreatMissingData.NOT_BREACHING,
        }),
      );
    }
  }
}

/** guardduty:ArchiveFindings on the detectors of the stack's account and region, the policy's one action. */
function grantFindingArchive(fn: ItsmFunction): void {
  accountWideActionPolicy(fn, 'ArchiveFindings', {
    role: fn.role,
    action: 'guardduty:ArchiveFindings',
    service: 'guardduty',
    resource: 'detector',
    arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    reason:
      "The detector is the one that reported each finding, recorded at ingestion and not known to this stack (GuardDuty is the client's); " +
      'guardduty:ArchiveFindings is limited to detectors of this account and region and is the only action in this policy.',
  });
}
