import { mayReadReports, type Caller } from '../domain/access-policy';
import { availability, mttaMinutes, type AvailabilityFigures } from '../domain/availability';
import { ForbiddenError, InvalidInputError } from '../domain/domain-errors';
import { ALL_SERVICES, dayOf } from '../domain/incident-aggregates';
import { PRIORITIES } from '../domain/priority';
import type { Clock, ReportAggregates } from './ports';

/**
 * The availability and service reports (README "Reports"). They read the aggregates kept in the
 * incidents' write path — day counters, backlog and outage records — never the incidents.
 */
export interface ReportDeps {
  readonly aggregates: ReportAggregates;
  readonly clock: Clock;
  /** SLA compliance of every service (GET /reports/sla's figures), when the report covers every service. */
  readonly slaReport?: (caller: Caller, period: { from: string; to: string }) => Promise<unknown>;
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
  readonly outages: readonly { incident: string; start: string; end?: string; usersAffected?: number; priority: string }[];
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
      .map((o) => ({ incident: o.number, start: o.start, ...(o.end && { end: o.end }), ...(o.usersAffected !== undefined && { usersAffected: o.usersAffected }), priority: o.priority })),
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
  const [counters, backlog, sla] = await Promise.all([
    deps.aggregates.dayCounters(service, period.fromDay, period.toDay),
    deps.aggregates.backlog(service),
    service === ALL_SERVICES && deps.slaReport ? deps.slaReport(caller, period) : Promise.resolve(undefined),
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
  };
}
