import { ENV, environmentContract } from '../../../platform/environment-contract';

/** reports-handler.ts: reports, events, capacity and the improvement register. */
export const REPORTS_ENVIRONMENT = environmentContract({
  incidentsTable: ENV.incidentsTable,
  auditTable: ENV.auditTable,
  eventsTable: ENV.eventsTable,
  catalogueTable: ENV.catalogueTable,
  problemsTable: ENV.problemsTable,
  /** The service report's requests-to-changes ratio (byCreatedMonth Queries). */
  changesTable: ENV.changesTable,
  /** The reports' own, smaller settings (ReportsModule): Lambda allows 4 KB of environment. */
  clientSettings: ENV.clientSettings,
});
