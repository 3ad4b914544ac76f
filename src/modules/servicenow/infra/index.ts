/**
 * The public entry of the servicenow module's infra: what other modules may use of it
 * (test/unit/module-boundaries.test.ts). Everything else in this folder is the module's own business.
 */
export { activeServiceNow, grantServiceNowPush, LOCAL_RUNTIME_CONTEXT, ServiceNowModule } from './servicenow-module';
export type { ServiceNowModuleProps } from './servicenow-module';
