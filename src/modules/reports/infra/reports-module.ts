import { Duration, type CfnResource } from 'aws-cdk-lib';
import { Policy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import type { ClientConfig } from '../../../config/client-config-schema';
import { CAPACITY_PREFIX, CATALOGUE_INDEXES, IMPROVEMENT_PREFIX } from '../../catalogue/adapters';
import { incidentIndexNamesFor } from '../../incidents/adapters';
import { CHANGE_INDEXES } from '../../changes/adapters';
import { PROBLEM_INDEXES, problemKey } from '../../problems/adapters';
import { ItsmFunction } from '../../../kernel/infra/itsm-function';
import { ItsmModule, type ItsmModuleProps } from '../../../kernel/infra/itsm-module';
import { acknowledgeNagFinding } from '../../../kernel/infra/nag-acknowledgements';
import { environmentOf } from '../../../platform/environment-contract';
import { REPORTS_ENVIRONMENT } from '../functions/environment';

/** Room for the reports function's settings in Lambda's 4 KB of environment, besides its table names. */
export const MAX_REPORTS_SETTINGS_LENGTH = 3600;

/** The part of the client's configuration the reports function reads. */
export type ReportsConfig = Pick<ClientConfig, 'id' | 'timeZone' | 'slaTargets' | 'sla' | 'capacity'>;

/**
 * The reports function's settings: the SLA policy and the capacity actions only (the rest take
 * their defaults), because Lambda allows 4 KB of environment per function. Throws, as an invalid
 * client configuration, when they do not fit.
 */
export function reportsSettingsOf(config: ReportsConfig): string {
  const reportsSettings = JSON.stringify({
    id: config.id,
    timeZone: config.timeZone,
    slaTargets: config.slaTargets,
    sla: config.sla,
    capacity: config.capacity,
  });
  if (reportsSettings.length > MAX_REPORTS_SETTINGS_LENGTH) {
    throw new Error(
      `Invalid client configuration clients/${config.id}.json:\n  - capacity.actions: the capacity actions and SLA policy take ${reportsSettings.length} characters; ` +
        `the reports function's environment holds at most ${MAX_REPORTS_SETTINGS_LENGTH} (Lambda's 4 KB): agree fewer or shorter actions`,
    );
  }
  return reportsSettings;
}

export interface ReportsModuleProps extends ItsmModuleProps {
  /** The client's configuration: the reports' own settings (`reportsSettingsOf`) and capacity actions. */
  readonly config: ReportsConfig;
}

/**
 * Reports: reads the aggregates kept in the incidents' write path (Query/GetItem on the table's
 * own keys) and, for SLA compliance, the byCreated index; the monitoring events; capacity and the
 * improvement register; appends only the records of refused requests. Its settings are its own
 * (smaller) JSON, not the shared `clientSettings`.
 */
export class ReportsModule extends ItsmModule {
  readonly reports: ItsmFunction;

  constructor(scope: Construct, props: ReportsModuleProps) {
    super(scope, props);
    const { data, logRetention, config } = props;
    const reports = new ItsmFunction(scope, 'ReportsFunction', {
      entry: 'src/modules/reports/functions/reports-handler.ts',
      serviceName: 'reports',
      logRetention,
      logKey: data.key,
      memorySize: 512,
      timeout: Duration.seconds(25),
      environment: environmentOf(REPORTS_ENVIRONMENT, {
        incidentsTable: data.incidentsTable.tableName,
        auditTable: data.auditTable.tableName,
        eventsTable: data.eventsTable.tableName,
        catalogueTable: data.catalogueTable.tableName,
        problemsTable: data.problemsTable.tableName,
        changesTable: data.changesTable.tableName,
        clientSettings: reportsSettingsOf(config),
      }),
    });
    // The SLA report's edge days: the keys on byCreated, then those incidents (BatchGetItem).
    reports.grantTable({ table: data.incidentsTable, indexNames: incidentIndexNamesFor('byCreated', data.incidentIndexNames), key: data.key, access: ['get', 'batchGet', 'query'] });
    // GET /events and /events/trends: Queries on the events table's byDay index only.
    reports.grantTable({ table: data.eventsTable, indexNames: data.eventIndexNames, key: data.key, access: ['query'], queryIndexesOnly: true });
    reports.grantAuditAppend(this.auditAppend);
    // Capacity measurements and the improvement register live in the catalogue table (service
    // portfolio data): GetItem (services, items), Query on the table and the two indexes the
    // register reuses, and PutItem only under the CAPACITY# and IMPROVEMENT# partitions, so this
    // role can never overwrite a service or a CI.
    reports.grantTable({
      table: data.catalogueTable,
      indexNames: [CATALOGUE_INDEXES.byServiceStatus.name, CATALOGUE_INDEXES.byServiceName.name],
      key: data.key,
      access: ['get', 'query'],
    });
    reports.role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: 'CapacityAndImprovementPut',
        actions: ['dynamodb:PutItem'],
        resources: [data.catalogueTable.tableArn],
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${CAPACITY_PREFIX}*`, `${IMPROVEMENT_PREFIX}*`] } },
      }),
    );
    reports.role.addToPrincipalPolicy(new PolicyStatement({ actions: ['kms:Encrypt', 'kms:GenerateDataKey'], resources: [data.key.keyArn] }));
    // Known errors' ongoing impact (service report): Query only, on byKind (known errors) and
    // byState (open problems), and on the table only in problem partitions (a problem's incident
    // links); no GetItem, no write.
    reports.grantTable({
      table: data.problemsTable,
      indexNames: [PROBLEM_INDEXES.byKind.name, PROBLEM_INDEXES.byState.name],
      key: data.key,
      access: ['query'],
      leadingKeys: [`${problemKey('').pk}*`],
    });
    // The service report's requests-to-changes ratio: Query on byCreatedMonth only.
    reports.grantTable({ table: data.changesTable, indexNames: [CHANGE_INDEXES.byCreatedMonth.name], key: data.key, access: ['query'], queryIndexesOnly: true });
    // Capacity actions may name a CloudWatch metric; only then may the reports function read
    // metrics, in a policy of its own so that the wildcard's acknowledgement covers this statement only.
    if (config.capacity.actions.some((a) => a.metric)) {
      const capacityMetrics = new Policy(scope, 'ReportsCapacityMetrics', {
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

    this.reports = reports;
    this.apiFunctions.reports = reports.function;
    this.functions.push(reports);
    this.alarmOnAuditWriteFailures(reports);
  }
}
