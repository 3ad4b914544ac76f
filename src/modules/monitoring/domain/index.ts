/**
 * The public entry of the monitoring module's domain: what other modules may use of it
 * (test/unit/module-boundaries.test.ts). Everything else in this folder is the module's own business.
 */
export type { AlarmSeverity } from './alarm-policy';
export { guardDutyFindingToArchive } from './finding-policy';
