/** The on-call module's adapters other modules may use (the SLA workflow pages through it). */
export { DynamoDbPagingSource } from './dynamodb-paging-source';
export { PEOPLE_PARTITION, POLICIES_PARTITION, SCHEDULES_PARTITION } from './oncall-table-keys';
export { CallCentreWebhook, EVENT_ID_HEADER, forbiddenDestination, type CallCentreOutcome, type CallCentreRefusal } from './call-centre-webhook';
