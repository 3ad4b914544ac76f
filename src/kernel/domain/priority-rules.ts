import { derivePriority, priorityRank, type Impact, type Priority, type PriorityMatrix, type Urgency } from './priority';

/**
 * Raises (never lowers) the matrix priority when many users are affected or when several
 * incidents are open on the same service at once, and says why.
 */
export interface PriorityThreshold {
  /** Inclusive lower bound. */
  readonly atLeast: number;
  readonly raiseTo: Priority;
}

export interface PriorityRules {
  readonly matrix: PriorityMatrix;
  /** Users affected by this incident. */
  readonly usersAffected: readonly PriorityThreshold[];
  /** Open incidents on the same service, counting this one. */
  readonly concurrentIncidents: readonly PriorityThreshold[];
}

export const DEFAULT_USERS_AFFECTED_THRESHOLDS: readonly PriorityThreshold[] = [
  { atLeast: 10, raiseTo: 'P3' },
  { atLeast: 50, raiseTo: 'P2' },
  { atLeast: 250, raiseTo: 'P1' },
];
export const DEFAULT_CONCURRENT_INCIDENT_THRESHOLDS: readonly PriorityThreshold[] = [
  { atLeast: 3, raiseTo: 'P3' },
  { atLeast: 5, raiseTo: 'P2' },
];

export interface PriorityDecision {
  readonly priority: Priority;
  /** Why the incident has this priority, matrix first: shown to the desk. */
  readonly reasons: readonly string[];
}

export function decidePriority(
  rules: PriorityRules,
  facts: { readonly impact: Impact; readonly urgency: Urgency; readonly usersAffected?: number; readonly concurrentIncidents?: number },
): PriorityDecision {
  let priority = derivePriority(rules.matrix, facts.impact, facts.urgency);
  const reasons = [`impact ${facts.impact} × urgency ${facts.urgency} → ${priority} (priority matrix)`];
  const raise = (thresholds: readonly PriorityThreshold[], value: number | undefined, what: string) => {
    if (value === undefined) return;
    const hit = highestReached(thresholds, value);
    if (hit && priorityRank(hit.raiseTo) < priorityRank(priority)) {
      priority = hit.raiseTo;
      reasons.push(`${value} ${what} (≥ ${hit.atLeast}) → raised to ${hit.raiseTo}`);
    }
  };
  raise(rules.usersAffected, facts.usersAffected, 'users affected');
  raise(rules.concurrentIncidents, facts.concurrentIncidents, 'open incidents on the service');
  return { priority, reasons };
}

function highestReached(thresholds: readonly PriorityThreshold[], value: number): PriorityThreshold | undefined {
  return thresholds
    .filter((t) => value >= t.atLeast)
    .sort((a, b) => priorityRank(a.raiseTo) - priorityRank(b.raiseTo))[0];
}
