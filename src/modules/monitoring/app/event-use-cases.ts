import { mayReadEvents, type Caller } from '../../../kernel/domain/access-policy';
import type { EventSeverity } from '../domain/alarm-policy';
import { ForbiddenError } from '../../../kernel/domain/domain-errors';
import { alignedRange, checkedEventRange, daysOf, trendBuckets, type EventRange, type HourCount, type TrendBucket, type TrendBucketCounts } from '../domain/event-trends';
import type { Page, PageRequest } from '../../../kernel/app/ports';

/**
 * Reading what monitoring received (README "Monitoring events"): the events list and the trends.
 * Both read the events table only: the records ingestion keeps of every event, and the counters
 * it keeps in the same transactions.
 */

/** An event as listed. */
export interface ListedEvent {
  readonly id: string;
  readonly source: string;
  readonly type: string;
  readonly severity: EventSeverity;
  readonly resource?: string;
  readonly state?: string;
  /** When AWS says it happened. */
  readonly time: string;
  readonly receivedAt: string;
  /** What ingestion did with it: opened, attached, noted, resolved, reopened, recorded. */
  readonly outcome: string;
  readonly incidentId?: string;
  readonly detail: unknown;
}

export interface EventFilter extends EventRange {
  /** Sources to walk, in this order. */
  readonly sources: readonly string[];
  readonly severity?: EventSeverity;
  /** UTC days of the range, oldest first. */
  readonly days: readonly string[];
}

export interface MonitoringEventReader {
  /** Events received in the range, walking day by day, each day source by source, oldest first within each. */
  list(filter: EventFilter, page: PageRequest): Promise<Page<ListedEvent>>;
  /** The hour counters of the given UTC days (shards not yet summed is fine: the caller sums). */
  hourCounts(days: readonly string[]): Promise<HourCount[]>;
}

export interface EventReadDeps {
  readonly reader: MonitoringEventReader;
}

/** The sources ingestion subscribes to: the list walks these when no source is given. */
export const EVENT_SOURCES = ['aws.cloudwatch', 'aws.guardduty', 'aws.inspector2'] as const;
export type EventSource = (typeof EVENT_SOURCES)[number];

function mustRead(caller: Caller): void {
  if (!mayReadEvents(caller)) throw new ForbiddenError('Your role may not read monitoring events', 'role');
}

export async function listEvents(
  deps: EventReadDeps,
  caller: Caller,
  query: { readonly source?: EventSource; readonly severity?: EventSeverity; readonly from: string; readonly to: string; readonly limit: number; readonly nextToken?: string },
): Promise<Page<ListedEvent>> {
  mustRead(caller);
  const range = checkedEventRange(query);
  const filter: EventFilter = {
    ...range,
    sources: query.source ? [query.source] : EVENT_SOURCES,
    ...(query.severity && { severity: query.severity }),
    days: daysOf(range),
  };
  return deps.reader.list(filter, { limit: query.limit, ...(query.nextToken && { nextToken: query.nextToken }) });
}

export interface EventTrends {
  readonly bucket: TrendBucket;
  /** The requested range widened to whole buckets. */
  readonly from: string;
  readonly to: string;
  readonly buckets: readonly TrendBucketCounts[];
}

export async function eventTrends(
  deps: EventReadDeps,
  caller: Caller,
  query: { readonly bucket: TrendBucket; readonly from: string; readonly to: string },
): Promise<EventTrends> {
  mustRead(caller);
  const range = alignedRange(checkedEventRange(query), query.bucket);
  // Widening to whole days may pass the limit by under a day on each side: allowed, it reads at most two more days.
  const counters = await deps.reader.hourCounts(daysOf(range));
  return { bucket: query.bucket, from: range.from, to: range.to, buckets: trendBuckets(counters, range, query.bucket) };
}
