import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetMetricDataCommand, type GetMetricDataCommandInput, type GetMetricDataCommandOutput } from '@aws-sdk/client-cloudwatch';
import { CloudWatchCapacitySource, MAX_DATAPOINTS_PER_CALL } from '../../src/modules/reports/adapters/cloudwatch-capacity-source';
import { FileCapacitySource } from '../../local/stand-ins/file-capacity-source';
import { capacityReport } from '../../src/modules/reports/app/capacity-use-cases';
import type { CapacityMeasurements, CapacitySource } from '../../src/modules/reports/app/report-ports';
import type { Caller } from '../../src/kernel/domain/access-policy';
import { mergeMeasurements, type CapacityAction, type CapacityMeasurement, type CapacityMetric } from '../../src/modules/reports/domain/capacity';

/**
 * Capacity measurements from a CloudWatch metric named in config (README "Capacity"): the
 * GetMetricData adapter against a fake client at the port (CloudWatch cannot run here), the local
 * file source, and the report merging metric datapoints with recorded measurements.
 */
const metric: CapacityMetric = { namespace: 'WebShop', metricName: 'OrdersProcessed', dimensions: { Environment: 'production', Region: 'eu' }, statistic: 'p99', periodSeconds: 3600 };
const action: CapacityAction & { metric: CapacityMetric } = { service: 'web-shop', id: 'orders', name: 'Orders per hour', unit: 'orders/hour', baseline: 400, capacity: 1000, metric };
const hour = (h: number) => new Date(Date.UTC(2026, 10, 1) + h * 3_600_000).toISOString();

/** A CloudWatchClient at the port: answers each GetMetricData from `answer`, keeps what was asked. */
class FakeCloudWatch {
  readonly inputs: GetMetricDataCommandInput[] = [];
  constructor(private readonly answer: (input: GetMetricDataCommandInput, call: number) => Partial<GetMetricDataCommandOutput>) {}
  async send(command: unknown): Promise<unknown> {
    expect(command).toBeInstanceOf(GetMetricDataCommand);
    const input = (command as GetMetricDataCommand).input;
    this.inputs.push(input);
    return this.answer(input, this.inputs.length - 1);
  }
}
const result = (hours: number[], values: number[], extra: object = {}) => ({
  MetricDataResults: [{ Id: 'capacity', Label: 'OrdersProcessed', StatusCode: 'Complete' as const, Timestamps: hours.map((h) => new Date(hour(h))), Values: values, ...extra }],
});

