import type { SlaTarget } from './sla-clock';

/**
 * The client's own SLA clocks of an incident, as their tool keeps them (ServiceNow `task_sla`),
 * beside ours, and where the two disagree. Pure.
 */
export interface ClientSla {
  /** Their SLA definition's name, e.g. "P2 resolution (8 hours)". */
  readonly name: string;
  /** Which of our clocks it answers to: their response ↔ our respond, their resolution ↔ our resolve. */
  readonly target?: SlaTarget;
  readonly stage: 'in_progress' | 'paused' | 'completed' | 'cancelled' | string;
  readonly startedAt: string;
  readonly plannedEndAt?: string;
  readonly endedAt?: string;
  readonly breached: boolean;
  /** Share of the target used, in calendar and in business time (percent). */
  readonly percentage: number;
  readonly businessPercentage: number;
}

export interface ClientSlaSnapshot {
  readonly system: 'servicenow';
  /** When we last read their clocks. */
  readonly readAt: string;
  readonly slas: readonly ClientSla[];
}

/** Our clock as the SLA view shows it. */
export interface OurClock {
  readonly target: SlaTarget;
  readonly state: 'running' | 'paused' | 'achieved' | 'breached';
  readonly dueAt?: string;
  readonly breachedAt?: string;
}

export interface SlaDisagreement {
  readonly target: SlaTarget;
  readonly sla: string;
  readonly what: 'breach' | 'stopped' | 'paused' | 'due';
  readonly ours: string;
  readonly theirs: string;
}

/** Due times further apart than this are reported (their schedule or start may differ from ours). */
export const DUE_TOLERANCE_MS = 5 * 60_000;

/** Their target names as our targets. */
export function targetOfTheirs(target: string): SlaTarget | undefined {
  return target === 'response' ? 'respond' : target === 'resolution' ? 'resolve' : undefined;
}

/**
 * Where their clock and ours for the same target tell a different story: one breached and not
 * the other; one stopped while the other runs; one paused and not the other; both running with
 * due times more than DUE_TOLERANCE_MS apart.
 */
export function compareClocks(ours: readonly OurClock[], theirs: readonly ClientSla[]): SlaDisagreement[] {
  const found: SlaDisagreement[] = [];
  for (const their of theirs) {
    if (!their.target || their.stage === 'cancelled') continue;
    const our = ours.find((c) => c.target === their.target);
    if (!our) continue;
    const add = (what: SlaDisagreement['what'], oursSays: string, theirsSay: string) => found.push({ target: our.target, sla: their.name, what, ours: oursSays, theirs: theirsSay });
    const ourBreached = our.state === 'breached' || our.breachedAt !== undefined;
    if (ourBreached !== their.breached) add('breach', ourBreached ? 'breached' : 'not breached', their.breached ? 'breached' : 'not breached');
    const ourStopped = our.state === 'achieved' || our.state === 'breached';
    const theirStopped = their.stage === 'completed';
    if (ourStopped !== theirStopped) add('stopped', our.state, their.stage);
    else if (!ourStopped && (our.state === 'paused') !== (their.stage === 'paused')) add('paused', our.state, their.stage);
    else if (!ourStopped && our.state === 'running' && our.dueAt && their.plannedEndAt && Math.abs(Date.parse(our.dueAt) - Date.parse(their.plannedEndAt)) > DUE_TOLERANCE_MS) {
      add('due', our.dueAt, their.plannedEndAt);
    }
  }
  return found;
}
