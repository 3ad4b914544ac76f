import { mayReadReports, type Caller } from '../../../kernel/domain/access-policy';
import { availability, mttaMinutes, type AvailabilityFigures } from '../domain/availability';
import { ForbiddenError, InvalidInputError } from '../../../kernel/domain/domain-errors';
import { ALL_SERVICES, dayOf, type OutageInterval } from '../../incidents/domain';
import { byImpact, knownErrorImpact, type KnownErrorImpact, type LinkedIncident } from '../domain/known-error-impact';
import { PRIORITIES } from '../../../kernel/domain/priority';
import type { Clock } from '../../../kernel/app/ports';
import type { ReportAggregates } from '../../incidents/app';
import type { BoundedRead, KnownErrorImpactReader } from './report-ports';

/**
 * The availability and service reports (README "Reports"). They read the aggregates kept in the
 * incidents' write path — day counters, backlog and outage records — never the incidents.
 */
export interface ReportDeps {
  readonly aggregates: ReportAggregates;
  readonly clock: Clock;
  /**
   * SLA compliance of every service (GET /reports/sla's figures), when the report covers every
   * service. `readDays` hands it the every-service day counters the report reads anyway.
   */
  readonly slaReport?: (caller: Caller, period: { from: string; to: string }, readDays?: (fromDay: string, toDay: string) => Promise<Readonly<Record<string, number>>>) => Promise<unknown>;
  /** Known errors' ongoing impact (the problems table); the service report has no such section without it. */
  readonly knownErrors?: KnownErrorImpactReader;
  /** Requests and changes raised in a period (GET /reports/requests-changes' figures); no ratio section without it. */
  readonly requestsChanges?: (caller: Caller, period: { from: string; to: string }) => Promise<{ readonly total: RatioFigures; readonly byService: readonly (RatioFigures & { readonly service: string })[] }>;
  /** Monitoring events per day (GET /events/trends' figures); no events section without it. */
  readonly eventTrends?: (caller: Caller, query: { bucket: 'day'; from: string; to: string }) => Promise<{ readonly from: string; readonly to: string; readonly buckets: readonly DayEventCounts[] }>;
}

export interface RatioFigures {
  readonly requests: number;
  readonly changes: number;
  /** requests / changes; null without changes. */
  readonly ratio: number | null;
}

interface DayEventCounts {
  readonly start: string;
  readonly total: number;
  readonly counts: readonly { readonly source: string; readonly severity: string; readonly count: number }[];
}

/** The events section reads at most this many days (GET /events/trends' own limit): the period's last ones. */
export const EVENT_SUMMARY_DAYS = 31;

/** Received monitoring events over the period's last EVENT_SUMMARY_DAYS days: totals by source and severity, the busiest day. */
async function eventsSection(deps: ReportDeps, caller: Caller, period: { from: string; to: string }) {
  const from = new Date(Math.max(Date.parse(period.from), Date.parse(period.to) - EVENT_SUMMARY_DAYS * 86_400_000)).toISOString();
  // Roles that read reports but not monitoring events (change managers) get the report without this section.
  const trends = await deps.eventTrends!(caller, { bucket: 'day', from, to: period.to }).catch((error: unknown) => {
    if (error instanceof ForbiddenError) return undefined;
    throw error;
  });
  if (!trends) return undefined;
  const bySource: Record<string, number> = {};
  const bySeverity: Record<string, number> = {};
  for (const bucket of trends.buckets) {
    for (const c of bucket.counts) {
      bySource[c.source] = (bySource[c.source] ?? 0) + c.count;
      bySeverity[c.severity] = (bySeverity[c.severity] ?? 0) + c.count;
    }
  }
  const busiest = trends.buckets.reduce<DayEventCounts | undefined>((best, b) => (b.total > (best?.total ?? 0) ? b : best), undefined);
  return {
    from: trends.from,
    to: trends.to,
    wholePeriod: from === period.from,
    total: trends.buckets.reduce((n, b) => n + b.total, 0),
    bySource,
    bySeverity,
    ...(busiest && { busiestDay: { day: busiest.start.slice(0, 10), total: busiest.total } }),
  };
}

/** The requests-to-changes ratio of the service (or of every service). */
async function requestsChangesSection(deps: ReportDeps, caller: Caller, service: string, period: { from: string; to: string }): Promise<RatioFigures> {
  const figures = await deps.requestsChanges!(caller, period);
  if (service === ALL_SERVICES) return figures.total;
  const row = figures.byService.find((r) => r.service === service);
  return row ? { requests: row.requests, changes: row.changes, ratio: row.ratio } : { requests: 0, changes: 0, ratio: null };
}

export const MAX_REPORT_DAYS = 366;

export interface ReportPeriod {
  readonly from: string;
  readonly to: string;
}

