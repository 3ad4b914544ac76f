import { ENV, environmentContract, optional } from '../../../platform/environment-contract';

/** problems-handler.ts: problems, known errors and knowledge. */
export const PROBLEMS_ENVIRONMENT = environmentContract({
  auditTable: ENV.auditTable,
  problemsTable: ENV.problemsTable,
  incidentsTable: ENV.incidentsTable,
  idempotencyTable: ENV.idempotencyTable,
  clientSettings: ENV.clientSettings,
  /** The self-help site's bucket where it keeps the downloadable bundle (GET /knowledge/site-bundle); empty otherwise. */
  selfHelpBucket: optional(ENV.selfHelpBucket),
});

/** knowledge-retirement-handler.ts: the daily archiving of stale articles. */
export const KNOWLEDGE_RETIREMENT_ENVIRONMENT = environmentContract({
  problemsTable: ENV.problemsTable,
  /** Where an archive's self-help site rebuild is stored (outbox items). */
  incidentsTable: ENV.incidentsTable,
  auditTable: ENV.auditTable,
  clientSettings: ENV.clientSettings,
});
