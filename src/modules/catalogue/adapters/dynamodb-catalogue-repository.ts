import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, TransactWriteCommand, type DynamoDBDocumentClient, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import type { CatalogueRepository, ServiceCi, ServiceFilter, SoftwareInventoryEntry } from '../app/ports';
import type { Page, PageRequest } from '../../../kernel/app/ports';
import { normalizeSoftwareName, softwareInstallations, type CiType, type ConfigurationItem } from '../domain/configuration-item';
import { AlreadyExistsError, VersionConflictError } from '../../../kernel/domain/domain-errors';
import type { Service } from '../domain/service-catalogue';
import {
  CATALOGUE_INDEXES,
  KEY_ATTRIBUTES,
  SERVICE_CI_PREFIX,
  VERSION_PREFIX,
  ciIndexKeys,
  ciKey,
  ciVersionKey,
  serviceCiKey,
  serviceIndexKeys,
  serviceKey,
  softwareIndexKeys,
  softwareKey,
  type CatalogueIndexName,
} from './catalogue-table-keys';
import { decodeCursor, encodeCursor, queryFromCursor } from '../../../kernel/adapters/page-cursor';

/**
 * The catalogue table. A CI and everything derived from it (its version item, its entries under
 * each service, its software inventory entries) are written in one transaction, so the queries
 * never see a CI half-changed.
 */
