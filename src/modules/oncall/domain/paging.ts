import type { Priority } from '../../../kernel/domain/priority';
import { firings, pagesFor, type EscalationStep, type Page, type PagingContext } from './escalation-policy';

/**
 * Paging one incident by its escalation policy (PagerDuty's model): step 1 fires when paging
 * starts (the incident is logged), each later step when the step before it has waited its
 * `delayMinutes` without an acknowledgement, and a step that paged nobody at all (a schedule's
 * gap) hands on to the next step at once rather than wait for an acknowledgement nobody can give.
 * Acknowledging (or closing) the incident stops the paging. Who a step pages is resolved at the
 * instant it fires, so an override added meanwhile takes effect.
 *
 * Pure: the record, the instant and the schedules are parameters; the caller stores the record.
 */

/** The policy as the incident keeps it: a later edit of the policy does not rewrite a paging under way. */
export interface PagedPolicy {
  readonly steps: readonly EscalationStep[];
  readonly repeat: number;
}

export interface PagingFiring {
  readonly step: number;
  readonly round: number;
  /** When the step fell due (a late check still resolves who was on call then). */
  readonly at: string;
  readonly pages: readonly Page[];
}

export interface PagingRecord {
  /** The stored policy's id, or `default`: the client's contacts escalate on SLA breaches instead. */
  readonly policyId: string;
  readonly policyName: string;
  /** Absent for `default`. */
  readonly policy?: PagedPolicy;
  /** The priority the policy was chosen for: a change of priority chooses again. */
  readonly forPriority: Priority;
  readonly startedAt: string;
  readonly firings: readonly PagingFiring[];
  /** Where round-robin steps start (the incident's number), so incidents spread over the targets. */
  readonly rotation: number;
  /** Set once the paging stopped: acknowledged, resolved or canceled. */
  readonly stoppedAt?: string;
  readonly stoppedBecause?: string;
}

/** True when a firing reached nobody: every target was a gap. */
export const pagedNobody = (firing: Pick<PagingFiring, 'pages'>): boolean => firing.pages.every((page) => page.kind === 'nobody');

/** When the next step falls due; undefined when the policy has run out (or there is none). */
export function nextFiringAt(record: PagingRecord): Date | undefined {
  const policy = record.policy;
  if (!policy) return undefined;
  const sequence = firings({ name: record.policyName, ...policy });
  const k = record.firings.length;
  if (k >= sequence.length) return undefined;
  const previous = record.firings[k - 1];
  if (!previous) return new Date(record.startedAt);
  const delayMs = pagedNobody(previous) ? 0 : policy.steps[previous.step]!.delayMinutes * 60_000;
  return new Date(Date.parse(previous.at) + delayMs);
}

/**
 * The firings due by `now`, in order, each resolved at the instant it fell due, and when the next
 * one falls due. Nothing when `stopped` (acknowledged, or no longer open).
 */
export function duePaging(record: PagingRecord, now: Date, context: PagingContext, stopped: boolean): { readonly fired: PagingFiring[]; readonly nextAt?: Date } {
  if (stopped || !record.policy) return { fired: [] };
  const policy = { name: record.policyName, ...record.policy };
  const sequence = firings(policy);
  const fired: PagingFiring[] = [];
  let current = record;
  for (let due = nextFiringAt(current); due !== undefined && due.getTime() <= now.getTime(); due = nextFiringAt(current)) {
    const { step, round } = sequence[current.firings.length]!;
    const firing: PagingFiring = { step, round, at: due.toISOString(), pages: pagesFor(policy, step, round, due, { ...context, rotation: record.rotation }) };
    fired.push(firing);
    current = { ...current, firings: [...current.firings, firing] };
  }
  const nextAt = nextFiringAt(current);
  return { fired, ...(nextAt && { nextAt }) };
}

/** The schedules a policy's steps name: what the caller loads before resolving a firing. */
export function scheduleIdsOf(policy: PagedPolicy): string[] {
  return [...new Set(policy.steps.flatMap((step) => step.targets.flatMap((target) => (target.kind === 'schedule' ? [target.scheduleId] : []))))];
}
