import { GetCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ReportAggregates } from '../app/ports';
import type { BacklogRecountStore } from '../app/backlog-recount';
import {
  aggregateDelta,
  ALL_SERVICES,
  BACKLOG_KEY,
  ONGOING_PREFIX,
  ONGOING_RECORD_PREFIX,
  outageSortKey,
  SERVICES_BY_DAY,
  type OpenIncidentBrief,
  type OutageInterval,
} from '../domain/incident-aggregates';
import type { Priority } from '../../../kernel/domain/priority';
import { forEachOpenIncidentPage } from './incident-index-query';
import { INCIDENT_INDEXES, QUOTA_EXPIRY_ATTRIBUTE, queueOrderParts } from './incidents-table-keys';
import type { Incident } from '../domain/incident';

/**
 * Report aggregates in the incidents table (key layout below), written in the same
 * TransactWriteItems as the incident change they count, read with Queries and GetItems.
 * | item                 | pk                 | sk                    | holds                                  |
 * |----------------------|--------------------|-----------------------|----------------------------------------|
 * | day counters         | AGG#<service \| *#n> | DAY#<yyyy-mm-dd>    | opened#…, resolved#…, reopened, …      |
 * | opened per service   | AGG#*by-service      | DAY#<yyyy-mm-dd>#<service> | opened                          |
 * | backlog              | AGG#<service \| *#n> | OPEN                | open#…, openCreatedSec#… (ongoing#<id> before outage records) |
 * | ended outage record  | OUTAGE#<service>     | <end>#<incident id> | start, end, usersAffected, …           |
 * | ongoing outage record| OUTAGE#<service>     | ONGOING#<incident id> | start, usersAffected, …  (superseded and expiring once it ends) |
 *
 * The counters of every service together (`*`) are sharded: `*#0` … `*#9`, chosen by the
 * incident's id, summed on read (10 reads in parallel). One `*` item would be written by every
 * incident change of the stack, and concurrent transactions on one item cancel each other
 * (TransactionConflict): at 16 concurrent writes that made the whole write path queue on it. An
 * incident always lands on the same shard, so its own changes (opened, then resolved) meet there.
 * An unsharded `AGG#*` item written before sharding is still added in on read.
 */
export const aggregateKey = (service: string, key: string) => ({ pk: `AGG#${service}`, sk: key });
export const ALL_SERVICES_SHARDS = 10;
export const allServicesShards = (): string[] => [ALL_SERVICES, ...Array.from({ length: ALL_SERVICES_SHARDS }, (_, n) => `${ALL_SERVICES}#${n}`)];
/** The `*` shard of an incident: a stable hash of its id (FNV-1a), modulo the shard count. */
export function allServicesShard(incidentId: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < incidentId.length; i++) hash = Math.imul(hash ^ incidentId.charCodeAt(i), 0x01000193) >>> 0;
  return `${ALL_SERVICES}#${hash % ALL_SERVICES_SHARDS}`;
}
export const outageKey = (outage: OutageInterval) => ({ pk: `OUTAGE#${outage.service}`, sk: outageSortKey(outage) });
export const ongoingOutageKey = (service: string, incidentId: string) => ({ pk: `OUTAGE#${service}`, sk: `${ONGOING_RECORD_PREFIX}${incidentId}` });

type TransactItem = Record<string, unknown>;

/**
 * The writes that keep the aggregates right for a change from `before` to `after`. Counters are
 * `ADD`s, outages plain SET/REMOVE/Put: they are only ever applied together with the incident's own
 * conditional write (a new id, or the expected version), so a retried or replayed change is
 * refused whole and counts nothing. Nothing is deleted (the stack's roles hold no DeleteItem).
 */
