import { alarmEventSeverity, decideAlarmAction, needsAlarmTags, type AlarmTags, type MonitoringPolicy } from '../domain/alarm-policy';
import { changeIncident, openIncident, resolveAutomatically, type Actor, type Incident, type IncidentChange } from '../../incidents/domain';
import { isOpen } from '../../incidents/domain';
import { CLEARED_RESOLUTION_CODE } from '../domain/alarm-policy';
import type { TimelineEntry } from '../../incidents/domain';
import type { AuditEntry } from '../../../kernel/domain/audit-chain';
import type { PriorityRules } from '../../../kernel/domain/priority-rules';
import type { CloudWatchAlarmEvent } from '../schemas/event-rules';
import { recordSlaFacts } from '../../incidents/domain';
import { reopenForAlarm, startTracking, trackAlarmState, type AlarmTracking, type AlarmTrackingPolicy } from '../../incidents/domain';
import { slaStartEffects, withSlaFacts } from '../../incidents/app';
import { effectsOf, type Effect } from '../../outbox/domain';
import type { AlarmTagSource, MonitoringEventStore } from './ports';
import type { Clock, IdSource } from '../../../kernel/app/ports';
import type { IncidentRepository } from '../../incidents/app';
import { incidentAdditionEntry, incidentChangeEntry } from '../../audit/app';

/** Five state changes within an hour make an alarm flapping; warnings are not promoted unless the client says when. */
export const DEFAULT_TRACKING: AlarmTrackingPolicy = { flappingChanges: 5, flappingWindowMs: 3_600_000 };

export const MONITORING_ACTOR: Actor = { id: 'system:monitoring', name: 'system:monitoring' };

export interface IngestEventDeps {
  readonly events: MonitoringEventStore;
  readonly incidents: IncidentRepository;
  readonly clock: Clock;
  readonly ids: IdSource;
  readonly rules: PriorityRules;
  readonly policy: MonitoringPolicy;
  /** Flapping and warning promotion. @default 5 changes within an hour; no promotion */
  readonly tracking?: AlarmTrackingPolicy;
  /** The alarm's `itsm:severity` / `itsm:service` tags, which come before the name rules. None: rules only. */
  readonly alarmTags?: AlarmTagSource;
  /** A tag lookup failed: the event is classified by the name rules instead (never lost for it). */
  readonly onTagLookupFailure?: (error: unknown, alarmArn: string) => void;
  /** The client's ServiceNow is kept in step: an incident opened, resolved or reopened here is pushed there (servicenow-sync). */
  readonly syncToServiceNow?: boolean;
}

export type IngestOutcome =
  | { readonly outcome: 'duplicate' }
  | { readonly outcome: 'opened' | 'attached' | 'noted' | 'resolved' | 'reopened'; readonly incidentId: string }
  | { readonly outcome: 'recorded'; readonly why: string };

/**
 * The effects of an incident change made by ingestion, stored with it (src/modules/outbox): the SLA
 * workflow's start when the change began a new clock generation, `others`, and the push to the
 * client's ServiceNow where the client has it (so an incident monitoring opens is there at once).
 */
export function changeEffects(deps: Pick<IngestEventDeps, 'syncToServiceNow'>, before: Incident | undefined, after: Incident, others: readonly Effect[] = []) {
  const sync: Effect[] = deps.syncToServiceNow ? [{ kind: 'servicenow-sync', incidentId: after.id, version: after.version, trigger: 'change' }] : [];
  return effectsOf(after.id, after.version, [...slaStartEffects(before, after), ...others, ...sync]);
}

/** Lost races are retried this many times (each retry re-reads the lock; writes stay conditional). */
const MAX_ATTEMPTS = 10;

/** Before re-reading after a lost race: a random pause that grows, so racing events for one alarm spread out. */
const afterLostRace = (attempt: number) => new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * (attempt + 1)));

/**
 * Turns one CloudWatch alarm state change into incident work, exactly once per event id:
 * ALARM opens the alarm's incident or adds an occurrence to the open one; OK notes the clearance
 * on the open incident; INSUFFICIENT_DATA and informational alarms are recorded only.
 */
