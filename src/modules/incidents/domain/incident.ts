import { InvalidInputError, type FieldIssue } from '../../../kernel/domain/domain-errors';
import type { Actor } from '../../../kernel/domain/actor';
import { assertTransition, isOpen, type IncidentState, type OnHoldReason } from './incident-lifecycle';
import type { AlarmTracking } from './alarm-tracking';
import type { IncidentSla } from './incident-sla';
import type { TimelineEntry } from './incident-timeline';
import type { DisasterRecovery } from './major-incident';
import type { PostIncidentReview } from './post-incident-review';
import { priorityRank, type Impact, type Priority, type Urgency } from '../../../kernel/domain/priority';
import { decidePriority, type PriorityRules } from '../../../kernel/domain/priority-rules';

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

export const ESCALATION_KINDS = ['functional', 'hierarchical'] as const;
export type EscalationKind = (typeof ESCALATION_KINDS)[number];

// Actor is shared by every practice; re-exported here because incidents' callers know it from here.
export type { Actor } from '../../../kernel/domain/actor';

export interface Escalation {
  readonly kind: EscalationKind;
  readonly level: number;
  /** A group or person (functional), or a manager / the service owner (hierarchical). */
  readonly to: string;
  readonly reason: string;
  readonly at: string;
  readonly by: string;
}

export interface Incident {
  readonly id: string;
  /** Human-facing number, e.g. INC0000042, from an atomic counter. */
  readonly number: string;
  readonly shortDescription: string;
  readonly description: string;
  readonly impact: Impact;
  readonly urgency: Urgency;
  readonly usersAffected?: number;
  readonly priority: Priority;
  /**
   * Logged by a requester: what they reported and the priority it gave before the client's cap.
   * Kept as logged; the desk triages by changing a priority fact (with a reason), which re-decides
   * `priority` without the cap.
   */
  readonly reported?: ReportedPriorityFacts;
  /** Why the incident has its priority, matrix first. */
  readonly priorityReasons: readonly string[];
  /** Open incidents on the service when this one was logged, counting it: a fact the priority rules keep using. */
  readonly concurrentIncidentsAtLogging?: number;
  readonly service: string;
  readonly category: string;
  readonly subcategory?: string;
  readonly channel: Channel;
  /** The person affected, who confirms resolution. */
  readonly reportedBy: string;
  /** Their stable id (Cognito `sub`) when they logged it themselves: ownership is checked by it, not by the reusable username. */
  readonly reportedById?: string;
  /** The person or system that logged the incident (from the caller's token). */
  readonly recordedBy: string;
  readonly detectedAt: string;
  readonly state: IncidentState;
  readonly onHoldReason?: OnHoldReason;
  readonly assignmentGroup?: string;
  readonly assignee?: string;
  readonly workaround?: string;
  readonly major: boolean;
  readonly majorReason?: string;
  /** The client's disaster-recovery plan reference, recorded when the incident is declared major. */
  readonly disasterRecoveryPlan?: string;
  /** Major incidents: the DR plan that applies, whether it was invoked, and the objectives against what was achieved (major-incident.ts). */
  readonly disasterRecovery?: DisasterRecovery;
  /** Major incidents: the post-incident review, once opened (post-incident-review.ts). */
  readonly review?: PostIncidentReview;
  readonly escalationLevel: number;
  readonly escalations: readonly Escalation[];
  readonly duplicateOf?: string;
  readonly resolutionCode?: ResolutionCode;
  readonly resolutionNotes?: string;
  readonly resolvedAt?: string;
  readonly resolvedBy?: string;
  readonly reopenCount: number;
  readonly closedAt?: string;
  /** Who or what closed it: the reporter, or `system:auto-close`. */
  readonly closedBy?: string;
  readonly closureReason?: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly updatedBy: string;
  /** Optimistic-concurrency version, starting at 1; exposed as the ETag. */
  readonly version: number;
  /** Monitoring incidents: how many ALARM events this incident stands for, and the alarm's ARN. */
  readonly occurrenceCount?: number;
  readonly alarmArn?: string;
  /** Incidents from security findings (GuardDuty, Inspector): handled as security incidents. */
  readonly security?: boolean;
  /** Security-finding incidents: the GuardDuty finding id or the Inspector finding ARN. */
  readonly findingId?: string;
  /** GuardDuty-finding incidents: the detector that reported the finding (to archive it on close). */
  readonly guardDutyDetectorId?: string;
  /** Monitoring incidents: what is known of the alarm (state, flapping, promotion). */
  readonly alarm?: AlarmTracking;
  /** The facts the SLA clocks are replayed from (incident-sla.ts); absent on incidents stored before SLA tracking. */
  readonly sla?: IncidentSla;
  /** Marks the incident as a service outage (availability reports): start defaults to detectedAt, end to resolvedAt. */
  readonly outage?: Outage;
  /** The incident's records in the client's own tools (set by the integration that made the link). */
  readonly external?: ExternalRecords;
}

