import { InvalidInputError } from '../../../kernel/domain/domain-errors';
import { businessDayMs, type Calendar } from '../../../kernel/domain/business-calendar';
import type { Escalation, Incident, IncidentChange } from './incident';
import { isOpen, type OnHoldReason } from './incident-lifecycle';
import type { TimelineEntry } from './incident-timeline';
import { targetDurationMs } from '../../../kernel/domain/iso-duration';
import type { Priority } from '../../../kernel/domain/priority';
import { computeSlaClock, SLA_TARGETS, type SlaClock, type SlaClockEvent, type SlaTarget } from './sla-clock';
import type { PagingRecord } from '../../oncall/domain';

/**
 * The SLA side of an incident: the facts its clocks are replayed from, what has already been
 * sent, and the decision of what to send next. Pure: every instant is a parameter.
 *
 * Model (see README "SLA clocks"): three clocks start when the incident is logged —
 * acknowledge (achieved by `POST /incidents/{id}/acknowledge` or the first action of the desk),
 * respond (the desk's first comment to the reporter) and resolve (resolution). Each counts its
 * priority's calendar only, pauses while the incident is On Hold for a pausing reason, and is
 * re-targeted from the start when the priority changes. A resolve clock also stops while the
 * incident is resolved and runs on if the reporter rejects the fix. Resolving achieves every
 * clock; cancelling stops them (canceled incidents are left out of reports).
 */

export type SlaHistoryEntry =
  | { readonly at: string; readonly kind: 'hold'; readonly reason: OnHoldReason }
  | { readonly at: string; readonly kind: 'release' }
  | { readonly at: string; readonly kind: 'priority'; readonly from: Priority; readonly to: Priority }
  | { readonly at: string; readonly kind: 'resolved' }
  | { readonly at: string; readonly kind: 'reopened' }
  | { readonly at: string; readonly kind: 'canceled' };

export interface IncidentSla {
  /**
   * Bumped whenever a deadline moves (hold, release, priority change, reopen). One workflow
   * execution drives one generation; an older execution that wakes up finds it stale and stops.
   */
  readonly generation: number;
  readonly acknowledgedAt?: string;
  readonly respondedAt?: string;
  readonly history: readonly SlaHistoryEntry[];
  /** Keys of the warnings, breaches and escalation steps already recorded: each happens once. */
  readonly notices: readonly string[];
  /**
   * The terms the clocks run on, copied from the service when the clocks started: a later edit
   * of the catalogue does not rewrite an incident's past. Absent: the client's targets.
   */
  readonly terms?: AppliedSlaTerms;
  /**
   * The SLA counters this incident added to the report aggregates at its last write
   * (incident-aggregates.ts, slaCountersOf): taken back exactly when it changes. Absent on
   * incidents stored before the counters (not counted until written again or backfilled).
   */
  readonly counted?: readonly string[];
  /**
   * Paging by escalation policy (src/modules/oncall/domain/paging.ts), recorded by the workflow's
   * first check where a stored policy applies: the policy and every step fired. Absent, or
   * `policyId: default` (a priority change left no policy applying): the client's contacts
   * escalate on breaches (sla.escalation).
   */
  readonly paging?: PagingRecord;
}

/** Targets per priority that differ from the client's, as ISO 8601 durations. */
export type SlaTargetOverrides = Readonly<Partial<Record<Priority, Readonly<Partial<Record<SlaTarget, string>>>>>>;

/** The SLA terms an incident's clocks run on (see IncidentSla.terms). */
export interface AppliedSlaTerms {
  /** `service`: the service's own overrides apply; `client`: the client's targets. */
  readonly source: 'service' | 'client';
  readonly service: string;
  /** The service's reference of the SLA document, when it has one. */
  readonly reference?: string;
  readonly overrides?: SlaTargetOverrides;
  readonly recordedAt: string;
}

