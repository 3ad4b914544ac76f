import { InvalidInputError, type FieldIssue } from '../../../kernel/domain/domain-errors';
import type { Actor } from '../../../kernel/domain/actor';
import type { ContactRef } from '../../../kernel/domain/notification';
import type { Incident, IncidentChange } from './incident';
import type { TimelineEntry } from './incident-timeline';

/**
 * The post-incident review of a major incident (ServiceNow's PIR; PagerDuty's postmortem): what
 * was found, and the actions taken from it, each with an owner, a due date and a link to the
 * record that carries the work (a problem, a change, an improvement-register item). Kept on the
 * incident itself: its version guards concurrent edits and its changes land in the aggregates
 * (the service report counts reviews completed and pending). Pure.
 */
export const REVIEW_LINK_KINDS = ['problem', 'change', 'improvement'] as const;
export type ReviewLinkKind = (typeof REVIEW_LINK_KINDS)[number];
export const MAX_REVIEW_FINDINGS = 20;
export const MAX_REVIEW_ACTIONS = 20;

export interface ReviewAction {
  /** A1, A2…: stable, given when the action is first recorded. */
  readonly id: string;
  readonly description: string;
  /** Username of the person accountable. */
  readonly owner: string;
  /** ISO instant the action is due. */
  readonly due: string;
  readonly link?: { readonly kind: ReviewLinkKind; readonly id: string };
  readonly status: 'open' | 'done';
  readonly doneAt?: string;
  readonly doneBy?: string;
  /** When the overdue action was escalated to the service's owner (once per due date: moving the date clears it). */
  readonly escalatedAt?: string;
}

export interface PostIncidentReview {
  readonly status: 'open' | 'completed';
  readonly summary?: string;
  readonly findings: readonly string[];
  readonly actions: readonly ReviewAction[];
  /**
   * The service's owner when the review was opened: overdue actions escalate to the service's owner
   * at the time, as the catalogue names them then, and to this one only if the service is gone.
   */
  readonly serviceOwner: ContactRef;
  readonly openedAt: string;
  readonly openedBy: string;
  readonly completedAt?: string;
  readonly completedBy?: string;
  readonly updatedAt: string;
}

export interface ReviewActionInput {
  readonly id?: string;
  readonly description: string;
  readonly owner: string;
  readonly due: string;
  readonly link?: { readonly kind: ReviewLinkKind; readonly id: string };
  readonly status?: 'open' | 'done';
}

export interface ReviewInput {
  readonly summary?: string;
  readonly findings: readonly string[];
  readonly actions: readonly ReviewActionInput[];
  /** Completes the review (at least one finding); a completed review stays completed, its actions still tracked. */
  readonly complete?: boolean;
}

const REVIEWABLE_STATES = new Set(['Resolved', 'Closed']);

