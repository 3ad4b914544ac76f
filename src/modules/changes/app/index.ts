/**
 * The public entry of the changes module's app: what other modules may use of it
 * (test/unit/module-boundaries.test.ts). Everything else in this folder is the module's own business.
 */
export type { RequestRepository } from './change-ports';
export { requestsChangesReport } from './request-use-cases';
export { voteOnChange } from './change-use-cases';
export type { ChangeDeps } from './change-use-cases';
