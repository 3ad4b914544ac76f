import type { CapacityAction, CapacityMeasurement, CapacityMetric, Datapoint } from '../domain/capacity';
import type { ImprovementItem, ImprovementStatus } from '../domain/improvement';
import type { KnownErrorSummary, LinkedIncident } from '../domain/known-error-impact';
import type { ProblemState } from '../../problems/domain';
import type { Page, PageRequest } from '../../../kernel/app/ports';

/** Ports of the capacity report and the continual improvement register (reports function). */

/** Capacity measurements recorded through the API, one per action and instant. */
export interface CapacityMeasurements {
  /**
   * Stores the measurement unless one exists for its action and instant; answers the stored one
   * in that case (the caller tells a replay from a conflicting value).
   */
  record(measurement: CapacityMeasurement): Promise<{ readonly created: true } | { readonly created: false; readonly existing: CapacityMeasurement }>;
  /** Measurements of an action with `from <= at < to`, oldest first. */
  between(service: string, action: string, from: string, to: string): Promise<readonly CapacityMeasurement[]>;
}

/**
 * Datapoints of the CloudWatch metric a capacity action names (CloudWatch on AWS, a file locally).
 * Values are the metric's statistic as published (the use case applies `unitScale`); a metric
 * that cannot be read rejects, and the report answers with the recorded measurements only.
 */
export interface CapacitySource {
  /** Datapoints with `from <= at < to`, oldest first. */
  datapoints(action: CapacityAction & { readonly metric: CapacityMetric }, from: string, to: string): Promise<readonly Datapoint[]>;
}

/** What a bounded read found, and whether the bound stopped it before the end. */
export interface BoundedRead<T> {
  readonly items: readonly T[];
  readonly truncated: boolean;
}

/**
 * Reads of the problems table for known errors' ongoing impact in the service report: Queries
 * only, each paginated internally up to `bound` items evaluated.
 */
export interface KnownErrorImpactReader {
  /** Known errors whose fix is not implemented, newest first; only those naming `service` when given. */
  unfixedKnownErrors(service: string | undefined, bound: number): Promise<BoundedRead<KnownErrorSummary>>;
  /** Problems neither Resolved, Closed nor Canceled, with their state. */
  openProblems(bound: number): Promise<BoundedRead<{ readonly id: string; readonly state: ProblemState }>>;
  /** The incidents linked to a problem. */
  linkedIncidents(problemId: string, bound: number): Promise<BoundedRead<LinkedIncident>>;
}

/** The continual improvement register. */
export interface ImprovementRepository {
  /** Fails with AlreadyExistsError when the id is taken. */
  create(item: ImprovementItem): Promise<void>;
  get(id: string): Promise<ImprovementItem | undefined>;
  /** Stores the next version if the stored one is still `expectedVersion`; VersionConflictError otherwise. */
  save(item: ImprovementItem, expectedVersion: number): Promise<void>;
  /** By status, or all; oldest first. */
  list(status: ImprovementStatus | undefined, page: PageRequest): Promise<Page<ImprovementItem>>;
}
