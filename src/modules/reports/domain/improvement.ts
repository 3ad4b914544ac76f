import { InvalidInputError, LifecycleError, type FieldIssue } from '../../../kernel/domain/domain-errors';

/**
 * The continual improvement register (README "Continual improvement"): improvement items with a
 * baseline measured over a fixed period, a SMART target, an owner and a status. Progress is never
 * typed in: it is computed from the same report figures (`improvementProgress`).
 */
export const IMPROVEMENT_METRICS = [
  'availabilityPercent',
  'outageMinutes',
  'mtbfMinutes',
  'mtrsMinutes',
  'mttaMinutes',
  'reopenRate',
  'incidentsOpened',
  'slaAchievedShare',
] as const;
export type ImprovementMetric = (typeof IMPROVEMENT_METRICS)[number];

/** Figures of the availability report: per service only. */
export const SERVICE_ONLY_METRICS: ReadonlySet<ImprovementMetric> = new Set(['availabilityPercent', 'outageMinutes', 'mtbfMinutes', 'mtrsMinutes']);

export const IMPROVEMENT_STATUSES = ['proposed', 'approved', 'in progress', 'achieved', 'abandoned'] as const;
export type ImprovementStatus = (typeof IMPROVEMENT_STATUSES)[number];

const NEXT: Readonly<Record<ImprovementStatus, readonly ImprovementStatus[]>> = {
  proposed: ['approved', 'abandoned'],
  approved: ['in progress', 'abandoned'],
  'in progress': ['achieved', 'abandoned'],
  achieved: [],
  abandoned: [],
};

export interface ImprovementTarget {
  readonly value: number;
  readonly direction: 'increase' | 'decrease';
  /** ISO instant by which the value should be reached. */
  readonly deadline: string;
}

/** What the baseline measures: the metric, and for SLA shares which priority and target. */
export interface ImprovementMeasure {
  readonly metric: ImprovementMetric;
  /** The service measured; absent: every service. */
  readonly service?: string;
  /** slaAchievedShare only. */
  readonly priority?: string;
  /** slaAchievedShare only: acknowledge, respond or resolve. */
  readonly slaTarget?: string;
}

export interface ImprovementInput extends ImprovementMeasure {
  readonly title: string;
  readonly description?: string;
  readonly baseline: { readonly from: string; readonly to: string };
  readonly target: ImprovementTarget;
  /** Username of the person accountable. */
  readonly owner: string;
}

export interface ImprovementItem extends ImprovementInput {
  readonly id: string;
  readonly status: ImprovementStatus;
  readonly version: number;
  readonly createdAt: string;
  readonly createdBy: string;
  readonly updatedAt: string;
  readonly updatedBy: string;
}

export type ImprovementChanges = Partial<Omit<ImprovementInput, 'description'>> & { readonly description?: string; readonly status?: ImprovementStatus };

/** The longest baseline period: as long as a report may be. */
export const MAX_BASELINE_DAYS = 366;

function measureIssues(item: ImprovementInput, now: Date): FieldIssue[] {
  const issues: FieldIssue[] = [];
  if (SERVICE_ONLY_METRICS.has(item.metric) && item.service === undefined) {
    issues.push({ field: 'service', message: `is required for ${item.metric} (an availability figure is per service)` });
  }
  if (item.metric === 'slaAchievedShare') {
    if (item.service !== undefined) issues.push({ field: 'service', message: 'must be omitted for slaAchievedShare (SLA compliance is reported for every service)' });
    if (item.priority === undefined) issues.push({ field: 'priority', message: 'is required for slaAchievedShare' });
    if (item.slaTarget === undefined) issues.push({ field: 'slaTarget', message: 'is required for slaAchievedShare' });
  } else {
    if (item.priority !== undefined) issues.push({ field: 'priority', message: 'applies to slaAchievedShare only' });
    if (item.slaTarget !== undefined) issues.push({ field: 'slaTarget', message: 'applies to slaAchievedShare only' });
  }
  const from = Date.parse(item.baseline.from);
  const to = Date.parse(item.baseline.to);
  if (to <= from) issues.push({ field: 'baseline.to', message: 'must be after baseline.from' });
  else if (to - from > MAX_BASELINE_DAYS * 86_400_000) issues.push({ field: 'baseline.to', message: `the baseline period may be at most ${MAX_BASELINE_DAYS} days` });
  if (to > now.getTime()) issues.push({ field: 'baseline.to', message: 'must not be in the future: a baseline is measured' });
  if (Date.parse(item.target.deadline) <= to) issues.push({ field: 'target.deadline', message: 'must be after the baseline period' });
  return issues;
}

