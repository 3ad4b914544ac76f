import { ENV, environmentContract, optional } from '../../../platform/environment-contract';

/** event-ingestion-handler.ts: alarm state changes and security findings from EventBridge. */
export const EVENT_INGESTION_ENVIRONMENT = environmentContract({
  incidentsTable: ENV.incidentsTable,
  eventsTable: ENV.eventsTable,
  auditTable: ENV.auditTable,
  securityTopic: optional(ENV.securityTopic),
  slaStateMachine: ENV.slaStateMachine,
  clientSettings: ENV.clientSettings,
});
