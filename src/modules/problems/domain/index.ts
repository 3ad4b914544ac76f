/**
 * The public entry of the problems module's domain: what other modules may use of it
 * (test/unit/module-boundaries.test.ts). Everything else in this folder is the module's own business.
 */
export { PROBLEM_STATES } from './problem-lifecycle';
export type { ProblemState } from './problem-lifecycle';
export { FIX_STATUSES } from './problem';
export type { FixStatus, KnowledgeArticle } from './problem';
