import type { Caller } from '../../../kernel/domain/access-policy';
import { decision, type ApprovalRequirement, type ChangeType, type Vote } from './change-approval';
import { assertChangeTransition, type ChangeState } from './change-lifecycle';
import { MAX_CHANGE_DURATION_MS } from './change-calendar';
import { assessRisk, type Risk } from './change-risk';
import { InvalidInputError, LifecycleError, type FieldIssue } from '../../../kernel/domain/domain-errors';

/**
 * A change to a service: what, why, where, how (implementation, test and backout plans), when,
 * its risk, who approved it and how it went. Every decision stays on the change (`history`,
 * `votes`). Pure: no I/O.
 */
export const CHANGE_TYPES = ['standard', 'normal', 'emergency'] as const;
export const REVIEW_OUTCOMES = ['successful', 'with issues', 'failed', 'backed out'] as const;
export type ReviewOutcome = (typeof REVIEW_OUTCOMES)[number];

export interface ChangeInput {
  readonly type: ChangeType;
  readonly title: string;
  readonly reason: string;
  readonly services: readonly string[];
  readonly cis: readonly string[];
  readonly implementationPlan: string;
  readonly testPlan: string;
  readonly backoutPlan: string;
  readonly plannedStart: string;
  readonly plannedEnd: string;
  readonly likelihood: number;
  readonly severity: number;
  readonly securityImpact: string;
  /** Standard changes: the pre-approved template they follow. */
  readonly template?: string | undefined;
  /** Emergency changes: the incident they answer. */
  readonly incident?: string | undefined;
}

export interface ChangeHistoryEntry {
  readonly at: string;
  readonly by: string;
  readonly from: ChangeState;
  readonly to: ChangeState;
  readonly note?: string;
}

export interface Review {
  readonly outcome: ReviewOutcome;
  readonly lessons: string;
  readonly by: string;
  readonly at: string;
}

export interface Change {
  readonly id: string;
  readonly type: ChangeType;
  readonly title: string;
  readonly reason: string;
  readonly services: readonly string[];
  readonly cis: readonly string[];
  readonly implementationPlan: string;
  readonly testPlan: string;
  readonly backoutPlan: string;
  readonly plannedStart: string;
  readonly plannedEnd: string;
  readonly risk: Risk;
  readonly template?: string;
  readonly incident?: string;
  readonly state: ChangeState;
  /** Set when the change is assessed: who must approve. */
  readonly approvals: readonly ApprovalRequirement[];
  /** Who assessed it: they may not approve it (segregation of duties). */
  readonly assessedBy?: string;
  readonly votes: readonly Vote[];
  /** Other scheduled changes on the same service or CI at an overlapping time (flagged on both). */
  readonly overlapsWith: readonly string[];
  /** Emergency changes scheduled into a freeze window: the windows they override. */
  readonly freezeOverride?: readonly string[];
  /** Go-live: when the change was implemented (a milestone of each affected service). */
  readonly goLiveAt?: string;
  /** The CI versions the implementation recorded (catalogue history keeps the versions before). */
  readonly ciVersions?: readonly { readonly ci: string; readonly version: number }[];
  readonly review?: Review;
  readonly history: readonly ChangeHistoryEntry[];
  readonly requestedBy: string;
  /** The raiser's stable id (Cognito `sub`): ownership is checked by it (a username can be reused). */
  readonly requestedById?: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly updatedBy: string;
  readonly version: number;
}

/** Fields that may change while the change is a draft. */
export type ChangeEdits = Partial<Omit<ChangeInput, 'type'>>;

export function newChange(id: string, input: ChangeInput, caller: Caller, now: string): Change {
  const change: Change = {
    id,
    type: input.type,
    title: input.title,
    reason: input.reason,
    services: [...input.services],
    cis: [...input.cis],
    implementationPlan: input.implementationPlan,
    testPlan: input.testPlan,
    backoutPlan: input.backoutPlan,
    plannedStart: iso(input.plannedStart),
    plannedEnd: iso(input.plannedEnd),
    risk: assessRisk(input),
    ...(input.template !== undefined && { template: input.template }),
    ...(input.incident !== undefined && { incident: input.incident }),
    state: 'Draft',
    approvals: [],
    votes: [],
    overlapsWith: [],
    history: [],
    requestedBy: caller.name,
    requestedById: caller.id,
    createdAt: now,
    updatedAt: now,
    updatedBy: caller.name,
    version: 1,
  };
  assertConsistent(change);
  return change;
}

