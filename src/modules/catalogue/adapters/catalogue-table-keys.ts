/**
 * Key layout of the catalogue table (services and configuration items): every key string and
 * index name lives here; the stack builds the table and its indexes from this module.
 *
 * | item                 | pk               | sk                               |
 * |----------------------|------------------|----------------------------------|
 * | service              | SERVICE#<id>     | SERVICE                          |
 * | CI of a service      | SERVICE#<id>     | CI#<ci id>                       |
 * | configuration item   | CI#<id>          | CI                               |
 * | CI version (history) | CI#<id>          | VERSION#<version, 6 digits>      |
 * | software on a CI     | CI#<id>          | SOFTWARE#<name>#<version>        |
 *
 * "CI of a service" items are written with the CI (one per service it names) and carry the CI's
 * id, type, name and relations, so the CIs of a service and their dependencies are one Query on
 * the service's partition. "Software on a CI" items carry the CI's services, so "which services
 * run OpenSSL 3.0.x" is one Query on bySoftware with a version prefix on the sort key.
 *
 * Secondary indexes (all project every attribute; names and versions in sort keys are lowercase):
 * | index            | partition                    | sort                          | serves                          |
 * |------------------|------------------------------|-------------------------------|---------------------------------|
 * | byServiceStatus  | gsi1pk = SERVICE-STATUS#<s>  | gsi1sk = <name>#<id>          | services by status              |
 * | byServiceOwner   | gsi2pk = SERVICE-OWNER#<user>| gsi2sk = <name>#<id>          | services by owner               |
 * | byServiceName    | gsi3pk = SERVICES            | gsi3sk = <name>#<id>          | every service, by name          |
 * | byCiType         | gsi4pk = CI-TYPE#<type>      | gsi4sk = <name>#<id>          | every CI of a type              |
 * | bySharedPlatform | gsi5pk = SHARED-PLATFORM     | gsi5sk = <999-services>#<name>#<id> | CIs used by > 1 service (sparse), most shared first |
 * | bySoftware       | gsi6pk = SOFTWARE#<name>     | gsi6sk = <version>#<ci id>    | software inventory by version prefix |
 *
 * byServiceName and bySharedPlatform have one partition per client stack: a client's catalogue is
 * hundreds of services, written a few times a day.
 */
export const CATALOGUE_TABLE_KEYS = { partitionKey: 'pk', sortKey: 'sk' } as const;