export function newImprovement(input: ImprovementInput, id: string, actor: string, now: Date): ImprovementItem {
  const issues = measureIssues(input, now);
  if (issues.length > 0) throw new InvalidInputError(issues);
  const at = now.toISOString();
  return { ...input, id, status: 'proposed', version: 1, createdAt: at, createdBy: actor, updatedAt: at, updatedBy: actor };
}

/** Fields that define what is measured: fixed once the item is approved, so a baseline cannot be moved to flatter a result. */
const MEASURE_FIELDS = ['metric', 'service', 'priority', 'slaTarget', 'baseline'] as const;

export function changeImprovement(current: ImprovementItem, changes: ImprovementChanges, actor: string, now: Date): ImprovementItem {
  if (current.status === 'achieved' || current.status === 'abandoned') {
    throw new LifecycleError(`An improvement that is ${current.status} cannot change`, 'status');
  }
  const fixed = MEASURE_FIELDS.find((f) => changes[f] !== undefined);
  if (fixed && current.status !== 'proposed') throw new LifecycleError(`${fixed} is fixed once the improvement is approved`, fixed);
  if (changes.status !== undefined && changes.status !== current.status && !NEXT[current.status].includes(changes.status)) {
    const allowed = NEXT[current.status];
    throw new LifecycleError(`An improvement that is ${current.status} cannot become ${changes.status}; allowed: ${allowed.join(', ')}`, 'status');
  }
  const next: ImprovementItem = { ...current, ...changes, version: current.version + 1, updatedAt: now.toISOString(), updatedBy: actor };
  if (fixed) {
    const issues = measureIssues(next, now);
    if (issues.length > 0) throw new InvalidInputError(issues);
  }
  if (changes.target !== undefined && Date.parse(next.target.deadline) <= Date.parse(next.baseline.to)) {
    throw new InvalidInputError([{ field: 'target.deadline', message: 'must be after the baseline period' }]);
  }
  return next;
}

/** The period the current value is measured over: as long as the baseline, ending now. */
export function currentPeriod(baseline: { readonly from: string; readonly to: string }, now: Date): { from: string; to: string } {
  const length = Date.parse(baseline.to) - Date.parse(baseline.from);
  return { from: new Date(now.getTime() - length).toISOString(), to: now.toISOString() };
}

export interface ImprovementProgress {
  readonly baselineValue?: number;
  readonly currentValue?: number;
  readonly currentPeriod: { readonly from: string; readonly to: string };
  /** 100 × (current − baseline) / (target − baseline): 0 at the baseline, 100 at the target; may be negative or over 100. */
  readonly progressPercent?: number;
  /** Share of the time from the end of the baseline to the deadline gone by, in % (a straight-line plan). */
  readonly expectedPercent: number;
  /** The current value meets the target. */
  readonly achieved: boolean;
  /** Achieved, or progress at least what the straight-line plan expects by now and the deadline not passed; absent when a value is missing. */
  readonly onTrack?: boolean;
  /** Why a value is missing (e.g. no failure in the period: no MTBF). */
  readonly note?: string;
}

const round1 = (n: number) => Math.round(n * 10) / 10;

export function improvementProgress(
  item: Pick<ImprovementItem, 'baseline' | 'target'>,
  values: { readonly baselineValue?: number; readonly currentValue?: number },
  now: Date,
): ImprovementProgress {
  const period = currentPeriod(item.baseline, now);
  const start = Date.parse(item.baseline.to);
  const deadline = Date.parse(item.target.deadline);
  const expectedPercent = round1(100 * Math.min(1, Math.max(0, (now.getTime() - start) / (deadline - start))));
  const { baselineValue, currentValue } = values;
  const base = { currentPeriod: period, expectedPercent, ...(baselineValue !== undefined && { baselineValue }), ...(currentValue !== undefined && { currentValue }) };
  if (currentValue === undefined || baselineValue === undefined) {
    return { ...base, achieved: false, note: `no ${baselineValue === undefined ? 'baseline' : 'current'} value: the report has no such figure for that period` };
  }
  const achieved = item.target.direction === 'increase' ? currentValue >= item.target.value : currentValue <= item.target.value;
  const span = item.target.value - baselineValue;
  const progressPercent = span === 0 ? (achieved ? 100 : 0) : round1((100 * (currentValue - baselineValue)) / span);
  const onTrack = achieved || (now.getTime() < deadline && progressPercent >= expectedPercent);
  return { ...base, progressPercent, achieved, onTrack };
}
