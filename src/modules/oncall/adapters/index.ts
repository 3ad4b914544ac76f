/** The on-call module's adapters other modules may use (the SLA workflow pages through it). */
export { DynamoDbPagingSource } from './dynamodb-paging-source';
