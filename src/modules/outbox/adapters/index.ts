/**
 * The public entry of the outbox module's adapters: what other modules may use of it
 * (test/unit/module-boundaries.test.ts). Everything else in this folder is the module's own business.
 */
export { DynamoDbOutbox } from './dynamodb-outbox';
export { OUTBOX_INSERT_FILTER, OUTBOX_PARTITION, outboxItemKey, outboxPuts } from './outbox-table-keys';