describe('the CloudWatch capacity source (GetMetricData)', () => {
  test('asks for the metric, its dimensions, period and statistic, oldest first; answers datapoints in [from, to)', async () => {
    const cw = new FakeCloudWatch(() => result([0, 1, 2, 3], [10, 20, 30, 40]));
    const points = await new CloudWatchCapacitySource(cw).datapoints(action, hour(0), hour(3));
    expect(points).toEqual([{ at: hour(0), value: 10 }, { at: hour(1), value: 20 }, { at: hour(2), value: 30 }]);
    expect(cw.inputs).toEqual([
      {
        MetricDataQueries: [
          {
            Id: 'capacity',
            MetricStat: {
              Metric: { Namespace: 'WebShop', MetricName: 'OrdersProcessed', Dimensions: [{ Name: 'Environment', Value: 'production' }, { Name: 'Region', Value: 'eu' }] },
              Period: 3600,
              Stat: 'p99',
            },
            ReturnData: true,
          },
        ],
        StartTime: new Date(hour(0)),
        EndTime: new Date(hour(3)),
        ScanBy: 'TimestampAscending',
        MaxDatapoints: MAX_DATAPOINTS_PER_CALL,
      },
    ]);
  });

  test.each(['Sum', 'Average', 'Maximum', 'Minimum', 'SampleCount', 'p50', 'p99.9'])('the statistic %s is sent as the Stat', async (statistic) => {
    const cw = new FakeCloudWatch(() => result([], []));
    await new CloudWatchCapacitySource(cw).datapoints({ ...action, metric: { ...metric, statistic } }, hour(0), hour(1));
    expect(cw.inputs[0]!.MetricDataQueries![0]!.MetricStat!.Stat).toBe(statistic);
  });

  test('follows NextToken until the last page', async () => {
    const cw = new FakeCloudWatch((_input, call) =>
      call === 0 ? { ...result([0], [1], { StatusCode: 'PartialData' }), NextToken: 'page-2' } : call === 1 ? { ...result([1], [2], { StatusCode: 'PartialData' }), NextToken: 'page-3' } : result([2], [3]),
    );
    const points = await new CloudWatchCapacitySource(cw).datapoints(action, hour(0), hour(24));
    expect(points.map((p) => p.value)).toEqual([1, 2, 3]);
    expect(cw.inputs.map((i) => i.NextToken)).toEqual([undefined, 'page-2', 'page-3']);
  });

  test('a period holding more than 100,800 datapoints is split into ranges that each fit', async () => {
    // A year of one-minute data: 527,040 periods → 6 ranges (5 of 100,800 minutes, then the rest).
    const cw = new FakeCloudWatch(() => result([], []));
    const from = '2026-01-01T00:00:00.000Z';
    const to = '2027-01-01T00:00:00.000Z';
    await new CloudWatchCapacitySource(cw).datapoints({ ...action, metric: { ...metric, periodSeconds: 60 } }, from, to);
    expect(cw.inputs).toHaveLength(6);
    const minutes = cw.inputs.map((i) => ((i.EndTime as Date).getTime() - (i.StartTime as Date).getTime()) / 60_000);
    expect(minutes.every((m) => m <= MAX_DATAPOINTS_PER_CALL)).toBe(true);
    expect(minutes.reduce((a, b) => a + b, 0)).toBe(365 * 24 * 60);
    expect((cw.inputs[0]!.StartTime as Date).toISOString()).toBe(from);
    expect((cw.inputs.at(-1)!.EndTime as Date).toISOString()).toBe(to);
    cw.inputs.slice(1).forEach((input, i) => expect(input.StartTime).toEqual(cw.inputs[i]!.EndTime));
    // Hourly data over a year fits one call.
    const hourly = new FakeCloudWatch(() => result([], []));
    await new CloudWatchCapacitySource(hourly).datapoints(action, from, to);
    expect(hourly.inputs).toHaveLength(1);
  });

  test('a result CloudWatch refused or failed, or a failed call, rejects', async () => {
    const forbidden = new FakeCloudWatch(() => result([], [], { StatusCode: 'Forbidden', Messages: [{ Code: 'Forbidden', Value: 'not authorised' }] }));
    await expect(new CloudWatchCapacitySource(forbidden).datapoints(action, hour(0), hour(1))).rejects.toThrow(/web-shop\/orders: Forbidden \(Forbidden not authorised\)/);
    const failed = new FakeCloudWatch(() => result([], [], { StatusCode: 'InternalError' }));
    await expect(new CloudWatchCapacitySource(failed).datapoints(action, hour(0), hour(1))).rejects.toThrow(/InternalError/);
    const throttled = { send: async () => Promise.reject(Object.assign(new Error('Rate exceeded'), { name: 'Throttling' })) };
    await expect(new CloudWatchCapacitySource(throttled).datapoints(action, hour(0), hour(1))).rejects.toThrow('Rate exceeded');
  });
});

