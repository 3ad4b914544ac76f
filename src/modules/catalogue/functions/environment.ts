import { ENV, environmentContract } from '../../../platform/environment-contract';

/** catalogue-handler.ts: the service catalogue and configuration item routes. */
export const CATALOGUE_ENVIRONMENT = environmentContract({
  auditTable: ENV.auditTable,
  catalogueTable: ENV.catalogueTable,
  idempotencyTable: ENV.idempotencyTable,
});
