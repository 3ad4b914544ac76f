/**
 * The public entry of the servicenow module's app: what other modules may use of it
 * (test/unit/module-boundaries.test.ts). Everything else in this folder is the module's own business.
 */
export { listExceptions, settleExceptionAs } from './exceptions';
export { pollChanges, receiveEvent, settleException, SIGNATURE_TOLERANCE_SECONDS, UnsignedEventError } from './receive-changes';
export type { EventDeps, PollOutcome } from './receive-changes';
export { pushChange, SERVICENOW_APPROVER } from './sync-change';
export { knowledgeFieldsOf, knowledgeSysIdOf, KNOWLEDGE_TABLE, pushArticle } from './sync-article';
export type { KnowledgeBaseSettings, KnowledgeMirrorDeps, MirroredArticle } from './sync-article';
export { incidentIdOf, pushIncident, recordChanged, SERVICENOW_ACTOR, syncIncident } from './sync-incident';
export type { EventOutcome, ServiceNowPushDeps, ServiceNowSyncDeps, ServiceNowSyncSettings } from './sync-incident';
export { ServiceNowRateLimitedError, ServiceNowRefusedError } from './ports';
export type { ExceptionStore, JournalRow, ServiceNowRecord, ServiceNowTable, SyncException, SyncState, SyncStore } from './ports';
