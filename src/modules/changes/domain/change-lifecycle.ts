import { IllegalTransitionError } from '../../../kernel/domain/domain-errors';

/**
 * The change lifecycle: the only place where transitions are decided.
 *
 *   Draft ──► Submitted ──► Assessed ──► Approved ──► Scheduled ──► Implementing ──► Implemented ──► Reviewed ──► Closed
 *                              │                                        │
 *                              └──► Rejected                            ├──► Failed ──────► Reviewed
 *                                                                       └──► Backed out ──► Reviewed
 *
 * Approved and Rejected are reached only by votes (see change-approval.ts), never by asking for
 * the state; every change that was implemented, failed or backed out is reviewed before it closes.
 */
export const CHANGE_STATES = [
  'Draft',
  'Submitted',
  'Assessed',
  'Approved',
  'Rejected',
  'Scheduled',
  'Implementing',
  'Implemented',
  'Failed',
  'Backed out',
  'Reviewed',
  'Closed',
] as const;
export type ChangeState = (typeof CHANGE_STATES)[number];

const TRANSITIONS: Readonly<Record<ChangeState, readonly ChangeState[]>> = {
  Draft: ['Submitted'],
  Submitted: ['Assessed'],
  Assessed: ['Approved', 'Rejected'],
  Approved: ['Scheduled'],
  Rejected: [],
  Scheduled: ['Implementing'],
  Implementing: ['Implemented', 'Failed', 'Backed out'],
  Implemented: ['Reviewed'],
  Failed: ['Reviewed'],
  'Backed out': ['Reviewed'],
  Reviewed: ['Closed'],
  Closed: [],
};

/** States only a decision on the approvals reaches. */
export const DECIDED_STATES: readonly ChangeState[] = ['Approved', 'Rejected'];

/** States in which a change holds a slot on the change calendar. */
export const CALENDAR_STATES: readonly ChangeState[] = ['Scheduled', 'Implementing', 'Implemented', 'Failed', 'Backed out', 'Reviewed', 'Closed'];

export function allowedNextChangeStates(from: ChangeState): readonly ChangeState[] {
  return TRANSITIONS[from];
}

export function canChangeTransition(from: ChangeState, to: ChangeState): boolean {
  return TRANSITIONS[from].includes(to);
}

/** Throws {@link IllegalTransitionError} unless `from → to` is a step of the lifecycle. */
export function assertChangeTransition(from: ChangeState, to: ChangeState): void {
  if (!canChangeTransition(from, to)) throw new IllegalTransitionError(from, to, TRANSITIONS[from], 'A change');
}
