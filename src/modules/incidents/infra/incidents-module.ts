import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { REQUEST_PARTITION_PATTERN } from '../../changes/adapters';
import { PROBLEM_INDEXES } from '../../problems/adapters';
import { incidentIndexNamesFor } from '../adapters/incidents-table-keys';
import { PEOPLE_PARTITION, POLICIES_PARTITION, SCHEDULES_PARTITION } from '../../oncall/adapters';
import { ItsmFunction } from '../../../kernel/infra/itsm-function';
import { ItsmModule, type ItsmModuleProps } from '../../../kernel/infra/itsm-module';
import { healthAlarmPrefix } from '../../../kernel/infra/itsm-health-alarms';
import { environmentOf } from '../../../platform/environment-contract';
import { AUTO_CLOSE_ENVIRONMENT, INCIDENTS_ENVIRONMENT, SLA_CLOCK_ENVIRONMENT } from '../functions/environment';
import { ItsmSlaWorkflow } from './itsm-sla-workflow';

export type IncidentsModuleProps = ItsmModuleProps;

/**
 * Incident management: the incidents function (API), the SLA clocks (a Standard workflow per
 * incident clock generation, whose task is the SLA-clock function) and the scheduled auto-close.
 */
export class IncidentsModule extends ItsmModule {
  readonly incidents: ItsmFunction;
  readonly slaClock: ItsmFunction;
  readonly autoClose: ItsmFunction;
  /** The SLA workflow, which event ingestion starts too. */
  readonly slaStateMachine: StateMachine;