export function aggregateTransactItems(tableName: string, before: Incident | undefined, after: Incident): TransactItem[] {
  const delta = aggregateDelta(before, after);
  const updates = new Map<string, { service: string; key: string; add: Record<string, number>; set: Record<string, unknown>; remove: string[] }>();
  const updateOf = (service: string, key: string) => {
    const id = `${service}|${key}`;
    const entry = updates.get(id) ?? { service, key, add: {}, set: {}, remove: [] };
    updates.set(id, entry);
    return entry;
  };
  const shardOf = (service: string) => (service === ALL_SERVICES ? allServicesShard(after.id) : service);
  for (const { service, key, add } of delta.counters) Object.assign(updateOf(shardOf(service), key).add, add);
  // An outage stored on the backlog item before outages had records of their own is removed from it when it ends.
  if (delta.removeOngoing) updateOf(delta.removeOngoing.service, BACKLOG_KEY).remove.push(`${ONGOING_PREFIX}${delta.removeOngoing.incidentId}`);

  const items: TransactItem[] = [...updates.values()].map(({ service, key, add, set, remove }) => {
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {};
    let n = 0;
    const name = (attribute: string) => {
      const alias = `#a${n++}`;
      names[alias] = attribute;
      return alias;
    };
    const clauses: string[] = [];
    const adds = Object.entries(add).map(([attribute, value]) => {
      const alias = name(attribute);
      values[`:v${alias.slice(2)}`] = value;
      return `${alias} :v${alias.slice(2)}`;
    });
    if (adds.length > 0) clauses.push(`ADD ${adds.join(', ')}`);
    const sets = Object.entries(set).map(([attribute, value]) => {
      const alias = name(attribute);
      values[`:v${alias.slice(2)}`] = value;
      return `${alias} = :v${alias.slice(2)}`;
    });
    if (sets.length > 0) clauses.push(`SET ${sets.join(', ')}`);
    if (remove.length > 0) clauses.push(`REMOVE ${remove.map(name).join(', ')}`);
    return {
      Update: {
        TableName: tableName,
        Key: aggregateKey(service, key),
        UpdateExpression: clauses.join(' '),
        ExpressionAttributeNames: names,
        ...(Object.keys(values).length > 0 && { ExpressionAttributeValues: values }),
      },
    };
  });
  if (delta.setOngoing) items.push({ Put: { TableName: tableName, Item: { ...ongoingOutageKey(delta.setOngoing.service, delta.setOngoing.incidentId), ...delta.setOngoing } } });
  if (delta.removeOngoing) {
    // Superseded at once (the reads skip it) and removed by the table's TTL: the roles hold no DeleteItem.
    items.push({
      Update: {
        TableName: tableName,
        Key: ongoingOutageKey(delta.removeOngoing.service, delta.removeOngoing.incidentId),
        UpdateExpression: 'SET superseded = :true, #expires = :now',
        ExpressionAttributeNames: { '#expires': QUOTA_EXPIRY_ATTRIBUTE },
        ExpressionAttributeValues: { ':true': true, ':now': Math.floor(Date.parse(after.updatedAt) / 1000) },
      },
    });
  }
  if (delta.supersedeEnded) {
    items.push({
      Update: {
        TableName: tableName,
        Key: outageKey(delta.supersedeEnded),
        UpdateExpression: 'SET superseded = :true',
        ExpressionAttributeValues: { ':true': true },
      },
    });
  }
  if (delta.putEnded) items.push({ Put: { TableName: tableName, Item: { ...outageKey(delta.putEnded), ...delta.putEnded } } });
  return items;
}

const COUNTER_KEYS = new Set(['pk', 'sk']);

export class DynamoDbReportAggregates implements ReportAggregates {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async dayCounters(service: string, fromDay: string, toDay: string): Promise<Record<string, number>> {
    if (service === ALL_SERVICES) {
      const parts = allServicesShards().map((shard) => this.dayCountersOf(shard, fromDay, toDay));
      return sumOf(await Promise.all([...parts, this.openedByService(fromDay, toDay)]));
    }
    const counters = await this.dayCountersOf(service, fromDay, toDay);
    // One service's breakdown by service is itself (written as an attribute before the per-service items).
    return counters['opened'] ? { ...counters, [`opened#service#${service}`]: counters['opened'] } : counters;
  }

  private async dayCountersOf(service: string, fromDay: string, toDay: string): Promise<Record<string, number>> {
    const totals: Record<string, number> = {};
    await this.eachDayItem(service, `DAY#${fromDay}`, `DAY#${toDay}`, (item) => {
      for (const [name, value] of Object.entries(item)) {
        if (!COUNTER_KEYS.has(name) && typeof value === 'number') totals[name] = (totals[name] ?? 0) + value;
      }
    });
    return totals;
  }

  /** `opened#service#<id>` for every service, from the per-service day items (one Query). */
  private async openedByService(fromDay: string, toDay: string): Promise<Record<string, number>> {
    const totals: Record<string, number> = {};
    const prefix = (day: string) => `DAY#${day}#`;
    await this.eachDayItem(SERVICES_BY_DAY, prefix(fromDay), `${prefix(toDay)}\uffff`, (item) => {
      const service = String(item['sk']).slice(prefix(fromDay).length);
      if (typeof item['opened'] === 'number') totals[`opened#service#${service}`] = (totals[`opened#service#${service}`] ?? 0) + item['opened'];
    });
    return totals;
  }

