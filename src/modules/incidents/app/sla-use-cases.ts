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
import type { IncidentRepository, PagingSource, ReportAggregates } from './ports';
import { ALL_SERVICES, SLA_TIME_BUCKETS, slaCounterNames, slaCountersOf, slaTimeOfBucket } from '../domain/incident-aggregates';
import { choosePaging, pageDue } from './sla-paging';
import { nextFiringAt } from '../../oncall/domain';
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
  /**
   * Escalation policies, schedules and the paging directory (src/modules/oncall): with them the
   * workflow pages by policy from the moment an incident is logged (sla-paging.ts).
   * @default no paging: the client's contacts escalate on breaches only
   */
  readonly paging?: PagingSource;
  /**
   * Whether call-centre webhook targets can be paged (the client config names their signing key).
   * @default false: such a target is a paging gap
   */
  readonly callCentreWebhooks?: boolean;
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
  /** Paging steps that reached nobody for some target (a rota gap): the handler counts them (PagingGaps, alarmed). */
  readonly pagingGaps?: number;
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
    if (deps.paging) {
      const paging = await choosePaging(deps.paging, incident, now);
      if (paging) {
        const change = { incident: { ...incident, sla: { ...slaOf(incident), paging }, updatedAt: now.toISOString(), updatedBy: SLA_ACTOR.name, version: incident.version + 1 }, entries: [] };
        if (await saveQuietly(deps, incident, change, 'incident:paging-policy')) return checkSlaClocks(deps, run);
        continue;
      }
      const service = deps.services ? await deps.services.getService(incident.service).catch(() => undefined) : undefined;
      const outcome = await pageDue({ paging: deps.paging, contacts: deps.contacts, clientId: deps.clientId, service, callCentreWebhooks: deps.callCentreWebhooks ?? false }, incident, now);
      if (outcome) {
        if (await saveQuietly(deps, incident, outcome.change, 'incident:paged', outcome.effects)) {
          const rest = await checkSlaClocks(deps, run);
          return { ...rest, sent: [...outcome.sent, ...rest.sent], pagingGaps: outcome.gaps + (rest.pagingGaps ?? 0) };
        }
        continue;
      }
    }
    const promotionAt = deps.promotion ? promotionDueAt(incident, deps.promotion.policy) : undefined;
    if (deps.promotion && promotionAt && promotionAt.getTime() <= now.getTime()) {
      if (await promote(deps, deps.promotion, incident, now)) return checkSlaClocks(deps, run);
      continue;
    }
    // A stored policy pages for the acknowledgement: the contacts escalate on the other breaches only.
    const paging = slaOf(incident).paging;
    const policy = paging?.policy ? { ...deps.policy, escalateTargets: deps.policy.escalateTargets.filter((t) => t !== 'acknowledge') } : deps.policy;
    const decision = slaDecision(incident, policy, now);
    // Acknowledged meanwhile: the workflow still wakes when the next step would have fired, and records that it did not.
    const pagingAt = deps.paging && paging?.policy && !paging.stoppedAt ? nextFiringAt(paging) : undefined;
    const nextAt = [decision.nextCheckAt, promotionAt, pagingAt].filter((d): d is Date => d !== undefined).map((d) => d.getTime());
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

/** Stores a change the workflow made (with its effects). False when the incident changed meanwhile. */
async function saveQuietly(deps: SlaDeps, incident: Incident, change: IncidentChange, action: string, effects: readonly Effect[] = []): Promise<boolean> {
  try {
    await deps.incidents.save(change, incident.version, incident, incidentChangeEntry(SLA_ACTOR, action, incident, change.incident), effectsOf(change.incident.id, change.incident.version, effects));
  } catch (error) {
    if (error instanceof VersionConflictError) return false;
    throw error;
  }
  return true;
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
  /** Why their clocks were not compared with ours for this period (too many incidents to compare one by one). */
  readonly clientComparisonSkipped?: string;
}

