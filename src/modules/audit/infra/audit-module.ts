import { Duration } from 'aws-cdk-lib';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { AUDIT_INDEXES } from '../../../kernel/adapters/audit-table-keys';
import { ItsmFunction } from '../../../kernel/infra/itsm-function';
import { ItsmModule, type ItsmModuleProps } from '../../../kernel/infra/itsm-module';
import { environmentOf } from '../../../platform/environment-contract';
import { AUDIT_CHAINER_ENVIRONMENT, AUDIT_ENVIRONMENT } from '../functions/environment';

export type AuditModuleProps = ItsmModuleProps;

/**
 * The audit trail's readers and keeper: the auditors' routes (audit function) and the chainer,
 * which links the records every function writes (unchained, so writers never queue on one
 * another) into the tamper-evident chain, one run at a time, every minute.
 */
export class AuditModule extends ItsmModule {
  readonly audit: ItsmFunction;
  readonly auditChainer: ItsmFunction;

  constructor(scope: Construct, props: AuditModuleProps) {
    super(scope, props);
    const { data, logRetention, jobFailures } = props;
    const auditChainer = new ItsmFunction(scope, 'AuditChainerFunction', {
      entry: 'src/modules/audit/functions/audit-chainer-handler.ts',
      serviceName: 'audit-chainer',
      logRetention,
      logKey: data.key,
      memorySize: 512,
      timeout: Duration.seconds(50),
      invocation: 'asynchronous',
      deadLetterQueue: jobFailures,
      environment: environmentOf(AUDIT_CHAINER_ENVIRONMENT, { auditTable: data.auditTable.tableName }),
    });
    // One chainer at a time: two would both build on the same head (the head's condition would fail one).
    (auditChainer.function.node.defaultChild as CfnFunction).reservedConcurrentExecutions = 1;
    auditChainer.grantTable({ table: data.auditTable, indexNames: [AUDIT_INDEXES.byTime.name], key: data.key, access: ['read'] });
    auditChainer.grantAuditAppend(this.auditAppend);
    auditChainer.grantQueueSend(jobFailures, data.key);
    new Rule(scope, 'AuditChainerSchedule', {
      description: 'Links new audit records into the tamper-evident chain',
      schedule: Schedule.rate(Duration.minutes(1)),
      targets: [new LambdaFunction(auditChainer.live, { retryAttempts: 2, maxEventAge: Duration.minutes(10), deadLetterQueue: jobFailures })],
    });

    // The auditors' routes: reads the audit trail (Query on each index by name); appends only the
    // records of the requests it refuses.
    const audit = new ItsmFunction(scope, 'AuditFunction', {
      entry: 'src/modules/audit/functions/audit-handler.ts',
      serviceName: 'audit',
      logRetention,
      logKey: data.key,
      memorySize: 512,
      // Verification walks the chain; it stops by itself at MAX_VERIFIED_RECORDS, well within API Gateway's 29 s.
      timeout: Duration.seconds(25),
      environment: environmentOf(AUDIT_ENVIRONMENT, { auditTable: data.auditTable.tableName }),
    });
    audit.grantTable({ table: data.auditTable, indexNames: data.auditIndexNames, key: data.key, access: ['read'] });
    audit.grantAuditAppend(this.auditAppend);

    this.audit = audit;
    this.auditChainer = auditChainer;
    this.apiFunctions.audit = audit.function;
    this.functions.push(audit, auditChainer);
    // The chainer's appends are the chain's own links; a failure there fails its run (its dead-letter queue).
    this.alarmOnAuditWriteFailures(audit);
  }
}
