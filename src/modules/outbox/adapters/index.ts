/** What other modules may use of the outbox's adapters: the Puts a writer adds to its transaction. */
export { outboxPuts, outboxItemKey, OUTBOX_PARTITION, OUTBOX_INSERT_FILTER } from './outbox-table-keys';
export { DynamoDbOutbox } from './dynamodb-outbox';
