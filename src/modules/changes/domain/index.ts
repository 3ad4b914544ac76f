/**
 * The public entry of the changes module's domain: what other modules may use of it
 * (test/unit/module-boundaries.test.ts). Everything else in this folder is the module's own business.
 */
export { REQUEST_TYPES, transferRequest } from './service-request';
export type { RequestType, ServiceRequest } from './service-request';
export type { Change } from './change';
export type { Vote } from './change-approval';
