import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { QueryCommand, type DynamoDBDocumentClient, type QueryCommandInput, type QueryCommandOutput } from '@aws-sdk/lib-dynamodb';
import { peopleNamedIn } from '../../../kernel/domain/personal-data';
import type { ClosedRecordRef, ClosedRecordStore, ProcessRecordType } from '../app/ports';
import { pseudonymisedItem, putOverRead } from './dynamodb-personal-data-store';

/** The attribute that marks a record done: the time its retention ended. */
export const PSEUDONYMISED_AT = 'pseudonymisedAt';

export interface DynamoDbClosedRecordStoreOptions {
  readonly db: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly type: ProcessRecordType;
  /**
   * The existing index the records are found on, and its partitions to read: its sort key must
   * start with a time no later than the record's close (its creation, or its last update), so
   * `sort key < cutoff` holds every record closed before the cutoff.
   */
  readonly index: { readonly name: string; readonly partitionKey: string; readonly sortKey: string };
  readonly partitions: readonly string[];
  /**
   * Where the index's sort key starts with something before the time (a priority: `P1#<created>#…`),
   * each prefix is read as its own range, `<prefix>` to `<prefix><cutoff>`.
   * @default [''] (the sort key starts with the time)
   */
  readonly sortPrefixes?: readonly string[];
  /** Whether an item read from the index is a closed record (its state), when the partitions hold others too. */
  readonly isClosed?: (item: Record<string, unknown>) => boolean;
  /**
   * Runs the index Query (IndexName is the store's to set): the incidents table's reader falls back
   * to a retired index while a stack moves to the lean ones.
   * @default a plain Query on `index.name`
   */
  readonly query?: (input: Omit<QueryCommandInput, 'IndexName'>) => Promise<QueryCommandOutput>;
}

/** Index entries read per Query page, and pages read per partition in one call at most. */
const PAGE = 100;
const MAX_PAGES = 20;
const KEY_ATTRIBUTES = ['pk', 'sk'];

const closedAtOf = (item: Record<string, unknown>) => String(item['closedAt'] ?? item['updatedAt'] ?? '');

/**
 * Closed records of one type in one table, found by an index Query (never a Scan) on an index the
 * table already has, and pseudonymised item by item with the erasure's own rules
 * (`pseudonymisedItem`): every value under a personal key and every index key segment that names
 * a person, each person by their own pseudonym. The record's main item is written last, with the
 * mark and conditional on its version, so a run cut short leaves it unmarked and picked again.
 *
 * The index keeps records already done in range: each run reads past them (filtered here, never
 * returned) — see docs/architecture.md, "Retention", for the index that would make it exact.
 */
export class DynamoDbClosedRecordStore implements ClosedRecordStore {
  readonly type: ProcessRecordType;

  constructor(private readonly options: DynamoDbClosedRecordStoreOptions) {
    this.type = options.type;
  }

  async closedBefore(closedBefore: string, limit: number): Promise<readonly ClosedRecordRef[]> {
    const { db, tableName, index, partitions, isClosed } = this.options;
    const query = this.options.query ?? ((input) => db.send(new QueryCommand({ ...input, IndexName: index.name })));
    const ranges = partitions.flatMap((partition) => (this.options.sortPrefixes ?? ['']).map((prefix) => ({ partition, prefix })));
    const found: ClosedRecordRef[] = [];
    for (const { partition, prefix } of ranges) {
      let startKey: Record<string, unknown> | undefined;
      let pages = 0;
      do {
        const page = await query({
          TableName: tableName,
          KeyConditionExpression: prefix ? '#pk = :pk AND #sk BETWEEN :from AND :before' : '#pk = :pk AND #sk < :before',
          ExpressionAttributeNames: { '#pk': index.partitionKey, '#sk': index.sortKey },
          ExpressionAttributeValues: { ':pk': partition, ':before': `${prefix}${closedBefore}`, ...(prefix && { ':from': prefix }) },
          Limit: PAGE,
          ExclusiveStartKey: startKey,
        });
        for (const item of page.Items ?? []) {
          if (item[PSEUDONYMISED_AT] !== undefined || (isClosed && !isClosed(item))) continue;
          const closedAt = closedAtOf(item);
          if (closedAt === '' || closedAt >= closedBefore) continue;
          found.push({ pk: String(item['pk']), sk: String(item['sk']) });
          if (found.length >= limit) return found;
        }
        startKey = page.LastEvaluatedKey;
      } while (startKey && ++pages < MAX_PAGES);
    }
    return found;
  }

  async pseudonymiseRecord(record: ClosedRecordRef, pseudonymFor: (person: string) => string, at: string): Promise<number | undefined> {
    const items = await this.itemsOf(record.pk);
    const main = items.find((item) => item['sk'] === record.sk);
    if (!main || main[PSEUDONYMISED_AT] !== undefined) return undefined;
    const people = new Set<string>();
    for (const item of items) for (const person of peopleNamedIn(withoutKeys(item))) people.add(person);
    const rewrite = (item: Record<string, unknown>) => {
      let next = item;
      for (const person of people) next = pseudonymisedItem(next, new Set([person]), pseudonymFor(person), KEY_ATTRIBUTES) ?? next;
      return next;
    };
    try {
      // The record's other items first (an incident's timeline), each only if it is still there and unchanged.
      for (const item of items) {
        if (item === main) continue;
        const next = rewrite(item);
        if (next !== item) await putOverRead(this.options.db, this.options.tableName, next, item);
      }
      await putOverRead(this.options.db, this.options.tableName, { ...rewrite(main), [PSEUDONYMISED_AT]: at }, main);
      return people.size;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  }

  private async itemsOf(pk: string): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.options.db.send(
        new QueryCommand({ TableName: this.options.tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': pk }, ConsistentRead: true, ExclusiveStartKey: startKey }),
      );
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return items;
  }
}

const withoutKeys = (item: Record<string, unknown>) => Object.fromEntries(Object.entries(item).filter(([name]) => !KEY_ATTRIBUTES.includes(name) && !/^gsi\d+(pk|sk)$/.test(name)));
