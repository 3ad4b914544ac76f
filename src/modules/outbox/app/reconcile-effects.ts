import { deliverOutboxItem, type EffectDeliveryDeps } from './deliver-effects';
import type { EffectKind } from '../domain/effects';

/** One clock generation of an open incident: the SLA workflow execution that should be driving it. */
export interface OpenSlaClock {
  readonly incidentId: string;
  readonly generation: number;
}

/** Open incidents (New, In Progress, On Hold) with their current clock generation (adapters/dynamodb-open-sla-clocks.ts). */
export interface OpenSlaClocks {
  /**
   * Open incidents last changed before `changedBefore` (a change newer than that may still have its
   * effects in flight), at most `limit`; `truncated` when more were left unread.
   */
  changedBefore(changedBefore: string, limit: number): Promise<{ readonly clocks: readonly OpenSlaClock[]; readonly truncated: boolean }>;
}

/** Whether the SLA workflow has an execution for a generation (DescribeExecution on its deterministic name). */
export interface SlaExecutions {
  exists(run: OpenSlaClock): Promise<boolean>;
}

export interface ReconcileDeps extends EffectDeliveryDeps {
  readonly clocks: OpenSlaClocks;
  readonly executions: SlaExecutions;
  readonly clock: { now(): Date };
}

export interface ReconcileSettings {
  /** Effects and changes younger than this are left to the stream consumer. */
  readonly graceMs: number;
  /** Outbox items read per run (oldest first). */
  readonly outboxLimit: number;
  /** Open incidents checked per run. */
  readonly incidentLimit: number;
}

export const RECONCILE_SETTINGS: ReconcileSettings = { graceMs: 5 * 60_000, outboxLimit: 200, incidentLimit: 1_000 };

export type RepairKind = EffectKind | 'sla-execution';

export interface ReconcileOutcome {
  /** Repairs per kind: outbox items still undelivered past the grace (by effect kind), and missing SLA executions started. */
  readonly repaired: Readonly<Partial<Record<RepairKind, number>>>;
  /** Outbox items past the grace that the consumer deleted meanwhile (nothing to repair). */
  readonly alreadyDelivered: number;
  /** Repairs that failed this run (left for the next run, or the consumer's retries). */
  readonly failed: number;
  readonly incidentsChecked: number;
  /** The run read its limit of outbox items or incidents: the next run goes on. */
  readonly truncated: boolean;
}

/**
 * What slipped through the outbox anyway, found and repaired (a scheduled job):
 * 1. outbox items older than the grace and still there (the stream lost them, or their batch went
 *    to the failure queue): delivered through the consumer's own use case (read again, delivered,
 *    deleted; idempotent by effect id), oldest first;
 * 2. open incidents whose current clock generation has no SLA workflow execution (an effect lost
 *    before the outbox existed, or deleted by hand): the execution is started through the same
 *    scheduler, under its deterministic name, so a concurrent start cannot make two.
 * Every repair is counted: a repair means something failed silently (the alarm on EffectsRepaired).
 * One failure does not stop the run; it is counted and left for the next.
 */
export async function reconcileEffects(
  deps: ReconcileDeps,
  settings: ReconcileSettings = RECONCILE_SETTINGS,
  onFailure?: (error: unknown, what: string) => void,
): Promise<ReconcileOutcome> {
  const repaired: Partial<Record<RepairKind, number>> = {};
  const count = (kind: RepairKind) => (repaired[kind] = (repaired[kind] ?? 0) + 1);
  let alreadyDelivered = 0;
  let failed = 0;
  const before = new Date(deps.clock.now().getTime() - settings.graceMs).toISOString();

  const stale = await deps.outbox.undeliveredBefore(before, settings.outboxLimit);
  for (const item of stale) {
    try {
      const outcome = await deliverOutboxItem(deps, item.key);
      if (outcome === 'delivered') count(item.effect.kind);
      else alreadyDelivered++;
    } catch (error) {
      failed++;
      onFailure?.(error, `outbox item ${item.effectId}`);
    }
  }

  const { clocks, truncated } = await deps.clocks.changedBefore(before, settings.incidentLimit);
  for (const run of clocks) {
    try {
      if (await deps.executions.exists(run)) continue;
      await deps.slaScheduler.start(run);
      count('sla-execution');
    } catch (error) {
      failed++;
      onFailure?.(error, `SLA execution of ${run.incidentId} generation ${run.generation}`);
    }
  }
  return { repaired, alreadyDelivered, failed, incidentsChecked: clocks.length, truncated: truncated || stale.length >= settings.outboxLimit };
}

export const totalRepaired = (outcome: ReconcileOutcome): number => Object.values(outcome.repaired).reduce((sum, n) => sum + (n ?? 0), 0);
