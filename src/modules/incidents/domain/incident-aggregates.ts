import type { Incident } from './incident';
import { isOpen } from './incident-lifecycle';
import { slaClocksOf, slaOf, type SlaPolicy } from './incident-sla';
import { SLA_TARGETS, type SlaTarget } from './sla-clock';
import type { Priority } from '../../../kernel/domain/priority';

/**
 * What an incident change adds to the report aggregates: pure, from the incident before and after
 * the change. The adapter writes the result in the incident's own conditional transaction, so a
 * change that is refused, retried or replayed counts nothing (see README "Reports").
 *
 * Three kinds of aggregate, all per service and also for every service together (`ALL_SERVICES`):
 * - **day counters** (`DAY#<yyyy-mm-dd>`, UTC day of the event): opened (by priority, category and
 *   channel, as logged), resolved (by priority), reopened, canceled, acknowledged with the summed
 *   time to acknowledge. Events, counted once when they happen; later edits do not move them.
 * - **backlog** (`OPEN`): open incidents now, by priority, with the sum of their logging times, so
 *   the mean backlog age is one read. A state: the change moves the incident's contribution. It
 *   also holds the post-incident reviews pending (major incidents resolved or closed without a
 *   completed review) and their open actions; the day counters count majors declared and reviews completed.
 * - **opened per service** (`SERVICES_BY_DAY`, key `DAY#<date>#<service>`): one small item per
 *   service and day, so the all-services report's breakdown by service is one Query and no item
 *   gains an attribute per service.
 * - **outages** of incidents marked as service outages: while one lasts, a record of its own
 *   (`ONGOING#<incident>`); once it has ended, a record keyed by its end, so a period's outages are
 *   one Query (`end >= from`, filter `start < to`; ongoing records sort after every date). A record
 *   that moves (the incident reopened, its outage times or service edited) leaves its old key
 *   marked superseded.
 *
 * - **SLA compliance** (attributes `sla#…` of the every-service day items, day of the incident's
 *   *creation*): per priority, incidents, met and breached targets, and a histogram of the counted
 *   time to reach each target. A state, like the backlog: each write moves the incident's
 *   contribution (as of that write, `slaCountersOf`) within its creation day's item, so a breach
 *   recorded after midnight, a reopen or a priority change corrects the day it was counted on. The
 *   contribution is stored on the incident (`sla.counted`) and taken back exactly on the next write.
 *
 * Every item is bounded (issue 20, "unbounded counter attributes"): a day item holds one attribute
 * per priority, channel and *listed* category (client config `intake.categories`, at most 100 names
 * of at most 40 characters), never one per value a caller may invent; the backlog item one per
 * priority. Test: test/unit/aggregate-bounds.test.ts.
 */
export const ALL_SERVICES = '*';
/** The aggregate partition of the per-service, per-day opened counters ('*' cannot start a service id). */
export const SERVICES_BY_DAY = '*by-service';

export interface OutageInterval {
  readonly incidentId: string;
  readonly number: string;
  readonly service: string;
  /** ISO instant; the incident's detection time unless given. */
  readonly start: string;
  /** ISO instant; the resolution time unless given; absent while the service is still down. */
  readonly end?: string;
  readonly usersAffected?: number;
  /** Business transactions lost, when recorded on the incident's outage. */
  readonly lostTransactions?: number;
  readonly priority: string;
}

/** Counter deltas per aggregate item: `key` is `DAY#<date>` or `OPEN`. */
export interface CounterDelta {
  readonly service: string;
  readonly key: string;
  readonly add: Readonly<Record<string, number>>;
}

// ---------------------------------------------------------------------------------------------
// SLA compliance counters
// ---------------------------------------------------------------------------------------------

const TARGET_CODES: Record<SlaTarget, string> = { acknowledge: 'ack', respond: 'resp', resolve: 'res' };
/** Time buckets per doubling: a bucket spans a factor 2^(1/4); its middle is within 9.1 % of any value in it. */
export const SLA_TIME_STEPS_PER_DOUBLING = 4;
/** Bucket 0: under a second; 1 … 100: one second to 2^25 s (≈ 1 year) by quarter doublings; 101: longer. */
export const SLA_TIME_BUCKETS = 2 + 25 * SLA_TIME_STEPS_PER_DOUBLING;

