import { capacityImprovementScope, type Caller } from '../../../kernel/domain/access-policy';
import { capacityFigures, mergeMeasurements, type CapacityAction, type CapacityFigures, type CapacityMeasurement, type Datapoint } from '../domain/capacity';
import { AlreadyExistsError, ForbiddenError, InvalidInputError, NotFoundError } from '../../../kernel/domain/domain-errors';
import { recordChangeEntry } from '../../audit/app';
import type { AuditLog, Clock } from '../../../kernel/app/ports';
import type { ServiceCatalogue } from '../../catalogue/app';
import { checkedPeriod } from './report-use-cases';
import type { CapacityMeasurements, CapacitySource } from './report-ports';

/**
 * Capacity (README "Capacity"): measurements of the actions agreed with the client arrive through
 * the API, and from the CloudWatch metric an action names (read at report time); the report merges
 * both, compares them with the action's baseline and capacity and draws the trend.
 */
export interface CapacityDeps {
  readonly actions: readonly CapacityAction[];
  readonly measurements: CapacityMeasurements;
  /** The metrics actions name in config; absent when no action names one. */
  readonly metrics?: CapacitySource;
  /** A metric could not be read: the report goes on with the recorded measurements (`metricSource: 'unavailable'`). */
  readonly onMetricFailure?: (error: unknown, action: CapacityAction) => void;
  readonly services: ServiceCatalogue;
  readonly clock: Clock;
  readonly audit: AuditLog;
}

/** A measurement may be a little ahead of our clock (the sender's clock skew), never more. */
const MAX_FUTURE_MS = 5 * 60_000;

export async function recordCapacityMeasurement(
  deps: CapacityDeps,
  caller: Caller,
  serviceId: string,
  input: { readonly action: string; readonly at: string; readonly value: number },
): Promise<{ readonly measurement: CapacityMeasurement; readonly created: boolean }> {
  const scope = capacityImprovementScope(caller, 'capacity:record');
  if (scope === 'none') throw new ForbiddenError('Your role may not record capacity measurements', 'role');
  const service = await deps.services.getService(serviceId);
  if (!service) throw new NotFoundError(`Service ${serviceId} not found`, 'id');
  if (scope === 'own' && service.owner.username !== caller.name) {
    throw new ForbiddenError(`Only the owner of ${serviceId} or an admin may record its capacity measurements`, 'id');
  }
  const action = deps.actions.find((a) => a.service === serviceId && a.id === input.action);
  if (!action) {
    const agreed = deps.actions.filter((a) => a.service === serviceId).map((a) => a.id);
    throw new InvalidInputError([{ field: 'action', message: `is not a capacity action agreed for ${serviceId} (${agreed.length ? agreed.join(', ') : 'none configured'})` }]);
  }
  const now = deps.clock.now();
  const at = new Date(input.at);
  if (at.getTime() > now.getTime() + MAX_FUTURE_MS) throw new InvalidInputError([{ field: 'at', message: 'must not be in the future' }]);
  const measurement: CapacityMeasurement = { service: serviceId, action: action.id, at: at.toISOString(), value: input.value, recordedBy: caller.name, recordedAt: now.toISOString() };
  const result = await deps.measurements.record(measurement);
  if (!result.created) {
    // Idempotent on action + instant: the same value again is a replay; another value is a conflict.
    if (result.existing.value === input.value) return { measurement: result.existing, created: false };
    throw new AlreadyExistsError(`${action.id} at ${measurement.at} was recorded already with value ${result.existing.value}`, 'at');
  }
  await deps.audit.record(recordChangeEntry(caller, 'capacity:record', { type: 'capacity', id: `${serviceId}/${action.id}/${measurement.at}` }, undefined, measurement));
  return { measurement, created: true };
}

export type MetricSource = 'available' | 'unavailable';

export interface CapacityReport {
  readonly service: string;
  readonly from: string;
  readonly to: string;
  readonly asOf: string;
  readonly actions: readonly ({
    action: string;
    name: string;
    unit: string;
    baseline: number;
    capacity: number;
    /** How many of the measurements came from each source (after merging: the recorded one wins an instant). */
    sources: { api: number; metric?: number };
    /** Only for actions naming a metric: whether it could be read. */
    metricSource?: MetricSource;
  } & CapacityFigures)[];
}

type MeasuredAction = { readonly recorded: readonly Datapoint[]; readonly datapoints: readonly Datapoint[]; readonly metricSource?: MetricSource };

async function measure(deps: Pick<CapacityDeps, 'measurements' | 'metrics' | 'onMetricFailure'>, action: CapacityAction, from: string, to: string): Promise<MeasuredAction> {
  const metric = action.metric;
  const [recorded, read] = await Promise.all([
    deps.measurements.between(action.service, action.id, from, to),
    metric && deps.metrics
      ? deps.metrics.datapoints({ ...action, metric }, from, to).then(
          (datapoints) => ({ datapoints, metricSource: 'available' as const }),
          (error: unknown) => {
            deps.onMetricFailure?.(error, action);
            return { datapoints: [], metricSource: 'unavailable' as const };
          },
        )
      : Promise.resolve(metric ? { datapoints: [], metricSource: 'unavailable' as const } : { datapoints: [] }),
  ]);
  return { recorded, ...read };
}

export async function capacityReport(
  deps: Pick<CapacityDeps, 'actions' | 'measurements' | 'metrics' | 'onMetricFailure' | 'clock'>,
  caller: Caller,
  query: { readonly service: string; readonly from: string; readonly to: string },
): Promise<CapacityReport> {
  const { from, to } = checkedPeriod(caller, query);
  const actions = deps.actions.filter((a) => a.service === query.service);
  const measured = await Promise.all(actions.map((a) => measure(deps, a, from, to)));
  return {
    service: query.service,
    from,
    to,
    asOf: deps.clock.now().toISOString(),
    actions: actions.map((a, i) => {
      const { recorded, datapoints, metricSource } = measured[i]!;
      const points = mergeMeasurements(recorded, datapoints, a.metric?.unitScale);
      return {
        action: a.id,
        name: a.name,
        unit: a.unit,
        baseline: a.baseline,
        capacity: a.capacity,
        sources: { api: recorded.length, ...(a.metric && { metric: points.length - recorded.length }) },
        ...(metricSource && { metricSource }),
        ...capacityFigures(a, points),
      };
    }),
  };
}
