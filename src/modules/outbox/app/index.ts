/**
 * The public entry of the outbox module's app: what other modules may use of it
 * (test/unit/module-boundaries.test.ts). Everything else in this folder is the module's own business.
 */
export { deliverBatch, deliverEffect, deliverOutboxItem } from './deliver-effects';
export type { BatchOutcome, EffectDeliveryDeps, OutboxRecord } from './deliver-effects';
export type { OutboxStore, StoredOutboxItem } from './ports';
export { RECONCILE_SETTINGS, reconcileEffects, totalRepaired } from './reconcile-effects';
export type { OpenSlaClock, OpenSlaClocks, ReconcileDeps, ReconcileOutcome, ReconcileSettings, RepairKind, SlaExecutions } from './reconcile-effects';
