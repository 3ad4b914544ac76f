import { standardBusinessHours, TWENTY_FOUR_SEVEN, type Calendar } from '../../../kernel/domain/business-calendar';
import { ForbiddenError, InvalidInputError, VersionConflictError } from '../../../kernel/domain/domain-errors';
import type { Incident, IncidentChange } from '../domain/incident';
import {
  applySlaNotices,
  recordSlaFacts,
  slaClocksOf,
  slaDecision,
  slaOf,
  targetMs,
  type EscalationContact,
  type SlaNotice,
  type SlaPolicy,
  type AppliedSlaTerms,
  slaTermsOf,
} from '../domain/incident-sla';
import { parseIsoDuration } from '../../../kernel/domain/iso-duration';
import { promoteWarningAlarm, promotionDueAt, type AlarmTrackingPolicy } from '../domain/alarm-tracking';
import type { PriorityRules } from '../../../kernel/domain/priority-rules';
import { PRIORITIES, type Priority } from '../../../kernel/domain/priority';
import { SLA_TARGETS, type SlaClock, type SlaTarget } from '../domain/sla-clock';
import { mayReadReports, type Caller } from '../../../kernel/domain/access-policy';
import type { ClientSettings } from '../../../config/client-settings-schema';
import type { Clock, ContactRef, Notification, NotificationTopic } from '../../../kernel/app/ports';
import type { IncidentRepository } from './ports';
import { compareClocks, type ClientSla, type ClientSlaSnapshot, type SlaDisagreement } from '../domain/client-sla';
import { effectsOf, type Effect } from '../../outbox/domain';
import type { ServiceCatalogue } from '../../catalogue/app';
import { escalationContacts, type DefaultContacts } from '../../catalogue/domain';
import { incidentChangeEntry } from '../../audit/app';

/** The client's flapping and warning-promotion settings as the domain reads them. */
export function alarmTrackingPolicyOf(monitoring: ClientSettings['monitoring']): AlarmTrackingPolicy {
  return {
    flappingChanges: monitoring.flapping.changes,
    flappingWindowMs: parseIsoDuration(monitoring.flapping.within)!,
    warningPromotionAfterMs: parseIsoDuration(monitoring.warningPromotionAfter)!,
  };
}

/** The client's SLA settings as the domain reads them. */
export function slaPolicyOf(settings: Pick<ClientSettings, 'timeZone' | 'slaTargets' | 'sla'>): SlaPolicy {
  const { sla } = settings;
  const businessHours = { ...standardBusinessHours(settings.timeZone, sla.businessHours.holidays), ...sla.businessHours, kind: 'business-hours' as const };
  const calendars = Object.fromEntries(
    PRIORITIES.map((p) => [p, sla.calendars[p] === '24x7' ? TWENTY_FOUR_SEVEN : businessHours] as const),
  ) as Record<Priority, Calendar>;
  return {
    targets: settings.slaTargets,
    calendars,
    warningShare: sla.warningShare,
    pausingReasons: sla.pausingReasons,
    levels: sla.escalation.levels.map((l) => ({ notify: l.notify, afterMs: parseIsoDuration(l.after) ?? 0 })),
    repeatLast: { times: sla.escalation.repeatLast.times, everyMs: parseIsoDuration(sla.escalation.repeatLast.every)! },
    escalateTargets: sla.escalation.targets,
  };
}

/** The client's default contacts: used where the incident's service names none of its own. */
export type SlaContacts = DefaultContacts;

export interface SlaDeps {
  readonly incidents: IncidentRepository;
  readonly clock: Clock;
  readonly policy: SlaPolicy;
  readonly clientId: string;
  readonly contacts: SlaContacts;
  /** The service catalogue: escalation calls the service's own contacts and owner first. */
  readonly services?: ServiceCatalogue;
  /** Warning alarms that persist are promoted at their due time by the same workflow. */
  readonly promotion?: { readonly policy: AlarmTrackingPolicy; readonly after: string; readonly rules: PriorityRules };
}

