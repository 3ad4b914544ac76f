/**
 * The public entry of the audit module's app: what other modules may use of it
 * (test/unit/module-boundaries.test.ts). Everything else in this folder is the module's own business.
 */
export { incidentAdditionEntry, incidentChangeEntry, recordChangeEntry } from './audit-use-cases';