describe('the local file of capacity metrics', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'capacity-metrics-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('answers the action\'s datapoints in [from, to), oldest first, and picks up edits at once', async () => {
    const file = join(dir, 'capacity-metrics.json');
    writeFileSync(file, JSON.stringify({ 'web-shop/orders': [{ at: hour(2), value: 3 }, { at: hour(0), value: 1 }, { at: hour(5), value: 9 }], 'email/messages': [{ at: hour(0), value: 7 }] }));
    const source = new FileCapacitySource(file);
    expect(await source.datapoints(action, hour(0), hour(5))).toEqual([{ at: hour(0), value: 1 }, { at: hour(2), value: 3 }]);
    writeFileSync(file, JSON.stringify({}));
    expect(await source.datapoints(action, hour(0), hour(5))).toEqual([]);
  });

  test('a missing file means no datapoints; a malformed one is a failed read', async () => {
    expect(await new FileCapacitySource(join(dir, 'none.json')).datapoints(action, hour(0), hour(5))).toEqual([]);
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ 'web-shop/orders': [{ at: 'yesterday', value: 1 }] }));
    await expect(new FileCapacitySource(file).datapoints(action, hour(0), hour(5))).rejects.toThrow('web-shop/orders');
    writeFileSync(file, '[1, 2]');
    await expect(new FileCapacitySource(file).datapoints(action, hour(0), hour(5))).rejects.toThrow('expected an object');
  });
});

describe('merging recorded measurements with the metric', () => {
  test('on the same instant the recorded measurement wins; datapoints are scaled into the unit', () => {
    const merged = mergeMeasurements([{ at: hour(1), value: 500 }], [{ at: hour(0), value: 1 }, { at: '2026-11-01T01:00:00Z', value: 2 }, { at: hour(2), value: 3 }], 60);
    expect(merged).toEqual([{ at: hour(0), value: 60 }, { at: hour(1), value: 500 }, { at: hour(2), value: 180 }]);
  });
});

describe('the capacity report with a metric', () => {
  const agent: Caller = { id: 'agent-id', name: 'alice', roles: ['agent'] };
  const recorded: CapacityMeasurement[] = [{ service: 'web-shop', action: 'orders', at: hour(1), value: 900, recordedBy: 'olga', recordedAt: hour(1) }];
  const measurements: CapacityMeasurements = {
    record: async () => ({ created: true }),
    between: async (service, id) => (service === 'web-shop' && id === 'orders' ? recorded : []),
  };
  const clock = { now: () => new Date(hour(48)) };
  const plain: CapacityAction = { service: 'web-shop', id: 'logins', name: 'Logins per hour', unit: 'logins/hour', baseline: 10, capacity: 40 };
  const deps = (metrics: CapacitySource, onMetricFailure?: (e: unknown, a: CapacityAction) => void) => ({
    actions: [{ ...action, metric: { ...metric, unitScale: 2 } }, plain],
    measurements,
    metrics,
    clock,
    ...(onMetricFailure && { onMetricFailure }),
  });
  const query = { service: 'web-shop', from: hour(0), to: hour(24) };

  test('figures over the recorded measurements and the scaled datapoints; the sources counted', async () => {
    const metrics: CapacitySource = { datapoints: async () => [{ at: hour(0), value: 100 }, { at: hour(1), value: 1 }, { at: hour(2), value: 300 }] };
    const report = await capacityReport(deps(metrics), agent, query);
    expect(report.actions[0]).toMatchObject({ action: 'orders', sources: { api: 1, metric: 2 }, metricSource: 'available', measurements: 3, peak: 900, peakAt: hour(1), mean: 566.67 });
    // An action naming no metric says nothing about one.
    expect(report.actions[1]).toEqual({ action: 'logins', name: 'Logins per hour', unit: 'logins/hour', baseline: 10, capacity: 40, sources: { api: 0 }, measurements: 0, overCapacity: false, trend: {} });
  });

  test('a metric that cannot be read: the report answers with the recorded measurements and flags it unavailable', async () => {
    const failures: string[] = [];
    const metrics: CapacitySource = { datapoints: async () => Promise.reject(new Error('AccessDenied')) };
    const report = await capacityReport(deps(metrics, (e, a) => failures.push(`${a.id}: ${(e as Error).message}`)), agent, query);
    expect(report.actions[0]).toMatchObject({ sources: { api: 1, metric: 0 }, metricSource: 'unavailable', measurements: 1, peak: 900 });
    expect(failures).toEqual(['orders: AccessDenied']);
  });
});
