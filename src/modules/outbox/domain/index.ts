/**
 * The public entry of the outbox module's domain: what other modules may use of it
 * (test/unit/module-boundaries.test.ts). Everything else in this folder is the module's own business.
 */
export { effectsOf } from './effects';
export type { Effect, EffectKind, OutboxEffect, PageWebhookPage } from './effects';
