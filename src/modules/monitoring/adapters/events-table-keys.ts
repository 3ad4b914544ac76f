/**
 * Key layout of the events table: one item per EventBridge event received, keyed by the event's
 * `id`, so a second delivery of the same event finds its record and does nothing; and the trend
 * counters kept in the same write. Items expire (DynamoDB TTL on `expiresAt`, epoch seconds) after
 * the client's monitoring.eventRetentionDays.
 *
 * | item          | pk                                               | gsi1pk                       | gsi1sk                                      |
 * |---------------|--------------------------------------------------|------------------------------|---------------------------------------------|
 * | event record  | EVENT#<id>                                       | EVENTS#<source>#<yyyy-mm-dd> | <receivedAt>#<id>                           |
 * | trend counter | TREND#<yyyy-mm-ddThh>#<source>#<severity>#<shard> | TRENDS#<yyyy-mm-dd>          | <yyyy-mm-ddThh>#<source>#<severity>#<shard> |
 *
 * One index, `byDay` (every attribute projected: the list answers with the raw detail):
 * - `GET /events` walks one partition per (UTC day of receipt, source) in the range, with a Query
 *   on the sort key's time range. Severity is a filter, not part of the key: there are only three,
 *   so a filtered Query reads at most three times what it returns, while a severity in the key
 *   would triple the Queries of the usual, unfiltered list.
 * - `GET /events/trends` reads the counters of each day in the range: one Query per day.
 *
 * The table has no sort key (it was created with `pk` only, and a key schema cannot change without
 * replacing the table), which is why both reads go through the index.
 *
 * Counters are sharded: every event's transaction adds one to its hour×source×severity counter,
 * and concurrent transactions on one item cancel each other (TransactionConflict). In an alarm
 * storm every event lands on the same hour, source and severity; spreading them over
 * TREND_SHARDS items (shard from the event id) keeps the conflicts rare; reads sum the shards.
 */
export const EVENTS_TABLE_KEYS = { partitionKey: 'pk', timeToLiveAttribute: 'expiresAt' } as const;

export const EVENT_INDEXES = {
  byDay: { name: 'byDay', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
} as const;

export const TREND_SHARDS = 8;

export const eventRecordKey = (eventId: string) => ({ pk: `EVENT#${eventId}` });

/** UTC day `yyyy-mm-dd` of an ISO 8601 UTC timestamp. */
export const utcDay = (at: string) => new Date(at).toISOString().slice(0, 10);
/** UTC hour `yyyy-mm-ddThh` of an ISO 8601 UTC timestamp. */
export const utcHour = (at: string) => new Date(at).toISOString().slice(0, 13);

export const eventDayPartition = (source: string, day: string) => `EVENTS#${source}#${day}`;
export const eventIndexKeys = (record: { readonly eventId: string; readonly source: string; readonly receivedAt: string }) => ({
  gsi1pk: eventDayPartition(record.source, utcDay(record.receivedAt)),
  gsi1sk: `${record.receivedAt}#${record.eventId}`,
});

export const trendDayPartition = (day: string) => `TRENDS#${day}`;

/** A stable shard in [0, TREND_SHARDS) for an event id. */
export function trendShard(eventId: string): number {
  let hash = 0;
  for (let i = 0; i < eventId.length; i++) hash = (hash * 31 + eventId.charCodeAt(i)) >>> 0;
  return hash % TREND_SHARDS;
}

export function trendCounterKeys(hour: string, source: string, severity: string, shard: number) {
  const sk = `${hour}#${source}#${severity}#${shard}`;
  return { key: { pk: `TREND#${sk}` }, gsi1pk: trendDayPartition(hour.slice(0, 10)), gsi1sk: sk };
}

/** Parses a counter's index sort key back into its parts. */
export function parseTrendSortKey(sk: string): { hour: string; source: string; severity: string } {
  const [hour, source, severity] = sk.split('#');
  return { hour: hour!, source: source!, severity: severity! };
}

/** Epoch seconds `retentionDays` after `receivedAt`, for the TTL attribute. */
export const eventExpiry = (receivedAt: Date, retentionDays: number) => Math.floor(receivedAt.getTime() / 1000) + retentionDays * 86_400;
