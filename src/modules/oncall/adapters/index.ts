/** The on-call module's adapters other modules may use (the SLA workflow pages through it). */
export { DynamoDbPagingSource } from './dynamodb-paging-source';
export { PEOPLE_PARTITION, POLICIES_PARTITION, SCHEDULES_PARTITION } from './oncall-table-keys';
