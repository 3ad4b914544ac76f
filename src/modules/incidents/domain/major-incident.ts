import { InvalidInputError } from '../../../kernel/domain/domain-errors';
import type { Actor } from '../../../kernel/domain/actor';
import { parseIsoDuration } from '../../../kernel/domain/iso-duration';
import type { Incident, IncidentChange } from './incident';
import type { TimelineEntry } from './incident-timeline';

/**
 * Major incidents' disaster recovery and communications (ServiceNow major incident management):
 * which DR plan applies, whether it was invoked (by whom, when, why), the recovery time and point
 * objectives against what was achieved, and the log of what was sent to the client. Pure.
 */

/** Recovery time and point objectives, as ISO 8601 durations (e.g. PT4H, PT15M). */
export interface RecoveryObjectives {
  readonly rto?: string;
  readonly rpo?: string;
}

export interface DisasterRecovery {
  /** The plan's reference: the service's own, else the client's. */
  readonly plan: string;
  readonly source: 'service' | 'client';
  /** The targets in force when the incident was declared major (from the same source as the plan where it names them). */
  readonly objectives?: RecoveryObjectives;
  /** Whether the plan was invoked: decided once, by whom, when and why (the reason is internal). */
  readonly decision?: { readonly invoked: boolean; readonly at: string; readonly by: string; readonly reason: string };
  /** Recorded once the service is back: when it was restored, and the instant the restored data reach. */
  readonly recovery?: { readonly restoredAt: string; readonly dataRestoredTo?: string; readonly at: string; readonly by: string };
}

/** The plan a major incident records: the service's own if it names one, else the client's; none when neither does. */
export function disasterRecoveryFor(
  service: { readonly disasterRecoveryPlan?: string; readonly recoveryObjectives?: RecoveryObjectives } | undefined,
  client: { readonly plan?: string; readonly objectives?: RecoveryObjectives },
): DisasterRecovery | undefined {
  if (service?.disasterRecoveryPlan) {
    const objectives = service.recoveryObjectives ?? client.objectives;
    return { plan: service.disasterRecoveryPlan, source: 'service', ...(objectives && { objectives }) };
  }
  if (client.plan) return { plan: client.plan, source: 'client', ...(client.objectives && { objectives: client.objectives }) };
  return undefined;
}

export type DisasterRecoveryStep =
  | { readonly action: 'invoke' | 'decline'; readonly reason: string; readonly at?: string }
  | { readonly action: 'recovered'; readonly restoredAt: string; readonly dataRestoredTo?: string };

/** Records the decision on the DR plan, or the recovery once achieved; refuses what does not follow. */
export function recordDisasterRecovery(incident: Incident, step: DisasterRecoveryStep, actor: Actor, now: string): IncidentChange {
  const dr = incident.disasterRecovery;
  if (!incident.major) throw new InvalidInputError([{ field: 'action', message: 'disaster recovery is recorded on major incidents only; declare the incident major first' }]);
  if (!dr) throw new InvalidInputError([{ field: 'action', message: 'no disaster-recovery plan is on record for this incident (neither its service nor the client names one)' }]);
  const late = (instant: string, field: string) => {
    if (Date.parse(instant) > Date.parse(now) + 5 * 60_000) throw new InvalidInputError([{ field, message: 'must not be in the future' }]);
  };
  let next: DisasterRecovery;
  let entry: TimelineEntry;
  if (step.action === 'invoke' || step.action === 'decline') {
    if (dr.decision) throw new InvalidInputError([{ field: 'action', message: `the plan's invocation was decided already (${dr.decision.invoked ? 'invoked' : 'not invoked'} by ${dr.decision.by} at ${dr.decision.at})` }]);
    const at = step.at ? new Date(step.at).toISOString() : now;
    if (step.at) late(step.at, 'at');
    const invoked = step.action === 'invoke';
    next = { ...dr, decision: { invoked, at, by: actor.name, reason: step.reason.trim() } };
    entry = { type: 'disaster-recovery', at: now, actor: actor.name, visibility: 'public', text: invoked ? `Disaster-recovery plan invoked at ${at}` : 'Disaster-recovery plan not invoked' };
  } else {
    const recovered = step as Extract<DisasterRecoveryStep, { readonly action: 'recovered' }>;
    if (!dr.decision?.invoked) throw new InvalidInputError([{ field: 'action', message: 'a recovery is recorded once the plan has been invoked (action "invoke")' }]);
    if (dr.recovery) throw new InvalidInputError([{ field: 'action', message: `the recovery was recorded already (restored at ${dr.recovery.restoredAt})` }]);
    late(recovered.restoredAt, 'restoredAt');
    const restoredAt = new Date(recovered.restoredAt).toISOString();
    if (restoredAt < dr.decision.at) throw new InvalidInputError([{ field: 'restoredAt', message: `must not be before the plan was invoked (${dr.decision.at})` }]);
    const dataRestoredTo = recovered.dataRestoredTo ? new Date(recovered.dataRestoredTo).toISOString() : undefined;
    if (dataRestoredTo && dataRestoredTo > restoredAt) throw new InvalidInputError([{ field: 'dataRestoredTo', message: 'must not be after the service was restored' }]);
    next = { ...dr, recovery: { restoredAt, ...(dataRestoredTo && { dataRestoredTo }), at: now, by: actor.name } };
    entry = { type: 'disaster-recovery', at: now, actor: actor.name, visibility: 'public', text: `Service restored under the disaster-recovery plan at ${restoredAt}` };
  }
  return {
    incident: { ...incident, disasterRecovery: next, updatedAt: now, updatedBy: actor.name, version: incident.version + 1 },
    entries: [entry],
  };
}