  constructor(scope: Construct, props: IncidentsModuleProps) {
    super(scope, props);
    const { data, logRetention, clientSettings, clientContacts, jobFailures } = props;

    // SLA clocks: a Standard workflow per incident clock generation, whose task is this function.
    const slaClock = new ItsmFunction(scope, 'SlaClockFunction', {
      entry: 'src/modules/incidents/functions/sla-clock-handler.ts',
      serviceName: 'sla-clock',
      logRetention,
      logKey: data.key,
      memorySize: 512,
      timeout: Duration.seconds(30),
      synchronousCaller: 'the SLA workflow (Step Functions), whose task retry policy retries it',
      environment: environmentOf(SLA_CLOCK_ENVIRONMENT, {
        incidentsTable: data.incidentsTable.tableName,
        auditTable: data.auditTable.tableName,
        catalogueTable: data.catalogueTable.tableName,
        oncallTable: data.oncallTable.tableName,
        clientSettings,
        clientContactsSecret: clientContacts.secretArn,
      }),
    });
    slaClock.grantTable({ table: data.incidentsTable, key: data.key, access: ['read', 'write'] });
    // Escalation calls the service's own contacts and owner: one GetItem per check that sends.
    slaClock.grantTable({ table: data.catalogueTable, key: data.key, access: ['get'] });
    // Paging by escalation policy reads the policies (Query of their partition), the schedules and
    // the paging directory (GetItem): those three partitions of the on-call table, read only.
    slaClock.grantTable({ table: data.oncallTable, key: data.key, access: ['get', 'query'], leadingKeys: [POLICIES_PARTITION, SCHEDULES_PARTITION, PEOPLE_PARTITION] });
    slaClock.grantAuditAppend(this.auditAppend);
    // Escalation levels fall back to the client's contacts.
    clientContacts.grantRead(slaClock, data.key);
    const slaWorkflow = new ItsmSlaWorkflow(scope, 'SlaWorkflow', { checkFunction: slaClock.live, logRetention, logKey: data.key });
    this.slaStateMachine = slaWorkflow.stateMachine;

    const incidents = new ItsmFunction(scope, 'IncidentsFunction', {
      entry: 'src/modules/incidents/functions/incidents-handler.ts',
      serviceName: 'incidents',
      logRetention,
      logKey: data.key,
      environment: environmentOf(INCIDENTS_ENVIRONMENT, {
        incidentsTable: data.incidentsTable.tableName,
        idempotencyTable: data.idempotencyTable.tableName,
        auditTable: data.auditTable.tableName,
        catalogueTable: data.catalogueTable.tableName,
        problemsTable: data.problemsTable.tableName,
        changesTable: data.changesTable.tableName,
        clientSettings,
        clientContactsSecret: clientContacts.secretArn,
      }),
    });
    // Workflow starts and notifications of incident changes are outbox effects (src/modules/outbox):
    // the incidents function neither starts executions nor publishes.
    // BatchGetItem: a list page's incidents by key (the list indexes hold keys only), and the client's clocks for the SLA report.
    incidents.grantTable({ table: data.incidentsTable, indexNames: data.incidentIndexNames, key: data.key, access: ['read', 'write', 'batchGet'] });
    incidents.grantTable({ table: data.idempotencyTable, key: data.key, access: ['read', 'write', 'delete'] });
    // Incidents name a service by id; logging one checks the service exists and is not retired (GetItem only).
    incidents.grantTable({ table: data.catalogueTable, key: data.key, access: ['get'] });
    // Suggestions at logging: known errors and articles by search term (Query on bySearchTerm only), then GetItem each;
    // incident reports: the problems an incident is linked to (Query on byIncident), then GetItem each.
    incidents.grantTable({
      table: data.problemsTable,
      indexNames: [PROBLEM_INDEXES.bySearchTerm.name, PROBLEM_INDEXES.byIncident.name],
      key: data.key,
      access: ['get', 'query'],
      queryIndexesOnly: true,
    });
    // A request that turns out to be an incident is closed by the function that logs the incident:
    // GetItem and (version-conditioned) PutItem on service requests only, nothing else of changes.
    incidents.grantTable({ table: data.changesTable, key: data.key, access: ['get', 'put'], leadingKeys: [REQUEST_PARTITION_PATTERN] });
    incidents.grantAuditAppend(this.auditAppend);
    // Major-incident and security notices name the client's contacts.
    clientContacts.grantRead(incidents, data.key);

    // Resolved incidents nobody confirmed close by themselves after the client's autoCloseAfter.
    const autoClose = new ItsmFunction(scope, 'AutoCloseFunction', {
      entry: 'src/modules/incidents/functions/auto-close-handler.ts',
      serviceName: 'auto-close',
      logRetention,
      logKey: data.key,
      memorySize: 512,
      timeout: Duration.minutes(5),
      invocation: 'asynchronous',
      deadLetterQueue: jobFailures,
      environment: environmentOf(AUTO_CLOSE_ENVIRONMENT, {
        incidentsTable: data.incidentsTable.tableName,
        auditTable: data.auditTable.tableName,
        catalogueTable: data.catalogueTable.tableName,
        oncallTable: data.oncallTable.tableName,
        clientSettings,
        clientContactsSecret: clientContacts.secretArn,
      }),
    });
    // Overdue review actions: the service's current owner (catalogue), and the action owners' contacts (the people directory only).
    autoClose.grantTable({ table: data.catalogueTable, key: data.key, access: ['get'] });
    autoClose.grantTable({ table: data.oncallTable, key: data.key, access: ['get'], leadingKeys: [PEOPLE_PARTITION] });
    autoClose.grantAuditAppend(this.auditAppend);
    clientContacts.grantRead(autoClose, data.key);
    // BatchGetItem: the resolved incidents byStateBrief finds old enough, by key.
    autoClose.grantTable({ table: data.incidentsTable, indexNames: incidentIndexNamesFor('byState', data.incidentIndexNames), key: data.key, access: ['read', 'write', 'batchGet'] });
    autoClose.grantQueueSend(jobFailures, data.key);
    new Rule(scope, 'AutoCloseSchedule', {
      description: 'Closes resolved incidents whose confirmation period has passed; escalates overdue post-incident-review actions to the service owner',
      schedule: Schedule.rate(Duration.minutes(15)),
      targets: [new LambdaFunction(autoClose.live, { retryAttempts: 2, maxEventAge: Duration.hours(1), deadLetterQueue: jobFailures })],
    });
    // A paging step that reached nobody for some target (a rota gap, a person missing from the
    // directory): the provider's contacts are told at once (an outbox effect); this alarm makes it
    // an incident in the desk too, so the rota gets fixed.
    this.alarms.push(
      new Alarm(scope, 'PagingGapsAlarm', {
        alarmName: `${healthAlarmPrefix(props.clientId)}paging-gaps`,
        alarmDescription: 'An escalation-policy step paged nobody for some target (the incident timeline and the "paging gap" notification name it)',
        metric: new Metric({ namespace: 'RoweItsm', metricName: 'PagingGaps', dimensionsMap: { service: slaClock.serviceName }, period: Duration.minutes(5), statistic: 'Sum' }),
        threshold: 0,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
    );
    // No function of this module notifies anyone or archives a finding: those are outbox effects (OutboxModule delivers them).

    this.incidents = incidents;
    this.slaClock = slaClock;
    this.autoClose = autoClose;
    this.apiFunctions.incidents = incidents.function;
    this.functions.push(incidents, autoClose, slaClock);
    for (const fn of [incidents, autoClose, slaClock]) this.alarmOnAuditWriteFailures(fn);
    this.stateMachines.push({ label: 'SlaWorkflow', stateMachine: slaWorkflow.stateMachine });
  }
}