/** The caller may read reports and the period is valid; the period normalised, with the UTC days it touches. */
export function checkedPeriod(caller: Caller, query: ReportPeriod): { from: string; to: string; fromDay: string; toDay: string } {
  if (!mayReadReports(caller)) throw new ForbiddenError('Your role may not read reports', 'role');
  const from = new Date(query.from);
  const to = new Date(query.to);
  if (to <= from) throw new InvalidInputError([{ field: 'to', message: 'must be after from' }]);
  if (to.getTime() - from.getTime() > MAX_REPORT_DAYS * 86_400_000) {
    throw new InvalidInputError([{ field: 'to', message: `the period may be at most ${MAX_REPORT_DAYS} days` }]);
  }
  // Counters are per UTC day: the days the period touches (`to` is exclusive).
  return { from: from.toISOString(), to: to.toISOString(), fromDay: dayOf(from.toISOString()), toDay: dayOf(new Date(to.getTime() - 1).toISOString()) };
}

export interface AvailabilityReport extends AvailabilityFigures {
  readonly service: string;
  readonly from: string;
  readonly to: string;
  readonly asOf: string;
  readonly mttaMinutes?: number;
  readonly outages: readonly { incident: string; start: string; end?: string; usersAffected?: number; lostTransactions?: number; priority: string }[];
}

export async function availabilityReport(deps: ReportDeps, caller: Caller, query: ReportPeriod & { readonly service: string }): Promise<AvailabilityReport> {
  const period = checkedPeriod(caller, query);
  const now = deps.clock.now();
  const [outages, counters] = await Promise.all([
    deps.aggregates.outages(query.service, period.from, period.to),
    deps.aggregates.dayCounters(query.service, period.fromDay, period.toDay),
  ]);
  const figures = availability(outages, period, now);
  const mtta = mttaMinutes(counters['acknowledged'] ?? 0, counters['ackSeconds'] ?? 0);
  return {
    service: query.service,
    from: period.from,
    to: period.to,
    asOf: now.toISOString(),
    ...figures,
    ...(mtta !== undefined && { mttaMinutes: mtta }),
    outages: [...outages]
      .sort((a, b) => a.start.localeCompare(b.start))
      .map((o) => ({
        incident: o.number,
        start: o.start,
        ...(o.end && { end: o.end }),
        ...(o.usersAffected !== undefined && { usersAffected: o.usersAffected }),
        ...(o.lostTransactions !== undefined && { lostTransactions: o.lostTransactions }),
        priority: o.priority,
      })),
  };
}

/** Counters named `<prefix><key>` as `{ key: value }`. */
function byPrefix(counters: Record<string, number>, prefix: string): Record<string, number> {
  return Object.fromEntries(
    Object.entries(counters)
      .filter(([name, value]) => name.startsWith(prefix) && value !== 0)
      .map(([name, value]) => [name.slice(prefix.length), value])
      .sort(([a], [b]) => String(a).localeCompare(String(b))),
  );
}

const meanAgeHours = (open: number, createdSecondsSum: number, now: Date) =>
  open > 0 ? Math.round((now.getTime() / 1000 - createdSecondsSum / open) / 36) / 100 : undefined;

export async function serviceReport(deps: ReportDeps, caller: Caller, query: ReportPeriod & { readonly service?: string }) {
  const period = checkedPeriod(caller, query);
  const now = deps.clock.now();
  const service = query.service ?? ALL_SERVICES;
  const dayCounters = deps.aggregates.dayCounters(service, period.fromDay, period.toDay);
  // The SLA section counts from the same every-service day items: read once when it wants the same days.
  const readDays = (fromDay: string, toDay: string) =>
    fromDay === period.fromDay && toDay === period.toDay ? dayCounters : deps.aggregates.dayCounters(ALL_SERVICES, fromDay, toDay);
  const [counters, backlog, sla, knownErrors, requestsChanges, events] = await Promise.all([
    dayCounters,
    deps.aggregates.backlog(service),
    service === ALL_SERVICES && deps.slaReport ? deps.slaReport(caller, period, readDays) : Promise.resolve(undefined),
    deps.knownErrors ? knownErrorsSection(deps.knownErrors, deps.aggregates, service, period, now) : Promise.resolve(undefined),
    deps.requestsChanges ? requestsChangesSection(deps, caller, service, period) : Promise.resolve(undefined),
    deps.eventTrends ? eventsSection(deps, caller, period) : Promise.resolve(undefined),
  ]);
  const c = (name: string) => counters[name] ?? 0;
  const mtta = mttaMinutes(c('acknowledged'), c('ackSeconds'));
  const open = backlog['open'] ?? 0;
  const age = meanAgeHours(open, backlog['openCreatedSec'] ?? 0, now);
  return {
    service,
    from: period.from,
    to: period.to,
    asOf: now.toISOString(),
    opened: c('opened'),
    byPriority: Object.fromEntries(PRIORITIES.map((p) => [p, c(`opened#${p}`)])),
    byCategory: byPrefix(counters, 'opened#category#'),
    bySource: byPrefix(counters, 'opened#channel#'),
    byService: byPrefix(counters, 'opened#service#'),
    resolved: c('resolved'),
    reopened: c('reopened'),
    canceled: c('canceled'),
    ...(c('resolved') > 0 && { reopenRate: Math.round((c('reopened') / c('resolved')) * 10_000) / 10_000 }),
    ...(mtta !== undefined && { mttaMinutes: mtta }),
    backlog: {
      open,
      ...(age !== undefined && { meanAgeHours: age }),
      byPriority: Object.fromEntries(
        PRIORITIES.map((p) => {
          const n = backlog[`open#${p}`] ?? 0;
          const pAge = meanAgeHours(n, backlog[`openCreatedSec#${p}`] ?? 0, now);
          return [p, { open: n, ...(pAge !== undefined && { meanAgeHours: pAge }) }];
        }),
      ),
    },
    ...(sla !== undefined && { sla }),
    ...(knownErrors !== undefined && { knownErrors }),
    ...(requestsChanges !== undefined && { requestsChanges }),
    ...(events !== undefined && { events }),
  };
}