/** The terms for an incident on a service (undefined `sla`: a service that names no terms of its own). */
export function slaTermsOf(
  serviceId: string,
  sla: { readonly reference?: string; readonly overrides?: SlaTargetOverrides } | undefined,
  at: string,
): AppliedSlaTerms {
  const overrides = Object.fromEntries(
    Object.entries(sla?.overrides ?? {}).filter(([, targets]) => targets && Object.values(targets).some((v) => v !== undefined)),
  ) as SlaTargetOverrides;
  const own = Object.keys(overrides).length > 0;
  return { source: own ? 'service' : 'client', service: serviceId, ...(sla?.reference && { reference: sla.reference }), ...(own && { overrides }), recordedAt: at };
}

/** The policy with the incident's recorded service overrides laid over the client's targets. */
export function policyForTerms(policy: SlaPolicy, terms: AppliedSlaTerms | undefined): SlaPolicy {
  if (!terms?.overrides) return policy;
  const targets = Object.fromEntries(
    Object.entries(policy.targets).map(([priority, own]) => [priority, { ...own, ...definedOnly(terms.overrides![priority as Priority] ?? {}) }]),
  ) as SlaPolicy['targets'];
  return { ...policy, targets };
}

const definedOnly = (targets: Readonly<Partial<Record<SlaTarget, string>>>) =>
  Object.fromEntries(Object.entries(targets).filter(([, v]) => v !== undefined)) as Partial<Record<SlaTarget, string>>;

export type EscalationContact = 'nominated-1' | 'nominated-2' | 'nominated-3' | 'service-owner';

export interface EscalationLevel {
  readonly notify: EscalationContact;
  /** Wall-clock time after the breach at which this level is called. */
  readonly afterMs: number;
}

export interface SlaPolicy {
  readonly targets: Readonly<Record<Priority, Readonly<Record<SlaTarget, string>>>>;
  readonly calendars: Readonly<Record<Priority, Calendar>>;
  /** Share of a target at which the assignee or group is warned (0–1). */
  readonly warningShare: number;
  /** On Hold reasons that stop the clocks. */
  readonly pausingReasons: readonly OnHoldReason[];
  /** Ordered levels, non-decreasing `afterMs`. */
  readonly levels: readonly EscalationLevel[];
  /** The last level is called again this many times, this far apart; then escalation stops. */
  readonly repeatLast: { readonly times: number; readonly everyMs: number };
  /** Breaches of these targets climb the levels; a breach of another is recorded and notified once. */
  readonly escalateTargets: readonly SlaTarget[];
}

export const INITIAL_SLA: IncidentSla = Object.freeze({ generation: 1, history: [], notices: [] });

/** Incidents stored before SLA tracking carry no `sla`: they start at generation 1 with no history. */
export const slaOf = (incident: Pick<Incident, 'sla'>): IncidentSla => incident.sla ?? INITIAL_SLA;

/**
 * Adds to `after.sla` what the change from `before` means for the clocks. `deskAction`: the change
 * was made by the service desk (it acknowledges the incident if nothing had yet).
 */
export function recordSlaFacts(
  before: Incident | undefined,
  after: Incident,
  at: string,
  deskAction: boolean,
  /**
   * byWorkflow: the SLA workflow itself made the change: it goes on driving the clocks, so no new
   * generation. terms: the service's terms, recorded when the clocks start (no `before`).
   */
  options: { readonly byWorkflow?: boolean; readonly terms?: AppliedSlaTerms } = {},
): Incident {
  const sla = before ? slaOf(before) : { ...INITIAL_SLA, ...(options.terms && { terms: options.terms }) };
  const added: SlaHistoryEntry[] = [];
  let moved = false;
  if (before && before.state !== after.state) {
    if (after.state === 'On Hold') {
      added.push({ at, kind: 'hold', reason: after.onHoldReason! });
      moved = true;
    } else if (before.state === 'On Hold') {
      added.push({ at, kind: 'release' });
      moved = true;
    }
    if (after.state === 'Resolved') added.push({ at, kind: 'resolved' });
    if (before.state === 'Resolved' && after.state === 'In Progress') {
      added.push({ at, kind: 'reopened' });
      moved = true;
    }
    if (after.state === 'Canceled') added.push({ at, kind: 'canceled' });
  } else if (before && after.state === 'On Hold' && after.onHoldReason !== before.onHoldReason) {
    added.push({ at, kind: 'hold', reason: after.onHoldReason! });
    moved = true;
  }
  if (before && before.priority !== after.priority) {
    added.push({ at, kind: 'priority', from: before.priority, to: after.priority });
    moved = true;
  }
  const resolving = after.state === 'Resolved' && before?.state !== 'Resolved';
  const acknowledges = (deskAction && before !== undefined) || resolving;
  const next: IncidentSla = {
    ...sla,
    generation: sla.generation + (moved && !options.byWorkflow ? 1 : 0),
    ...(sla.acknowledgedAt === undefined && acknowledges && { acknowledgedAt: at }),
    // The resolution notes answer the reporter: a fix without an earlier reply still responds.
    ...(sla.respondedAt === undefined && resolving && { respondedAt: at }),
    history: [...sla.history, ...added],
  };
  return { ...after, sla: next };
}