export function editDraft(change: Change, edits: ChangeEdits, caller: Caller, now: string): Change {
  if (change.state !== 'Draft') throw new LifecycleError(`A change in state "${change.state}" is no longer edited; only drafts are`, 'state');
  const { likelihood, severity, securityImpact, plannedStart, plannedEnd, ...rest } = edits;
  const next: Change = {
    ...change,
    ...stripUndefined(rest),
    ...(plannedStart !== undefined && { plannedStart: iso(plannedStart) }),
    ...(plannedEnd !== undefined && { plannedEnd: iso(plannedEnd) }),
    risk: assessRisk({
      likelihood: likelihood ?? change.risk.likelihood,
      severity: severity ?? change.risk.severity,
      securityImpact: securityImpact ?? change.risk.securityImpact,
    }),
    ...stamp(change, caller, now),
  };
  assertConsistent(next);
  return next;
}

/** Moves the change one step of the lifecycle, keeping the step in its history. */
export function moveChange(change: Change, to: ChangeState, caller: Caller, now: string, patch: Partial<Change> = {}, note?: string): Change {
  assertChangeTransition(change.state, to);
  return {
    ...change,
    ...patch,
    state: to,
    history: [...change.history, { at: now, by: caller.name, from: change.state, to, ...(note !== undefined && { note }) }],
    ...stamp(change, caller, now),
  };
}

/** Who assessed the change: recorded since segregation of duties, read from the history before. */
export function assessorOf(change: Pick<Change, 'assessedBy' | 'history'>): string | undefined {
  return change.assessedBy ?? change.history.findLast((h) => h.to === 'Assessed')?.by;
}

/** Whoever approved the change may not take it through implementation (segregation of duties). */
export function assertNotOwnApproval(change: Pick<Change, 'votes'>, caller: Caller): void {
  if (change.votes.some((v) => v.by === caller.name && v.decision === 'approve')) {
    throw new LifecycleError('Whoever approved a change does not implement it (segregation of duties): another implementer must', 'votes');
  }
}

/** Adds a vote; the change is Approved or Rejected as soon as the votes decide. */
export function recordVote(change: Change, vote: Vote, caller: Caller, now: string): Change {
  if (change.state !== 'Assessed') throw new LifecycleError(`A change in state "${change.state}" is not awaiting approval`, 'state');
  const votes = [...change.votes, vote];
  const outcome = decision(change.approvals, votes);
  const next: Change = { ...change, votes };
  if (outcome === 'pending') return { ...next, ...stamp(change, caller, now) };
  return moveChange(next, outcome === 'approved' ? 'Approved' : 'Rejected', caller, now, {}, vote.reason);
}

function assertConsistent(change: Change): void {
  const issues: FieldIssue[] = [];
  if (change.type === 'emergency' && change.incident === undefined) {
    issues.push({ field: 'incident', message: 'an emergency change must name the incident it answers' });
  }
  if (change.type === 'standard' && change.template === undefined) {
    issues.push({ field: 'template', message: 'a standard change must name the pre-approved template it follows (one of the client\'s registered templates)' });
  }
  const start = Date.parse(change.plannedStart);
  const end = Date.parse(change.plannedEnd);
  if (!(end > start)) issues.push({ field: 'plannedEnd', message: 'must be after plannedStart' });
  else if (end - start > MAX_CHANGE_DURATION_MS) issues.push({ field: 'plannedEnd', message: 'a change may run at most 14 days' });
  if (issues.length > 0) throw new InvalidInputError(issues);
}

const stamp = (change: Change, caller: Caller, now: string) => ({ updatedAt: now, updatedBy: caller.name, version: change.version + 1 });
const iso = (value: string) => new Date(value).toISOString();

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
