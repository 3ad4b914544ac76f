import { ENV, environmentContract, optional } from '../../../platform/environment-contract';

/**
 * What rebuilding the self-help site reads (the publish-site effect): the tables it is built from
 * and where it goes. Empty when the client has no site (the effect then has nothing to do).
 */
const SELF_HELP_SITE = {
  catalogueTable: optional(ENV.catalogueTable),
  selfHelpBucket: optional(ENV.selfHelpBucket),
  selfHelpUrl: optional(ENV.selfHelpUrl),
  selfHelpAccess: optional(ENV.selfHelpAccess),
  selfHelpBundle: optional(ENV.selfHelpBundle),
  /** The desk's contact on the site's pages: the client-contacts secret (empty without a site). */
  clientContactsSecret: optional(ENV.clientContactsSecret),
} as const;

/** outbox-consumer-handler.ts: delivers the effects stored in the incidents table (its stream). */
export const OUTBOX_CONSUMER_ENVIRONMENT = environmentContract({
  incidentsTable: ENV.incidentsTable,
  /** Resolution drafts (draft-article), and the self-help site's articles. */
  problemsTable: ENV.problemsTable,
  /** The drafts' audit records. */
  auditTable: ENV.auditTable,
  slaStateMachine: ENV.slaStateMachine,
  majorIncidentTopic: ENV.majorIncidentTopic,
  escalationTopic: ENV.escalationTopic,
  securityTopic: ENV.securityTopic,
  clientSettings: ENV.clientSettings,
  ...SELF_HELP_SITE,
  /** Where the client has ServiceNow: the changes mirrored there (servicenow-change-sync). */
  changesTable: optional(ENV.changesTable),
});

/** outbox-reconciler-handler.ts: the scheduled job that repairs what slipped through the outbox. */
export const OUTBOX_RECONCILER_ENVIRONMENT = environmentContract({
  incidentsTable: ENV.incidentsTable,
  problemsTable: ENV.problemsTable,
  auditTable: ENV.auditTable,
  slaStateMachine: ENV.slaStateMachine,
  majorIncidentTopic: ENV.majorIncidentTopic,
  escalationTopic: ENV.escalationTopic,
  securityTopic: ENV.securityTopic,
  clientSettings: ENV.clientSettings,
  ...SELF_HELP_SITE,
  /** Where the client has ServiceNow: the changes mirrored there (servicenow-change-sync). */
  changesTable: optional(ENV.changesTable),
});
