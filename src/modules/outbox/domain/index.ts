/** What other modules may use of the outbox's domain. */
export { effectsOf, type Effect, type EffectKind, type OutboxEffect } from './effects';