export interface ExternalRecords {
  /** The client's ServiceNow record: its `sys_id` and `number` (src/modules/servicenow). */
  readonly servicenow?: { readonly sysId: string; readonly number: string; readonly table: string };
}

export interface ReportedPriorityFacts {
  readonly impact: Impact;
  readonly urgency: Urgency;
  readonly usersAffected?: number;
  /** The priority these facts gave, before the cap. */
  readonly priority: Priority;
}

/** A service outage's own times, when they differ from detection and resolution. */
export interface Outage {
  readonly start?: string;
  readonly end?: string;
  /** Business transactions lost because of the outage, where the service can count them. */
  readonly lostTransactions?: number;
}

/** A change and the timeline entries that record it, written together or not at all. */
export interface IncidentChange {
  readonly incident: Incident;
  readonly entries: readonly TimelineEntry[];
}

export interface NewIncidentInput {
  readonly shortDescription: string;
  readonly description: string;
  readonly impact: Impact;
  readonly urgency: Urgency;
  readonly usersAffected?: number;
  readonly service: string;
  readonly category: string;
  readonly subcategory?: string;
  readonly channel: Channel;
  readonly reportedBy: string;
  readonly reportedById?: string;
  readonly detectedAt: string;
  readonly assignmentGroup?: string;
  readonly assignee?: string;
  readonly workaround?: string;
  readonly outage?: Outage;
}

/** Tolerate callers whose clocks run slightly ahead of ours. */
const CLOCK_SKEW_MS = 5 * 60 * 1000;

export function openIncident(args: {
  readonly id: string;
  readonly number: string;
  readonly input: NewIncidentInput;
  readonly rules: PriorityRules;
  /** Open incidents already on the service, not counting this one. */
  readonly openOnService?: number;
  readonly recordedBy: Actor;
  readonly now: string;
  /**
   * A requester's report: the priority it can give is at most this one (e.g. P3) until the desk
   * triages, so nobody pages the on-call people by claiming impact 1 and ten million users.
   */
  readonly priorityCap?: Priority;
  /** detectedAt may not lie before this instant (the client's window); the future is refused anyway. */
  readonly detectedNotBefore?: string;
}): IncidentChange {
  const { input, now } = args;
  if (Date.parse(input.detectedAt) > Date.parse(now) + CLOCK_SKEW_MS) {
    throw new InvalidInputError([{ field: 'detectedAt', message: 'must not be in the future' }]);
  }
  if (args.detectedNotBefore !== undefined && Date.parse(input.detectedAt) < Date.parse(args.detectedNotBefore)) {
    throw new InvalidInputError([{ field: 'detectedAt', message: `must not be before ${args.detectedNotBefore} (the client's window for reporting a fault)` }]);
  }
  const decision = decidePriority(args.rules, {
    impact: input.impact,
    urgency: input.urgency,
    ...(input.usersAffected !== undefined && { usersAffected: input.usersAffected }),
    ...(args.openOnService !== undefined && { concurrentIncidents: args.openOnService + 1 }),
  });
  const capped = args.priorityCap !== undefined && priorityRank(decision.priority) < priorityRank(args.priorityCap);
  const incident: Incident = {
    id: args.id,
    number: args.number,
    ...input,
    priority: capped ? args.priorityCap! : decision.priority,
    ...(args.priorityCap !== undefined && {
      reported: {
        impact: input.impact,
        urgency: input.urgency,
        ...(input.usersAffected !== undefined && { usersAffected: input.usersAffected }),
        priority: decision.priority,
      },
    }),
    priorityReasons: capped
      ? [...decision.reasons, `capped at ${args.priorityCap} until the desk triages: reported by a requester as ${decision.priority}`]
      : decision.reasons,
    ...(args.openOnService !== undefined && { concurrentIncidentsAtLogging: args.openOnService + 1 }),
    recordedBy: args.recordedBy.name,
    state: 'New',
    major: false,
    escalationLevel: 0,
    escalations: [],
    reopenCount: 0,
    createdAt: now,
    updatedAt: now,
    updatedBy: args.recordedBy.name,
    version: 1,
  };
  const entry: TimelineEntry = {
    type: 'created',
    at: now,
    actor: args.recordedBy.name,
    visibility: 'public',
    text: `Logged via ${input.channel} as ${decision.priority}`,
  };
  return { incident, entries: [entry] };
}

