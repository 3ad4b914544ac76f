import { ENV, environmentContract, optional } from '../../../platform/environment-contract';

/** servicenow-handler.ts: the business rule's calls, the exceptions' routes and the reconciliation poll. */
export const SERVICENOW_ENVIRONMENT = environmentContract({
  incidentsTable: ENV.incidentsTable,
  idempotencyTable: ENV.idempotencyTable,
  auditTable: ENV.auditTable,
  catalogueTable: ENV.catalogueTable,
  changesTable: ENV.changesTable,
  clientSettings: ENV.clientSettings,
  /** The client's contacts (personal data): a secret, not the environment; empty without the exchange. */
  clientContactsSecret: optional(ENV.clientContactsSecret),
});