export function slaTimeBucket(ms: number): number {
  if (ms < 1000) return 0;
  return Math.min(SLA_TIME_BUCKETS - 1, 1 + Math.floor(SLA_TIME_STEPS_PER_DOUBLING * Math.log2(ms / 1000)));
}

/** The value a bucket stands for in percentiles: its geometric middle (0 for under a second). */
export function slaTimeOfBucket(bucket: number): number {
  if (bucket <= 0) return 0;
  return Math.round(1000 * 2 ** ((bucket - 0.5) / SLA_TIME_STEPS_PER_DOUBLING));
}

/** Names of the SLA counters: incidents of a priority, met / breached targets, and time buckets. */
export const slaCounterNames = {
  incidents: (priority: Priority) => `sla#${priority}`,
  met: (priority: Priority, target: SlaTarget) => `sla#${priority}#${TARGET_CODES[target]}#met`,
  breached: (priority: Priority, target: SlaTarget) => `sla#${priority}#${TARGET_CODES[target]}#breached`,
  time: (priority: Priority, target: SlaTarget, bucket: number) => `sla#${priority}#${TARGET_CODES[target]}@${bucket}`,
};

/**
 * The SLA counters an incident adds to its creation day as of `now`: nothing once canceled
 * (canceled incidents are left out of the report); otherwise its current priority's incident
 * count, each target met or breached (neither while running or paused), and the counted time of
 * each target reached (even late), as GET /reports/sla counts them.
 */
export function slaCountersOf(incident: Incident, policy: SlaPolicy, now: Date): string[] {
  if (incident.state === 'Canceled') return [];
  const clocks = slaClocksOf(incident, policy, now);
  const p = incident.priority;
  const names = [slaCounterNames.incidents(p)];
  for (const target of SLA_TARGETS) {
    const clock = clocks[target];
    if (clock.state === 'achieved') names.push(slaCounterNames.met(p, target));
    if (clock.state === 'breached') names.push(slaCounterNames.breached(p, target));
    if (clock.achievedAt !== undefined) names.push(slaCounterNames.time(p, target, slaTimeBucket(clock.elapsedBusinessMs)));
  }
  return names;
}

/**
 * The incident as it is stored by a write: with its SLA counters as of the write (`updatedAt`).
 * Without a policy (a writer that has none), or on history the clocks refuse, the incident keeps
 * what it had counted: the next write with a policy corrects it. An incident that had counted
 * nothing (stored before the counters) is counted from this write on.
 */
export function withSlaCounted(before: Incident | undefined, after: Incident, policy: SlaPolicy | undefined): Incident {
  const kept = before?.sla?.counted;
  let counted: readonly string[] | undefined = kept;
  if (policy) {
    try {
      counted = slaCountersOf(after, policy, new Date(after.updatedAt));
    } catch (error) {
      if (!(error instanceof RangeError)) throw error;
    }
  }
  if (counted !== undefined) return { ...after, sla: { ...slaOf(after), counted } };
  // Nothing counted: the incident is stored as given, less any count it carries from elsewhere.
  if (after.sla?.counted === undefined) return after;
  const { counted: _stale, ...sla } = after.sla;
  return { ...after, sla };
}

export interface AggregateDelta {
  readonly counters: readonly CounterDelta[];
  /** An ongoing outage, kept as a record of its own until it ends. */
  readonly setOngoing?: OutageInterval;
  readonly removeOngoing?: { readonly service: string; readonly incidentId: string };
  /** An ended outage's record (keyed by its end), put when it first ends or changes. */
  readonly putEnded?: OutageInterval;
  /** The record it replaces under another key (reopened, edited, moved service): marked superseded, never deleted. */
  readonly supersedeEnded?: OutageInterval;
}

export const dayOf = (instant: string) => new Date(instant).toISOString().slice(0, 10);
export const dayKey = (instant: string) => `DAY#${dayOf(instant)}`;
export const BACKLOG_KEY = 'OPEN';

/** The outage an incident stands for, with the defaults applied; undefined if it is not marked as one. */
export function outageOf(incident: Incident): OutageInterval | undefined {
  if (!incident.outage || incident.state === 'Canceled') return undefined;
  const restored = incident.state === 'Resolved' || incident.state === 'Closed' ? incident.resolvedAt : undefined;
  const end = incident.outage.end ?? restored;
  return {
    incidentId: incident.id,
    number: incident.number,
    service: incident.service,
    start: incident.outage.start ?? incident.detectedAt,
    ...(end !== undefined && { end }),
    ...(incident.usersAffected !== undefined && { usersAffected: incident.usersAffected }),
    ...(incident.outage.lostTransactions !== undefined && { lostTransactions: incident.outage.lostTransactions }),
    priority: incident.priority,
  };
}