/** Bounds of the known-error section: what one report reads at most (Queries of ≤ 100 items each). */
export const KNOWN_ERROR_BOUNDS = {
  /** Unfixed known errors evaluated, newest first. */
  knownErrors: 2000,
  /** Open problems evaluated, per open state. */
  openProblemsPerState: 1000,
  /** Open known errors whose impact is measured and listed. */
  reported: 100,
  /** Incident links read per problem. */
  linksPerProblem: 1000,
  /** Problems whose links are read at once. */
  concurrency: 10,
} as const;

export interface KnownErrorsSection {
  /** Open known errors found (of the service, or every one). */
  readonly open: number;
  /** A bound stopped a read: the figures cover what was read (KNOWN_ERROR_BOUNDS). */
  readonly truncated?: true;
  /** The open known errors, most incidents in the period first, then most user outage minutes. */
  readonly items: readonly KnownErrorImpact[];
}

/**
 * Known errors still open and their impact over the period (README "Reports"): one Query for the
 * unfixed known errors, four for the open problems, one per problem for its links, and the
 * outage records of the services concerned (the report's service, or the known errors' own).
 */
async function knownErrorsSection(
  reader: KnownErrorImpactReader,
  aggregates: ReportAggregates,
  service: string,
  period: { from: string; to: string },
  now: Date,
): Promise<KnownErrorsSection> {
  const oneService = service === ALL_SERVICES ? undefined : service;
  const [unfixed, openProblems] = await Promise.all([
    reader.unfixedKnownErrors(oneService, KNOWN_ERROR_BOUNDS.knownErrors),
    reader.openProblems(KNOWN_ERROR_BOUNDS.openProblemsPerState),
  ]);
  const problemStates = new Map(openProblems.items.map((p) => [p.id, p.state]));
  // A problem not among the open ones is resolved, closed or canceled — unless that read was cut short.
  const open = unfixed.items.filter((ke) => !ke.problemId || problemStates.has(ke.problemId) || openProblems.truncated);
  const measured = open.slice(0, KNOWN_ERROR_BOUNDS.reported);
  const links = new Map<string, BoundedRead<LinkedIncident>>();
  const problemIds = [...new Set(measured.flatMap((ke) => (ke.problemId ? [ke.problemId] : [])))];
  for (let i = 0; i < problemIds.length; i += KNOWN_ERROR_BOUNDS.concurrency) {
    const batch = problemIds.slice(i, i + KNOWN_ERROR_BOUNDS.concurrency);
    const read = await Promise.all(batch.map((id) => reader.linkedIncidents(id, KNOWN_ERROR_BOUNDS.linksPerProblem)));
    batch.forEach((id, n) => links.set(id, read[n]!));
  }
  const linksOf = (problemId: string | undefined) => (problemId ? (links.get(problemId)?.items ?? []) : []);
  // Outages only matter for known errors with linked incidents: the services of those (or the report's one).
  const services = oneService ? [oneService] : [...new Set(measured.filter((ke) => linksOf(ke.problemId).length > 0).flatMap((ke) => ke.services))];
  const outages = new Map<string, readonly OutageInterval[]>(await Promise.all(services.map(async (s) => [s, await aggregates.outages(s, period.from, period.to)] as const)));
  const items = measured
    .map((ke) => {
      const scope = oneService ? outages : new Map(ke.services.flatMap((s) => (outages.has(s) ? [[s, outages.get(s)!] as const] : [])));
      return knownErrorImpact(ke, ke.problemId ? problemStates.get(ke.problemId) : undefined, linksOf(ke.problemId), scope, period, now);
    })
    .sort(byImpact);
  const truncated = unfixed.truncated || openProblems.truncated || open.length > KNOWN_ERROR_BOUNDS.reported || [...links.values()].some((l) => l.truncated);
  return { open: open.length, ...(truncated && { truncated: true as const }), items };
}