export interface ObjectiveFigure {
  readonly target?: string;
  readonly targetMinutes?: number;
  readonly achievedMinutes?: number;
  /** Known only when both the target and the achieved figure are. */
  readonly met?: boolean;
}

const minutesBetween = (from: string, to: string) => Math.max(0, Math.round((Date.parse(to) - Date.parse(from)) / 60_000));

/**
 * The objectives against what was achieved. Both are measured from the start of the disruption
 * (the outage's start, else the incident's detection): RTO to the service's restoration, RPO back
 * to the instant the restored data reach (the data lost).
 */
export function recoveryFigures(incident: Pick<Incident, 'disasterRecovery' | 'outage' | 'detectedAt'>): { readonly rto: ObjectiveFigure; readonly rpo: ObjectiveFigure } {
  const dr = incident.disasterRecovery;
  const disruption = incident.outage?.start ?? incident.detectedAt;
  const figure = (target: string | undefined, achievedMinutes: number | undefined): ObjectiveFigure => {
    const ms = target ? parseIsoDuration(target) : undefined;
    const targetMinutes = ms !== undefined ? Math.round(ms / 60_000) : undefined;
    return {
      ...(target && { target }),
      ...(targetMinutes !== undefined && { targetMinutes }),
      ...(achievedMinutes !== undefined && { achievedMinutes }),
      ...(targetMinutes !== undefined && achievedMinutes !== undefined && { met: achievedMinutes <= targetMinutes }),
    };
  };
  const restoredAt = dr?.recovery?.restoredAt;
  const dataRestoredTo = dr?.recovery?.dataRestoredTo;
  return {
    rto: figure(dr?.objectives?.rto, restoredAt ? minutesBetween(disruption, restoredAt) : undefined),
    rpo: figure(dr?.objectives?.rpo, dataRestoredTo ? minutesBetween(dataRestoredTo, disruption) : undefined),
  };
}

/** Communications with the client about a major incident (MIM communications). */
export const COMMUNICATION_KINDS = ['declared', 'update', 'resolved'] as const;
export type CommunicationKind = (typeof COMMUNICATION_KINDS)[number];

/**
 * The communications-log entry of a notice sent to the client, stored in the same transaction as
 * the notice's outbox item (`effect`), so the log names exactly the notices the outbox delivers.
 * The desk's updates are written for the client and are public; the declaration and resolution
 * notices are composed from the record (the reason for declaring, the DR plan, the assignee) and
 * go to the nominated and provider contacts, so their entries are internal, like those fields.
 */
export function communicationEntry(notice: {
  readonly kind: CommunicationKind;
  readonly visibility: 'public' | 'internal';
  readonly subject: string;
  readonly message: string;
  readonly recipients: readonly { readonly name: string }[];
  readonly effect: string;
}, actor: string, at: string): TimelineEntry {
  return {
    type: 'communication',
    at,
    actor,
    visibility: notice.visibility,
    field: notice.kind,
    subject: notice.subject,
    text: notice.message,
    recipients: notice.recipients.map((r) => r.name),
    effect: notice.effect,
  };
}