export interface SlaCheckResult {
  /** True when nothing more will fall due for this generation: the workflow ends. */
  readonly done: boolean;
  /** When to check again (ISO 8601), while not done. */
  readonly next?: string;
  readonly reason?: string;
  /** Keys of what this check recorded and sent. */
  readonly sent: readonly string[];
}

const MAX_CONFLICT_RETRIES = 3;
const SLA_ACTOR = { id: 'system:sla', name: 'system:sla' };

/**
 * One wake-up of the SLA workflow: records and sends whatever has fallen due, and says when to
 * wake up next. A run for an older generation stops at once (a pause, resume or priority change
 * started a newer one), so executions never race. Each notice's notification is an outbox effect
 * stored with the incident version that records the notice (`<incidentId>#v<version>#notify#<key>`),
 * under the version condition: a check that loses a race, or that Step Functions retries, re-reads
 * the incident, finds the notice recorded, and stores (and sends) nothing twice.
 */
export async function checkSlaClocks(deps: SlaDeps, run: { readonly incidentId: string; readonly generation: number }): Promise<SlaCheckResult> {
  for (let attempt = 0; attempt < MAX_CONFLICT_RETRIES; attempt++) {
    const incident = await deps.incidents.get(run.incidentId);
    if (!incident) return { done: true, reason: 'no such incident', sent: [] };
    const generation = slaOf(incident).generation;
    if (generation !== run.generation) return { done: true, reason: `superseded by generation ${generation}`, sent: [] };
    const now = deps.clock.now();
    if (deps.services && needsTerms(incident)) {
      if (await recordServiceTerms(deps, deps.services, incident, now)) return checkSlaClocks(deps, run);
      continue;
    }
    const promotionAt = deps.promotion ? promotionDueAt(incident, deps.promotion.policy) : undefined;
    if (deps.promotion && promotionAt && promotionAt.getTime() <= now.getTime()) {
      if (await promote(deps, deps.promotion, incident, now)) return checkSlaClocks(deps, run);
      continue;
    }
    const decision = slaDecision(incident, deps.policy, now);
    const nextAt = [decision.nextCheckAt, promotionAt].filter((d): d is Date => d !== undefined).map((d) => d.getTime());
    const next = nextAt.length > 0 ? new Date(Math.min(...nextAt)).toISOString() : undefined;
    const result = (sent: readonly string[]): SlaCheckResult => (next ? { done: false, next, sent } : { done: true, reason: 'no clock left to watch', sent });
    if (decision.notices.length === 0) return result([]);
    const contacts = escalationContacts(deps.services ? await deps.services.getService(incident.service) : undefined, deps.contacts);
    const contactOf = (notify: EscalationContact) => contacts.find((c) => c.role === notify)?.contact;
    const change = applySlaNotices(incident, decision.notices, contactOf, now.toISOString());
    const notices: Effect[] = decision.notices.map((notice) => ({ kind: 'notify', name: notice.key, notification: notificationOf(deps, change.incident, notice, contactOf) }));
    try {
      await deps.incidents.save(
        change,
        incident.version,
        incident,
        incidentChangeEntry(SLA_ACTOR, 'incident:sla-notice', incident, change.incident),
        effectsOf(change.incident.id, change.incident.version, notices),
      );
    } catch (error) {
      if (error instanceof VersionConflictError) continue;
      throw error;
    }
    return result(decision.notices.map((n) => n.key));
  }
  // Step Functions retries the task; by then the concurrent writers are done.
  throw new Error(`Incident ${run.incidentId} changed during ${MAX_CONFLICT_RETRIES} SLA checks in a row`);
}

/**
 * Incidents opened without the catalogue at hand (by monitoring, from findings) start their clocks
 * on no recorded terms: the workflow's first check records the service's, before anything has
 * been warned of or escalated on the client's.
 */
