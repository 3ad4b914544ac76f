import type { Construct } from 'constructs';
import { ItsmFunction } from '../../../kernel/infra/itsm-function';
import { ItsmModule, type ItsmModuleProps } from '../../../kernel/infra/itsm-module';
import { environmentOf } from '../../../platform/environment-contract';
import { CATALOGUE_ENVIRONMENT } from '../functions/environment';

export type CatalogueModuleProps = ItsmModuleProps;

/** The service catalogue and configuration items: its own function and role, the catalogue table only. */
export class CatalogueModule extends ItsmModule {
  readonly catalogue: ItsmFunction;

  constructor(scope: Construct, props: CatalogueModuleProps) {
    super(scope, props);
    const { data, logRetention } = props;
    const catalogue = new ItsmFunction(scope, 'CatalogueFunction', {
      entry: 'src/modules/catalogue/functions/catalogue-handler.ts',
      serviceName: 'catalogue',
      logRetention,
      logKey: data.key,
      memorySize: 512,
      environment: environmentOf(CATALOGUE_ENVIRONMENT, {
        auditTable: data.auditTable.tableName,
        catalogueTable: data.catalogueTable.tableName,
        idempotencyTable: data.idempotencyTable.tableName,
      }),
    });
    catalogue.grantTable({
      table: data.catalogueTable,
      indexNames: data.catalogueIndexNames,
      key: data.key,
      // Writes are Put (services, CIs, versions) and Delete (a CI's entries it no longer has), in transactions.
      access: ['get', 'query', 'put', 'delete'],
    });
    catalogue.grantTable({ table: data.idempotencyTable, key: data.key, access: ['read', 'write', 'delete'] });
    catalogue.grantAuditAppend(this.auditAppend);

    this.catalogue = catalogue;
    this.apiFunctions.catalogue = catalogue.function;
    this.functions.push(catalogue);
    this.alarmOnAuditWriteFailures(catalogue);
  }
}