/** Opens or changes the review (the whole of it: findings and actions are replaced by the input's). */
export function saveReview(incident: Incident, input: ReviewInput, context: { readonly actor: Actor; readonly now: string; readonly serviceOwner: ContactRef }): IncidentChange {
  const { actor, now } = context;
  const issues: FieldIssue[] = [];
  if (!incident.major) issues.push({ field: 'review', message: 'post-incident reviews are held for major incidents only' });
  else if (!REVIEWABLE_STATES.has(incident.state)) issues.push({ field: 'review', message: `the review follows resolution; the incident is "${incident.state}"` });
  const current = incident.review;
  if (current?.status === 'completed' && input.complete === false) issues.push({ field: 'complete', message: 'a completed review stays completed' });
  const findings = input.findings.map((f) => f.trim()).filter((f) => f !== '');
  const completing = input.complete === true && current?.status !== 'completed';
  if ((completing || current?.status === 'completed') && findings.length === 0) issues.push({ field: 'findings', message: 'a completed review records at least one finding' });
  const known = new Map((current?.actions ?? []).map((a) => [a.id, a]));
  let nextNumber = Math.max(0, ...[...known.keys()].map((id) => Number(id.slice(1)) || 0)) + 1;
  const seen = new Set<string>();
  const actions: ReviewAction[] = [];
  input.actions.forEach((given, i) => {
    const previous = given.id !== undefined ? known.get(given.id) : undefined;
    if (given.id !== undefined && !previous) issues.push({ field: `actions.${i}.id`, message: `no action ${given.id} on this review; leave the id out to add an action` });
    if (given.id !== undefined && seen.has(given.id)) issues.push({ field: `actions.${i}.id`, message: `action ${given.id} is listed twice` });
    if (given.id !== undefined) seen.add(given.id);
    const due = new Date(given.due).toISOString();
    const status = given.status ?? previous?.status ?? 'open';
    const sameDue = previous?.due === due;
    actions.push({
      id: previous?.id ?? `A${nextNumber++}`,
      description: given.description.trim(),
      owner: given.owner,
      due,
      ...(given.link && { link: given.link }),
      status,
      ...(status === 'done' && { doneAt: previous?.status === 'done' ? previous.doneAt! : now, doneBy: previous?.status === 'done' ? previous.doneBy! : actor.name }),
      ...(status === 'open' && sameDue && previous?.escalatedAt && { escalatedAt: previous.escalatedAt }),
    });
  });
  if (issues.length > 0) throw new InvalidInputError(issues);
  const completed = completing || current?.status === 'completed';
  const review: PostIncidentReview = {
    status: completed ? 'completed' : 'open',
    ...(input.summary?.trim() && { summary: input.summary.trim() }),
    findings,
    actions,
    serviceOwner: current?.serviceOwner ?? context.serviceOwner,
    openedAt: current?.openedAt ?? now,
    openedBy: current?.openedBy ?? actor.name,
    ...(completed && { completedAt: current?.completedAt ?? now, completedBy: current?.completedBy ?? actor.name }),
    updatedAt: now,
  };
  const entries: TimelineEntry[] = [];
  const stamp = { at: now, actor: actor.name };
  if (!current) entries.push({ type: 'review', ...stamp, visibility: 'internal', text: 'Post-incident review opened' });
  else if (!completing) entries.push({ type: 'review', ...stamp, visibility: 'internal', text: 'Post-incident review changed' });
  if (completing) entries.push({ type: 'review', ...stamp, visibility: 'public', text: `Post-incident review completed: ${findings.length} finding(s), ${actions.length} action(s)` });
  for (const action of actions) {
    const before = known.get(action.id);
    if (action.status === 'done' && before?.status !== 'done') entries.push({ type: 'review', ...stamp, visibility: 'internal', field: action.id, text: `Action ${action.id} done: ${action.description}` });
  }
  return { incident: { ...incident, review, updatedAt: now, updatedBy: actor.name, version: incident.version + 1 }, entries };
}

/** Open actions past their due date and not yet escalated for it. */
export function overdueActions(review: PostIncidentReview | undefined, now: string): ReviewAction[] {
  return (review?.actions ?? []).filter((a) => a.status === 'open' && a.due < now && a.escalatedAt === undefined);
}

/**
 * Marks the incident's overdue actions as escalated to `serviceOwner` (the service's owner now; once
 * per due date); undefined when none is overdue.
 */
export function escalateOverdueActions(
  incident: Incident,
  now: string,
  by: string,
  serviceOwner: ContactRef,
): { readonly change: IncidentChange; readonly actions: readonly ReviewAction[] } | undefined {
  const review = incident.review;
  const overdue = overdueActions(review, now);
  if (!review || overdue.length === 0) return undefined;
  const ids = new Set(overdue.map((a) => a.id));
  const actions = review.actions.map((a) => (ids.has(a.id) ? { ...a, escalatedAt: now } : a));
  const entries: TimelineEntry[] = overdue.map((a) => ({
    type: 'review',
    at: now,
    actor: by,
    visibility: 'internal',
    field: a.id,
    text: `Action ${a.id} overdue (due ${a.due}, owner ${a.owner}): escalated to the service owner ${serviceOwner.name}`,
  }));
  return {
    change: { incident: { ...incident, review: { ...review, actions }, updatedAt: now, updatedBy: by, version: incident.version + 1 }, entries },
    actions: overdue,
  };
}

/** An open, not yet escalated action's place in the due-date index: `<due>#<incident id>#<action id>`. */
export interface DueMarker {
  readonly due: string;
  readonly incidentId: string;
  readonly actionId: string;
}

const dueMarkersOf = (incident: Incident | undefined): DueMarker[] =>
  (incident?.review?.actions ?? [])
    .filter((a) => a.status === 'open' && a.escalatedAt === undefined)
    .map((a) => ({ due: a.due, incidentId: incident!.id, actionId: a.id }));

const markerId = (m: DueMarker) => `${m.due}#${m.incidentId}#${m.actionId}`;

/** The due markers a change adds, and those it settles (done, escalated, moved to another date). */
export function dueMarkerDelta(before: Incident | undefined, after: Incident): { readonly put: DueMarker[]; readonly settle: DueMarker[] } {
  const was = new Map(dueMarkersOf(before).map((m) => [markerId(m), m]));
  const is = new Map(dueMarkersOf(after).map((m) => [markerId(m), m]));
  return {
    put: [...is.entries()].filter(([id]) => !was.has(id)).map(([, m]) => m),
    settle: [...was.entries()].filter(([id]) => !is.has(id)).map(([, m]) => m),
  };
}
