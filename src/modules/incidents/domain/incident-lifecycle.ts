import { IllegalTransitionError } from '../../../kernel/domain/domain-errors';

/**
 * The incident lifecycle: the only place where transitions are decided.
 *
 *   New ──► In Progress ◄──► On Hold
 *                │    ▲
 *                ▼    │ (reopen)
 *             Resolved ──► Closed
 *   New | In Progress | On Hold ──► Canceled
 */
export const INCIDENT_STATES = ['New', 'In Progress', 'On Hold', 'Resolved', 'Closed', 'Canceled'] as const;
export type IncidentState = (typeof INCIDENT_STATES)[number];

export const ON_HOLD_REASONS = [
  'awaiting caller',
  'awaiting vendor',
  'awaiting change',
  'awaiting problem',
] as const;
export type OnHoldReason = (typeof ON_HOLD_REASONS)[number];

const TRANSITIONS: Readonly<Record<IncidentState, readonly IncidentState[]>> = {
  New: ['In Progress', 'Canceled'],
  'In Progress': ['On Hold', 'Resolved', 'Canceled'],
  'On Hold': ['In Progress', 'Canceled'],
  Resolved: ['Closed', 'In Progress'],
  Closed: [],
  Canceled: [],
};

export function allowedNextStates(from: IncidentState): readonly IncidentState[] {
  return TRANSITIONS[from];
}

export function canTransition(from: IncidentState, to: IncidentState): boolean {
  return TRANSITIONS[from].includes(to);
}

/** Throws {@link IllegalTransitionError} unless `from → to` is a step of the lifecycle. */
export function assertTransition(from: IncidentState, to: IncidentState): void {
  if (!canTransition(from, to)) throw new IllegalTransitionError(from, to, TRANSITIONS[from]);
}

/** Open incidents still count against the service and run SLA clocks. */
export function isOpen(state: IncidentState): boolean {
  return state !== 'Resolved' && state !== 'Closed' && state !== 'Canceled';
}

/** The open states, in lifecycle order: each one partition of the state index, for readers of open work. */
export const OPEN_INCIDENT_STATES: readonly IncidentState[] = INCIDENT_STATES.filter(isOpen);
