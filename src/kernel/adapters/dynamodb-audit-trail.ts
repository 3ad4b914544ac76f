import { createHash, randomBytes } from 'node:crypto';
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, TransactWriteCommand, type DynamoDBDocumentClient, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { EMPTY_CHAIN, sealRecord, type AuditEntry, type AuditRecord, type ChainEntry, type ChainHead, type PruneMarker, type Sha256 } from '../domain/audit-chain';
import type { AuditChainStore, AuditFilter, AuditPruneStore, AuditLog, AuditTrailReader, Clock, IdSource, Page, PageRequest } from '../app/ports';
import { batchGetInOrder } from './batch-get';
import { queryMovingIndex } from './index-move';
import { decodeCursor, encodeCursor, queryFromCursor } from './page-cursor';
import {
  AUDIT_INDEXES,
  AUDIT_KEY_ATTRIBUTES,
  CHAIN_ENTRY_PARTITION,
  CHAINED_PARTITION,
  actorPartition,
  auditIndexKeys,
  auditRecordKey,
  chainEntryIndexKeys,
  chainEntryKey,
  chainHeadKey,
  movingAuditIndex,
  prunedMarkerKey,
  resourcePartition,
  sequenceOfChainEntryKey,
  TIME_PARTITION,
  timeSortKeyFrom,
  timeSortKeyTo,
  type AuditIndexName,
} from './audit-table-keys';

/** One audit record as a conditional Put (a record is never replaced). */
export interface AuditRecordPut {
  readonly TableName: string;
  readonly Item: Record<string, unknown>;
  readonly ConditionExpression: string;
}

export const sha256Hex: Sha256 = (text) => createHash('sha256').update(text, 'utf8').digest('hex');

/** A personal value's salt: 128 random bits, so its digest cannot be tested against guessed names. */
const newSalt = () => randomBytes(16).toString('hex');

/** Entries read per Query while walking the chain (well under DynamoDB's 1 MB page). */
const CHAIN_PAGE = 500;
/** Deletes in flight at once when pruning (the SDK client keeps up to 50 connections). */
const REMOVALS_AT_ONCE = 25;
const MAX_QUERY_CALLS_PER_PAGE = 5;

/**
 * The audit trail in its own DynamoDB table (key layout in audit-table-keys.ts).
 *
 * A writer stores its record with one conditional PutItem (`attribute_not_exists`: a record is
 * never replaced), under its own partition: writers never wait on each other or on the chain.
 * The chainer (one at a time: reserved concurrency 1) links records into the chain afterwards
 * with `appendChain`: chain entries and the head in one TransactWriteItems of Puts, the head
 * conditional on the sequence it read. No UpdateItem anywhere, so the roles hold PutItem only
 * (see docs/security.md).
 *
 * The indexes hold keys only: every reader queries one for the records' keys, then reads the
 * records by key (`recordsOf`: BatchGetItem, in the index's order). While a stack moves to those
 * indexes, a Query the new index cannot answer yet is asked of the one it replaces (`query`).
 */
