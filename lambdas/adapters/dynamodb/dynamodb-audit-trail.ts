import { createHash } from 'node:crypto';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, QueryCommand, TransactWriteCommand, type DynamoDBDocumentClient, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { InvalidInputError } from '../../domain/domain-errors';
import { EMPTY_CHAIN, headOf, nextRecord, type AuditEntry, type AuditRecord, type ChainHead, type Sha256 } from '../../domain/audit-chain';
import type { AuditFilter, AuditLog, AuditTrailReader, Clock, IdSource, Page, PageRequest } from '../../app/ports';
import { decodeCursor, encodeCursor } from './page-cursor';
import {
  AUDIT_INDEXES,
  AUDIT_KEY_ATTRIBUTES,
  AUDIT_RECORD_PARTITION,
  AUDIT_RECORD_PREFIX,
  actorPartition,
  auditIndexKeys,
  auditRecordKey,
  chainHeadKey,
  resourcePartition,
  TIME_PARTITION,
  timeSortKeyFrom,
  timeSortKeyTo,
  type AuditIndexName,
} from './audit-table-keys';

export const sha256Hex: Sha256 = (text) => createHash('sha256').update(text, 'utf8').digest('hex');

/** Appends lost to a concurrent writer are retried this often, then the append fails. */
const MAX_APPEND_ATTEMPTS = 40;
const BACKOFF_BASE_MS = 4;
const BACKOFF_CAP_MS = 200;
/** Records read per Query while walking the chain (well under DynamoDB's 1 MB page). */
const CHAIN_PAGE = 500;
const MAX_QUERY_CALLS_PER_PAGE = 5;

/**
 * The audit trail in its own DynamoDB table (key layout in audit-table-keys.ts).
 *
 * Appending is serialised by the chain head item: an append reads the head, builds the next
 * record from it, and writes both in one TransactWriteItems of two Puts — the record under
 * `attribute_not_exists` (a record is never replaced) and the head under the condition that its
 * sequence is still the one read. Two writers that read the same head cannot both commit: the
 * loser's transaction is cancelled, it waits a random (full-jitter) backoff and builds its record
 * again on the new head. No UpdateItem is needed, so the writers' roles hold PutItem only (plus
 * GetItem on the head's partition): see docs/security.md.
 */
