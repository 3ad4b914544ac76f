/**
 * The public entry of the on-call module's functions: what other modules may use of it
 * (test/unit/module-boundaries.test.ts). Everything else in this folder is the module's own business.
 */
export { createCallCentreWebhook } from './call-centre-factory';
export { callCentreWebhooksEnabled, LOCAL_CALL_CENTRES, type LocalCallCentres } from './adapter-keys';
