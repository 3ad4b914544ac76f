import { Duration } from 'aws-cdk-lib';
import type { Alarm } from 'aws-cdk-lib/aws-cloudwatch';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import type { FunctionGroup } from '../http/route-declaration';
import { AUDIT_RECORD_PARTITIONS } from '../adapters/audit-table-keys';
import type { DataResources } from './data-resources';
import { ItsmFunction } from './itsm-function';
import type { DailySchedule } from './daily-schedule';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import type { ItsmNotifications } from './itsm-notifications';
import type { ClientContactsSecret } from './client-contacts-secret';

/**
 * What every practice's infrastructure (`src/modules/<practice>/infra/`) receives from the stack:
 * the things its functions share with the other practices.
 */
export interface ItsmModuleProps {
  /** The client id: names the health alarms (`rowe-itsm-health-<client>-…`). */
  readonly clientId: string;
  /** The tables and the customer-managed key that encrypts them, the queues and the log groups. */
  readonly data: DataResources;
  /** The major-incident, escalation and security topics. */
  readonly notifications: ItsmNotifications;
  /** Retention of the functions' (and workflows') log groups. */
  readonly logRetention: RetentionDays;
  /** The client settings JSON (`ITSM_CLIENT_SETTINGS`) of the functions that read them. */
  readonly clientSettings: string;
  /** The client's contacts (personal data: not in the settings): the functions that name contacts read this secret. */
  readonly clientContacts: ClientContactsSecret;
  /**
   * The scheduled jobs' dead-letter queue: failed scheduled invocations (EventBridge) and failed
   * asynchronous runs (Lambda) of every module's jobs land here. Owned by the stack, which alarms on it.
   */
  readonly jobFailures: IQueue;
  /** The stack's once-a-day rules: a practice's daily job is a target of one of them. */
  readonly dailySchedule: DailySchedule;
}

/**
 * What a practice hands back to the stack: the functions behind the API, and what the health
 * alarms and the dashboard watch.
 */
export interface ItsmModuleOutputs {
  /** The functions serving the API, by function group (src/api/api-catalogue.ts). */
  readonly apiFunctions: Partial<Readonly<Record<FunctionGroup, IFunction>>>;
  /** Every function of the practice, API functions first: alarmed on errors and throttles, and graphed. */
  readonly functions: readonly ItsmFunction[];
  /** The practice's own alarms (its dead-letter queues, …): to the ops topic, and on the dashboard. */
  readonly alarms: readonly Alarm[];
  /** Service names of its functions that append to the audit trail: the stack's audit-write alarm watches them. */
  readonly auditWriters: readonly string[];
  /** Dead-letter queues the practice owns (each alarmed in `alarms`), graphed on the dashboard. */
  readonly deadLetterQueues: readonly IQueue[];
  /** Workflows the practice owns: alarmed on failed executions, and graphed. */
  readonly stateMachines: readonly { readonly label: string; readonly stateMachine: IStateMachine }[];
}

/**
 * A practice's infrastructure: its functions with their environment and grants, its rules,
 * schedules, queues and alarms.
 *
 * Not a construct level of its own: a practice places its resources directly in the scope it is
 * given (the stack), under the ids they have always had. Construct paths make the logical IDs, so
 * an extra level would rename every function, role, log group, rule, queue and alarm of the
 * practice, and CloudFormation would replace them (new functions, new log groups, and a new,
 * empty queue for the event-ingestion failures). The practice's class is what groups them.
 */
export abstract class ItsmModule implements ItsmModuleOutputs {
  apiFunctions: Partial<Record<FunctionGroup, IFunction>> = {};
  functions: ItsmFunction[] = [];
  alarms: Alarm[] = [];
  /** Service names of the practice's functions that append to the audit trail (their AuditWriteFailed metric is alarmed). */
  auditWriters: string[] = [];
  deadLetterQueues: IQueue[] = [];
  stateMachines: { readonly label: string; readonly stateMachine: IStateMachine }[] = [];

  protected constructor(
    /** Where the practice's resources go: the stack. */
    protected readonly scope: Construct,
    protected readonly shared: ItsmModuleProps,
  ) {}

  /** The audit-append grant every function that changes data or refuses requests gets, and nothing more there. */
  protected get auditAppend() {
    return { table: this.shared.data.auditTable, key: this.shared.data.key, recordPartitions: AUDIT_RECORD_PARTITIONS };
  }

  /**
   * A daily job, one run at a time (reserved concurrency 1): its function (asynchronous, failed
   * runs to the scheduled jobs' queue), invoked through its live alias by the stack's daily
   * schedule; a failed delivery is retried twice, then lands in the same queue (the target's own
   * dead-letter queue).
   * The caller adds the function's grants.
   */
  protected dailyJob(id: string, job: { readonly entry: string; readonly serviceName: string; readonly timeout: Duration; readonly environment: Record<string, string>; readonly description: string }): ItsmFunction {
    const { data, logRetention, jobFailures } = this.shared;
    const fn = new ItsmFunction(this.scope, `${id}Function`, {
      entry: job.entry,
      serviceName: job.serviceName,
      logRetention,
      logKey: data.key,
      memorySize: 512,
      timeout: job.timeout,
      invocation: 'asynchronous',
      deadLetterQueue: jobFailures,
      environment: job.environment,
    });
    (fn.function.node.defaultChild as CfnFunction).reservedConcurrentExecutions = 1;
    fn.grantQueueSend(jobFailures, data.key);
    this.shared.dailySchedule.add(fn.live);
    this.functions.push(fn);
    return fn;
  }

  /**
   * The function appends to the audit trail: the stack's one audit-write alarm watches its
   * AuditWriteFailed metric (ItsmHealthAlarms: one Metrics Insights alarm over every writer, not
   * one alarm per function — the deploy budget and the alarm bill both count alarms).
   */
  protected alarmOnAuditWriteFailures(fn: ItsmFunction): void {
    this.auditWriters.push(fn.serviceName);
  }

}
