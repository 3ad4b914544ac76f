import type { AlarmSeverity } from '../../monitoring/domain';
import { changeIncident, escalateIncident, type Incident, type IncidentChange } from './incident';
import { isOpen } from './incident-lifecycle';
import type { Impact } from '../../../kernel/domain/priority';
import { decidePriority, type PriorityRules } from '../../../kernel/domain/priority-rules';

/**
 * What an alarm's incident knows of its alarm: severity, current state and since when, recent
 * state changes (for flapping), and whether a persisting warning was promoted. Pure.
 */
export interface AlarmTracking {
  readonly severity: Exclude<AlarmSeverity, 'informational'>;
  readonly state: 'ALARM' | 'OK';
  /** When the alarm entered its current state. */
  readonly stateSince: string;
  /** Instants of the recent state changes (ALARM ⇄ OK), oldest first, within the flapping window. */
  readonly changes: readonly string[];
  readonly flapping: boolean;
  readonly promotedAt?: string;
}

export interface AlarmTrackingPolicy {
  /** A warning still in ALARM this long after it went into ALARM is promoted to an error; undefined: never. */
  readonly warningPromotionAfterMs?: number;
  /** This many state changes within `flappingWindowMs` mark the alarm as flapping. */
  readonly flappingChanges: number;
  readonly flappingWindowMs: number;
}

export function startTracking(severity: AlarmTracking['severity'], at: string): AlarmTracking {
  return { severity, state: 'ALARM', stateSince: at, changes: [at], flapping: false };
}

/**
 * The alarm reported `state` at `at`. A repeated state changes nothing but is still an occurrence;
 * a change is counted towards flapping. Flapping is reported once (`becameFlapping`) and stays
 * until the window holds fewer changes than the threshold again.
 */
export function trackAlarmState(
  tracking: AlarmTracking,
  state: 'ALARM' | 'OK',
  at: string,
  policy: AlarmTrackingPolicy,
): { readonly tracking: AlarmTracking; readonly changed: boolean; readonly becameFlapping: boolean } {
  const changed = state !== tracking.state;
  const since = Date.parse(at) - policy.flappingWindowMs;
  const changes = [...tracking.changes, ...(changed ? [at] : [])].filter((c) => Date.parse(c) >= since);
  const flapping = changes.length >= policy.flappingChanges;
  return {
    tracking: { ...tracking, state, ...(changed && { stateSince: at }), changes, flapping },
    changed,
    becameFlapping: flapping && !tracking.flapping,
  };
}

/**
 * The alarm is back in ALARM soon after monitoring cleared its incident: the same incident goes
 * back to work (reopen counted) instead of a new one, so a flapping alarm keeps one incident.
 * Undefined when the incident is not a recent monitoring clearance.
 */
export function reopenForAlarm(incident: Incident, policy: AlarmTrackingPolicy, now: string): IncidentChange | undefined {
  if (incident.state !== 'Resolved' || incident.resolutionCode !== 'Cleared by monitoring' || !incident.alarm || !incident.resolvedAt) return undefined;
  if (Date.parse(now) - Date.parse(incident.resolvedAt) > policy.flappingWindowMs) return undefined;
  const tracked = trackAlarmState(incident.alarm, 'ALARM', now, policy);
  const { resolutionCode: _code, resolutionNotes: _notes, resolvedAt: _at, resolvedBy: _by, ...rest } = incident;
  const reason = `The alarm is in ALARM again within ${Math.round(policy.flappingWindowMs / 60_000)} minutes of clearing${
    tracked.tracking.flapping ? `; it is flapping (${tracked.tracking.changes.length} state changes), so it is no longer resolved automatically` : ''
  }`;
  return {
    incident: {
      ...rest,
      state: 'In Progress',
      alarm: tracked.tracking,
      occurrenceCount: (incident.occurrenceCount ?? 1) + 1,
      reopenCount: incident.reopenCount + 1,
      updatedAt: now,
      updatedBy: 'system:monitoring',
      version: incident.version + 1,
    },
    entries: [{ type: 'reopened', at: now, actor: 'system:monitoring', visibility: 'public', from: 'Resolved', to: 'In Progress', reason }],
  };
}

/** When the incident's warning alarm is due for promotion, if it is (still) a candidate. */
export function promotionDueAt(incident: Pick<Incident, 'state' | 'alarm'>, policy: Pick<AlarmTrackingPolicy, 'warningPromotionAfterMs'>): Date | undefined {
  const alarm = incident.alarm;
  if (!alarm || policy.warningPromotionAfterMs === undefined || !isOpen(incident.state)) return undefined;
  if (alarm.severity !== 'warning' || alarm.state !== 'ALARM' || alarm.promotedAt !== undefined) return undefined;
  return new Date(Date.parse(alarm.stateSince) + policy.warningPromotionAfterMs);
}

/**
 * A warning that persisted is re-classified as an error: urgency raised as an error alarm's
 * (impact 2, urgency 1 — the priority follows the client's matrix and is never lowered), and the
 * incident escalated to the service owner.
 */
export function promoteWarningAlarm(args: {
  readonly incident: Incident;
  readonly rules: PriorityRules;
  readonly after: string;
  readonly serviceOwner: string;
  readonly now: string;
}): IncidentChange {
  const actor = { id: 'system:monitoring', name: 'system:monitoring' };
  const { incident, now } = args;
  const reason = `Warning alarm still in ALARM after ${args.after}: promoted to error`;
  const raised = incident.urgency > 1 || incident.impact > 2
    ? changeIncident({
        incident,
        changes: { urgency: 1, ...(incident.impact > 2 && { impact: 2 }), ...(wouldMovePriority(incident, args.rules) && { reason }) },
        rules: args.rules,
        actor,
        now,
      })
    : { incident, entries: [] };
  const escalated = escalateIncident(raised.incident, { kind: 'hierarchical', to: args.serviceOwner, reason }, actor, now);
  return {
    incident: {
      ...escalated.incident,
      alarm: { ...incident.alarm!, severity: 'error', promotedAt: now },
      version: incident.version + 1,
    },
    entries: [...raised.entries, ...escalated.entries],
  };
}

/** Whether raising to an error's impact and urgency moves the priority (a priority change needs a reason). */
function wouldMovePriority(incident: Incident, rules: PriorityRules): boolean {
  const decided = decidePriority(rules, {
    impact: Math.min(incident.impact, 2) as Impact,
    urgency: 1,
    ...(incident.usersAffected !== undefined && { usersAffected: incident.usersAffected }),
    ...(incident.concurrentIncidentsAtLogging !== undefined && { concurrentIncidents: incident.concurrentIncidentsAtLogging }),
  });
  return decided.priority !== incident.priority;
}
