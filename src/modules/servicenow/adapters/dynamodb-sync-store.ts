import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { decodeCursor, encodeCursor } from '../../../kernel/adapters/page-cursor';
import { batchGetInOrder } from '../../../kernel/adapters/batch-get';
import type { ExceptionStore, ExternalRefs, SyncException, SyncState, SyncStore } from '../app/ports';
import { incidentKey } from '../../incidents/adapters';
import { clientSlaKey, EXCEPTIONS_PARTITION, exceptionKey, pollWatermarkKey, recordLinkKey, syncStateKey } from './servicenow-table-keys';
import type { ClientSlaSnapshot } from '../../incidents/domain';
import type { ClientSlaReader } from '../../incidents/app';
import type { ClientSlaStore } from '../app/ports';

const isConditionFailure = (error: unknown) => error instanceof ConditionalCheckFailedException || (error as Error).name === 'ConditionalCheckFailedException';

/**
 * The exchange's state in the incidents table (servicenow-table-keys.ts). One item per incident
 * holds what both sides last agreed on and a lease: a sync takes it with a conditional update,
 * so two syncs of one incident (the outbox pushing, a business-rule call) never interleave; one
 * that finds it taken marks the item dirty, and the holder runs again before it lets go.
 */
export class DynamoDbSyncStore implements SyncStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async acquire(incidentId: string, holder: string, now: string, until: string): Promise<boolean> {
    if (await this.take(incidentId, holder, now, until)) return true;
    await this.db.send(new UpdateCommand({ TableName: this.tableName, Key: syncStateKey(incidentId), UpdateExpression: 'SET dirty = :true', ExpressionAttributeValues: { ':true': true } }));
    // The holder may have let go between the two writes, without seeing the mark: try once more.
    return this.take(incidentId, holder, now, until);
  }

  private async take(incidentId: string, holder: string, now: string, until: string): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: syncStateKey(incidentId),
          UpdateExpression: 'SET leaseHolder = :holder, leaseUntil = :until REMOVE dirty',
          ConditionExpression: 'attribute_not_exists(leaseUntil) OR leaseUntil < :now',
          ExpressionAttributeValues: { ':holder': holder, ':until': until, ':now': now },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async release(incidentId: string, holder: string): Promise<'released' | 'dirty'> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: syncStateKey(incidentId),
          UpdateExpression: 'REMOVE leaseHolder, leaseUntil',
          ConditionExpression: 'leaseHolder = :holder AND attribute_not_exists(dirty)',
          ExpressionAttributeValues: { ':holder': holder },
        }),
      );
      return 'released';
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: syncStateKey(incidentId),
          UpdateExpression: 'REMOVE dirty',
          ConditionExpression: 'leaseHolder = :holder',
          ExpressionAttributeValues: { ':holder': holder },
        }),
      );
      return 'dirty';
    } catch (error) {
      // The lease expired and another took it: it is theirs to finish.
      if (isConditionFailure(error)) return 'released';
      throw error;
    }
  }

  async get(incidentId: string): Promise<SyncState | undefined> {
    const result = await this.db.send(new GetCommand({ TableName: this.tableName, Key: syncStateKey(incidentId), ConsistentRead: true }));
    return result.Item?.['state'] as SyncState | undefined;
  }

  async put(state: SyncState, holder: string): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: syncStateKey(state.incidentId),
        UpdateExpression: 'SET #state = :state',
        ConditionExpression: 'leaseHolder = :holder',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: { ':state': state, ':holder': holder },
      }),
    );
  }

  async incidentOf(sysId: string): Promise<string | undefined> {
    const result = await this.db.send(new GetCommand({ TableName: this.tableName, Key: recordLinkKey(sysId), ConsistentRead: true }));
    return result.Item?.['incidentId'] as string | undefined;
  }

  async link(sysId: string, incidentId: string): Promise<void> {
    await this.db.send(new PutCommand({ TableName: this.tableName, Item: { ...recordLinkKey(sysId), incidentId } }));
  }

  async watermark(table: string): Promise<string | undefined> {
    const result = await this.db.send(new GetCommand({ TableName: this.tableName, Key: pollWatermarkKey(table), ConsistentRead: true }));
    return result.Item?.['value'] as string | undefined;
  }

  async setWatermark(table: string, value: string): Promise<void> {
    await this.db.send(new PutCommand({ TableName: this.tableName, Item: { ...pollWatermarkKey(table), value } }));
  }
}

