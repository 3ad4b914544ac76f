/**
 * The public entry of the catalogue module's adapters: what other modules may use of it
 * (test/unit/module-boundaries.test.ts). Everything else in this folder is the module's own business.
 */
export { CAPACITY_PREFIX, CATALOGUE_INDEXES, CI_PARTITION_PATTERN, IMPROVEMENTS_PARTITION, IMPROVEMENT_PREFIX, KEY_ATTRIBUTES, SERVICE_PARTITION_PATTERN, capacityKey, improvementIndexKeys, improvementKey } from './catalogue-table-keys';
export { DynamoDbCatalogueRepository } from './dynamodb-catalogue-repository';
export { CachedServiceCatalogue, SERVICE_CACHE_TTL_MS } from './cached-service-catalogue';
