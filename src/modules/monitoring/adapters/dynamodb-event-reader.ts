import type { DynamoDBDocumentClient, QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import type { EventFilter, ListedEvent, MonitoringEventReader } from '../app/event-use-cases';
import type { Page, PageRequest } from '../../../kernel/app/ports';
import type { HourCount } from '../domain/event-trends';
import type { EventSeverity } from '../domain/alarm-policy';
import { InvalidInputError } from '../../../kernel/domain/domain-errors';
import { decodeCursor, encodeCursor, queryFromCursor } from '../../../kernel/adapters/page-cursor';
import { EVENT_INDEXES, eventDayPartition, parseTrendSortKey, trendDayPartition } from './events-table-keys';

const INDEX = EVENT_INDEXES.byDay;

/**
 * Reads the events table through its byDay index (see events-table-keys.ts): Queries only.
 * The list walks (day, source) partitions in order; its cursor holds the partition's position
 * in that walk and DynamoDB's LastEvaluatedKey within it, bound to the filter.
 */
export class DynamoDbEventReader implements MonitoringEventReader {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async list(filter: EventFilter, page: PageRequest): Promise<Page<ListedEvent>> {
    const partitions = filter.days.flatMap((day) => filter.sources.map((source) => eventDayPartition(source, day)));
    const shape = { sources: filter.sources, severity: filter.severity ?? null, from: filter.from, to: filter.to };
    let position = 0;
    let startKey: Record<string, unknown> | undefined;
    if (page.nextToken) {
      const { p, ...lastKey } = decodeCursor(page.nextToken, shape) as Record<string, string>;
      position = Number(p);
      if (!Number.isInteger(position) || position < 0 || position >= partitions.length) {
        throw new InvalidInputError([{ field: 'nextToken', message: 'is not a cursor returned by this list with these filters' }]);
      }
      startKey = Object.keys(lastKey).length > 0 ? lastKey : undefined;
    }
    const items: ListedEvent[] = [];
    while (position < partitions.length) {
      const input: QueryCommandInput = {
        TableName: this.tableName,
        IndexName: INDEX.name,
        // [from, to): sort keys are `<receivedAt>#<id>`, so `from#…` ≥ from and `to#…` > to.
        KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :from AND :to',
        ExpressionAttributeNames: { '#pk': INDEX.partitionKey, '#sk': INDEX.sortKey, ...(filter.severity && { '#severity': 'severity' }) },
        ExpressionAttributeValues: { ':pk': partitions[position], ':from': filter.from, ':to': filter.to, ...(filter.severity && { ':severity': filter.severity }) },
        ...(filter.severity && { FilterExpression: '#severity = :severity' }),
        Limit: page.limit - items.length,
        ...(startKey && { ExclusiveStartKey: startKey }),
      };
      const result = await queryFromCursor(this.db, input);
      items.push(...(result.Items ?? []).map(fromItem));
      startKey = result.LastEvaluatedKey;
      if (!startKey) position++;
      if (items.length >= page.limit) break;
    }
    if (position >= partitions.length) return { items };
    return { items, nextToken: encodeCursor({ p: String(position), ...(startKey ?? {}) }, shape) };
  }

  async hourCounts(days: readonly string[]): Promise<HourCount[]> {
    const perDay = await Promise.all(
      days.map(async (day) => {
        const counts: HourCount[] = [];
        let startKey: Record<string, unknown> | undefined;
        do {
          const result = await queryFromCursor(this.db, {
            TableName: this.tableName,
            IndexName: INDEX.name,
            KeyConditionExpression: '#pk = :pk',
            ExpressionAttributeNames: { '#pk': INDEX.partitionKey },
            ExpressionAttributeValues: { ':pk': trendDayPartition(day) },
            ...(startKey && { ExclusiveStartKey: startKey }),
          });
          for (const item of result.Items ?? []) {
            const { hour, source, severity } = parseTrendSortKey(String(item[INDEX.sortKey]));
            counts.push({ hour, source, severity: severity as EventSeverity, count: Number(item['count'] ?? 0) });
          }
          startKey = result.LastEvaluatedKey;
        } while (startKey);
        return counts;
      }),
    );
    return perDay.flat();
  }
}

function fromItem(item: Record<string, unknown>): ListedEvent {
  const optional = (name: string) => (typeof item[name] === 'string' ? { [name]: item[name] as string } : {});
  return {
    id: String(item['eventId']),
    source: String(item['source']),
    type: String(item['detailType']),
    severity: item['severity'] as EventSeverity,
    ...optional('resource'),
    ...optional('state'),
    time: String(item['time']),
    receivedAt: String(item['receivedAt']),
    outcome: String(item['outcome']),
    ...optional('incidentId'),
    detail: item['detail'] ?? null,
  };
}