export interface IncidentChanges {
  readonly shortDescription?: string;
  readonly description?: string;
  readonly impact?: Impact;
  readonly urgency?: Urgency;
  readonly usersAffected?: number;
  readonly service?: string;
  readonly category?: string;
  readonly subcategory?: string;
  readonly assignmentGroup?: string;
  readonly assignee?: string;
  readonly workaround?: string;
  readonly state?: IncidentState;
  readonly onHoldReason?: OnHoldReason;
  readonly resolutionCode?: ResolutionCode;
  readonly resolutionNotes?: string;
  readonly duplicateOf?: string;
  readonly major?: boolean;
  readonly majorReason?: string;
  /** Replaces the outage marking (`{}`: an outage with the default times). */
  readonly outage?: Outage;
  /** Why the priority changes; required when the change moves the priority. */
  readonly reason?: string;
}

const TRACKED_FIELDS = ['shortDescription', 'description', 'service', 'category', 'subcategory', 'workaround', 'usersAffected', 'impact', 'urgency'] as const;

/**
 * Applies a set of changes, enforcing the lifecycle and each state's required fields.
 * Pure: returns the next version and its timeline entries, or throws; never half-applies.
 * Closing and reopening have their own operations (confirm, reject, auto-close).
 */
export function changeIncident(args: {
  readonly incident: Incident;
  readonly changes: IncidentChanges;
  readonly rules: PriorityRules;
  readonly actor: Actor;
  readonly now: string;
  /** The disaster-recovery plan that applies (the service's, else the client's), recorded when the incident becomes major. */
  readonly disasterRecovery?: DisasterRecovery;
}): IncidentChange {
  const { incident, changes, now, actor } = args;
  const { state: targetState, reason, ...fields } = changes;
  const issues: FieldIssue[] = [];
  const nextState = targetState ?? incident.state;
  const moving = nextState !== incident.state;

  if (!isEditable(incident.state)) {
    const field = Object.keys(changes)[0] ?? 'state';
    issues.push({ field, message: `cannot be changed while the incident is "${incident.state}"` });
    throw new InvalidInputError(issues);
  }
  if (moving) {
    if (nextState === 'Closed') {
      throw new InvalidInputError([
        { field: 'state', message: 'an incident is closed by its reporter (POST /incidents/{id}/confirm) or automatically after the confirmation period' },
      ]);
    }
    if (incident.state === 'Resolved' && nextState === 'In Progress') {
      throw new InvalidInputError([
        { field: 'state', message: 'a resolved incident is reopened when its reporter rejects the fix (POST /incidents/{id}/reject)' },
      ]);
    }
    assertTransition(incident.state, nextState);
  }

  if (changes.onHoldReason !== undefined && nextState !== 'On Hold') {
    issues.push({ field: 'onHoldReason', message: 'may only be set when the state is "On Hold"' });
  }
  if (moving && nextState === 'On Hold' && changes.onHoldReason === undefined) {
    issues.push({ field: 'onHoldReason', message: 'is required to put an incident On Hold' });
  }
  const resolving = moving && nextState === 'Resolved';
  if ((changes.resolutionCode !== undefined || changes.resolutionNotes !== undefined) && !resolving) {
    const field = changes.resolutionCode !== undefined ? 'resolutionCode' : 'resolutionNotes';
    issues.push({ field, message: 'may only be set when resolving the incident' });
  }
  if (resolving && changes.resolutionCode === undefined) {
    issues.push({ field: 'resolutionCode', message: 'is required to resolve an incident' });
  }
  if (resolving && (changes.resolutionNotes === undefined || changes.resolutionNotes.trim() === '')) {
    issues.push({ field: 'resolutionNotes', message: 'is required to resolve an incident and must not be blank' });
  }
  if (changes.duplicateOf !== undefined && !(moving && nextState === 'Canceled')) {
    issues.push({ field: 'duplicateOf', message: 'may only be set when canceling the incident as a duplicate' });
  }
  if (changes.duplicateOf !== undefined && (changes.duplicateOf === incident.id || changes.duplicateOf === incident.number)) {
    issues.push({ field: 'duplicateOf', message: 'an incident cannot duplicate itself' });
  }
  if (changes.major === true && !incident.major && !changes.majorReason?.trim()) {
    issues.push({ field: 'majorReason', message: 'is required to declare a major incident' });
  }
  if (changes.majorReason !== undefined && changes.major !== true) {
    issues.push({ field: 'majorReason', message: 'may only be given with "major": true' });
  }
  if (changes.major === false && incident.major) {
    issues.push({ field: 'major', message: 'a major incident stays major; its review happens after resolution' });
  }

  const impact = changes.impact ?? incident.impact;
  const urgency = changes.urgency ?? incident.urgency;
  const usersAffected = changes.usersAffected ?? incident.usersAffected;
  // The same facts as at logging (including how many incidents were open then), so a raise is never lost.
  const decision = decidePriority(args.rules, {
    impact,
    urgency,
    ...(usersAffected !== undefined && { usersAffected }),
    ...(incident.concurrentIncidentsAtLogging !== undefined && { concurrentIncidents: incident.concurrentIncidentsAtLogging }),
  });
  // Only a change to a priority fact re-decides the priority (rules edited since logging do not move it silently).
  const recomputed = touchesPriority(changes);
  const priority = recomputed ? decision.priority : incident.priority;
  const priorityChanges = priority !== incident.priority;
  if (priorityChanges && !reason?.trim()) {
    issues.push({ field: 'reason', message: `is required when the priority changes (${incident.priority} → ${priority})` });
  }
  if (reason !== undefined && !priorityChanges) {
    issues.push({ field: 'reason', message: 'is only used to explain a priority change, and the priority does not change' });
  }
  if (issues.length > 0) throw new InvalidInputError(issues);

  const entries: TimelineEntry[] = [];
  const stamp = { at: now, actor: actor.name };
  for (const field of TRACKED_FIELDS) {
    if (fields[field] !== undefined && fields[field] !== incident[field]) {
      entries.push({ type: 'field-change', ...stamp, visibility: 'internal', field, from: incident[field], to: fields[field] });
    }
  }
  if (fields.outage !== undefined && JSON.stringify(fields.outage) !== JSON.stringify(incident.outage ?? null)) {
    entries.push({ type: 'field-change', ...stamp, visibility: 'internal', field: 'outage', from: incident.outage, to: fields.outage });
  }
  if (priorityChanges) {
    entries.push({ type: 'priority-change', ...stamp, visibility: 'public', from: incident.priority, to: priority, reason: reason!.trim() });
  }
  for (const field of ['assignmentGroup', 'assignee'] as const) {
    if (fields[field] !== undefined && fields[field] !== incident[field]) {
      entries.push({ type: 'assignment-change', ...stamp, visibility: 'internal', field, from: incident[field], to: fields[field] });
    }
  }
  // A new reason for an incident that stays On Hold; public, like the reason given when it went On Hold.
  if (!moving && changes.onHoldReason !== undefined && changes.onHoldReason !== incident.onHoldReason) {
    entries.push({ type: 'field-change', ...stamp, visibility: 'public', field: 'onHoldReason', from: incident.onHoldReason, to: changes.onHoldReason });
  }
  if (moving) {
    entries.push({
      type: 'state-change',
      ...stamp,
      visibility: 'public',
      from: incident.state,
      to: nextState,
      ...(changes.onHoldReason && { reason: changes.onHoldReason }),
      ...(resolving && { text: changes.resolutionNotes }),
      ...(changes.duplicateOf && { reason: `duplicate of ${changes.duplicateOf}` }),
    });
  }
  const becomingMajor = changes.major === true && !incident.major;
  if (becomingMajor) {
    // Internal like majorReason on the incident: the reporter sees `major: true`, not the desk's reasoning.
    entries.push({ type: 'major-incident', ...stamp, visibility: 'internal', reason: changes.majorReason!.trim() });
  }

  const { major: _major, majorReason, ...plainFields } = fields;
  let next: Incident = {
    ...incident,
    ...plainFields,
    impact,
    urgency,
    ...(usersAffected !== undefined && { usersAffected }),
    priority,
    priorityReasons: priorityChanges
      ? [...decision.reasons, `changed by ${actor.name}: ${reason!.trim()}`]
      : recomputed
        ? decision.reasons
        : incident.priorityReasons,
    ...(becomingMajor && {
      major: true,
      majorReason: majorReason!.trim(),
      ...(args.disasterRecovery && { disasterRecoveryPlan: args.disasterRecovery.plan, disasterRecovery: args.disasterRecovery }),
    }),
    state: nextState,
    updatedAt: now,
    updatedBy: actor.name,
    version: incident.version + 1,
  };
  if (moving) next = enterState(next, incident.state, now, actor);
  if (entries.length === 0) {
    throw new InvalidInputError([{ field: 'body', message: 'changes nothing: every field already has the value sent' }]);
  }
  return { incident: next, entries };
}

