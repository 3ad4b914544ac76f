import { InvalidInputError } from '../../../kernel/domain/domain-errors';
import type { EventSeverity } from './alarm-policy';

/**
 * Ranges and buckets of the events list and trends: pure rules, no I/O. Events are filed by the
 * UTC hour they were received in; trends count them per UTC hour or day.
 */

/** Longest range one request may cover: the list walks one Query per day and source, the trends one per day. */
export const MAX_EVENT_RANGE_DAYS = 31;
const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

export const TREND_BUCKETS = ['hour', 'day'] as const;
export type TrendBucket = (typeof TREND_BUCKETS)[number];

export interface EventRange {
  /** Inclusive, ISO 8601 UTC (milliseconds). */
  readonly from: string;
  /** Exclusive. */
  readonly to: string;
}

/** The range normalised to UTC ISO strings; refused (naming `to`) when empty or longer than MAX_EVENT_RANGE_DAYS. */
export function checkedEventRange(query: { readonly from: string; readonly to: string }): EventRange {
  const from = new Date(query.from);
  const to = new Date(query.to);
  if (to <= from) throw new InvalidInputError([{ field: 'to', message: 'must be after from' }]);
  if (to.getTime() - from.getTime() > MAX_EVENT_RANGE_DAYS * DAY_MS) {
    throw new InvalidInputError([{ field: 'to', message: `the range may be at most ${MAX_EVENT_RANGE_DAYS} days` }]);
  }
  return { from: from.toISOString(), to: to.toISOString() };
}

/** UTC days (`yyyy-mm-dd`) the half-open range touches, oldest first. */
export function daysOf(range: EventRange): string[] {
  const days: string[] = [];
  const last = new Date(new Date(range.to).getTime() - 1).toISOString().slice(0, 10);
  for (let at = Date.parse(`${range.from.slice(0, 10)}T00:00:00.000Z`); ; at += DAY_MS) {
    const day = new Date(at).toISOString().slice(0, 10);
    days.push(day);
    if (day >= last) return days;
  }
}

/** The range widened to whole buckets: counters exist per hour, so a partial bucket cannot be counted. */
export function alignedRange(range: EventRange, bucket: TrendBucket): EventRange {
  const size = bucket === 'hour' ? HOUR_MS : DAY_MS;
  const from = Math.floor(Date.parse(range.from) / size) * size;
  const to = Math.ceil(Date.parse(range.to) / size) * size;
  return { from: new Date(from).toISOString(), to: new Date(to).toISOString() };
}

/** One counter as stored: events received in that UTC hour (`yyyy-mm-ddThh`) from a source with a severity. */
export interface HourCount {
  readonly hour: string;
  readonly source: string;
  readonly severity: EventSeverity;
  readonly count: number;
}

export interface TrendBucketCounts {
  /** Bucket start, ISO 8601 UTC. */
  readonly start: string;
  readonly total: number;
  /** Non-zero counts only, by source then severity. */
  readonly counts: readonly { readonly source: string; readonly severity: EventSeverity; readonly count: number }[];
}

/**
 * Every bucket of the aligned range, oldest first (empty ones included, so a chart needs no gap
 * filling), each with its counts summed over the hours (and counter shards) it holds.
 */
export function trendBuckets(counters: readonly HourCount[], range: EventRange, bucket: TrendBucket): TrendBucketCounts[] {
  const size = bucket === 'hour' ? HOUR_MS : DAY_MS;
  const sums = new Map<string, Map<string, number>>();
  for (const counter of counters) {
    const at = Date.parse(`${counter.hour}:00:00.000Z`);
    if (at < Date.parse(range.from) || at >= Date.parse(range.to)) continue;
    const start = new Date(Math.floor(at / size) * size).toISOString();
    const bucketSums = sums.get(start) ?? new Map<string, number>();
    sums.set(start, bucketSums);
    const key = `${counter.source}\u0000${counter.severity}`;
    bucketSums.set(key, (bucketSums.get(key) ?? 0) + counter.count);
  }
  const buckets: TrendBucketCounts[] = [];
  for (let at = Date.parse(range.from); at < Date.parse(range.to); at += size) {
    const start = new Date(at).toISOString();
    const counts = [...(sums.get(start) ?? new Map<string, number>())]
      .filter(([, count]) => count !== 0)
      .map(([key, count]) => {
        const [source, severity] = key.split('\u0000') as [string, EventSeverity];
        return { source, severity, count };
      })
      .sort((a, b) => a.source.localeCompare(b.source) || a.severity.localeCompare(b.severity));
    buckets.push({ start, total: counts.reduce((sum, c) => sum + c.count, 0), counts });
  }
  return buckets;
}
