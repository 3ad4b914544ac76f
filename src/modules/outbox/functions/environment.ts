import { ENV, environmentContract } from '../../../platform/environment-contract';

/** outbox-consumer-handler.ts: delivers the effects stored in the incidents table (its stream). */
export const OUTBOX_CONSUMER_ENVIRONMENT = environmentContract({
  incidentsTable: ENV.incidentsTable,
  slaStateMachine: ENV.slaStateMachine,
  majorIncidentTopic: ENV.majorIncidentTopic,
  escalationTopic: ENV.escalationTopic,
  securityTopic: ENV.securityTopic,
  clientSettings: ENV.clientSettings,
});

/** outbox-reconciler-handler.ts: the scheduled job that repairs what slipped through the outbox. */
export const OUTBOX_RECONCILER_ENVIRONMENT = environmentContract({
  incidentsTable: ENV.incidentsTable,
  slaStateMachine: ENV.slaStateMachine,
  majorIncidentTopic: ENV.majorIncidentTopic,
  escalationTopic: ENV.escalationTopic,
  securityTopic: ENV.securityTopic,
  clientSettings: ENV.clientSettings,
});
