import { alarmEventSeverity, findingEventSeverity, type MonitoringPolicy } from '../../src/modules/monitoring/domain/alarm-policy';
import { InvalidInputError } from '../../src/kernel/domain/domain-errors';
import { alignedRange, checkedEventRange, daysOf, trendBuckets, type HourCount } from '../../src/modules/monitoring/domain/event-trends';
import { parseTrendSortKey, trendCounterKeys, trendShard, TREND_SHARDS } from '../../src/modules/monitoring/adapters/events-table-keys';

const policy: MonitoringPolicy = {
  alarmRules: [{ namePattern: 'prod-*', severity: 'error' }, { namePattern: 'billing-*', severity: 'informational' }],
  defaultService: 'general',
  autoResolveOnOk: false,
};

describe('event severity', () => {
  test('an alarm in ALARM has its classification; OK and INSUFFICIENT_DATA are informational', () => {
    expect(alarmEventSeverity(policy, 'prod-api', 'ALARM')).toBe('error');
    expect(alarmEventSeverity(policy, 'dev-api', 'ALARM')).toBe('warning');
    expect(alarmEventSeverity(policy, 'billing-x', 'ALARM')).toBe('informational');
    expect(alarmEventSeverity(policy, 'prod-api', 'OK')).toBe('informational');
    expect(alarmEventSeverity(policy, 'prod-api', 'INSUFFICIENT_DATA')).toBe('informational');
  });

  test('active critical/high findings are errors, medium/low warnings; anything else informational', () => {
    expect(['critical', 'high', 'medium', 'low'].map((s) => findingEventSeverity(s as 'low', 'active'))).toEqual(['error', 'error', 'warning', 'warning']);
    expect(findingEventSeverity(undefined, 'active')).toBe('informational');
    expect(findingEventSeverity('critical', 'closed')).toBe('informational');
    expect(findingEventSeverity('high', 'suppressed')).toBe('informational');
  });
});

describe('ranges', () => {
  test('at most 31 days, after from; normalised to UTC', () => {
    expect(checkedEventRange({ from: '2026-01-01T01:00:00+01:00', to: '2026-02-01T00:00:00Z' })).toEqual({ from: '2026-01-01T00:00:00.000Z', to: '2026-02-01T00:00:00.000Z' });
    for (const to of ['2026-02-01T00:00:00.001Z', '2026-01-01T00:00:00Z', '2025-12-31T00:00:00Z']) {
      expect(() => checkedEventRange({ from: '2026-01-01T00:00:00Z', to })).toThrow(InvalidInputError);
    }
  });

  test('days touched by a half-open range', () => {
    expect(daysOf({ from: '2026-01-30T23:00:00.000Z', to: '2026-02-02T00:00:00.000Z' })).toEqual(['2026-01-30', '2026-01-31', '2026-02-01']);
    expect(daysOf({ from: '2026-01-01T10:00:00.000Z', to: '2026-01-01T10:00:00.001Z' })).toEqual(['2026-01-01']);
  });

  test('aligned to whole buckets', () => {
    const range = { from: '2026-01-01T10:20:00.000Z', to: '2026-01-01T12:00:00.001Z' };
    expect(alignedRange(range, 'hour')).toEqual({ from: '2026-01-01T10:00:00.000Z', to: '2026-01-01T13:00:00.000Z' });
    expect(alignedRange(range, 'day')).toEqual({ from: '2026-01-01T00:00:00.000Z', to: '2026-01-02T00:00:00.000Z' });
  });
});

describe('trend buckets', () => {
  const counters: HourCount[] = [
    { hour: '2026-01-01T10', source: 'aws.cloudwatch', severity: 'error', count: 2 },
    { hour: '2026-01-01T10', source: 'aws.cloudwatch', severity: 'error', count: 3 }, // another shard
    { hour: '2026-01-01T11', source: 'aws.guardduty', severity: 'warning', count: 1 },
    { hour: '2026-01-02T00', source: 'aws.cloudwatch', severity: 'informational', count: 4 },
    { hour: '2026-01-01T09', source: 'aws.cloudwatch', severity: 'error', count: 100 }, // before the range
  ];

  test('per hour: every bucket of the range, shards summed, hours outside left out', () => {
    const buckets = trendBuckets(counters, { from: '2026-01-01T10:00:00.000Z', to: '2026-01-01T13:00:00.000Z' }, 'hour');
    expect(buckets).toEqual([
      { start: '2026-01-01T10:00:00.000Z', total: 5, counts: [{ source: 'aws.cloudwatch', severity: 'error', count: 5 }] },
      { start: '2026-01-01T11:00:00.000Z', total: 1, counts: [{ source: 'aws.guardduty', severity: 'warning', count: 1 }] },
      { start: '2026-01-01T12:00:00.000Z', total: 0, counts: [] },
    ]);
  });

  test('per day: the sum of its hours', () => {
    const buckets = trendBuckets(counters, { from: '2026-01-01T00:00:00.000Z', to: '2026-01-03T00:00:00.000Z' }, 'day');
    expect(buckets.map((b) => [b.start, b.total])).toEqual([['2026-01-01T00:00:00.000Z', 106], ['2026-01-02T00:00:00.000Z', 4]]);
    expect(buckets[0]!.counts).toEqual([
      { source: 'aws.cloudwatch', severity: 'error', count: 105 },
      { source: 'aws.guardduty', severity: 'warning', count: 1 },
    ]);
  });
});

describe('counter keys', () => {
  test('shards are stable and within range; the sort key reads back', () => {
    const ids = Array.from({ length: 200 }, (_, i) => `event-${i}`);
    const shards = ids.map(trendShard);
    expect(shards.every((s) => s >= 0 && s < TREND_SHARDS)).toBe(true);
    expect(new Set(shards).size).toBe(TREND_SHARDS);
    expect(trendShard('event-7')).toBe(trendShard('event-7'));
    const keys = trendCounterKeys('2026-01-01T10', 'aws.cloudwatch', 'error', 3);
    expect(keys).toEqual({ key: { pk: 'TREND#2026-01-01T10#aws.cloudwatch#error#3' }, gsi1pk: 'TRENDS#2026-01-01', gsi1sk: '2026-01-01T10#aws.cloudwatch#error#3' });
    expect(parseTrendSortKey(keys.gsi1sk)).toEqual({ hour: '2026-01-01T10', source: 'aws.cloudwatch', severity: 'error' });
  });
});