  private async eachDayItem(service: string, fromKey: string, toKey: string, visit: (item: Record<string, unknown>) => void): Promise<void> {
    let startKey: Record<string, unknown> | undefined;
    do {
      const result = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
          ExpressionAttributeValues: { ':pk': aggregateKey(service, '').pk, ':from': fromKey, ':to': toKey },
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of result.Items ?? []) visit(item);
      startKey = result.LastEvaluatedKey;
    } while (startKey);
  }

  async backlog(service: string): Promise<Record<string, number>> {
    if (service === ALL_SERVICES) return sumOf(await Promise.all(allServicesShards().map((shard) => this.backlogOf(shard))));
    return this.backlogOf(service);
  }

  private async backlogOf(service: string): Promise<Record<string, number>> {
    const result = await this.db.send(new GetCommand({ TableName: this.tableName, Key: aggregateKey(service, BACKLOG_KEY) }));
    return Object.fromEntries(Object.entries(result.Item ?? {}).filter(([name, value]) => !COUNTER_KEYS.has(name) && typeof value === 'number')) as Record<string, number>;
  }

  /** Ended and ongoing outages from their records (one Query); outages ongoing since before they had records, from the service's backlog item. */
  async outages(service: string, from: string, to: string): Promise<readonly OutageInterval[]> {
    const outages: OutageInterval[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const result = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND sk >= :from',
          FilterExpression: '#start < :to AND attribute_not_exists(superseded)',
          ExpressionAttributeNames: { '#start': 'start' },
          ExpressionAttributeValues: { ':pk': `OUTAGE#${service}`, ':from': from, ':to': to },
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of result.Items ?? []) {
        const { pk: _pk, sk: _sk, [QUOTA_EXPIRY_ATTRIBUTE]: _expires, ...outage } = item;
        outages.push(outage as OutageInterval);
      }
      startKey = result.LastEvaluatedKey;
    } while (startKey);
    const backlog = await this.db.send(new GetCommand({ TableName: this.tableName, Key: aggregateKey(service, BACKLOG_KEY) }));
    for (const [name, value] of Object.entries(backlog.Item ?? {})) {
      if (name.startsWith(ONGOING_PREFIX) && (value as OutageInterval).start < to) outages.push(value as OutageInterval);
    }
    return outages;
  }
}

function sumOf(parts: readonly Record<string, number>[]): Record<string, number> {
  const totals: Record<string, number> = {};
  for (const part of parts) for (const [name, value] of Object.entries(part)) totals[name] = (totals[name] ?? 0) + value;
  return totals;
}


/**
 * The backlog recount's reads and corrections (app/backlog-recount.ts): the open incidents from the
 * state index (one Query per open state, pages of up to 1 MB, their priority and logging time from
 * the sort key, which both the lean index and the one it replaces hold), the backlog items by key
 * (consistent reads), and an ADD per item to correct.
 */
export class DynamoDbBacklogRecount implements BacklogRecountStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async openIncidents(limit: number): Promise<{ readonly incidents: readonly OpenIncidentBrief[]; readonly truncated: boolean }> {
    const sortKey = INCIDENT_INDEXES.byState.sortKey;
    const incidents: OpenIncidentBrief[] = [];
    // One entry past the bound says there are more.
    const { truncated } = await forEachOpenIncidentPage(
      this.db,
      { TableName: this.tableName, ProjectionExpression: '#service, #sk', ExpressionAttributeNames: { '#sk': sortKey, '#service': 'service' } },
      (page) => {
        for (const item of page.Items ?? []) {
          const order = queueOrderParts(String(item[sortKey]));
          if (order) incidents.push({ id: order.id, service: String(item['service']), priority: order.priority as Priority, createdAt: order.createdAt });
        }
      },
      () => limit + 1 - incidents.length,
    );
    return { incidents: incidents.slice(0, limit), truncated: truncated || incidents.length > limit };
  }

  async storedBacklogs(services: readonly string[]): Promise<ReadonlyMap<string, Readonly<Record<string, number>>>> {
    const read = async (item: string) => {
      const result = await this.db.send(new GetCommand({ TableName: this.tableName, Key: aggregateKey(item, BACKLOG_KEY), ConsistentRead: true }));
      return Object.fromEntries(Object.entries(result.Item ?? {}).filter(([name, value]) => !COUNTER_KEYS.has(name) && typeof value === 'number')) as Record<string, number>;
    };
    const entries = await Promise.all(
      services.map(async (service) => [service, service === ALL_SERVICES ? sumOf(await Promise.all(allServicesShards().map(read))) : await read(service)] as const),
    );
    return new Map(entries);
  }

  async add(service: string, add: Readonly<Record<string, number>>): Promise<void> {
    const names = Object.keys(add);
    if (names.length === 0) return;
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        // Every service's corrections go to its unsharded item, which the reads add in.
        Key: aggregateKey(service, BACKLOG_KEY),
        UpdateExpression: `ADD ${names.map((_, i) => `#n${i} :v${i}`).join(', ')}`,
        ExpressionAttributeNames: Object.fromEntries(names.map((name, i) => [`#n${i}`, name])),
        ExpressionAttributeValues: Object.fromEntries(names.map((name, i) => [`:v${i}`, add[name]])),
      }),
    );
  }
}
