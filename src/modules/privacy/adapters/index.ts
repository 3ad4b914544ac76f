export { DynamoDbAuditRecordEraser, type DynamoDbAuditRecordEraserOptions } from './dynamodb-audit-record-eraser';
export { DynamoDbPersonalDataStore, pseudonymisedItem, type DynamoDbPersonalDataStoreOptions } from './dynamodb-personal-data-store';
export { DynamoDbClosedRecordStore, PSEUDONYMISED_AT, type DynamoDbClosedRecordStoreOptions } from './dynamodb-closed-record-store';
