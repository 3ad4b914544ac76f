/**
 * Key layout of the audit table: every key string and index name lives here.
 *
 * | item         | pk     | sk                     |
 * |--------------|--------|------------------------|
 * | audit record | CHAIN  | SEQ#<sequence, 12 digits> |
 * | chain head   | HEAD   | HEAD                   |
 *
 * One chain per client stack, so one record partition, read in sequence order by verification.
 * The head lives in its own partition so writers' roles can be allowed to read it (and nothing
 * else of the table) with an IAM `dynamodb:LeadingKeys` condition.
 *
 * Secondary indexes (all project every attribute). Records' `at` never decreases along the
 * chain, so time order is sequence order; the sequence in the sort key keeps keys unique.
 * | index      | partition                         | sort                 | serves                  |
 * |------------|-----------------------------------|----------------------|-------------------------|
 * | byTime     | gsi1pk = AUDIT                    | gsi1sk = <at>#<seq>  | GET /audit?from=&to=, where verification starts |
 * | byResource | gsi2pk = RESOURCE#<type>#<id>     | gsi2sk = <at>#<seq>  | GET /audit?resource=    |
 * | byActor    | gsi3pk = ACTOR#<actor>            | gsi3sk = <at>#<seq>  | GET /audit?actor=       |
 *
 * byTime has one partition per client: the chain head already serialises every append, so the
 * audit write rate of a stack stays far below what one index partition sustains.
 */
export const AUDIT_TABLE_KEYS = { partitionKey: 'pk', sortKey: 'sk' } as const;

export const AUDIT_INDEXES = {
  byTime: { name: 'byTime', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
  byResource: { name: 'byResource', partitionKey: 'gsi2pk', sortKey: 'gsi2sk' },
  byActor: { name: 'byActor', partitionKey: 'gsi3pk', sortKey: 'gsi3sk' },
} as const;
export type AuditIndexName = keyof typeof AUDIT_INDEXES;

export const AUDIT_RECORD_PARTITION = 'CHAIN';
export const AUDIT_RECORD_PREFIX = 'SEQ#';
/** The partition key value of the chain head: the only key the writers' roles may read. */
export const CHAIN_HEAD_PARTITION = 'HEAD';

export const chainHeadKey = { pk: CHAIN_HEAD_PARTITION, sk: 'HEAD' } as const;

const sequenceText = (sequence: number) => String(sequence).padStart(12, '0');

export const auditRecordKey = (sequence: number) => ({ pk: AUDIT_RECORD_PARTITION, sk: `${AUDIT_RECORD_PREFIX}${sequenceText(sequence)}` });

export const TIME_PARTITION = 'AUDIT';
export const resourcePartition = (resource: { readonly type: string; readonly id: string }) => `RESOURCE#${resource.type}#${resource.id}`;
export const actorPartition = (actor: string) => `ACTOR#${actor}`;

/** Sort key of every index: time, then sequence. */
export const timeSortKey = (at: string, sequence: number) => `${at}#${sequenceText(sequence)}`;
/** Bounds for a time range on an index sort key, both inclusive. */
export const timeSortKeyFrom = (from: string) => `${from}#`;
export const timeSortKeyTo = (to: string) => `${to}#~`;

export const auditIndexKeys = (record: {
  readonly sequence: number;
  readonly at: string;
  readonly actor: string;
  readonly resource: { readonly type: string; readonly id: string };
}) => {
  const sort = timeSortKey(record.at, record.sequence);
  return {
    gsi1pk: TIME_PARTITION,
    gsi1sk: sort,
    gsi2pk: resourcePartition(record.resource),
    gsi2sk: sort,
    gsi3pk: actorPartition(record.actor),
    gsi3sk: sort,
  };
};

/** Attributes that exist only for the table's keys and indexes, never part of a record. */
export const AUDIT_KEY_ATTRIBUTES: readonly string[] = [
  'pk',
  'sk',
  ...Object.values(AUDIT_INDEXES).flatMap((i) => [i.partitionKey, i.sortKey]),
];
