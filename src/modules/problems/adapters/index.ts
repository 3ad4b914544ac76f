/**
 * The public entry of the problems module's adapters: what other modules may use of it
 * (test/unit/module-boundaries.test.ts). Everything else in this folder is the module's own business.
 */
export { DynamoDbIncidentRootCauses, DynamoDbKnowledgeSearch, DynamoDbResolutionDrafts } from './dynamodb-problem-repository';
export { ARTICLE_PARTITION_PREFIX, INCIDENT_LINK_PREFIX, PROBLEM_INDEXES, PROBLEM_PARTITION_PATTERN, problemStatePartition, articleKey, kindIndexKeys, problemIndexKeys, problemKey } from './problems-table-keys';
