import { capacityImprovementScope, type Caller, type CapacityImprovementAction } from '../../../kernel/domain/access-policy';
import { ForbiddenError, NotFoundError, PreconditionRequiredError, LifecycleError } from '../../../kernel/domain/domain-errors';
import { assertVersionPrecondition, type VersionPrecondition } from '../../../kernel/domain/version-precondition';
import {
  changeImprovement,
  currentPeriod,
  improvementProgress,
  newImprovement,
  type ImprovementChanges,
  type ImprovementInput,
  type ImprovementItem,
  type ImprovementMeasure,
  type ImprovementProgress,
  type ImprovementStatus,
} from '../domain/improvement';
import { recordChangeEntry } from '../../audit/app';
import type { AuditLog, IdSource, Page, PageRequest } from '../../../kernel/app/ports';
import type { ImprovementRepository } from './report-ports';
import { availabilityReport, serviceReport, type ReportDeps } from './report-use-cases';

/**
 * The continual improvement register (README "Continual improvement"). An item's progress is
 * computed when it is read, from the same reports the desk reads (availability, service, SLA),
 * over the baseline period and over the last period of equal length up to now.
 */
export interface ImprovementDeps {
  readonly improvements: ImprovementRepository;
  readonly reports: ReportDeps;
  readonly ids: IdSource;
  readonly audit: AuditLog;
}

export type ImprovementView = ImprovementItem & { readonly progress?: ImprovementProgress };

function requireScope(caller: Caller, action: CapacityImprovementAction, what: string): void {
  if (capacityImprovementScope(caller, action) === 'none') throw new ForbiddenError(`Your role may not ${what}`, 'role');
}

/** The value of an item's metric over a period, read from the reports; undefined when the report has no such figure. */
export async function measure(deps: ReportDeps, caller: Caller, item: ImprovementMeasure, period: { readonly from: string; readonly to: string }): Promise<number | undefined> {
  switch (item.metric) {
    case 'availabilityPercent':
    case 'outageMinutes':
    case 'mtbfMinutes':
    case 'mtrsMinutes':
      return (await availabilityReport(deps, caller, { service: item.service!, ...period }))[item.metric];
    case 'mttaMinutes':
    case 'reopenRate':
    case 'incidentsOpened': {
      const report = await serviceReport({ aggregates: deps.aggregates, clock: deps.clock }, caller, { ...(item.service !== undefined && { service: item.service }), ...period });
      return item.metric === 'incidentsOpened' ? report.opened : report[item.metric];
    }
    case 'slaAchievedShare': {
      if (!deps.slaReport) return undefined;
      const report = (await deps.slaReport(caller, period)) as { rows: { priority: string; targets: { target: string; achievedShare?: number }[] }[] };
      return report.rows.find((r) => r.priority === item.priority)?.targets.find((t) => t.target === item.slaTarget)?.achievedShare;
    }
  }
}

async function progressOf(deps: ImprovementDeps, caller: Caller, item: ImprovementItem): Promise<ImprovementProgress> {
  const now = deps.reports.clock.now();
  const [baselineValue, currentValue] = await Promise.all([measure(deps.reports, caller, item, item.baseline), measure(deps.reports, caller, item, currentPeriod(item.baseline, now))]);
  return improvementProgress(item, { ...(baselineValue !== undefined && { baselineValue }), ...(currentValue !== undefined && { currentValue }) }, now);
}

export async function createImprovement(deps: ImprovementDeps, caller: Caller, input: ImprovementInput): Promise<ImprovementView> {
  requireScope(caller, 'improvement:manage', 'manage improvements');
  const item = newImprovement(input, deps.ids.newId(), caller.name, deps.reports.clock.now());
  await deps.improvements.create(item);
  await deps.audit.record(recordChangeEntry(caller, 'improvement:create', { type: 'improvement', id: item.id }, undefined, item));
  return { ...item, progress: await progressOf(deps, caller, item) };
}

export async function getImprovement(deps: ImprovementDeps, caller: Caller, id: string): Promise<ImprovementView> {
  requireScope(caller, 'improvement:read', 'read improvements');
  const item = await deps.improvements.get(id);
  if (!item) throw new NotFoundError(`Improvement ${id} not found`, 'id');
  return { ...item, progress: await progressOf(deps, caller, item) };
}

export async function listImprovements(deps: ImprovementDeps, caller: Caller, query: PageRequest & { readonly status?: ImprovementStatus }): Promise<Page<ImprovementItem>> {
  requireScope(caller, 'improvement:read', 'read improvements');
  const { status, ...page } = query;
  return deps.improvements.list(status, page);
}

export async function updateImprovement(deps: ImprovementDeps, caller: Caller, id: string, changes: ImprovementChanges, ifMatch: VersionPrecondition | undefined): Promise<ImprovementView> {
  requireScope(caller, 'improvement:manage', 'manage improvements');
  if (ifMatch === undefined) throw new PreconditionRequiredError('If-Match is required: send the ETag of the version you read (or * for any version)', 'If-Match');
  const current = await deps.improvements.get(id);
  if (!current) throw new NotFoundError(`Improvement ${id} not found`, 'id');
  assertVersionPrecondition(ifMatch, current.version);
  const next = changeImprovement(current, changes, caller.name, deps.reports.clock.now());
  const progress = await progressOf(deps, caller, next);
  // Achieved is a fact the reports show, not a claim: the status follows the computed value.
  if (next.status === 'achieved' && current.status !== 'achieved' && !progress.achieved) {
    throw new LifecycleError(`The current value (${progress.currentValue ?? 'none'}) does not meet the target ${next.target.value}; the improvement is not achieved`, 'status');
  }
  await deps.improvements.save(next, current.version);
  await deps.audit.record(recordChangeEntry(caller, 'improvement:update', { type: 'improvement', id }, current, next));
  return { ...next, progress };
}
