/**
 * The public entry of the changes module's adapters: what other modules may use of it
 * (test/unit/module-boundaries.test.ts). Everything else in this folder is the module's own business.
 */
export { CHANGE_INDEXES, changeStatePartition, requestStatePartition, CHANGE_PARTITION_PATTERN, REQUEST_PARTITION_PATTERN } from './changes-table-keys';
export { DynamoDbChangeRepository } from './dynamodb-change-repository';
