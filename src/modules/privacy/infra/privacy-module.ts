import { Duration } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { INCIDENT_PARTITION_PATTERN, incidentIndexNamesFor } from '../../incidents/adapters';
import { CHANGE_INDEXES, CHANGE_PARTITION_PATTERN, REQUEST_PARTITION_PATTERN } from '../../changes/adapters';
import { PROBLEM_INDEXES, PROBLEM_PARTITION_PATTERN } from '../../problems/adapters';
import type { ItsmFunction } from '../../../kernel/infra/itsm-function';
import { ItsmModule, type ItsmModuleProps } from '../../../kernel/infra/itsm-module';
import { environmentOf } from '../../../platform/environment-contract';
import { RETENTION_ENVIRONMENT } from '../functions/environment';

export type PrivacyModuleProps = ItsmModuleProps;

/**
 * Personal data's lifetime: the retention job, which pseudonymises closed records past the
 * client's `retention` once a day (docs/security.md, "Personal data"). The erasure of a person is
 * an operator's command (bin/erase-person.ts), not a function of the stack.
 */
export class PrivacyModule extends ItsmModule {
  readonly retention: ItsmFunction;

  constructor(scope: Construct, props: PrivacyModuleProps) {
    super(scope, props);
    const { data, clientSettings } = props;
    // One run at a time: two would pick the same records (the second's writes would fail their version check).
    const retention = this.dailyJob('Retention', {
      entry: 'src/modules/privacy/functions/retention-handler.ts',
      serviceName: 'retention',
      timeout: Duration.minutes(10),
      environment: environmentOf(RETENTION_ENVIRONMENT, {
        incidentsTable: data.incidentsTable.tableName,
        changesTable: data.changesTable.tableName,
        problemsTable: data.problemsTable.tableName,
        auditTable: data.auditTable.tableName,
        clientSettings,
      }),
      description: 'Pseudonymises incidents, requests, changes and problems closed longer ago than the client retention',
    });
    // Each table: Query on the one index closed records are found on, then a record's own partition
    // read whole and its items put back (conditional on their version), under the records' own
    // partition keys only. No Scan, no UpdateItem, no DeleteItem.
    const grants = [
      { table: data.incidentsTable, indexes: incidentIndexNamesFor('byState', data.incidentIndexNames), records: [INCIDENT_PARTITION_PATTERN] },
      { table: data.changesTable, indexes: [CHANGE_INDEXES.byState.name], records: [REQUEST_PARTITION_PATTERN, CHANGE_PARTITION_PATTERN] },
      { table: data.problemsTable, indexes: [PROBLEM_INDEXES.byState.name], records: [PROBLEM_PARTITION_PATTERN] },
    ];
    for (const { table, indexes, records } of grants) {
      retention.grantTable({ table, indexNames: indexes, key: data.key, access: ['query'], queryIndexesOnly: true });
      retention.grantTable({ table, key: data.key, access: ['query', 'put'], leadingKeys: records });
    }
    retention.grantAuditAppend(this.auditAppend);

    this.retention = retention;
    this.alarmOnAuditWriteFailures(retention);
  }
}