export const CATALOGUE_INDEXES = {
  byServiceStatus: { name: 'byServiceStatus', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
  byServiceOwner: { name: 'byServiceOwner', partitionKey: 'gsi2pk', sortKey: 'gsi2sk' },
  byServiceName: { name: 'byServiceName', partitionKey: 'gsi3pk', sortKey: 'gsi3sk' },
  byCiType: { name: 'byCiType', partitionKey: 'gsi4pk', sortKey: 'gsi4sk' },
  bySharedPlatform: { name: 'bySharedPlatform', partitionKey: 'gsi5pk', sortKey: 'gsi5sk' },
  bySoftware: { name: 'bySoftware', partitionKey: 'gsi6pk', sortKey: 'gsi6sk' },
} as const;

export type CatalogueIndexName = keyof typeof CATALOGUE_INDEXES;

export const SERVICE_SK = 'SERVICE';
export const CI_SK = 'CI';
export const SERVICE_CI_PREFIX = 'CI#';
export const VERSION_PREFIX = 'VERSION#';
export const SOFTWARE_PREFIX = 'SOFTWARE#';

export const serviceKey = (id: string) => ({ pk: `SERVICE#${id}`, sk: SERVICE_SK });
export const serviceCiKey = (serviceId: string, ciId: string) => ({ pk: `SERVICE#${serviceId}`, sk: `${SERVICE_CI_PREFIX}${ciId}` });
export const ciKey = (id: string) => ({ pk: `CI#${id}`, sk: CI_SK });
/** Partition keys of CIs and of services (whose partitions hold their CIs' entries), for IAM `dynamodb:LeadingKeys`. */
export const CI_PARTITION_PATTERN = 'CI#*';
export const SERVICE_PARTITION_PATTERN = 'SERVICE#*';
export const ciVersionKey = (id: string, version: number) => ({ pk: `CI#${id}`, sk: `${VERSION_PREFIX}${String(version).padStart(6, '0')}` });
export const softwareKey = (ciId: string, normalizedName: string, version: string) => ({
  pk: `CI#${ciId}`,
  sk: `${SOFTWARE_PREFIX}${normalizedName}#${version.toLowerCase()}`,
});

const nameOrder = (name: string, id: string) => `${name.toLowerCase()}#${id}`;

export const serviceIndexKeys = (service: { readonly id: string; readonly name: string; readonly status: string; readonly owner: { readonly username: string } }) => ({
  gsi1pk: `SERVICE-STATUS#${service.status}`,
  gsi1sk: nameOrder(service.name, service.id),
  gsi2pk: `SERVICE-OWNER#${service.owner.username}`,
  gsi2sk: nameOrder(service.name, service.id),
  gsi3pk: 'SERVICES',
  gsi3sk: nameOrder(service.name, service.id),
});

/** Up to 999 services per CI keep the "most shared first" order; the schema allows 20. */
export const ciIndexKeys = (ci: { readonly id: string; readonly name: string; readonly type: string; readonly services: readonly string[] }) => ({
  gsi4pk: `CI-TYPE#${ci.type}`,
  gsi4sk: nameOrder(ci.name, ci.id),
  ...(ci.services.length > 1 && {
    gsi5pk: 'SHARED-PLATFORM',
    gsi5sk: `${String(999 - Math.min(ci.services.length, 999)).padStart(3, '0')}#${nameOrder(ci.name, ci.id)}`,
  }),
});

export const softwareIndexKeys = (normalizedName: string, version: string, ciId: string) => ({
  gsi6pk: `SOFTWARE#${normalizedName}`,
  gsi6sk: `${version.toLowerCase()}#${ciId}`,
});

/** Attributes that exist only for the table's keys and indexes, never part of an entity. */
export const KEY_ATTRIBUTES: readonly string[] = [
  'pk',
  'sk',
  'kind',
  ...Object.values(CATALOGUE_INDEXES).flatMap((i) => [i.partitionKey, i.sortKey]),
];

/**
 * The reports function's records in this table (capacity and continual improvement belong to the
 * service portfolio; the reports function may put only under these two partition prefixes):
 * | item                 | pk                            | sk                 |
 * |----------------------|-------------------------------|--------------------|
 * | capacity measurement | CAPACITY#<service>#<action>   | <at, ISO 8601 UTC> |
 * | improvement item     | IMPROVEMENT#<id>              | IMPROVEMENT        |
 * Improvements reuse two indexes under their own partition values (no new index): byServiceStatus
 * (gsi1pk = IMPROVEMENT-STATUS#<status>) and byServiceName (gsi3pk = IMPROVEMENTS), both sorted
 * by `<createdAt>#<id>`, oldest first.
 */
export const CAPACITY_PREFIX = 'CAPACITY#';
export const IMPROVEMENT_PREFIX = 'IMPROVEMENT#';
export const IMPROVEMENT_SK = 'IMPROVEMENT';
export const capacityKey = (service: string, action: string, at: string) => ({ pk: `${CAPACITY_PREFIX}${service}#${action}`, sk: at });
export const improvementKey = (id: string) => ({ pk: `${IMPROVEMENT_PREFIX}${id}`, sk: IMPROVEMENT_SK });
export const IMPROVEMENTS_PARTITION = 'IMPROVEMENTS';
export const improvementIndexKeys = (item: { readonly id: string; readonly status: string; readonly createdAt: string }) => ({
  gsi1pk: `IMPROVEMENT-STATUS#${item.status}`,
  gsi1sk: `${item.createdAt}#${item.id}`,
  gsi3pk: IMPROVEMENTS_PARTITION,
  gsi3sk: `${item.createdAt}#${item.id}`,
});
