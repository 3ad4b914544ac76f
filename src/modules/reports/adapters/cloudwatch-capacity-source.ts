import { GetMetricDataCommand, type CloudWatchClient, type GetMetricDataCommandOutput } from '@aws-sdk/client-cloudwatch';
import type { CapacitySource } from '../app/report-ports';
import type { CapacityAction, CapacityMetric, Datapoint } from '../domain/capacity';

/** GetMetricData answers at most this many datapoints per call (CloudWatch's documented limit). */
export const MAX_DATAPOINTS_PER_CALL = 100_800;
/** Pages of one range at most (each up to MAX_DATAPOINTS_PER_CALL): a runaway NextToken cannot hold the report. */
const MAX_PAGES_PER_RANGE = 20;

/**
 * A capacity action's metric from CloudWatch (GetMetricData, one metric per call). The period is
 * the configured one — a longer period would change what the statistic means ("orders per hour") —
 * so a period that holds more than MAX_DATAPOINTS_PER_CALL periods (a year of 1-minute data) is
 * split into ranges that each fit; each range is paged with NextToken, oldest first.
 */
export class CloudWatchCapacitySource implements CapacitySource {
  constructor(private readonly client: Pick<CloudWatchClient, 'send'>) {}

  async datapoints(action: CapacityAction & { readonly metric: CapacityMetric }, from: string, to: string): Promise<readonly Datapoint[]> {
    const { metric } = action;
    const start = Date.parse(from);
    const end = Date.parse(to);
    const rangeMs = MAX_DATAPOINTS_PER_CALL * metric.periodSeconds * 1000;
    const points: Datapoint[] = [];
    for (let rangeStart = start; rangeStart < end; rangeStart += rangeMs) {
      const rangeEnd = Math.min(end, rangeStart + rangeMs);
      let nextToken: string | undefined;
      let pages = 0;
      do {
        if (++pages > MAX_PAGES_PER_RANGE) throw new Error(`GetMetricData for ${action.service}/${action.id} did not finish in ${MAX_PAGES_PER_RANGE} pages`);
        const page = await this.client.send(
          new GetMetricDataCommand({
            MetricDataQueries: [
              {
                Id: 'capacity',
                MetricStat: {
                  Metric: {
                    Namespace: metric.namespace,
                    MetricName: metric.metricName,
                    Dimensions: Object.entries(metric.dimensions).map(([Name, Value]) => ({ Name, Value })),
                  },
                  Period: metric.periodSeconds,
                  Stat: metric.statistic,
                },
                ReturnData: true,
              },
            ],
            StartTime: new Date(rangeStart),
            EndTime: new Date(rangeEnd),
            ScanBy: 'TimestampAscending',
            MaxDatapoints: MAX_DATAPOINTS_PER_CALL,
            ...(nextToken && { NextToken: nextToken }),
          }),
        );
        points.push(...datapointsOf(page, action));
        nextToken = page.NextToken;
      } while (nextToken);
    }
    // A datapoint is stamped with the start of its period: those starting in [from, to) only.
    return points.filter((p) => {
      const at = Date.parse(p.at);
      return at >= start && at < end;
    });
  }
}

/** The datapoints of a page; a result CloudWatch could not compute (Forbidden, InternalError) fails the read. */
function datapointsOf(page: GetMetricDataCommandOutput, action: Pick<CapacityAction, 'service' | 'id'>): Datapoint[] {
  const points: Datapoint[] = [];
  for (const result of page.MetricDataResults ?? []) {
    if (result.StatusCode === 'Forbidden' || result.StatusCode === 'InternalError') {
      const why = (result.Messages ?? []).map((m) => `${m.Code ?? ''} ${m.Value ?? ''}`.trim()).join('; ');
      throw new Error(`GetMetricData for ${action.service}/${action.id}: ${result.StatusCode}${why ? ` (${why})` : ''}`);
    }
    const timestamps = result.Timestamps ?? [];
    const values = result.Values ?? [];
    timestamps.forEach((timestamp, i) => {
      const value = values[i];
      if (value !== undefined && Number.isFinite(value)) points.push({ at: new Date(timestamp).toISOString(), value });
    });
  }
  return points;
}