function touchesPriority(changes: IncidentChanges): boolean {
  return changes.impact !== undefined || changes.urgency !== undefined || changes.usersAffected !== undefined;
}

function isEditable(state: IncidentState): boolean {
  return state !== 'Closed' && state !== 'Canceled';
}

/** Clears fields that belong to the state being left and stamps the state being entered. */
function enterState(next: Incident, previous: IncidentState, now: string, actor: Actor): Incident {
  const { onHoldReason, ...rest } = next;
  switch (next.state) {
    case 'On Hold':
      return { ...rest, onHoldReason: onHoldReason! };
    case 'Resolved':
      return { ...rest, resolvedAt: now, resolvedBy: actor.name };
    default:
      return previous === 'On Hold' ? rest : next;
  }
}

/** The reporter confirms the fix: the incident closes. */
export function confirmResolution(incident: Incident, actor: Actor, now: string): IncidentChange {
  if (incident.state !== 'Resolved') {
    assertTransition(incident.state, 'Closed');
  }
  return close(incident, actor.name, 'Resolution confirmed by the reporter', now);
}

/**
 * A resolved incident nobody confirmed or rejected within the client's period closes by itself;
 * the closure says so.
 */
export function autoClose(incident: Incident, now: string, period: string): IncidentChange {
  assertTransition(incident.state, 'Closed');
  return close(incident, 'system:auto-close', `Closed automatically: not confirmed or rejected within ${period} of resolution`, now);
}

