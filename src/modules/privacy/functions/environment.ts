import { ENV, environmentContract } from '../../../platform/environment-contract';

/** retention-handler.ts: pseudonymises closed records past the client's retention, daily. */
export const RETENTION_ENVIRONMENT = environmentContract({
  incidentsTable: ENV.incidentsTable,
  changesTable: ENV.changesTable,
  problemsTable: ENV.problemsTable,
  auditTable: ENV.auditTable,
  clientSettings: ENV.clientSettings,
});