const needsTerms = (incident: Incident) => slaOf(incident).terms === undefined && slaOf(incident).notices.length === 0;

/** Records the service's SLA terms on the incident. False when the incident changed meanwhile. */
async function recordServiceTerms(deps: SlaDeps, services: ServiceCatalogue, incident: Incident, now: Date): Promise<boolean> {
  const at = now.toISOString();
  // A failed look-up throws: Step Functions retries, rather than the client's terms being recorded for good.
  const service = await services.getService(incident.service);
  const sla = slaOf(incident);
  const incidentWithTerms = { ...incident, sla: { ...sla, terms: slaTermsOf(incident.service, service?.sla, sla.history[0]?.at ?? incident.createdAt) } };
  const change = { incident: { ...incidentWithTerms, updatedAt: at, updatedBy: SLA_ACTOR.name, version: incident.version + 1 }, entries: [] };
  try {
    await deps.incidents.save(change, incident.version, incident, incidentChangeEntry(SLA_ACTOR, 'incident:sla-terms', incident, change.incident));
  } catch (error) {
    if (error instanceof VersionConflictError) return false;
    throw error;
  }
  return true;
}

/**
 * Promotes a warning alarm that persisted: error urgency, escalated to the service owner, who is
 * told. False when the incident changed meanwhile (the caller reads it again).
 */
async function promote(deps: SlaDeps, promotion: NonNullable<SlaDeps['promotion']>, incident: Incident, now: Date): Promise<boolean> {
  const at = now.toISOString();
  const service = deps.services ? await deps.services.getService(incident.service).catch(() => undefined) : undefined;
  const owner = escalationContacts(service, deps.contacts).find((c) => c.role === 'service-owner')!.contact;
  const promoted = promoteWarningAlarm({ incident, rules: promotion.rules, after: promotion.after, serviceOwner: owner.name, now: at });
  const change = { ...promoted, incident: recordSlaFacts(incident, promoted.incident, at, false, { byWorkflow: true }) };
  const notification: Notification = {
    topic: topicOf(change.incident),
    subject: `[${change.incident.priority}] ${change.incident.number}: warning alarm promoted to error`,
    message: `${change.incident.number} "${change.incident.shortDescription}" (service ${change.incident.service}): the warning alarm is still in ALARM after ${promotion.after}; it is now handled as an error and escalated to you.`,
    recipients: [owner],
    attributes: { client: deps.clientId, priority: change.incident.priority, kind: 'alarm-promotion', level: String(change.incident.escalationLevel), contact: 'service-owner' },
  };
  try {
    await deps.incidents.save(
      change,
      incident.version,
      incident,
      incidentChangeEntry(SLA_ACTOR, 'incident:alarm-promoted', incident, change.incident),
      effectsOf(change.incident.id, change.incident.version, [{ kind: 'notify', name: 'alarm-promotion', notification }]),
    );
  } catch (error) {
    if (error instanceof VersionConflictError) return false;
    throw error;
  }
  return true;
}

function topicOf(incident: Incident): NotificationTopic {
  return incident.security ? 'security' : incident.major ? 'major-incident' : 'escalation';
}

