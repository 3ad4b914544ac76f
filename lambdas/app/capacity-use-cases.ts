import { capacityImprovementScope, type Caller } from '../domain/access-policy';
import { capacityFigures, type CapacityAction, type CapacityFigures, type CapacityMeasurement } from '../domain/capacity';
import { AlreadyExistsError, ForbiddenError, InvalidInputError, NotFoundError } from '../domain/domain-errors';
import { recordChangeEntry } from './audit-use-cases';
import type { AuditLog, Clock, ServiceCatalogue } from './ports';
import { checkedPeriod } from './report-use-cases';
import type { CapacityMeasurements } from './report-ports';

/**
 * Capacity (README "Capacity"): measurements of the actions agreed with the client arrive through
 * the API; the report compares them with the action's baseline and capacity and draws the trend.
 */
export interface CapacityDeps {
  readonly actions: readonly CapacityAction[];
  readonly measurements: CapacityMeasurements;
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

export interface CapacityReport {
  readonly service: string;
  readonly from: string;
  readonly to: string;
  readonly asOf: string;
  readonly source: 'api';
  readonly actions: readonly ({ action: string; name: string; unit: string; baseline: number; capacity: number } & CapacityFigures)[];
}

export async function capacityReport(deps: Pick<CapacityDeps, 'actions' | 'measurements' | 'clock'>, caller: Caller, query: { readonly service: string; readonly from: string; readonly to: string }): Promise<CapacityReport> {
  const { from, to } = checkedPeriod(caller, query);
  const actions = deps.actions.filter((a) => a.service === query.service);
  const measured = await Promise.all(actions.map((a) => deps.measurements.between(a.service, a.id, from, to)));
  return {
    service: query.service,
    from,
    to,
    asOf: deps.clock.now().toISOString(),
    source: 'api',
    actions: actions.map((a, i) => ({ action: a.id, name: a.name, unit: a.unit, baseline: a.baseline, capacity: a.capacity, ...capacityFigures(a, measured[i]!) })),
  };
}