/** Exceptions, newest first, in one partition (few: each is something a person settles). */
export class DynamoDbExceptionStore implements ExceptionStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async add(exception: SyncException): Promise<void> {
    await this.db.send(new PutCommand({ TableName: this.tableName, Item: { ...exceptionKey(exception.id), ...exception }, ConditionExpression: 'attribute_not_exists(pk)' }));
  }

  async list(page: { readonly limit: number; readonly nextToken?: string; readonly status?: 'open' | 'resolved' }): Promise<{ items: SyncException[]; nextToken?: string }> {
    const shape = { exceptions: page.status ?? 'all' };
    const result = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': EXCEPTIONS_PARTITION, ...(page.status && { ':status': page.status }) },
        ...(page.status && { FilterExpression: '#status = :status', ExpressionAttributeNames: { '#status': 'status' } }),
        ScanIndexForward: false,
        Limit: page.limit,
        ...(page.nextToken && { ExclusiveStartKey: decodeCursor(page.nextToken, shape) }),
      }),
    );
    return {
      items: (result.Items ?? []).map(fromItem),
      ...(result.LastEvaluatedKey && { nextToken: encodeCursor(result.LastEvaluatedKey, shape) }),
    };
  }

  async get(id: string): Promise<SyncException | undefined> {
    const result = await this.db.send(new GetCommand({ TableName: this.tableName, Key: exceptionKey(id), ConsistentRead: true }));
    return result.Item ? fromItem(result.Item) : undefined;
  }

  async resolve(id: string, by: string, at: string, resolution: 'retried' | 'accepted'): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: exceptionKey(id),
          UpdateExpression: 'SET #status = :resolved, resolvedBy = :by, resolvedAt = :at, resolution = :resolution',
          ConditionExpression: '#status = :open',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':resolved': 'resolved', ':open': 'open', ':by': by, ':at': at, ':resolution': resolution },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }
}

function fromItem(item: Record<string, unknown>): SyncException {
  const { pk: _pk, sk: _sk, ...exception } = item;
  return exception as unknown as SyncException;
}

/** `external.servicenow` on the incident item: an attribute only this integration writes, no new version. */
export class DynamoDbExternalRefs implements ExternalRefs {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async set(incidentId: string, ref: { readonly sysId: string; readonly number: string; readonly table: string }): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: incidentKey(incidentId),
          UpdateExpression: 'SET #external = :external',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeNames: { '#external': 'external' },
          ExpressionAttributeValues: { ':external': { servicenow: ref } },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }
}

/**
 * Their SLA clocks of an incident (task_sla, as last read), one item beside its sync state: written
 * by the exchange, read by the incidents function for GET /incidents/{id}/sla and GET /reports/sla.
 */
export class DynamoDbClientSlaStore implements ClientSlaStore, ClientSlaReader {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async put(incidentId: string, snapshot: ClientSlaSnapshot): Promise<void> {
    await this.db.send(new PutCommand({ TableName: this.tableName, Item: { ...clientSlaKey(incidentId), snapshot } }));
  }

  async get(incidentId: string): Promise<ClientSlaSnapshot | undefined> {
    const result = await this.db.send(new GetCommand({ TableName: this.tableName, Key: clientSlaKey(incidentId) }));
    return result.Item?.['snapshot'] as ClientSlaSnapshot | undefined;
  }

  /** BatchGetItem, 100 incidents a call (the incidents function's grant holds it for its list reads). */
  async many(incidentIds: readonly string[]): Promise<ReadonlyMap<string, ClientSlaSnapshot>> {
    const items = await batchGetInOrder(this.db, incidentIds.map(clientSlaKey), { tableName: this.tableName });
    const found = new Map<string, ClientSlaSnapshot>();
    incidentIds.forEach((id, k) => {
      const snapshot = items[k]?.['snapshot'] as ClientSlaSnapshot | undefined;
      if (snapshot) found.set(id, snapshot);
    });
    return found;
  }
}