export const CLIENT_DISAGREEMENTS_LISTED = 100;

/** Incidents the per-incident reading covers at most (a period's partial first and last days; the comparison with the client's clocks). */
export const SLA_REPORT_MAX_INCIDENTS = 5000;
/** The longest period a report covers (as the other reports). */
export const SLA_REPORT_MAX_DAYS = 366;
const DAY_MS = 86_400_000;

export interface SlaReportDeps extends Pick<SlaDeps, 'incidents' | 'clock' | 'policy'> {
  /** The report aggregates: the every-service day items' SLA counters (incident-aggregates.ts). */
  readonly aggregates: Pick<ReportAggregates, 'dayCounters'>;
  /** Their clocks (the client's ServiceNow), where the exchange is on. */
  readonly clientSlas?: ClientSlaReader;
}

/**
 * SLA compliance of the incidents logged in [from, to), per priority (the priority they have now).
 * Canceled incidents are left out. Whole UTC days are read from the report aggregates (the SLA
 * counters kept with every incident write, as of that write: one Query per every-service shard,
 * whatever the volume); a period's partial first and last days are read incident by incident and
 * their clocks replayed up to now. Median and 90th percentile are nearest-rank over time buckets
 * (SLA_TIME_STEPS_PER_DOUBLING): each is the middle of the bucket holding the nearest-rank value,
 * within 9.1 % of it.
 */
export async function slaReport(
  deps: SlaReportDeps,
  caller: Caller,
  period: { readonly from: string; readonly to: string },
  /** The every-service day counters of these days, when the caller has read them already (the service report). */
  readDays: (fromDay: string, toDay: string) => Promise<Readonly<Record<string, number>>> = (fromDay, toDay) => deps.aggregates.dayCounters(ALL_SERVICES, fromDay, toDay),
): Promise<SlaReport> {
  if (!mayReadReports(caller)) throw new ForbiddenError('Your role may not read reports', 'role');
  if (period.to <= period.from) throw new InvalidInputError([{ field: 'to', message: 'must be after from' }]);
  const from = Date.parse(period.from);
  const to = Date.parse(period.to);
  if (to - from > SLA_REPORT_MAX_DAYS * DAY_MS) throw new InvalidInputError([{ field: 'to', message: `the period may be at most ${SLA_REPORT_MAX_DAYS} days` }]);
  const now = deps.clock.now();
  const wholeFrom = Math.ceil(from / DAY_MS) * DAY_MS;
  const wholeTo = Math.floor(to / DAY_MS) * DAY_MS;
  const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  const iso = (ms: number) => new Date(ms).toISOString();
  // Partial days: [from, first midnight) and [last midnight, to); the whole period when it has no whole day.
  const partial = wholeFrom < wholeTo ? [[from, wholeFrom], [wholeTo, to]].filter(([a, b]) => a! < b!) : [[from, to]];
  const [whole, ...edges] = await Promise.all([
    wholeFrom < wholeTo ? readDays(day(wholeFrom), day(wholeTo - 1)) : Promise.resolve({}),
    ...partial.map(([a, b]) => countedIncidents(deps, iso(a!), iso(b!), now)),
  ]);
  const counters: Record<string, number> = { ...whole };
  for (const edge of edges) for (const [name, n] of Object.entries(edge)) counters[name] = (counters[name] ?? 0) + n;
  const report: SlaReport = { from: period.from, to: period.to, asOf: now.toISOString(), rows: slaRowsOf(counters) };
  return deps.clientSlas ? withClientComparison(report, await clientComparison(deps, caller, period)) : report;
}

/**
 * Their clocks beside ours (the client's ServiceNow): compared incident by incident, so for
 * periods of at most SLA_REPORT_MAX_INCIDENTS incidents; a longer period says the comparison was
 * left out and why, and keeps its counts from the aggregates.
 */