function notificationOf(deps: SlaDeps, incident: Incident, notice: SlaNotice, contactOf: (notify: EscalationContact) => ContactRef | undefined): Notification {
  const head = `[${incident.priority}] ${incident.number}`;
  const about = `${incident.number} "${incident.shortDescription}" (service ${incident.service}, ${incident.state})`;
  const attributes = {
    client: deps.clientId,
    priority: incident.priority,
    target: notice.target,
    ...(incident.assignee && { assignee: incident.assignee }),
    ...(incident.assignmentGroup && { assignmentGroup: incident.assignmentGroup }),
  };
  switch (notice.kind) {
    case 'warning':
      return {
        topic: topicOf(incident),
        subject: `${head}: ${notice.target} target due at ${notice.dueAt.toISOString()}`,
        message: `${about} reaches its ${notice.target} target at ${notice.dueAt.toISOString()}. Assigned to ${incident.assignee ?? incident.assignmentGroup ?? 'nobody yet'}.`,
        recipients: [],
        attributes: { ...attributes, kind: 'sla-warning', level: '0' },
      };
    case 'breach':
      return {
        topic: topicOf(incident),
        subject: `${head}: ${notice.target} target breached`,
        message: `${about} breached its ${notice.target} target at ${notice.breachedAt.toISOString()}.`,
        recipients: [],
        attributes: { ...attributes, kind: 'sla-breach', level: '0' },
      };
    case 'escalation': {
      const contact = contactOf(notice.notify);
      return {
        topic: topicOf(incident),
        subject: `${head}: escalated to level ${notice.level}${notice.repeat ? ` (reminder ${notice.repeat})` : ''} — ${notice.target} target breached`,
        message: `${about} breached its ${notice.target} target at ${notice.breachedAt.toISOString()} and is escalated to you (${notice.notify}).`,
        recipients: contact ? [contact] : [],
        attributes: { ...attributes, kind: 'sla-escalation', level: String(notice.level), contact: notice.notify },
      };
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Recording facts and starting the workflow, for every use case that changes incidents
// ---------------------------------------------------------------------------------------------

/** The change with its SLA facts added (see recordSlaFacts). */
export function withSlaFacts(
  before: Incident | undefined,
  change: IncidentChange,
  at: string,
  deskAction: boolean,
  options: { readonly terms?: AppliedSlaTerms } = {},
): IncidentChange {
  return { ...change, incident: recordSlaFacts(before, change.incident, at, deskAction, options) };
}

/**
 * The start of the SLA workflow for a change that began a new clock generation (none otherwise),
 * as an effect stored with the change (the outbox consumer starts it; src/modules/outbox).
 */
export function slaStartEffects(before: Incident | undefined, after: Incident): Effect[] {
  const generation = slaOf(after).generation;
  if (before && slaOf(before).generation === generation) return [];
  return [{ kind: 'sla-start', incidentId: after.id, generation }];
}

// ---------------------------------------------------------------------------------------------
// Reading: one incident's clocks, and the compliance report
// ---------------------------------------------------------------------------------------------

export interface SlaTargetView {
  readonly target: SlaTarget;
  readonly state: SlaClock['state'];
  readonly calendar: '24x7' | 'business-hours';
  readonly targetMs: number;
  readonly startedAt: string;
  readonly dueAt?: string;
  readonly warningAt?: string;
  readonly elapsedBusinessMs: number;
  readonly pausedMs: number;
  readonly remainingMs: number;
  readonly achievedAt?: string;
  readonly breachedAt?: string;
}

/**
 * The client's own clocks of incidents (their ServiceNow's `task_sla`, read by the exchange and
 * kept beside the incident): GetItem for one, BatchGetItem for many; none where the client has no such tool.
 */
export interface ClientSlaReader {
  get(incidentId: string): Promise<ClientSlaSnapshot | undefined>;
  many(incidentIds: readonly string[]): Promise<ReadonlyMap<string, ClientSlaSnapshot>>;
}

/** Their clocks beside ours, and where they disagree. */
export interface ClientClocksView {
  readonly system: 'servicenow';
  readonly readAt: string;
  readonly slas: readonly ClientSla[];
  readonly disagreements: readonly SlaDisagreement[];
}

export interface IncidentSlaView {
  readonly incidentId: string;
  readonly number: string;
  readonly priority: Priority;
  /** Which terms the clocks run on: the service's own overrides, or the client's targets. */
  readonly terms: { readonly source: 'service' | 'client'; readonly service: string; readonly reference?: string; readonly overrides?: AppliedSlaTerms['overrides']; readonly recordedAt?: string };
  readonly asOf: string;
  readonly generation: number;
  readonly targets: readonly SlaTargetView[];
  /** The client's own clocks of this incident (their ServiceNow), where the exchange has read them. */
  readonly client?: ClientClocksView;
}

/** The view with their clocks beside ours. */
export function withClientClocks(view: IncidentSlaView, snapshot: ClientSlaSnapshot | undefined): IncidentSlaView {
  if (!snapshot) return view;
  return { ...view, client: { ...snapshot, disagreements: compareClocks(view.targets, snapshot.slas) } };
}

export function slaView(incident: Incident, policy: SlaPolicy, now: Date): IncidentSlaView {
  const clocks = slaClocksOf(incident, policy, now);
  return {
    incidentId: incident.id,
    number: incident.number,
    priority: incident.priority,
    // Incidents logged before terms were recorded run on the client's targets.
    terms: slaOf(incident).terms ?? { source: 'client', service: incident.service },
    asOf: now.toISOString(),
    generation: slaOf(incident).generation,
    targets: SLA_TARGETS.map((target) => {
      const c = clocks[target];
      return {
        target,
        state: c.state,
        calendar: c.calendar.kind,
        targetMs: c.durationMs,
        startedAt: c.startedAt.toISOString(),
        ...(c.dueAt && { dueAt: c.dueAt.toISOString() }),
        ...(c.warningAt && c.state === 'running' && { warningAt: c.warningAt.toISOString() }),
        elapsedBusinessMs: c.elapsedBusinessMs,
        pausedMs: c.pausedMs,
        remainingMs: c.remainingMs,
        ...(c.achievedAt && { achievedAt: c.achievedAt.toISOString() }),
        ...(c.breachedAt && { breachedAt: c.breachedAt.toISOString() }),
      };
    }),
  };
}

export interface SlaReportRow {
  readonly priority: Priority;
  readonly incidents: number;
  readonly targets: readonly {
    readonly target: SlaTarget;
    readonly achieved: number;
    readonly breached: number;
    /** Still running or paused: not yet decided either way. */
    readonly pending: number;
    /** achieved / (achieved + breached); absent when nothing is decided yet. */
    readonly achievedShare?: number;
    /** Counted (calendar) time to reach the target, over incidents that reached it. */
    readonly medianMs?: number;
    readonly p90Ms?: number;
    /** Their clocks (the client's ServiceNow) for the same target: how many were read, breached there, and disagree with ours. */
    readonly client?: { readonly compared: number; readonly breached: number; readonly disagreeing: number };
  }[];
}

export interface SlaReport {
  readonly from: string;
  readonly to: string;
  readonly asOf: string;
  readonly rows: readonly SlaReportRow[];
  /** Incidents whose clocks there disagree with ours (the first CLIENT_DISAGREEMENTS_LISTED). */
  readonly clientDisagreements?: readonly (SlaDisagreement & { readonly incidentId: string; readonly number: string })[];
}

export const CLIENT_DISAGREEMENTS_LISTED = 100;

/** Incidents a report reads at most; a longer period is refused rather than answered slowly. */
export const SLA_REPORT_MAX_INCIDENTS = 5000;

/**
 * SLA compliance of the incidents logged in [from, to), per priority (the priority they have now).
 * Canceled incidents are left out. Reads the period with a Query on the creation index.
 */
export async function slaReport(
  deps: Pick<SlaDeps, 'incidents' | 'clock' | 'policy'> & { readonly clientSlas?: ClientSlaReader },
  caller: Caller,
  period: { readonly from: string; readonly to: string },
): Promise<SlaReport> {
  if (!mayReadReports(caller)) throw new ForbiddenError('Your role may not read reports', 'role');
  if (period.to <= period.from) throw new InvalidInputError([{ field: 'to', message: 'must be after from' }]);
  const now = deps.clock.now();
  const byPriority = new Map<Priority, Incident[]>();
  let count = 0;
  let nextToken: string | undefined;
  do {
    const page = await deps.incidents.createdBetween(period.from, period.to, { limit: 100, ...(nextToken && { nextToken }) });
    for (const incident of page.items) {
      if (incident.state === 'Canceled') continue;
      if (++count > SLA_REPORT_MAX_INCIDENTS) {
        throw new InvalidInputError([{ field: 'from', message: `the period holds more than ${SLA_REPORT_MAX_INCIDENTS} incidents; ask for a shorter one` }]);
      }
      byPriority.set(incident.priority, [...(byPriority.get(incident.priority) ?? []), incident]);
    }
    nextToken = page.nextToken;
  } while (nextToken);

  const theirs = deps.clientSlas ? await deps.clientSlas.many([...byPriority.values()].flat().map((i) => i.id)) : new Map<string, ClientSlaSnapshot>();
  const clientDisagreements: NonNullable<SlaReport['clientDisagreements']>[number][] = [];
  const rows = PRIORITIES.filter((p) => byPriority.has(p)).map((priority) => {
    const incidents = byPriority.get(priority)!;
    const clocks = incidents.map((incident) => slaClocksOf(incident, deps.policy, now));
    // Their clocks beside ours, per incident: what each disagrees on.
    const compared = incidents.flatMap((incident, i) => {
      const snapshot = theirs.get(incident.id);
      if (!snapshot) return [];
      const ours = SLA_TARGETS.map((target) => ({ target, state: clocks[i]![target].state, ...(clocks[i]![target].dueAt && { dueAt: clocks[i]![target].dueAt!.toISOString() }), ...(clocks[i]![target].breachedAt && { breachedAt: clocks[i]![target].breachedAt!.toISOString() }) }));
      const disagreements = compareClocks(ours, snapshot.slas);
      for (const d of disagreements) if (clientDisagreements.length < CLIENT_DISAGREEMENTS_LISTED) clientDisagreements.push({ incidentId: incident.id, number: incident.number, ...d });
      return [{ snapshot, disagreements }];
    });
    const clientOf = (target: SlaTarget) => {
      const withTarget = compared.filter((c) => c.snapshot.slas.some((s) => s.target === target && s.stage !== 'cancelled'));
      if (withTarget.length === 0) return undefined;
      return {
        compared: withTarget.length,
        breached: withTarget.filter((c) => c.snapshot.slas.some((s) => s.target === target && s.breached)).length,
        disagreeing: withTarget.filter((c) => c.disagreements.some((d) => d.target === target)).length,
      };
    };
    return {
      priority,
      incidents: clocks.length,
      targets: SLA_TARGETS.map((target) => {
        const of = clocks.map((c) => c[target]);
        const achieved = of.filter((c) => c.state === 'achieved').length;
        const breached = of.filter((c) => c.state === 'breached').length;
        const times = of.filter((c) => c.achievedAt !== undefined).map((c) => c.elapsedBusinessMs).sort((a, b) => a - b);
        return {
          target,
          achieved,
          breached,
          pending: of.length - achieved - breached,
          ...(achieved + breached > 0 && { achievedShare: round4(achieved / (achieved + breached)) }),
          ...(times.length > 0 && { medianMs: nearestRank(times, 0.5), p90Ms: nearestRank(times, 0.9) }),
          ...(clientOf(target) && { client: clientOf(target)! }),
        };
      }),
    };
  });
  return { from: period.from, to: period.to, asOf: now.toISOString(), rows, ...(deps.clientSlas && { clientDisagreements }) };
}

/** Nearest-rank percentile of sorted values: an observed value, never an interpolation. */
export function nearestRank(sorted: readonly number[], share: number): number {
  return sorted[Math.max(0, Math.ceil(share * sorted.length) - 1)]!;
}

const round4 = (n: number) => Math.round(n * 10_000) / 10_000;

export { targetMs };