/** The desk answers the reporter (first public comment): achieves respond, and acknowledge if still open. */
export function recordResponse(incident: Incident, at: string): Incident | undefined {
  const sla = slaOf(incident);
  if (sla.respondedAt !== undefined || !isOpen(incident.state)) return undefined;
  return { ...incident, sla: { ...sla, respondedAt: at, acknowledgedAt: sla.acknowledgedAt ?? at } };
}

/**
 * The desk takes the incident on: achieves the acknowledge target. Undefined when it already
 * was acknowledged (acknowledging is idempotent). Only open incidents can be acknowledged.
 */
export function acknowledgeIncident(incident: Incident, actor: { readonly name: string }, now: string): IncidentChange | undefined {
  if (!isOpen(incident.state)) {
    throw new InvalidInputError([{ field: 'state', message: `an incident that is "${incident.state}" cannot be acknowledged` }]);
  }
  const sla = slaOf(incident);
  if (sla.acknowledgedAt !== undefined) return undefined;
  return {
    incident: { ...incident, sla: { ...sla, acknowledgedAt: now }, updatedAt: now, updatedBy: actor.name, version: incident.version + 1 },
    entries: [{ type: 'acknowledged', at: now, actor: actor.name, visibility: 'public', text: `Acknowledged by ${actor.name}` }],
  };
}

/** The length of a target for a priority in its calendar (days on business hours are business days). */
export function targetMs(policy: SlaPolicy, priority: Priority, target: SlaTarget): number {
  const calendar = policy.calendars[priority];
  const text = policy.targets[priority][target];
  const ms = targetDurationMs(text, calendar.kind === 'business-hours' ? businessDayMs(calendar) : undefined);
  if (ms === undefined) throw new RangeError(`The ${target} target of ${priority} ("${text}") is not a positive ISO 8601 duration`);
  return ms;
}

