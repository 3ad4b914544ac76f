/**
 * The public entry of the incidents module's functions: what other modules may use of it
 * (test/unit/module-boundaries.test.ts). Everything else in this folder is the module's own business.
 */
export { createSlaScheduler } from './sla-scheduler-factory';
export { createFindingArchiver } from './finding-archiver-factory';