export class DynamoDbAuditTrail implements AuditLog, AuditTrailReader, AuditChainStore, AuditPruneStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly stamps: { readonly clock: Clock; readonly ids: IdSource },
    private readonly sha256: Sha256 = sha256Hex,
  ) {}

  async record(entry: AuditEntry): Promise<void> {
    await this.append(entry);
  }

  /** Stores one record (unchained) and returns it as stored. */
  async append(entry: AuditEntry): Promise<AuditRecord> {
    const { put, record } = this.stamped(entry);
    await this.db.send(new PutCommand(put));
    return record;
  }

  /**
   * The record's conditional Put for a writer's own TransactWriteItems, so a change and its audit
   * record are stored together or not at all. Build it per attempt: each carries a fresh record id.
   */
  transactPut(entry: AuditEntry): AuditRecordPut {
    return this.stamped(entry).put;
  }

  private stamped(entry: AuditEntry): { readonly put: AuditRecordPut; readonly record: AuditRecord } {
    const record = sealRecord(entry, { id: this.stamps.ids.newId(), now: this.stamps.clock.now().toISOString(), salt: newSalt }, this.sha256);
    return { record, put: { TableName: this.tableName, Item: toItem(record), ConditionExpression: 'attribute_not_exists(pk)' } };
  }

  async head(): Promise<ChainHead> {
    const result = await this.db.send(new GetCommand({ TableName: this.tableName, Key: chainHeadKey, ConsistentRead: true }));
    const item = result.Item;
    return item ? { sequence: Number(item['sequence']), hash: String(item['hash']), recordKey: String(item['recordKey'] ?? '') } : EMPTY_CHAIN;
  }

  async pruned(): Promise<PruneMarker | undefined> {
    const item = (await this.db.send(new GetCommand({ TableName: this.tableName, Key: prunedMarkerKey, ConsistentRead: true }))).Item;
    return item ? { sequence: Number(item['sequence']), hash: String(item['hash']), recordKey: String(item['recordKey']), mac: String(item['mac']) } : undefined;
  }

  async markPruned(marker: PruneMarker): Promise<void> {
    await this.db.send(new PutCommand({ TableName: this.tableName, Item: { ...prunedMarkerKey, ...marker } }));
  }

  /**
   * One DeleteItem per item, a few at a time: BatchWriteItem would need a grant that also allows
   * Puts (IAM cannot tell a batch's deletes from its puts), and the pruner may only delete.
   */
  async removeChained(entries: readonly ChainEntry[]): Promise<void> {
    const keys = entries.flatMap((entry) => [auditRecordKey(entry.recordKey.slice(entry.recordKey.indexOf('#') + 1)), chainEntryKey(entry.sequence)]);
    for (let i = 0; i < keys.length; i += REMOVALS_AT_ONCE) {
      await Promise.all(keys.slice(i, i + REMOVALS_AT_ONCE).map((Key) => this.db.send(new DeleteCommand({ TableName: this.tableName, Key }))));
    }
  }

  async recordsAfter(afterKey: string, before: string, limit: number): Promise<readonly AuditRecord[]> {
    const index = AUDIT_INDEXES.byTime;
    const result = await this.query('byTime', {
      TableName: this.tableName,
      KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :after AND :before',
      ExpressionAttributeNames: { '#pk': index.partitionKey, '#sk': index.sortKey },
      // BETWEEN is inclusive: the head's own record is read again and dropped below.
      ExpressionAttributeValues: { ':pk': TIME_PARTITION, ':after': afterKey === '' ? ' ' : afterKey, ':before': timeSortKeyFrom(before) },
      Limit: limit + 1,
    });
    const keys = (result.Items ?? []).filter((item) => String(item[index.sortKey]) > afterKey).slice(0, limit);
    // Read consistently, and only up to a record not read: the head never moves past a record it did not chain.
    const records = await this.recordsOf(keys, { consistentRead: true });
    const missing = records.indexOf(undefined);
    return (missing === -1 ? records : records.slice(0, missing)) as AuditRecord[];
  }

  async appendChain(entries: readonly ChainEntry[], head: ChainHead, expected: ChainHead): Promise<void> {
    if (entries.length === 0) return;
    await this.db.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Put: {
              TableName: this.tableName,
              Item: { ...chainHeadKey, ...head },
              ...(expected.sequence === 0
                ? { ConditionExpression: 'attribute_not_exists(pk)' }
                : {
                    ConditionExpression: '#sequence = :expected',
                    ExpressionAttributeNames: { '#sequence': 'sequence' },
                    ExpressionAttributeValues: { ':expected': expected.sequence },
                  }),
            },
          },
          ...entries.map((entry) => ({
            Put: { TableName: this.tableName, Item: { ...chainEntryKey(entry.sequence), ...chainEntryIndexKeys(entry), ...entry }, ConditionExpression: 'attribute_not_exists(pk)' },
          })),
        ],
      }),
    );
  }

  async firstSequenceFrom(at: string): Promise<number | undefined> {
    const index = AUDIT_INDEXES.byTime;
    const result = await this.query('byTime', {
      TableName: this.tableName,
      KeyConditionExpression: '#pk = :pk AND #sk >= :from',
      ExpressionAttributeNames: { '#pk': index.partitionKey, '#sk': index.sortKey },
      ExpressionAttributeValues: { ':pk': CHAINED_PARTITION, ':from': timeSortKeyFrom(at) },
      Limit: 1,
    });
    const item = result.Items?.[0];
    // The entry's own key says its sequence: no read of the entry.
    return item ? sequenceOfChainEntryKey(String(item['sk'])) : undefined;
  }

  async *chainFrom(sequence: number): AsyncIterable<ChainEntry> {
    let startKey: Record<string, unknown> | undefined;
    do {
      const result = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND sk >= :from',
          ExpressionAttributeValues: { ':pk': CHAIN_ENTRY_PARTITION, ':from': chainEntryKey(sequence).sk },
          ConsistentRead: true,
          Limit: CHAIN_PAGE,
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of result.Items ?? []) yield fromItem(item) as ChainEntry;
      startKey = result.LastEvaluatedKey;
    } while (startKey);
  }

  async *recordsFrom(recordKey: string): AsyncIterable<AuditRecord> {
    const index = AUDIT_INDEXES.byTime;
    let startKey: Record<string, unknown> | undefined;
    do {
      const result = await this.query('byTime', {
        TableName: this.tableName,
        KeyConditionExpression: '#pk = :pk AND #sk >= :from',
        ExpressionAttributeNames: { '#pk': index.partitionKey, '#sk': index.sortKey },
        ExpressionAttributeValues: { ':pk': TIME_PARTITION, ':from': recordKey === '' ? ' ' : recordKey },
        Limit: CHAIN_PAGE,
        ExclusiveStartKey: startKey,
      });
      // A record pruned since the index was read is left out, as it would be a moment later.
      for (const record of await this.recordsOf(result.Items ?? [])) if (record) yield record;
      startKey = result.LastEvaluatedKey;
    } while (startKey);
  }

  async list(filter: AuditFilter, page: PageRequest): Promise<Page<AuditRecord>> {
    const plan = planAuditQuery(filter);
    const shape = { audit: plan.index, filter };
    const index = AUDIT_INDEXES[plan.index];
    const input: Omit<QueryCommandInput, 'IndexName'> = {
      TableName: this.tableName,
      KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :from AND :to',
      ExpressionAttributeNames: { '#pk': index.partitionKey, '#sk': index.sortKey },
      ExpressionAttributeValues: { ':pk': plan.partition, ':from': timeSortKeyFrom(filter.from ?? ''), ':to': timeSortKeyTo(filter.to ?? '9999') },
      ScanIndexForward: true,
    };
    // The actor, when the resource's index was chosen, is not in that index (keys only): it
    // applies to the records read, so a page can come back short with a cursor, as a filter on
    // the Query did.
    const wanted = (record: AuditRecord) => plan.actorFilter === undefined || record.actor === plan.actorFilter;
    const items: AuditRecord[] = [];
    let startKey = page.nextToken ? decodeCursor(page.nextToken, shape) : undefined;
    for (let call = 0; call < MAX_QUERY_CALLS_PER_PAGE && items.length < page.limit; call++) {
      const result = await queryFromCursor(this.db, { ...input, Limit: page.limit - items.length, ExclusiveStartKey: startKey }, (query) => this.query(plan.index, query));
      const records = (await this.recordsOf(result.Items ?? [])).filter((record): record is AuditRecord => record !== undefined);
      // Salts stay in the table: a reader needs the values, not what makes them checkable.
      items.push(...records.filter(wanted).map(withoutSlots));
      startKey = result.LastEvaluatedKey;
      if (!startKey) break;
    }
    return { items, ...(startKey && { nextToken: encodeCursor(startKey, shape) }) };
  }

  /** A Query on an audit index by its logical name (through the retired one while a stack moves to the keys-only ones). */
  private query(index: AuditIndexName, input: Omit<QueryCommandInput, 'IndexName'>) {
    return queryMovingIndex(this.db, movingAuditIndex(index), input);
  }

  /**
   * The records of a page of index entries, in the entries' order (`undefined` for one not in
   * the table, e.g. pruned meanwhile): the indexes hold keys only, so the records are read by
   * key, up to 100 a BatchGetItem call, eventually consistent unless asked otherwise.
   */
  private async recordsOf(entries: readonly Record<string, unknown>[], options: { readonly consistentRead?: boolean } = {}): Promise<(AuditRecord | undefined)[]> {
    const keys = entries.map((entry) => ({ pk: entry['pk'], sk: entry['sk'] }));
    const items = await batchGetInOrder(this.db, keys, { tableName: this.tableName, ...options });
    return items.map((item) => (item ? (fromItem(item) as AuditRecord) : undefined));
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


/** A record's item as stored: its keys, index keys and the record (erasure rewrites it whole, with the actor index key). */
export function toItem(record: AuditRecord): Record<string, unknown> {
  return { ...auditRecordKey(record.id), ...auditIndexKeys(record), ...record };
}

export function fromItem(item: Record<string, unknown>): AuditRecord | ChainEntry {
  const record = { ...item };
  for (const attribute of AUDIT_KEY_ATTRIBUTES) delete record[attribute];
  return record as unknown as AuditRecord;
}

const withoutSlots = ({ personal: _slots, ...record }: AuditRecord): AuditRecord => record;
