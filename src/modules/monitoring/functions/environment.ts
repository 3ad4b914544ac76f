import { ENV, environmentContract } from '../../../platform/environment-contract';

/** event-ingestion-handler.ts: alarm state changes and security findings from EventBridge. */
export const EVENT_INGESTION_ENVIRONMENT = environmentContract({
  incidentsTable: ENV.incidentsTable,
  eventsTable: ENV.eventsTable,
  auditTable: ENV.auditTable,
  clientSettings: ENV.clientSettings,
  /** The client's contacts (personal data): a secret, not the environment. */
  clientContactsSecret: ENV.clientContactsSecret,
});
