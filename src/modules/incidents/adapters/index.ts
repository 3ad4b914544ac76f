/**
 * The public entry of the incidents module's adapters: what other modules may use of it
 * (test/unit/module-boundaries.test.ts). Everything else in this folder is the module's own business.
 */
export { DynamoDbIncidentRepository, fromItem, toItem } from './dynamodb-incident-repository';
export { CREATED_PARTITION, INCIDENT_INDEXES, INCIDENT_PARTITION_PATTERN, incidentIndexNamesFor, incidentKey, monitoringLockKey, timelineEntryKey } from './incidents-table-keys';
export { forEachOpenIncidentPage, queryIncidentIndex } from './incident-index-query';
export { DynamoDbReportAggregates, aggregateTransactItems } from './report-aggregates';
export { slaExecutionName } from './sfn-sla-scheduler';
