import type { Construct } from 'constructs';
import { CI_PARTITION_PATTERN, SERVICE_PARTITION_PATTERN } from '../../catalogue/adapters';
import { INCIDENT_INDEXES } from '../../incidents/adapters';
import { OUTBOX_PARTITION } from '../../outbox/adapters';
import { ItsmFunction } from '../../../kernel/infra/itsm-function';
import { ItsmModule, type ItsmModuleProps } from '../../../kernel/infra/itsm-module';
import { environmentOf } from '../../../platform/environment-contract';
import { CHANGES_ENVIRONMENT } from '../functions/environment';

export type ChangesModuleProps = ItsmModuleProps;

/**
 * Change management (and service requests): its own function and role; the changes table, and
 * reads of the services, CIs and incidents a change names. Approvers are notified through the outbox
 * (an item Put in the incidents table's OUTBOX partition with the assessment).
 */
export class ChangesModule extends ItsmModule {
  readonly changes: ItsmFunction;

  constructor(scope: Construct, props: ChangesModuleProps) {
    super(scope, props);
    const { data, logRetention, clientSettings } = props;
    const changes = new ItsmFunction(scope, 'ChangesFunction', {
      entry: 'src/modules/changes/functions/changes-handler.ts',
      serviceName: 'changes',
      logRetention,
      logKey: data.key,
      memorySize: 512,
      environment: environmentOf(CHANGES_ENVIRONMENT, {
        auditTable: data.auditTable.tableName,
        changesTable: data.changesTable.tableName,
        catalogueTable: data.catalogueTable.tableName,
        incidentsTable: data.incidentsTable.tableName,
        idempotencyTable: data.idempotencyTable.tableName,
        clientSettings,
      }),
    });
    changes.grantTable({
      table: data.changesTable,
      indexNames: data.changeIndexNames,
      key: data.key,
      // Put (changes, slots, milestones) and Update (the overlap flag on another change), in transactions; nothing is deleted.
      access: ['read', 'write'],
    });
    // Emergency changes name an incident (by id: GetItem; by number: Query on the number index).
    changes.grantTable({ table: data.incidentsTable, indexNames: [INCIDENT_INDEXES.byNumber.name], key: data.key, access: ['get', 'query'], queryIndexesOnly: true });
    // The approvers' notice, and the mirror of a change the client approves in their ServiceNow:
    // outbox items in the incidents table, in the change's own transaction (the OUTBOX partition only).
    changes.grantTable({ table: data.incidentsTable, key: data.key, access: ['put'], leadingKeys: [OUTBOX_PARTITION] });
    changes.grantTable({ table: data.catalogueTable, key: data.key, access: ['get'] });
    // Implementation records the versions installed on the change's CIs: a CI's new version, its
    // history item and its entries (under the CI and under each service it names), nothing else.
    changes.grantTable({ table: data.catalogueTable, key: data.key, access: ['put', 'delete'], leadingKeys: [CI_PARTITION_PATTERN, SERVICE_PARTITION_PATTERN] });
    changes.grantTable({ table: data.idempotencyTable, key: data.key, access: ['read', 'write', 'delete'] });
    changes.grantAuditAppend(this.auditAppend);

    this.changes = changes;
    this.apiFunctions.changes = changes.function;
    this.functions.push(changes);
    this.alarmOnAuditWriteFailures(changes);
  }
}
