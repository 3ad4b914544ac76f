import { ENV, environmentContract } from '../../../platform/environment-contract';

/** incidents-handler.ts: the incident routes (function group `incidents`). */
export const INCIDENTS_ENVIRONMENT = environmentContract({
  incidentsTable: ENV.incidentsTable,
  idempotencyTable: ENV.idempotencyTable,
  auditTable: ENV.auditTable,
  catalogueTable: ENV.catalogueTable,
  problemsTable: ENV.problemsTable,
  changesTable: ENV.changesTable,
  clientSettings: ENV.clientSettings,
  /** The client's contacts (personal data): a secret, not the environment. */
  clientContactsSecret: ENV.clientContactsSecret,
});

/** sla-clock-handler.ts: the SLA workflow's task. */
export const SLA_CLOCK_ENVIRONMENT = environmentContract({
  incidentsTable: ENV.incidentsTable,
  auditTable: ENV.auditTable,
  catalogueTable: ENV.catalogueTable,
  oncallTable: ENV.oncallTable,
  clientSettings: ENV.clientSettings,
  /** The client's contacts (personal data): a secret, not the environment. */
  clientContactsSecret: ENV.clientContactsSecret,
});

/** auto-close-handler.ts: the scheduled auto-close job. */
export const AUTO_CLOSE_ENVIRONMENT = environmentContract({
  incidentsTable: ENV.incidentsTable,
  auditTable: ENV.auditTable,
  /** Overdue review actions escalate to the service's current owner. */
  catalogueTable: ENV.catalogueTable,
  /** …and their own owners are told, reached through the people directory (people partition only). */
  oncallTable: ENV.oncallTable,
  clientSettings: ENV.clientSettings,
  /** The client's contacts (personal data): a secret, not the environment. */
  clientContactsSecret: ENV.clientContactsSecret,
});
