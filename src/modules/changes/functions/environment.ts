import { ENV, environmentContract } from '../../../platform/environment-contract';

/** changes-handler.ts: change management and service requests. */
export const CHANGES_ENVIRONMENT = environmentContract({
  auditTable: ENV.auditTable,
  changesTable: ENV.changesTable,
  catalogueTable: ENV.catalogueTable,
  incidentsTable: ENV.incidentsTable,
  idempotencyTable: ENV.idempotencyTable,
  clientSettings: ENV.clientSettings,
});