async function clientComparison(deps: SlaReportDeps, caller: Caller, period: { readonly from: string; readonly to: string }): Promise<SlaReport | string> {
  try {
    return await slaReportFromIncidents(deps, caller, period);
  } catch (error) {
    if (error instanceof InvalidInputError) return `the period holds more than ${SLA_REPORT_MAX_INCIDENTS} incidents: their clocks are compared with ours over shorter periods only`;
    throw error;
  }
}

function withClientComparison(report: SlaReport, compared: SlaReport | string): SlaReport {
  if (typeof compared === 'string') return { ...report, clientComparisonSkipped: compared };
  const clientOf = (priority: Priority, target: SlaTarget) => compared.rows.find((r) => r.priority === priority)?.targets.find((t) => t.target === target)?.client;
  return {
    ...report,
    rows: report.rows.map((row) => ({
      ...row,
      targets: row.targets.map((t) => {
        const client = clientOf(row.priority, t.target);
        return client ? { ...t, client } : t;
      }),
    })),
    clientDisagreements: compared.clientDisagreements ?? [],
  };
}

/** The SLA counters of the incidents logged in [from, to), each replayed up to `now`. */
async function countedIncidents(deps: Pick<SlaReportDeps, 'incidents' | 'policy'>, from: string, to: string, now: Date): Promise<Record<string, number>> {
  const counters: Record<string, number> = {};
  let count = 0;
  let nextToken: string | undefined;
  do {
    const page = await deps.incidents.createdBetween(from, to, { limit: 100, ...(nextToken && { nextToken }) });
    for (const incident of page.items) {
      if (incident.state === 'Canceled') continue;
      if (++count > SLA_REPORT_MAX_INCIDENTS) {
        throw new InvalidInputError([{ field: 'from', message: `the period's first or last part-day holds more than ${SLA_REPORT_MAX_INCIDENTS} incidents; start and end it at midnight UTC` }]);
      }
      for (const name of slaCountersOf(incident, deps.policy, now)) counters[name] = (counters[name] ?? 0) + 1;
    }
    nextToken = page.nextToken;
  } while (nextToken);
  return counters;
}

/** The report's rows from summed SLA counters (slaCounterNames). */
export function slaRowsOf(counters: Readonly<Record<string, number>>): SlaReportRow[] {
  const c = (name: string) => counters[name] ?? 0;
  return PRIORITIES.filter((p) => c(slaCounterNames.incidents(p)) > 0).map((priority) => {
    const incidents = c(slaCounterNames.incidents(priority));
    return {
      priority,
      incidents,
      targets: SLA_TARGETS.map((target) => {
        const achieved = c(slaCounterNames.met(priority, target));
        const breached = c(slaCounterNames.breached(priority, target));
        const buckets = Array.from({ length: SLA_TIME_BUCKETS }, (_, b) => c(slaCounterNames.time(priority, target, b)));
        const reached = buckets.reduce((n, k) => n + k, 0);
        return {
          target,
          achieved,
          breached,
          pending: incidents - achieved - breached,
          ...(achieved + breached > 0 && { achievedShare: round4(achieved / (achieved + breached)) }),
          ...(reached > 0 && { medianMs: bucketRank(buckets, reached, 0.5), p90Ms: bucketRank(buckets, reached, 0.9) }),
        };
      }),
    };
  });
}

/** Nearest-rank percentile over bucket counts: the middle of the bucket holding that rank. */
function bucketRank(buckets: readonly number[], total: number, share: number): number {
  const rank = Math.max(1, Math.ceil(share * total));
  let seen = 0;
  for (let b = 0; b < buckets.length; b++) {
    seen += buckets[b]!;
    if (seen >= rank) return slaTimeOfBucket(b);
  }
  return slaTimeOfBucket(buckets.length - 1);
}

/**
 * The same report read incident by incident (every clock replayed up to now, exact percentiles):
 * what GET /reports/sla answered before the aggregates, for periods of at most
 * SLA_REPORT_MAX_INCIDENTS incidents. Kept to check the aggregates against (and for a backfill).
 */
export async function slaReportFromIncidents(
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