const seconds = (instant: string) => Math.floor(Date.parse(instant) / 1000);

function backlogOf(incident: Incident | undefined): Record<string, number> {
  if (!incident || !isOpen(incident.state)) return {};
  return backlogContribution(incident);
}

/** What one open incident adds to its service's backlog item (and to every service's). */
function backlogContribution(incident: Pick<Incident, 'priority' | 'createdAt'>): Record<string, number> {
  const at = seconds(incident.createdAt);
  return { open: 1, [`open#${incident.priority}`]: 1, openCreatedSec: at, [`openCreatedSec#${incident.priority}`]: at };
}

/** An open incident as the backlog counts it (what the state index holds of it). */
export interface OpenIncidentBrief {
  readonly id: string;
  readonly service: string;
  readonly priority: Priority;
  readonly createdAt: string;
}

/** The backlog counters of an aggregate item; its other attributes (reviews, outages) are not the backlog's. */
const isBacklogCounter = (name: string) => /^(open|openCreatedSec)(#.+)?$/.test(name);

/**
 * The backlog each service's item (and every service's, `ALL_SERVICES`) should hold for these
 * open incidents: what their writes added, had every one been counted since it was logged.
 */
export function expectedBacklogs(open: readonly OpenIncidentBrief[]): Map<string, Record<string, number>> {
  const backlogs = new Map<string, Record<string, number>>([[ALL_SERVICES, {}]]);
  for (const incident of open) {
    for (const target of [incident.service, ALL_SERVICES]) {
      const backlog = backlogs.get(target) ?? {};
      for (const [name, value] of Object.entries(backlogContribution(incident))) backlog[name] = (backlog[name] ?? 0) + value;
      backlogs.set(target, backlog);
    }
  }
  return backlogs;
}

/**
 * What to add to a stored backlog so that it holds `expected`: per backlog counter, the difference
 * (zero differences left out; an empty result means the item is right). Counters other than the
 * backlog's are left alone.
 */
export function backlogCorrection(expected: Readonly<Record<string, number>>, stored: Readonly<Record<string, number>>): Record<string, number> {
  const names = new Set([...Object.keys(expected), ...Object.keys(stored)].filter(isBacklogCounter));
  const add: Record<string, number> = {};
  for (const name of [...names].sort()) {
    const difference = (expected[name] ?? 0) - (stored[name] ?? 0);
    if (difference !== 0) add[name] = difference;
  }
  return add;
}

/**
 * Post-incident reviews (a state, like the backlog): major incidents resolved or closed whose
 * review is not completed, and the open actions of every review.
 */
function reviewStateOf(incident: Incident | undefined): Record<string, number> {
  if (!incident?.major || incident.state === 'Canceled') return {};
  const pending = (incident.state === 'Resolved' || incident.state === 'Closed') && incident.review?.status !== 'completed' ? 1 : 0;
  const openActions = (incident.review?.actions ?? []).filter((a) => a.status === 'open').length;
  return { reviewsPending: pending, reviewActionsOpen: openActions };
}

export function aggregateDelta(before: Incident | undefined, after: Incident): AggregateDelta {
  const counters = new Map<string, { service: string; key: string; add: Record<string, number> }>();
  const add = (service: string, key: string, values: Record<string, number>, sign = 1) => {
    for (const target of [service, ALL_SERVICES]) {
      const id = `${target}|${key}`;
      const entry = counters.get(id) ?? { service: target, key, add: {} };
      for (const [name, value] of Object.entries(values)) entry.add[name] = (entry.add[name] ?? 0) + sign * value;
      counters.set(id, entry);
    }
  };

  if (!before) {
    add(after.service, dayKey(after.createdAt), {
      opened: 1,
      [`opened#${after.priority}`]: 1,
      [`opened#category#${after.category}`]: 1,
      [`opened#channel#${after.channel}`]: 1,
    });
    counters.set(`${SERVICES_BY_DAY}|${after.service}`, { service: SERVICES_BY_DAY, key: `${dayKey(after.createdAt)}#${after.service}`, add: { opened: 1 } });
  } else {
    const at = after.updatedAt;
    if (before.state !== 'Resolved' && after.state === 'Resolved') {
      add(after.service, dayKey(at), { resolved: 1, [`resolved#${after.priority}`]: 1 });
    }
    if ((before.state === 'Resolved' || before.state === 'Closed') && isOpen(after.state)) add(after.service, dayKey(at), { reopened: 1 });
    if (before.state !== 'Canceled' && after.state === 'Canceled') add(after.service, dayKey(at), { canceled: 1 });
    if (before.state !== 'Closed' && after.state === 'Closed') add(after.service, dayKey(at), { closed: 1 });
  }
  if (after.major && !before?.major) add(after.service, dayKey(after.updatedAt), { majorDeclared: 1 });
  const completedAt = after.review?.completedAt;
  if (completedAt && !before?.review?.completedAt) add(after.service, dayKey(completedAt), { reviewsCompleted: 1 });
  const acknowledgedAt = after.sla?.acknowledgedAt;
  if (acknowledgedAt && !before?.sla?.acknowledgedAt) {
    add(after.service, dayKey(acknowledgedAt), { acknowledged: 1, ackSeconds: Math.max(0, seconds(acknowledgedAt) - seconds(after.createdAt)) });
  }
  // SLA counters: the incident's contribution moves within its creation day's every-service item.
  const countedBefore = before?.sla?.counted ?? [];
  const countedAfter = after.sla?.counted ?? [];
  if (countedBefore.join() !== countedAfter.join()) {
    const key = dayKey(after.createdAt);
    const entry = counters.get(`${ALL_SERVICES}|${key}`) ?? { service: ALL_SERVICES, key, add: {} };
    for (const name of countedBefore) entry.add[name] = (entry.add[name] ?? 0) - 1;
    for (const name of countedAfter) entry.add[name] = (entry.add[name] ?? 0) + 1;
    counters.set(`${ALL_SERVICES}|${key}`, entry);
  }
  const backlogBefore = backlogOf(before);
  const backlogAfter = backlogOf(after);
  if (before) add(before.service, BACKLOG_KEY, backlogBefore, -1);
  add(after.service, BACKLOG_KEY, backlogAfter);
  if (before) add(before.service, BACKLOG_KEY, reviewStateOf(before), -1);
  add(after.service, BACKLOG_KEY, reviewStateOf(after));

  const outageBefore = before && outageOf(before);
  const outageAfter = outageOf(after);
  const same = (a?: OutageInterval, b?: OutageInterval) => JSON.stringify(a) === JSON.stringify(b);
  const ongoingBefore = outageBefore && outageBefore.end === undefined ? outageBefore : undefined;
  const ongoingAfter = outageAfter && outageAfter.end === undefined ? outageAfter : undefined;
  const endedBefore = outageBefore?.end !== undefined ? outageBefore : undefined;
  const endedAfter = outageAfter?.end !== undefined ? outageAfter : undefined;
  const recordKey = (o: OutageInterval) => `${o.service}|${outageSortKey(o)}`;
  return {
    counters: [...counters.values()]
      .map((c) => ({ ...c, add: Object.fromEntries(Object.entries(c.add).filter(([, v]) => v !== 0)) }))
      .filter((c) => Object.keys(c.add).length > 0),
    ...(ongoingAfter && !same(ongoingBefore, ongoingAfter) && { setOngoing: ongoingAfter }),
    ...(ongoingBefore && ongoingBefore.service !== ongoingAfter?.service && { removeOngoing: { service: ongoingBefore.service, incidentId: ongoingBefore.incidentId } }),
    ...(endedAfter && !same(endedBefore, endedAfter) && { putEnded: endedAfter }),
    ...(endedBefore && (!endedAfter || recordKey(endedBefore) !== recordKey(endedAfter)) && { supersedeEnded: endedBefore }),
  };
}

/** Ended outages' records sort by their end. */
export const outageSortKey = (outage: Pick<OutageInterval, 'end' | 'incidentId'>) => `${outage.end}#${outage.incidentId}`;
/** Outages stored as attributes of the backlog item before they had records of their own (still read, removed when they end). */
export const ONGOING_PREFIX = 'ongoing#';
/** Ongoing outages' records: the prefix sorts after every ISO date, so `sk >= from` always finds them. */
export const ONGOING_RECORD_PREFIX = 'ONGOING#';