export class DynamoDbCatalogueRepository implements CatalogueRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async getService(id: string): Promise<Service | undefined> {
    const result = await this.db.send(new GetCommand({ TableName: this.tableName, Key: serviceKey(id) }));
    return result.Item ? (strip(result.Item) as unknown as Service) : undefined;
  }

  async createService(service: Service): Promise<void> {
    try {
      await this.db.send(
        new PutCommand({ TableName: this.tableName, Item: serviceItem(service), ConditionExpression: 'attribute_not_exists(pk)' }),
      );
    } catch (error) {
      if (isConditionFailure(error)) {
        throw new AlreadyExistsError(`A service with id "${service.id}" exists already; choose another id or change that service`, 'id');
      }
      throw error;
    }
  }

  async saveService(service: Service, expectedVersion: number): Promise<void> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: serviceItem(service),
          ConditionExpression: 'attribute_exists(pk) AND #version = :expected',
          ExpressionAttributeNames: { '#version': 'version' },
          ExpressionAttributeValues: { ':expected': expectedVersion },
        }),
      );
    } catch (error) {
      if (isConditionFailure(error)) throw new VersionConflictError(expectedVersion, undefined);
      throw error;
    }
  }

  /** Owner (with status as a filter), else status, else every service; each by name. */
  async listServices(filter: ServiceFilter, page: PageRequest): Promise<Page<Service>> {
    const shape = { services: filter };
    if (filter.owner !== undefined) {
      return this.page<Service>(
        'byServiceOwner',
        `SERVICE-OWNER#${filter.owner}`,
        page,
        shape,
        (item) => strip(item) as unknown as Service,
        filter.status !== undefined ? { expression: '#status = :status', names: { '#status': 'status' }, values: { ':status': filter.status } } : undefined,
      );
    }
    if (filter.status !== undefined) {
      return this.page<Service>('byServiceStatus', `SERVICE-STATUS#${filter.status}`, page, shape, (item) => strip(item) as unknown as Service);
    }
    return this.page<Service>('byServiceName', 'SERVICES', page, shape, (item) => strip(item) as unknown as Service);
  }

  async getCi(id: string): Promise<ConfigurationItem | undefined> {
    const result = await this.db.send(new GetCommand({ TableName: this.tableName, Key: ciKey(id) }));
    return result.Item ? (strip(result.Item) as unknown as ConfigurationItem) : undefined;
  }

  async createCi(ci: ConfigurationItem): Promise<void> {
    await this.db.send(
      new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName: this.tableName, Item: ciItem(ci), ConditionExpression: 'attribute_not_exists(pk)' } },
          ...this.derivedWrites(ci, undefined),
        ],
      }),
    );
  }

  async saveCi(next: ConfigurationItem, previous: ConfigurationItem): Promise<void> {
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.tableName,
                Item: ciItem(next),
                ConditionExpression: 'attribute_exists(pk) AND #version = :expected',
                ExpressionAttributeNames: { '#version': 'version' },
                ExpressionAttributeValues: { ':expected': previous.version },
              },
            },
            ...this.derivedWrites(next, previous),
          ],
        }),
      );
    } catch (error) {
      // ConditionalCheckFailed: someone saved first; TransactionConflict: someone is saving it right now.
      const code = error instanceof TransactionCanceledException ? error.CancellationReasons?.[0]?.Code : undefined;
      if (code === 'ConditionalCheckFailed' || code === 'TransactionConflict') throw new VersionConflictError(previous.version, undefined);
      throw error;
    }
  }

  /**
   * The version item of `ci`, its entry under each service it names and its software inventory
   * entries; what `previous` wrote and `ci` no longer has is deleted. With the schema's limits
   * (20 services, product + OS + 25 libraries) a change writes at most 2 + 2×20 + 2×27 = 96 items,
   * within the 100 items of one transaction.
   */
  private derivedWrites(ci: ConfigurationItem, previous: ConfigurationItem | undefined) {
    const TableName = this.tableName;
    const writes: Record<string, unknown>[] = [
      { Put: { TableName, Item: { ...ciVersionKey(ci.id, ci.version), kind: 'ci-version', ...ci }, ConditionExpression: 'attribute_not_exists(pk)' } },
    ];
    const summary = { id: ci.id, type: ci.type, name: ci.name, relations: ci.relations };
    for (const serviceId of ci.services) {
      writes.push({ Put: { TableName, Item: { ...serviceCiKey(serviceId, ci.id), kind: 'service-ci', serviceId, ...summary } } });
    }
    for (const serviceId of previous?.services ?? []) {
      if (!ci.services.includes(serviceId)) writes.push({ Delete: { TableName, Key: serviceCiKey(serviceId, ci.id) } });
    }
    const installed = softwareInstallations(ci).map((s) => ({ ...s, normalized: normalizeSoftwareName(s.name) }));
    const keep = new Set(installed.map((s) => softwareKey(ci.id, s.normalized, s.version).sk));
    for (const s of installed) {
      writes.push({
        Put: {
          TableName,
          Item: {
            ...softwareKey(ci.id, s.normalized, s.version),
            ...softwareIndexKeys(s.normalized, s.version, ci.id),
            kind: 'software',
            name: s.name,
            version: s.version,
            source: s.source,
            ci: { id: ci.id, name: ci.name, type: ci.type },
            services: ci.services,
          },
        },
      });
    }
    for (const s of previous ? softwareInstallations(previous) : []) {
      const key = softwareKey(previous!.id, normalizeSoftwareName(s.name), s.version);
      if (!keep.has(key.sk)) {
        keep.add(key.sk);
        writes.push({ Delete: { TableName, Key: key } });
      }
    }
    return writes;
  }

  async ciHistory(id: string, page: PageRequest): Promise<Page<ConfigurationItem>> {
    const shape = { history: id };
    const result = await this.query({
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': ciKey(id).pk, ':prefix': VERSION_PREFIX },
      ScanIndexForward: false,
      Limit: page.limit,
      ...(page.nextToken && { ExclusiveStartKey: decodeCursor(page.nextToken, shape) }),
    });
    return {
      items: (result.Items ?? []).map((item) => strip(item) as unknown as ConfigurationItem),
      ...(result.LastEvaluatedKey && { nextToken: encodeCursor(result.LastEvaluatedKey, shape) }),
    };
  }

  cisOfType(type: CiType, page: PageRequest): Promise<Page<ConfigurationItem>> {
    return this.page('byCiType', `CI-TYPE#${type}`, page, { ciType: type }, (item) => strip(item) as unknown as ConfigurationItem);
  }

  sharedPlatforms(page: PageRequest): Promise<Page<ConfigurationItem>> {
    return this.page('bySharedPlatform', 'SHARED-PLATFORM', page, { shared: true }, (item) => strip(item) as unknown as ConfigurationItem);
  }

  softwareInventory(name: string, versionPrefix: string, page: PageRequest): Promise<Page<SoftwareInventoryEntry>> {
    const normalized = normalizeSoftwareName(name);
    return this.page(
      'bySoftware',
      `SOFTWARE#${normalized}`,
      page,
      { software: normalized, versionPrefix },
      (item) => {
        const { name: n, version, source, ci, services } = item as unknown as SoftwareInventoryEntry;
        return { name: n, version, source, ci, services };
      },
      undefined,
      versionPrefix ? versionPrefix.toLowerCase() : undefined,
    );
  }

  async cisOfService(serviceId: string, page: PageRequest): Promise<Page<ServiceCi>> {
    const shape = { serviceCis: serviceId };
    const result = await this.query({
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': serviceKey(serviceId).pk, ':prefix': SERVICE_CI_PREFIX },
      Limit: page.limit,
      ...(page.nextToken && { ExclusiveStartKey: decodeCursor(page.nextToken, shape) }),
    });
    return {
      items: (result.Items ?? []).map((item) => {
        const { id, type, name, relations } = item as unknown as ServiceCi;
        return { id, type, name, relations };
      }),
      ...(result.LastEvaluatedKey && { nextToken: encodeCursor(result.LastEvaluatedKey, shape) }),
    };
  }

  /** One page of an index partition, in sort-key order; a residual filter may leave a page short, the cursor resumes. */
  private async page<T>(
    indexName: CatalogueIndexName,
    partition: string,
    page: PageRequest,
    shape: unknown,
    map: (item: Record<string, unknown>) => T,
    filter?: { readonly expression: string; readonly names: Record<string, string>; readonly values: Record<string, unknown> },
    sortPrefix?: string,
  ): Promise<Page<T>> {
    const index = CATALOGUE_INDEXES[indexName];
    const result = await this.query({
      TableName: this.tableName,
      IndexName: index.name,
      KeyConditionExpression: sortPrefix ? '#pk = :pk AND begins_with(#sk, :prefix)' : '#pk = :pk',
      ExpressionAttributeNames: { '#pk': index.partitionKey, ...(sortPrefix && { '#sk': index.sortKey }), ...filter?.names },
      ExpressionAttributeValues: { ':pk': partition, ...(sortPrefix && { ':prefix': sortPrefix }), ...filter?.values },
      ...(filter && { FilterExpression: filter.expression }),
      Limit: page.limit,
      ...(page.nextToken && { ExclusiveStartKey: decodeCursor(page.nextToken, shape) }),
    });
    return {
      items: (result.Items ?? []).map(map),
      ...(result.LastEvaluatedKey && { nextToken: encodeCursor(result.LastEvaluatedKey, shape) }),
    };
  }

  /** A start key DynamoDB refuses can only come from a doctored cursor (page-cursor.ts). */
  private query(input: QueryCommandInput) {
    return queryFromCursor(this.db, input);
  }
}

const serviceItem = (service: Service) => ({ ...serviceKey(service.id), ...serviceIndexKeys(service), kind: 'service', ...service });
const ciItem = (ci: ConfigurationItem) => ({ ...ciKey(ci.id), ...ciIndexKeys(ci), kind: 'ci', ...ci });

function strip(item: Record<string, unknown>): Record<string, unknown> {
  const entity: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(item)) if (!KEY_ATTRIBUTES.includes(key)) entity[key] = value;
  return entity;
}

const isConditionFailure = (error: unknown) => (error as { name?: string }).name === 'ConditionalCheckFailedException';
