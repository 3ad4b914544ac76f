/**
 * The public entry of the problems module's app: what other modules may use of it
 * (test/unit/module-boundaries.test.ts). Everything else in this folder is the module's own business.
 */
export type { IncidentRootCause, KnowledgeSearch } from './ports';
export { incidentSuggestions, recordResolutionDraft, resolutionDraftOf } from './problem-use-cases';
export type { ResolutionDraftDeps, Suggestions } from './problem-use-cases';
