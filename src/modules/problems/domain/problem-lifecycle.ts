import { LifecycleError } from '../../../kernel/domain/domain-errors';

/**
 * The problem lifecycle: the only place where a problem's transitions are decided.
 *
 *   New ──► Assessed ──► Root Cause Analysis ──► Known Error ──► Resolved ──► Closed
 *                                  └───────────────────────────────►┘
 *   New | Assessed | Root Cause Analysis | Known Error ──► Canceled
 *
 * Entering Root Cause Analysis needs a recorded search of the known-error database ("search
 * first"): the analysis starts from what is already known.
 */
export const PROBLEM_STATES = ['New', 'Assessed', 'Root Cause Analysis', 'Known Error', 'Resolved', 'Closed', 'Canceled'] as const;
export type ProblemState = (typeof PROBLEM_STATES)[number];

const TRANSITIONS: Readonly<Record<ProblemState, readonly ProblemState[]>> = {
  New: ['Assessed', 'Canceled'],
  Assessed: ['Root Cause Analysis', 'Canceled'],
  'Root Cause Analysis': ['Known Error', 'Resolved', 'Canceled'],
  'Known Error': ['Resolved', 'Canceled'],
  Resolved: ['Closed'],
  Closed: [],
  Canceled: [],
};

export function allowedNextProblemStates(from: ProblemState): readonly ProblemState[] {
  return TRANSITIONS[from];
}

export function canTransitionProblem(from: ProblemState, to: ProblemState): boolean {
  return TRANSITIONS[from].includes(to);
}

/** Throws a 409 (`illegal-transition`) unless `from → to` is a step of the problem lifecycle. */
export function assertProblemTransition(from: ProblemState, to: ProblemState): void {
  if (!canTransitionProblem(from, to)) {
    const allowed = TRANSITIONS[from];
    throw new LifecycleError(
      `A problem in state "${from}" cannot move to "${to}"; allowed next states: ${allowed.length ? allowed.map((s) => `"${s}"`).join(', ') : 'none (final state)'}`,
      'state',
    );
  }
}

/** Problems still being worked: analyses may be added, incidents linked. */
export function isProblemOpen(state: ProblemState): boolean {
  return state !== 'Closed' && state !== 'Canceled';
}