export class DynamoDbAuditTrail implements AuditLog, AuditTrailReader {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly stamps: { readonly clock: Clock; readonly ids: IdSource },
    private readonly sha256: Sha256 = sha256Hex,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  ) {}

  async record(entry: AuditEntry): Promise<void> {
    await this.append(entry);
  }

  /** Appends one record to the chain and returns it as stored. */
  async append(entry: AuditEntry): Promise<AuditRecord> {
    for (let attempt = 0; attempt < MAX_APPEND_ATTEMPTS; attempt++) {
      const head = await this.head();
      const record = nextRecord(head, entry, { id: this.stamps.ids.newId(), now: this.stamps.clock.now().toISOString() }, this.sha256);
      try {
        await this.db.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Put: {
                  TableName: this.tableName,
                  Item: { ...chainHeadKey, ...headOf(record) },
                  ...(head.sequence === 0
                    ? { ConditionExpression: 'attribute_not_exists(pk)' }
                    : {
                        ConditionExpression: '#sequence = :expected',
                        ExpressionAttributeNames: { '#sequence': 'sequence' },
                        ExpressionAttributeValues: { ':expected': head.sequence },
                      }),
                },
              },
              { Put: { TableName: this.tableName, Item: toItem(record), ConditionExpression: 'attribute_not_exists(pk)' } },
            ],
          }),
        );
        return record;
      } catch (error) {
        if (!lostRace(error)) throw error;
        // Full jitter: concurrent losers spread out instead of colliding again in step.
        await this.sleep(Math.random() * Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** attempt));
      }
    }
    throw new Error(`Audit record for ${entry.action} on ${entry.resource.type}/${entry.resource.id} not appended: the chain head kept moving`);
  }

  async head(): Promise<ChainHead> {
    const result = await this.db.send(new GetCommand({ TableName: this.tableName, Key: chainHeadKey, ConsistentRead: true }));
    const item = result.Item;
    return item ? { sequence: Number(item['sequence']), hash: String(item['hash']), at: String(item['at']) } : EMPTY_CHAIN;
  }

  async firstSequenceFrom(at: string): Promise<number | undefined> {
    const index = AUDIT_INDEXES.byTime;
    const result = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: index.name,
        KeyConditionExpression: '#pk = :pk AND #sk >= :from',
        ExpressionAttributeNames: { '#pk': index.partitionKey, '#sk': index.sortKey },
        ExpressionAttributeValues: { ':pk': TIME_PARTITION, ':from': timeSortKeyFrom(at) },
        Limit: 1,
      }),
    );
    const item = result.Items?.[0];
    return item ? Number(item['sequence']) : undefined;
  }

  async *chainFrom(sequence: number): AsyncIterable<AuditRecord> {
    let startKey: Record<string, unknown> | undefined;
    do {
      const result = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND sk >= :from',
          ExpressionAttributeValues: { ':pk': AUDIT_RECORD_PARTITION, ':from': auditRecordKey(sequence).sk },
          ConsistentRead: true,
          Limit: CHAIN_PAGE,
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of result.Items ?? []) {
        if (String(item['sk']).startsWith(AUDIT_RECORD_PREFIX)) yield fromItem(item);
      }
      startKey = result.LastEvaluatedKey;
    } while (startKey);
  }

  async list(filter: AuditFilter, page: PageRequest): Promise<Page<AuditRecord>> {
    const plan = planAuditQuery(filter);
    const shape = { audit: plan.index, filter };
    const index = AUDIT_INDEXES[plan.index];
    const names: Record<string, string> = { '#pk': index.partitionKey, '#sk': index.sortKey };
    const values: Record<string, unknown> = { ':pk': plan.partition, ':from': timeSortKeyFrom(filter.from ?? ''), ':to': timeSortKeyTo(filter.to ?? '9999') };
    if (plan.actorFilter !== undefined) {
      names['#actor'] = 'actor';
      values[':actor'] = plan.actorFilter;
    }
    const input: QueryCommandInput = {
      TableName: this.tableName,
      IndexName: index.name,
      KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :from AND :to',
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
      ScanIndexForward: true,
      ...(plan.actorFilter !== undefined && { FilterExpression: '#actor = :actor' }),
    };
    const items: AuditRecord[] = [];
    let startKey = page.nextToken ? decodeCursor(page.nextToken, shape) : undefined;
    for (let call = 0; call < MAX_QUERY_CALLS_PER_PAGE && items.length < page.limit; call++) {
      const result = await queryWithCursor(this.db, { ...input, Limit: page.limit - items.length, ExclusiveStartKey: startKey });
      items.push(...(result.Items ?? []).map(fromItem));
      startKey = result.LastEvaluatedKey;
      if (!startKey) break;
    }
    return { items, ...(startKey && { nextToken: encodeCursor(startKey, shape) }) };
  }
}

/** The index that fits the filter: a resource's records, an actor's, or all by time; the rest is a filter. */
function planAuditQuery(filter: AuditFilter): { index: AuditIndexName; partition: string; actorFilter?: string } {
  if (filter.resource) {
    return { index: 'byResource', partition: resourcePartition(filter.resource), ...(filter.actor !== undefined && { actorFilter: filter.actor }) };
  }
  if (filter.actor !== undefined) return { index: 'byActor', partition: actorPartition(filter.actor) };
  return { index: 'byTime', partition: TIME_PARTITION };
}

/** The head moved (condition failed) or another transaction held it (TransactionConflict). */
function lostRace(error: unknown): boolean {
  if ((error as { name?: string }).name === 'TransactionConflictException') return true;
  if (!(error instanceof TransactionCanceledException)) return false;
  return (error.CancellationReasons ?? []).some((r) => r.Code === 'ConditionalCheckFailed' || r.Code === 'TransactionConflict');
}

/** A start key DynamoDB refuses can only come from a doctored cursor: the client's error, not ours. */
async function queryWithCursor(db: DynamoDBDocumentClient, input: QueryCommandInput) {
  try {
    return await db.send(new QueryCommand(input));
  } catch (error) {
    if (input.ExclusiveStartKey && (error as { name?: string }).name === 'ValidationException') {
      throw new InvalidInputError([{ field: 'nextToken', message: 'is not a cursor returned by this list with these filters' }]);
    }
    throw error;
  }
}

function toItem(record: AuditRecord): Record<string, unknown> {
  return { ...auditRecordKey(record.sequence), ...auditIndexKeys(record), ...record };
}

function fromItem(item: Record<string, unknown>): AuditRecord {
  const record = { ...item };
  for (const attribute of AUDIT_KEY_ATTRIBUTES) delete record[attribute];
  return record as unknown as AuditRecord;
}
