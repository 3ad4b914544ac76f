/**
 * The public entry of the privacy module's app: what other modules may use of it
 * (test/unit/module-boundaries.test.ts). Everything else in this folder is the module's own business.
 */
export { erasePerson, type ErasePersonDeps, type ErasureReport } from './erase-person';
export { pseudonymiseClosedRecords, RETENTION_ACTOR, type PseudonymiseClosedDeps, type PseudonymisationRun } from './pseudonymise-closed-records';
export type { AuditRecordEraser, ClosedRecordRef, ClosedRecordStore, PersonalDataStore, ProcessRecordType } from './ports';