/** The three clocks of an incident, replayed from its history up to `now`. */
export function slaClocksOf(incident: Incident, clientPolicy: SlaPolicy, now: Date): Record<SlaTarget, SlaClock> {
  const sla = slaOf(incident);
  const policy = policyForTerms(clientPolicy, sla.terms);
  const firstPriority = sla.history.find((e) => e.kind === 'priority') as Extract<SlaHistoryEntry, { kind: 'priority' }> | undefined;
  const initialPriority = firstPriority?.from ?? incident.priority;
  const finalResolution = incident.state === 'Resolved' || incident.state === 'Closed' ? incident.resolvedAt : undefined;
  const pausing = new Set<string>(policy.pausingReasons);

  const clockOf = (target: SlaTarget): SlaClock => {
    const events: SlaClockEvent[] = [];
    let paused = false;
    const pause = (at: string) => {
      if (!paused) events.push({ at: new Date(at), kind: 'pause' });
      paused = true;
    };
    const resume = (at: string) => {
      if (paused) events.push({ at: new Date(at), kind: 'resume' });
      paused = false;
    };
    let lastResolved = -1;
    sla.history.forEach((e, i) => {
      if (e.kind === 'resolved') lastResolved = i;
    });
    const achievedAt =
      target === 'acknowledge' ? sla.acknowledgedAt ?? finalResolution : target === 'respond' ? sla.respondedAt ?? finalResolution : finalResolution;
    sla.history.forEach((entry, index) => {
      switch (entry.kind) {
        case 'hold':
          if (pausing.has(entry.reason)) pause(entry.at);
          else resume(entry.at);
          break;
        case 'release':
          resume(entry.at);
          break;
        case 'priority':
          events.push({
            at: new Date(entry.at),
            kind: 'priority-change',
            newDurationMs: targetMs(policy, entry.to, target),
            newCalendar: policy.calendars[entry.to],
          });
          break;
        case 'resolved':
          // An earlier resolution the reporter rejected: the time it stood does not count.
          if (target === 'resolve' && !(finalResolution !== undefined && index === lastResolved)) pause(entry.at);
          break;
        case 'reopened':
          if (target === 'resolve') resume(entry.at);
          break;
        case 'canceled':
          events.push({ at: new Date(entry.at), kind: 'achieved' });
          break;
      }
    });
    // The earliest stop wins (an acknowledgement before a cancel); later events are ignored by the clock.
    if (achievedAt !== undefined) events.push({ at: new Date(achievedAt), kind: 'achieved' });
    // Facts recorded at the same instant keep their recorded order; sort is stable.
    events.sort((a, b) => a.at.getTime() - b.at.getTime());
    return computeSlaClock(
      {
        target,
        durationMs: targetMs(policy, initialPriority, target),
        calendar: policy.calendars[initialPriority],
        startedAt: new Date(incident.createdAt),
        events,
        warningShare: policy.warningShare,
      },
      now,
    );
  };
  return { acknowledge: clockOf('acknowledge'), respond: clockOf('respond'), resolve: clockOf('resolve') };
}

export type SlaNotice =
  | { readonly key: string; readonly kind: 'warning'; readonly target: SlaTarget; readonly dueAt: Date }
  | { readonly key: string; readonly kind: 'breach'; readonly target: SlaTarget; readonly breachedAt: Date }
  | {
      readonly key: string;
      readonly kind: 'escalation';
      readonly target: SlaTarget;
      /** 1-based level in the policy; repeats of the last level keep its number. */
      readonly level: number;
      readonly repeat: number;
      readonly notify: EscalationContact;
      readonly breachedAt: Date;
    };

export interface SlaDecision {
  /** What is due now and was not recorded yet, in the order it fell due. */
  readonly notices: readonly SlaNotice[];
  /** When something next falls due, assuming nothing changes; undefined when nothing will. */
  readonly nextCheckAt?: Date;
  readonly clocks: Record<SlaTarget, SlaClock>;
}

/**
 * What the clocks call for at `now`: warnings at the warning share of a running target, the breach,
 * then the escalation levels after the breach (each once, the last repeated a bounded number of
 * times, never looping back). Achieving a target stops its escalation; closing the incident
 * stops everything. Steps missed while nothing ran (a late check) are all due at once, in order.
 */
export function slaDecision(incident: Incident, policy: SlaPolicy, now: Date): SlaDecision {
  const clocks = slaClocksOf(incident, policy, now);
  const sent = new Set(slaOf(incident).notices);
  const open = isOpen(incident.state);
  const notices: (SlaNotice & { readonly dueAt_: number })[] = [];
  const upcoming: number[] = [];
  const t = now.getTime();

  for (const target of SLA_TARGETS) {
    const clock = clocks[target];
    // Achieved, even after a breach (acknowledged late): nothing more to warn of or escalate.
    if (clock.achievedAt !== undefined) continue;
    const warningKey = `${target}:warning`;
    // A check that runs late (or a priority change past both thresholds) still warns before the
    // breach notice; once the breach has gone out, a warning would only be noise.
    if (clock.warningAt && !sent.has(warningKey) && !sent.has(`${target}:breach`)) {
      if (clock.warningAt.getTime() <= t) notices.push({ key: warningKey, kind: 'warning', target, dueAt: clock.dueAt ?? clock.breachedAt ?? clock.warningAt, dueAt_: clock.warningAt.getTime() });
      else if (clock.state === 'running') upcoming.push(clock.warningAt.getTime());
    }
    if (clock.state === 'running' && clock.dueAt) upcoming.push(clock.dueAt.getTime());
    if (clock.state !== 'breached' || !clock.breachedAt || !open) continue;
    const breachedAt = clock.breachedAt;
    const breachKey = `${target}:breach`;
    if (!sent.has(breachKey)) notices.push({ key: breachKey, kind: 'breach', target, breachedAt, dueAt_: breachedAt.getTime() });
    if (!policy.escalateTargets.includes(target)) continue;
    for (const step of escalationSteps(policy)) {
      const key = `${target}:escalation:${step.level}${step.repeat > 0 ? `:repeat-${step.repeat}` : ''}`;
      if (sent.has(key)) continue;
      const due = breachedAt.getTime() + step.afterMs;
      if (due <= t) notices.push({ key, kind: 'escalation', target, level: step.level, repeat: step.repeat, notify: step.notify, breachedAt, dueAt_: due });
      else upcoming.push(due);
    }
  }
  notices.sort((a, b) => a.dueAt_ - b.dueAt_);
  const next = upcoming.length > 0 ? Math.min(...upcoming) : undefined;
  return {
    notices: notices.map(({ dueAt_: _, ...notice }) => notice as SlaNotice),
    ...(next !== undefined && { nextCheckAt: new Date(next) }),
    clocks,
  };
}