export async function ingestAlarmEvent(deps: IngestEventDeps, event: CloudWatchAlarmEvent): Promise<IngestOutcome> {
  const now = deps.clock.now().toISOString();
  const alarmArn = event.resources[0]!;
  const alarmLock = { kind: 'alarm', id: alarmArn } as const;
  const { alarmName, state } = event.detail;
  const tags = needsAlarmTags(state.value) ? await alarmTagsOf(deps, alarmArn) : undefined;
  const base = {
    eventId: event.id,
    source: event.source,
    detailType: event['detail-type'],
    resource: alarmArn,
    state: state.value,
    receivedAt: now,
    severity: alarmEventSeverity(deps.policy, alarmName, state.value, tags),
    time: event.time,
    detail: event.detail,
  };
  const action = decideAlarmAction(deps.policy, alarmName, state.value, tags);
  // Each change's audit record is stored in the change's own transaction, under the event's id.
  const audit = (entry: AuditEntry): AuditEntry => ({ ...entry, requestId: event.id });

  if (action.kind === 'record-only') {
    const fresh = await deps.events.record({ ...base, outcome: 'recorded' });
    return fresh ? { outcome: 'recorded', why: action.why } : { outcome: 'duplicate' };
  }

  const entry = (text: string): TimelineEntry => ({ type: 'work-note', at: now, actor: MONITORING_ACTOR.name, visibility: 'internal', text });
  const trackingPolicy = deps.tracking ?? DEFAULT_TRACKING;
  /**
   * The alarm's new state on its incident, and what to say when it starts flapping. The new
   * tracking is computed from the version read, so it is stored only on that version
   * (`expectedVersion`): two events for one alarm at once cannot lose each other's state change.
   */
  const track = (incident: Incident | undefined, reported: 'ALARM' | 'OK') => {
    const current = incident?.alarm;
    if (!incident || !current) return { incident, set: undefined, flapping: false, note: '' };
    const next = trackAlarmState(current, reported, now, trackingPolicy);
    const note = next.becameFlapping
      ? ` The alarm is flapping (${next.tracking.changes.length} state changes within ${Math.round(trackingPolicy.flappingWindowMs / 60_000)} minutes): this incident stays the one for it, and it is not resolved automatically while it flaps.`
      : '';
    return { incident, set: { alarm: next.tracking } as Readonly<Record<string, AlarmTracking>>, flapping: next.tracking.flapping, note };
  };

  if (action.kind === 'note-cleared') {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      // The lock and its incident, read together (consistently).
      const lock = await deps.events.readLock(alarmLock);
      if (!lock) break;
      const tracked = track(lock.incident, 'OK');
      const incident = tracked.incident;
      if (!incident || !isOpen(incident.state)) break;
      if (action.resolve && !tracked.flapping) {
        const text = `CloudWatch alarm ${alarmName} returned to OK: ${state.reason}`;
        const change = clearedByMonitoring(deps, { ...incident, ...tracked.set }, text, now);
        const result = await deps.events.saveLockedIncident({
          record: { ...base, outcome: 'resolved', incidentId: incident.id },
          lock: alarmLock,
          change,
          previous: incident,
          expectedVersion: incident.version,
          audit: audit(incidentChangeEntry(MONITORING_ACTOR, 'incident:resolve', incident, change.incident)),
          effects: changeEffects(deps, incident, change.incident),
        });
        if (result === 'saved') return { outcome: 'resolved', incidentId: incident.id };
        if (result === 'duplicate-event') return { outcome: 'duplicate' };
        await afterLostRace(attempt);
        continue; // someone changed the incident meanwhile: read it again
      }
      const note = entry(`CloudWatch alarm ${alarmName} returned to OK: ${state.reason}${tracked.note}`);
      const result = await deps.events.attachToIncident({
        record: { ...base, outcome: 'noted', incidentId: lock.incidentId },
        incidentId: lock.incidentId,
        entry: note,
        countOccurrence: false,
        ...(tracked.set && { set: tracked.set, expectedVersion: incident.version }),
        audit: audit(incidentAdditionEntry(MONITORING_ACTOR, 'incident:work-note', lock.incidentId, { 'work-note': note })),
      });
      if (result === 'attached') return { outcome: 'noted', incidentId: lock.incidentId };
      if (result === 'duplicate-event') return { outcome: 'duplicate' };
      if (result === 'conflict') {
        await afterLostRace(attempt);
        continue;
      }
      break; // the alarm's incident is no longer open: nothing to note on
    }
    const fresh = await deps.events.record({ ...base, outcome: 'recorded' });
    return fresh ? { outcome: 'recorded', why: 'no open incident for the alarm' } : { outcome: 'duplicate' };
  }

  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const lock = await deps.events.readLock(alarmLock);
    if (lock) {
      const tracked = track(lock.incident, 'ALARM');
      const previous = tracked.incident;
      if (previous && isOpen(previous.state)) {
        const note = entry(`CloudWatch alarm ${alarmName} is in ALARM again: ${state.reason}${tracked.note}`);
        const attached = await deps.events.attachToIncident({
          record: { ...base, outcome: 'attached', incidentId: lock.incidentId },
          incidentId: lock.incidentId,
          entry: note,
          countOccurrence: true,
          ...(tracked.set && { set: tracked.set, expectedVersion: previous.version }),
          // occurrenceCount is raised by one in the store: recorded as the added occurrence.
          audit: audit(incidentAdditionEntry(MONITORING_ACTOR, 'incident:alarm-occurrence', lock.incidentId, { 'work-note': note, occurrenceCount: '+1' })),
        });
        if (attached === 'attached') return { outcome: 'attached', incidentId: lock.incidentId };
        if (attached === 'duplicate-event') return { outcome: 'duplicate' };
        await afterLostRace(attempt);
        continue; // changed or closed meanwhile: read it again
      }
      // Cleared by monitoring moments ago: the same incident goes back to work (flapping keeps one incident).
      const reopened = previous && reopenForAlarm(previous, trackingPolicy, now);
      if (previous && reopened) {
        const change = withSlaFacts(previous, reopened, now, false);
        const result = await deps.events.saveLockedIncident({
          record: { ...base, outcome: 'reopened', incidentId: previous.id },
          lock: alarmLock,
          change,
          previous,
          expectedVersion: previous.version,
          audit: audit(incidentChangeEntry(MONITORING_ACTOR, 'incident:reopen', previous, change.incident)),
          effects: changeEffects(deps, previous, change.incident),
        });
        if (result === 'saved') return { outcome: 'reopened', incidentId: previous.id };
        if (result === 'duplicate-event') return { outcome: 'duplicate' };
        continue;
      }
    }
    // No lock, or it names an incident that is no longer open: open a new one.
    const [number, openOnService] = await Promise.all([
      deps.incidents.allocateNumber(),
      deps.incidents.countOpenOnService(action.service, 100),
    ]);
    const change = openIncident({
      id: deps.ids.newId(),
      number,
      input: {
        shortDescription: `CloudWatch alarm ${alarmName} is in ALARM`.slice(0, 160),
        description: `${state.reason}\n\nAlarm: ${alarmArn}\nAccount ${event.account}, region ${event.region}; state changed at ${state.timestamp}.`,
        impact: action.impact,
        urgency: action.urgency,
        service: action.service,
        category: 'monitoring',
        channel: 'monitoring',
        reportedBy: MONITORING_ACTOR.name,
        detectedAt: new Date(Math.min(Date.parse(event.time), Date.parse(now))).toISOString(),
      },
      rules: deps.rules,
      openOnService,
      recordedBy: MONITORING_ACTOR,
      now,
    });
    const severity = action.severity === 'error' ? 'error' : 'warning';
    const incident = recordSlaFacts(undefined, { ...change.incident, occurrenceCount: 1, alarmArn, alarm: startTracking(severity, now) }, now, false);
    const result = await deps.events.openLockedIncident({
      record: { ...base, outcome: 'opened', incidentId: incident.id },
      lock: alarmLock,
      change: { incident, entries: change.entries },
      ...(lock && { staleIncidentId: lock.incidentId }),
      audit: audit(incidentChangeEntry(MONITORING_ACTOR, 'incident:create', undefined, incident)),
      effects: changeEffects(deps, undefined, incident),
    });
    if (result === 'opened') return { outcome: 'opened', incidentId: incident.id };
    if (result === 'duplicate-event') return { outcome: 'duplicate' };
    // lock-taken: another event for this alarm won; attach to its incident on the next pass.
  }
  throw new Error(`Event ${event.id}: alarm ${alarmArn} kept changing hands after ${MAX_ATTEMPTS} attempts`);
}

/** The alarm's tags, or none when they cannot be read: a failed lookup must not fail (and so retry, then dead-letter) the event. */
async function alarmTagsOf(deps: IngestEventDeps, alarmArn: string): Promise<AlarmTags | undefined> {
  if (!deps.alarmTags) return undefined;
  try {
    return await deps.alarmTags.tagsOf(alarmArn);
  } catch (error) {
    deps.onTagLookupFailure?.(error, alarmArn);
    return undefined;
  }
}

/** Resolves the alarm's incident with 'Cleared by monitoring', starting work first where the lifecycle requires it. */
function clearedByMonitoring(deps: IngestEventDeps, incident: Parameters<typeof changeIncident>[0]['incident'], notes: string, now: string): IncidentChange {
  return withSlaFacts(incident, resolveAutomatically({ incident, resolutionCode: CLEARED_RESOLUTION_CODE, resolutionNotes: notes, rules: deps.rules, actor: MONITORING_ACTOR, now }), now, false);
}