function close(incident: Incident, by: string, reason: string, now: string): IncidentChange {
  const incidentNext: Incident = {
    ...incident,
    state: 'Closed',
    closedAt: now,
    closedBy: by,
    closureReason: reason,
    updatedAt: now,
    updatedBy: by,
    version: incident.version + 1,
  };
  return {
    incident: incidentNext,
    entries: [{ type: 'closed', at: now, actor: by, visibility: 'public', from: 'Resolved', to: 'Closed', reason }],
  };
}

/** The reporter rejects the fix: the incident goes back to work, and the reopen is counted. */
export function rejectResolution(incident: Incident, actor: Actor, reason: string, now: string): IncidentChange {
  assertTransition(incident.state, 'In Progress');
  if (incident.state !== 'Resolved') {
    throw new InvalidInputError([{ field: 'state', message: 'only a resolved incident can be rejected' }]);
  }
  const { resolutionCode, resolutionNotes, resolvedAt, resolvedBy, ...rest } = incident;
  return {
    incident: {
      ...rest,
      state: 'In Progress',
      reopenCount: incident.reopenCount + 1,
      updatedAt: now,
      updatedBy: actor.name,
      version: incident.version + 1,
    },
    entries: [
      {
        type: 'reopened',
        at: now,
        actor: actor.name,
        visibility: 'public',
        from: 'Resolved',
        to: 'In Progress',
        reason,
        text: `Rejected resolution: ${resolutionCode ?? ''} — ${resolutionNotes ?? ''}`.trim(),
      },
    ],
  };
}

