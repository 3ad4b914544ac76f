/** What other modules may use of the outbox's use cases. */
export { deliverBatch, deliverEffect, deliverOutboxItem, type BatchOutcome, type EffectDeliveryDeps, type OutboxRecord } from './deliver-effects';
export type { OutboxStore, StoredOutboxItem } from './ports';