/** The policy's levels, then the bounded repeats of the last one. */
export function escalationSteps(policy: SlaPolicy): { level: number; repeat: number; notify: EscalationContact; afterMs: number }[] {
  const steps = policy.levels.map((level, index) => ({ level: index + 1, repeat: 0, notify: level.notify, afterMs: level.afterMs }));
  const last = steps.at(-1);
  if (last) {
    for (let repeat = 1; repeat <= policy.repeatLast.times; repeat++) {
      steps.push({ ...last, repeat, afterMs: last.afterMs + repeat * policy.repeatLast.everyMs });
    }
  }
  return steps;
}

/** Who a level calls, as recorded on the incident. */
export interface ResolvedContact {
  readonly name: string;
}

/**
 * Records the notices on the incident: timeline entries, hierarchical escalations for each level
 * called, and their keys so that none is recorded twice. `contactOf` names who a level calls
 * (undefined when the client has no such contact: the step is recorded as skipped).
 */
export function applySlaNotices(
  incident: Incident,
  notices: readonly SlaNotice[],
  contactOf: (notify: EscalationContact) => ResolvedContact | undefined,
  now: string,
): IncidentChange {
  const actor = 'system:sla';
  const sla = slaOf(incident);
  const entries: TimelineEntry[] = [];
  const escalations: Escalation[] = [...incident.escalations];
  let escalationLevel = incident.escalationLevel;
  for (const notice of notices) {
    if (notice.kind === 'warning') {
      entries.push({ type: 'sla-warning', at: now, actor, visibility: 'internal', field: notice.target, text: `${notice.target} target due at ${notice.dueAt.toISOString()}` });
    } else if (notice.kind === 'breach') {
      entries.push({ type: 'sla-breach', at: now, actor, visibility: 'internal', field: notice.target, text: `${notice.target} target breached at ${notice.breachedAt.toISOString()}` });
    } else {
      const contact = contactOf(notice.notify);
      const repeat = notice.repeat > 0 ? ` (reminder ${notice.repeat})` : '';
      const reason = `${notice.target} target breached at ${notice.breachedAt.toISOString()}${repeat}`;
      if (!contact) {
        entries.push({ type: 'escalation', at: now, actor, visibility: 'internal', to: `${notice.notify} (none on record: skipped)`, reason });
        continue;
      }
      escalationLevel = Math.max(escalationLevel, notice.level);
      escalations.push({ kind: 'hierarchical', level: notice.level, to: contact.name, reason, at: now, by: actor });
      entries.push({ type: 'escalation', at: now, actor, visibility: 'internal', to: `hierarchical → ${contact.name} (level ${notice.level})`, reason });
    }
  }
  return {
    incident: {
      ...incident,
      escalationLevel,
      escalations,
      sla: { ...sla, notices: [...sla.notices, ...notices.map((n) => n.key)] },
      updatedAt: now,
      updatedBy: actor,
      version: incident.version + 1,
    },
    entries,
  };
}