/** 50 escalations of at most 2,000-character reasons stay well under 400 KB with the rest of the incident. */
export const MAX_ESCALATIONS = 50;

/** Functional escalation moves the work to another group or expert; hierarchical brings in management. */
export function escalateIncident(
  incident: Incident,
  request: { readonly kind: EscalationKind; readonly to: string; readonly reason: string; readonly assignmentGroup?: string },
  actor: Actor,
  now: string,
): IncidentChange {
  if (!isOpen(incident.state)) {
    throw new InvalidInputError([{ field: 'state', message: `an incident that is "${incident.state}" cannot be escalated` }]);
  }
  // Escalations are kept in the incident's item: bounded, so no caller can push it past DynamoDB's 400 KB.
  if (incident.escalations.length >= MAX_ESCALATIONS) {
    throw new InvalidInputError([{ field: 'kind', message: `an incident keeps at most ${MAX_ESCALATIONS} escalations; this one has them all — declare a major incident or raise a problem` }]);
  }
  const escalation: Escalation = {
    kind: request.kind,
    level: incident.escalationLevel + 1,
    to: request.to,
    reason: request.reason,
    at: now,
    by: actor.name,
  };
  const entries: TimelineEntry[] = [
    { type: 'escalation', at: now, actor: actor.name, visibility: 'internal', to: `${request.kind} → ${request.to} (level ${escalation.level})`, reason: request.reason },
  ];
  if (request.assignmentGroup && request.assignmentGroup !== incident.assignmentGroup) {
    entries.push({ type: 'assignment-change', at: now, actor: actor.name, visibility: 'internal', field: 'assignmentGroup', from: incident.assignmentGroup, to: request.assignmentGroup });
  }
  return {
    incident: {
      ...incident,
      ...(request.assignmentGroup && { assignmentGroup: request.assignmentGroup }),
      escalationLevel: escalation.level,
      escalations: [...incident.escalations, escalation],
      updatedAt: now,
      updatedBy: actor.name,
      version: incident.version + 1,
    },
    entries,
  };
}

/**
 * Resolves an incident on a system's word (monitoring cleared, a finding remediated): work is
 * started first where the lifecycle requires it, and both steps land in one change.
 */
export function resolveAutomatically(args: {
  readonly incident: Incident;
  readonly resolutionCode: ResolutionCode;
  readonly resolutionNotes: string;
  readonly rules: PriorityRules;
  readonly actor: Actor;
  readonly now: string;
}): IncidentChange {
  const common = { rules: args.rules, actor: args.actor, now: args.now };
  const entries: TimelineEntry[] = [];
  let current = args.incident;
  if (current.state !== 'In Progress') {
    const started = changeIncident({ ...common, incident: current, changes: { state: 'In Progress' } });
    entries.push(...started.entries);
    current = started.incident;
  }
  const resolved = changeIncident({
    ...common,
    incident: current,
    changes: { state: 'Resolved', resolutionCode: args.resolutionCode, resolutionNotes: args.resolutionNotes },
  });
  return { incident: resolved.incident, entries: [...entries, ...resolved.entries] };
}
