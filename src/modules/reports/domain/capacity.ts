/**
 * Capacity arithmetic (README "Capacity"): pure, every instant a parameter. A capacity action is
 * a high-level measure agreed with the client for a service ("orders processed per hour") with a
 * design-time baseline and the capacity the service is built for; measurements are points in time.
 */
export interface CapacityAction {
  /** The action's key, unique per service (`orders`). */
  readonly id: string;
  readonly service: string;
  /** What is measured, as agreed with the client ("Orders processed per hour"). */
  readonly name: string;
  readonly unit: string;
  /** The load the service was designed for. */
  readonly baseline: number;
  /** The load the service can take; utilisation is measured against it. */
  readonly capacity: number;
  /** A CloudWatch metric whose datapoints are measurements too (besides those recorded through the API). */
  readonly metric?: CapacityMetric;
}

/** A CloudWatch metric named in config: each period's statistic is one measurement. */
export interface CapacityMetric {
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Readonly<Record<string, string>>;
  /** `Sum`, `Average`, `Maximum`, `Minimum`, `SampleCount` or a percentile `pNN`. */
  readonly statistic: string;
  /** A multiple of 60. */
  readonly periodSeconds: number;
  /** Each datapoint times this is in the action's unit; 1 when absent. */
  readonly unitScale?: number;
}

export interface Datapoint {
  readonly at: string;
  readonly value: number;
}

export interface CapacityMeasurement {
  readonly service: string;
  readonly action: string;
  /** ISO instant the value was measured at. */
  readonly at: string;
  readonly value: number;
  readonly recordedBy: string;
  readonly recordedAt: string;
}

export type TrendDirection = 'rising' | 'flat' | 'falling';

export interface CapacityTrend {
  /** Least-squares slope of value over time, in units per day; absent with fewer than two instants. */
  readonly slopePerDay?: number;
  readonly direction?: TrendDirection;
  /**
   * When the trend line reaches capacity: in the future while rising below capacity, in the past
   * when the trend is already over it (see `overCapacity`); absent when flat, falling or unknown.
   */
  readonly reachesCapacityAt?: string;
}

export interface CapacityFigures {
  readonly measurements: number;
  readonly mean?: number;
  readonly peak?: number;
  readonly peakAt?: string;
  /** 100 × mean / baseline: how the actual load compares with the design. */
  readonly meanVsBaselinePercent?: number;
  /** 100 × peak / capacity. */
  readonly peakUtilisationPercent?: number;
  /** capacity − peak (negative: the peak went over capacity). */
  readonly headroom?: number;
  /** 100 × headroom / capacity. */
  readonly headroomPercent?: number;
  /** The peak, or the trend at the last measurement, is at or over capacity. */
  readonly overCapacity: boolean;
  readonly trend: CapacityTrend;
}

const DAY_MS = 86_400_000;
const round = (value: number, places = 2) => Math.round(value * 10 ** places) / 10 ** places;

/**
 * Ordinary least squares of value over time (x in days since the first point). Undefined when the
 * points span a single instant (one point, or several at the same time): no trend can be drawn.
 */
export function leastSquares(points: readonly { readonly at: string; readonly value: number }[]): { slopePerDay: number; intercept: number; origin: number } | undefined {
  if (points.length < 2) return undefined;
  const origin = Math.min(...points.map((p) => Date.parse(p.at)));
  const xs = points.map((p) => (Date.parse(p.at) - origin) / DAY_MS);
  const meanX = xs.reduce((s, x) => s + x, 0) / xs.length;
  const meanY = points.reduce((s, p) => s + p.value, 0) / points.length;
  let sxx = 0;
  let sxy = 0;
  xs.forEach((x, i) => {
    sxx += (x - meanX) ** 2;
    sxy += (x - meanX) * (points[i]!.value - meanY);
  });
  if (sxx === 0) return undefined;
  const slopePerDay = sxy / sxx;
  return { slopePerDay, intercept: meanY - slopePerDay * meanX, origin };
}

/** Figures of one action over the measurements of a period. */
export function capacityFigures(action: Pick<CapacityAction, 'baseline' | 'capacity'>, points: readonly { readonly at: string; readonly value: number }[]): CapacityFigures {
  if (points.length === 0) return { measurements: 0, overCapacity: false, trend: {} };
  const sorted = [...points].sort((a, b) => a.at.localeCompare(b.at));
  const mean = sorted.reduce((s, p) => s + p.value, 0) / sorted.length;
  // The first of equal peaks: when the load first got that high.
  const peakPoint = sorted.reduce((best, p) => (p.value > best.value ? p : best), sorted[0]!);
  const headroom = action.capacity - peakPoint.value;
  const fit = leastSquares(sorted);
  let trend: CapacityTrend = {};
  let trendOver = false;
  if (fit) {
    const direction: TrendDirection = fit.slopePerDay > 0 ? 'rising' : fit.slopePerDay < 0 ? 'falling' : 'flat';
    const lastX = (Date.parse(sorted.at(-1)!.at) - fit.origin) / DAY_MS;
    trendOver = fit.intercept + fit.slopePerDay * lastX >= action.capacity;
    const reachesAt = direction === 'rising' ? fit.origin + ((action.capacity - fit.intercept) / fit.slopePerDay) * DAY_MS : undefined;
    trend = {
      slopePerDay: round(fit.slopePerDay, 4),
      direction,
      ...(reachesAt !== undefined && { reachesCapacityAt: new Date(Math.round(reachesAt)).toISOString() }),
    };
  }
  return {
    measurements: sorted.length,
    mean: round(mean),
    peak: peakPoint.value,
    peakAt: new Date(peakPoint.at).toISOString(),
    ...(action.baseline > 0 && { meanVsBaselinePercent: round((100 * mean) / action.baseline) }),
    peakUtilisationPercent: round((100 * peakPoint.value) / action.capacity),
    headroom: round(headroom),
    headroomPercent: round((100 * headroom) / action.capacity),
    overCapacity: peakPoint.value >= action.capacity || trendOver,
    trend,
  };
}

/**
 * The measurements of an action: those recorded through the API and the metric's datapoints
 * (scaled into the action's unit), one per instant. On the same instant the recorded one wins: it
 * was sent on purpose, typically to correct or fill in what the metric says.
 */
export function mergeMeasurements(recorded: readonly Datapoint[], datapoints: readonly Datapoint[], unitScale = 1): Datapoint[] {
  const byInstant = new Map<number, Datapoint>();
  for (const d of datapoints) byInstant.set(Date.parse(d.at), { at: new Date(d.at).toISOString(), value: d.value * unitScale });
  for (const r of recorded) byInstant.set(Date.parse(r.at), { at: new Date(r.at).toISOString(), value: r.value });
  return [...byInstant.entries()].sort(([a], [b]) => a - b).map(([, d]) => d);
}
