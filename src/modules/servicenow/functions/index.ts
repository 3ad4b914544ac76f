/**
 * The public entry of the servicenow module's functions: what other modules may use of it
 * (test/unit/module-boundaries.test.ts). Everything else in this folder is the module's own business.
 */
export { createServiceNowPushDeps } from './servicenow-factory';
export { SERVICENOW_SECRETS, type ServiceNowSecrets } from './adapter-keys';
