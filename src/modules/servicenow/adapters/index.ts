/**
 * The public entry of the servicenow module's adapters: what other modules may use of it
 * (test/unit/module-boundaries.test.ts). Everything else in this folder is the module's own business.
 */
export { DynamoDbClientSlaStore, DynamoDbExceptionStore, DynamoDbExternalRefs, DynamoDbSyncStore } from './dynamodb-sync-store';
export { ServiceNowTableClient, type ServiceNowCredentials } from './servicenow-table-client';
