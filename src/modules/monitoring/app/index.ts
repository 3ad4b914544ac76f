/**
 * The public entry of the monitoring module's app: what other modules may use of it
 * (test/unit/module-boundaries.test.ts). Everything else in this folder is the module's own business.
 */
export { eventTrends, listEvents } from './event-use-cases';
export type { EventReadDeps } from './event-use-cases';
