import { movingIndexNames, type MovingIndex } from './index-move';

/**
 * Key layout of the audit table: every key string and index name lives here.
 *
 * | item         | pk               | sk                        | written by          |
 * |--------------|------------------|---------------------------|---------------------|
 * | audit record | RECORD#<id>      | RECORD                    | every writer, once  |
 * | chain entry  | CHAIN            | SEQ#<sequence, 12 digits> | the chainer, once   |
 * | chain head   | HEAD             | HEAD                      | the chainer         |
 * | prune marker | PRUNED           | PRUNED                    | audit pruning       |
 *
 * Records are written unchained, each under its own partition, so writers never contend. The
 * chainer alone appends chain entries (one partition, read in sequence order by verification) and
 * moves the head. Writers' roles may put only `RECORD#*` partitions (IAM `dynamodb:LeadingKeys`);
 * only the chainer's role may put the CHAIN and HEAD partitions, and each entry it writes carries
 * its seal (a KMS HMAC); the head is also anchored outside the table (S3 Object Lock).
 *
 * Secondary indexes (keys only). A record key is `<at>#<id>`: time, then id.
 * | index          | partition                         | sort                  | serves                  |
 * |----------------|-----------------------------------|-----------------------|-------------------------|
 * | byTimeKeys     | gsi1pk = AUDIT                    | gsi1sk = <at>#<id>    | GET /audit?from=&to=, the chainer (records after the head), verification |
 * | byTimeKeys     | gsi1pk = CHAINED (chain entries)  | gsi1sk = <record key> | where verification of a time range starts (the entry's sequence is in its sk) |
 * | byResourceKeys | gsi2pk = RESOURCE#<type>#<id>     | gsi2sk = <at>#<id>    | GET /audit?resource=    |
 * | byActorKeys    | gsi3pk = ACTOR#<actor>            | gsi3sk = <at>#<id>    | GET /audit?actor=       |
 *
 * The indexes hold keys only: a record (~2 KB for a create) projected on three indexes cost
 * three more copies of it per write. A reader queries an index for the records' keys, then
 * reads the records by key (BatchGetItem, page order kept: kernel/adapters/batch-get.ts).
 * They replace indexes of the same keys that projected every attribute (RETIRED_AUDIT_INDEXES);
 * a stack created before them moves in staged deploys (docs/architecture.md, "Moving a stack to
 * the lean indexes"), and meanwhile a reader asks the retired index when the new one is missing.
 *
 * byTimeKeys has one records partition per client: at about 1 WCU per record, a GSI partition's
 * 1,000 WCU/s is far above any client's audit rate.
 */
export const AUDIT_TABLE_KEYS = { partitionKey: 'pk', sortKey: 'sk' } as const;

export const AUDIT_INDEXES = {
  byTime: { name: 'byTimeKeys', partitionKey: 'gsi1pk', sortKey: 'gsi1sk', projection: 'KEYS_ONLY' },
  byResource: { name: 'byResourceKeys', partitionKey: 'gsi2pk', sortKey: 'gsi2sk', projection: 'KEYS_ONLY' },
  byActor: { name: 'byActorKeys', partitionKey: 'gsi3pk', sortKey: 'gsi3sk', projection: 'KEYS_ONLY' },
} as const;

/** The indexes the keys-only ones replace (each projected every attribute), by the logical index that replaces it. */
export const RETIRED_AUDIT_INDEXES = {
  byTime: { name: 'byTime', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
  byResource: { name: 'byResource', partitionKey: 'gsi2pk', sortKey: 'gsi2sk' },
  byActor: { name: 'byActor', partitionKey: 'gsi3pk', sortKey: 'gsi3sk' },
} as const;
export type AuditIndexName = keyof typeof AUDIT_INDEXES;

/** An audit index as it may be moving: its name, and the retired one it replaces. */
export const movingAuditIndex = (index: AuditIndexName): MovingIndex => ({ name: AUDIT_INDEXES[index].name, retired: RETIRED_AUDIT_INDEXES[index] });

/** The index names a function that queries `index` is granted: its own, and the retired one while the table (`present`) still has it. */
export const auditIndexNamesFor = (index: AuditIndexName, present: readonly string[]): string[] => movingIndexNames(movingAuditIndex(index), present);

export const AUDIT_RECORD_PREFIX = 'RECORD#';
/** Every record's partition key, as an IAM `dynamodb:LeadingKeys` pattern: all the writers' roles may put. */
export const AUDIT_RECORD_PARTITIONS = `${AUDIT_RECORD_PREFIX}*`;
export const CHAIN_ENTRY_PARTITION = 'CHAIN';
export const CHAIN_ENTRY_PREFIX = 'SEQ#';
/** The partition key value of the chain head (written by the chainer only). */
export const CHAIN_HEAD_PARTITION = 'HEAD';

export const chainHeadKey = { pk: CHAIN_HEAD_PARTITION, sk: 'HEAD' } as const;
/** Where the chain was pruned to (audit retention): the last removed entry, with its seal. */
export const PRUNED_PARTITION = 'PRUNED';
export const prunedMarkerKey = { pk: PRUNED_PARTITION, sk: 'PRUNED' } as const;

const sequenceText = (sequence: number) => String(sequence).padStart(12, '0');

export const auditRecordKey = (id: string) => ({ pk: `${AUDIT_RECORD_PREFIX}${id}`, sk: 'RECORD' });
export const chainEntryKey = (sequence: number) => ({ pk: CHAIN_ENTRY_PARTITION, sk: `${CHAIN_ENTRY_PREFIX}${sequenceText(sequence)}` });
/** The sequence of a chain entry, from its sort key (what a keys-only index entry carries). */
export const sequenceOfChainEntryKey = (sk: string): number => Number(sk.slice(CHAIN_ENTRY_PREFIX.length));

export const TIME_PARTITION = 'AUDIT';
/** Chain entries in the byTime index, by the key of the record each covers. */
export const CHAINED_PARTITION = 'CHAINED';
export const resourcePartition = (resource: { readonly type: string; readonly id: string }) => `RESOURCE#${resource.type}#${resource.id}`;
export const actorPartition = (actor: string) => `ACTOR#${actor}`;

/** Sort key of every index: time, then id (the record key). */
export const timeSortKey = (at: string, id: string) => `${at}#${id}`;
/** Bounds for a time range on an index sort key, both inclusive. */
export const timeSortKeyFrom = (from: string) => `${from}#`;
export const timeSortKeyTo = (to: string) => `${to}#~`;

export const auditIndexKeys = (record: {
  readonly id: string;
  readonly at: string;
  readonly actor: string;
  readonly resource: { readonly type: string; readonly id: string };
}) => {
  const sort = timeSortKey(record.at, record.id);
  return {
    gsi1pk: TIME_PARTITION,
    gsi1sk: sort,
    gsi2pk: resourcePartition(record.resource),
    gsi2sk: sort,
    gsi3pk: actorPartition(record.actor),
    gsi3sk: sort,
  };
};

export const chainEntryIndexKeys = (entry: { readonly recordKey: string }) => ({ gsi1pk: CHAINED_PARTITION, gsi1sk: entry.recordKey });

/** Attributes that exist only for the table's keys and indexes, never part of a record or entry. */
export const AUDIT_KEY_ATTRIBUTES: readonly string[] = [
  'pk',
  'sk',
  ...Object.values(AUDIT_INDEXES).flatMap((i) => [i.partitionKey, i.sortKey]),
];
