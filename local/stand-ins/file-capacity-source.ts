import { readFile } from 'node:fs/promises';
import type { CapacitySource } from '../../src/modules/reports/app/report-ports';
import type { CapacityAction, Datapoint } from '../../src/modules/reports/domain/capacity';

/**
 * A capacity metric's datapoints from a JSON file, `{ "<service>/<action>": [{ "at": ISO, "value":
 * n }, …] }`: the local runtime has no CloudWatch, so `.local/capacity-metrics.json` stands in for
 * the metrics actions name (values as the metric's statistic gives them; `unitScale` still applies).
 * Read on every report (no cache), so an edit applies at once. A missing file means no datapoints;
 * a file that is not such an object is a failed read (the report flags the metric unavailable).
 */
export class FileCapacitySource implements CapacitySource {
  constructor(private readonly path: string) {}

  async datapoints(action: Pick<CapacityAction, 'service' | 'id'>, from: string, to: string): Promise<readonly Datapoint[]> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const all: unknown = JSON.parse(text);
    if (typeof all !== 'object' || all === null || Array.isArray(all)) throw new Error(`${this.path}: expected an object of "<service>/<action>" → datapoints`);
    const key = `${action.service}/${action.id}`;
    const points: unknown = Object.hasOwn(all, key) ? (all as Record<string, unknown>)[key] : [];
    const valid = (p: unknown): p is Datapoint =>
      typeof p === 'object' && p !== null && typeof (p as Datapoint).at === 'string' && !Number.isNaN(Date.parse((p as Datapoint).at)) && Number.isFinite((p as Datapoint).value);
    if (!Array.isArray(points) || !points.every(valid)) throw new Error(`${this.path}: the datapoints of ${key} must be an array of { "at": ISO date-time, "value": number }`);
    const start = Date.parse(from);
    const end = Date.parse(to);
    return points
      .map((p) => ({ at: new Date(p.at).toISOString(), value: p.value }))
      .filter((p) => Date.parse(p.at) >= start && Date.parse(p.at) < end)
      .sort((a, b) => a.at.localeCompare(b.at));
  }
}
