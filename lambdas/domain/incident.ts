import { InvalidInputError, type FieldIssue } from './domain-errors';
import { assertTransition, type IncidentState, type OnHoldReason } from './incident-lifecycle';
import { derivePriority, type Impact, type Priority, type PriorityMatrix, type Urgency } from './priority';

export const CHANNELS = ['api', 'phone', 'email', 'web', 'monitoring'] as const;
export type Channel = (typeof CHANNELS)[number];

export const RESOLUTION_CODES = [
  'Solved (permanently)',
  'Solved (workaround)',
  'Not solved (not reproducible)',
  'Not solved (too costly)',
  'Closed by caller',
  'Cleared by monitoring',
  'Remediated',
  'Duplicate',
] as const;
export type ResolutionCode = (typeof RESOLUTION_CODES)[number];

/** Who did something and when: every change is stamped with it. */
export interface Actor {
  /** Stable user id (Cognito `sub`) or machine client id. */
  readonly id: string;
  /** Human-readable name (Cognito username). */
  readonly name: string;
}

export interface Incident {
  readonly id: string;
  /** Human-facing number, e.g. INC0000042, from an atomic counter. */
  readonly number: string;
  readonly shortDescription: string;
  readonly description: string;
  readonly impact: Impact;
  readonly urgency: Urgency;
  readonly priority: Priority;
  readonly service: string;
  readonly category: string;
  readonly channel: Channel;
  /** The person affected, who confirms resolution. */
  readonly reportedBy: string;
  /** The person or system that logged the incident (from the caller's token). */
  readonly recordedBy: string;
  readonly detectedAt: string;
  readonly state: IncidentState;
  readonly onHoldReason?: OnHoldReason;
  readonly assignmentGroup?: string;
  readonly assignee?: string;
  readonly resolutionCode?: ResolutionCode;
  readonly resolutionNotes?: string;
  readonly resolvedAt?: string;
  readonly closedAt?: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly updatedBy: string;
  /** Optimistic-concurrency version, starting at 1; exposed as the ETag. */
  readonly version: number;
}

export interface NewIncidentInput {
  readonly shortDescription: string;
  readonly description: string;
  readonly impact: Impact;
  readonly urgency: Urgency;
  readonly service: string;
  readonly category: string;
  readonly channel: Channel;
  readonly reportedBy: string;
  readonly detectedAt: string;
  readonly assignmentGroup?: string;
  readonly assignee?: string;
}

export function openIncident(args: {
  readonly id: string;
  readonly number: string;
  readonly input: NewIncidentInput;
  readonly matrix: PriorityMatrix;
  readonly recordedBy: Actor;
  readonly now: string;
}): Incident {
  const { input, now } = args;
  if (Date.parse(input.detectedAt) > Date.parse(now) + CLOCK_SKEW_MS) {
    throw new InvalidInputError([{ field: 'detectedAt', message: 'must not be in the future' }]);
  }
  return {
    id: args.id,
    number: args.number,
    ...input,
    priority: derivePriority(args.matrix, input.impact, input.urgency),
    recordedBy: args.recordedBy.name,
    state: 'New',
    createdAt: now,
    updatedAt: now,
    updatedBy: args.recordedBy.name,
    version: 1,
  };
}

/** Tolerate callers whose clocks run slightly ahead of ours. */
const CLOCK_SKEW_MS = 5 * 60 * 1000;

export interface IncidentChanges {
  readonly shortDescription?: string;
  readonly description?: string;
  readonly impact?: Impact;
  readonly urgency?: Urgency;
  readonly service?: string;
  readonly category?: string;
  readonly assignmentGroup?: string;
  readonly assignee?: string;
  readonly state?: IncidentState;
  readonly onHoldReason?: OnHoldReason;
  readonly resolutionCode?: ResolutionCode;
  readonly resolutionNotes?: string;
}

/**
 * Applies a set of changes, enforcing the lifecycle and each state's required fields.
 * Pure: returns the next version of the incident or throws; never half-applies.
 */
export function changeIncident(args: {
  readonly incident: Incident;
  readonly changes: IncidentChanges;
  readonly matrix: PriorityMatrix;
  readonly actor: Actor;
  readonly now: string;
}): Incident {
  const { incident, changes, now } = args;
  const { state: targetState, ...fields } = changes;
  const issues: FieldIssue[] = [];
  const nextState = targetState ?? incident.state;
  if (targetState !== undefined && targetState !== incident.state) {
    assertTransition(incident.state, targetState);
  }
  const moving = nextState !== incident.state;

  if (changes.onHoldReason !== undefined && nextState !== 'On Hold') {
    issues.push({ field: 'onHoldReason', message: 'may only be set when the state is "On Hold"' });
  }
  if (moving && nextState === 'On Hold' && changes.onHoldReason === undefined) {
    issues.push({ field: 'onHoldReason', message: 'is required to put an incident On Hold' });
  }
  const resolving = moving && nextState === 'Resolved';
  if ((changes.resolutionCode !== undefined || changes.resolutionNotes !== undefined) && nextState !== 'Resolved') {
    const field = changes.resolutionCode !== undefined ? 'resolutionCode' : 'resolutionNotes';
    issues.push({ field, message: 'may only be set when resolving the incident' });
  }
  if (resolving && changes.resolutionCode === undefined) {
    issues.push({ field: 'resolutionCode', message: 'is required to resolve an incident' });
  }
  if (resolving && (changes.resolutionNotes === undefined || changes.resolutionNotes.trim() === '')) {
    issues.push({ field: 'resolutionNotes', message: 'is required to resolve an incident and must not be blank' });
  }
  if (!isEditable(incident.state) && Object.keys(fields).length > 0 && !moving) {
    issues.push({ field: Object.keys(fields)[0]!, message: `cannot be changed while the incident is "${incident.state}"` });
  }
  if (issues.length > 0) throw new InvalidInputError(issues);

  const impact = changes.impact ?? incident.impact;
  const urgency = changes.urgency ?? incident.urgency;
  const next: Incident = {
    ...incident,
    ...fields,
    impact,
    urgency,
    priority: derivePriority(args.matrix, impact, urgency),
    state: nextState,
    updatedAt: now,
    updatedBy: args.actor.name,
    version: incident.version + 1,
  };
  return withStateStamps(next, incident.state, now);
}

function isEditable(state: IncidentState): boolean {
  return state !== 'Closed' && state !== 'Canceled';
}

/** Clears fields that belong to the state being left and stamps the state being entered. */
function withStateStamps(next: Incident, previous: IncidentState, now: string): Incident {
  if (next.state === previous) return next;
  const { onHoldReason, resolutionCode, resolutionNotes, resolvedAt, ...rest } = next;
  switch (next.state) {
    case 'On Hold':
      return { ...rest, ...(resolvedAt && { resolvedAt }), onHoldReason: onHoldReason! };
    case 'Resolved':
      return { ...rest, resolutionCode: resolutionCode!, resolutionNotes: resolutionNotes!, resolvedAt: now };
    case 'Closed':
      return { ...next, closedAt: now };
    case 'In Progress':
      // A reopen clears the rejected resolution; the history keeps it.
      return rest;
    default:
      return { ...rest, ...(resolvedAt && { resolvedAt }) };
  }
}
