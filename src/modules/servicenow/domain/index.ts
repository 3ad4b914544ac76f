/**
 * The public entry of the servicenow module's domain: what other modules may use of it
 * (test/unit/module-boundaries.test.ts). Everything else in this folder is the module's own business.
 */
export { exchangedFields, isOurJournalRow, JOURNAL_MARKER, journalValueOf, ourFieldsInTheirTerms, planInbound, reconcile, theirFields } from './field-map';
export type { Conflict, Direction, ExchangedField, FieldValues, InboundPlan, InboundStep, Reconciliation, ServiceNowMapping, Side } from './field-map';
