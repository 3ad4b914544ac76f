import type { OutageInterval } from '../../incidents/domain';

/**
 * Availability arithmetic (README "Reports"): pure, every instant a parameter. Agreed service time
 * is the whole period, around the clock. Overlapping outages of one service are one failure: the
 * service is down while any of them lasts.
 */
export interface Period {
  /** ISO instant, inclusive. */
  readonly from: string;
  /** ISO instant, exclusive. */
  readonly to: string;
}

export interface AvailabilityFigures {
  readonly periodMinutes: number;
  /** Minutes in the period during which at least one outage lasted. */
  readonly outageMinutes: number;
  /** Σ over outages of (minutes inside the period × usersAffected); outages without a user count add 0. */
  readonly userOutageMinutes: number;
  /** Outages whose users affected are not recorded (they add nothing to userOutageMinutes). */
  readonly outagesWithoutUsers: number;
  /**
   * Σ lost transactions of the outages that started in the period (each outage counts in the
   * period of its start, so consecutive periods never count one twice).
   */
  readonly lostTransactions: number;
  /** 100 × (period − outage) / period, 4 decimals. */
  readonly availabilityPercent: number;
  /** Downtime intervals (overlaps merged) that touch the period. */
  readonly failures: number;
  /** Mean time between failures: (period − outage minutes) / failures; undefined without failures. */
  readonly mtbfMinutes?: number;
  /** Mean time to restore service: outage minutes / failures; undefined without failures. */
  readonly mtrsMinutes?: number;
  /** Each downtime interval, clipped to the period, with the incidents behind it. */
  readonly downtime: readonly { readonly start: string; readonly end: string; readonly minutes: number; readonly incidents: readonly string[] }[];
}

const MINUTE = 60_000;
const round = (value: number, places = 2) => Math.round(value * 10 ** places) / 10 ** places;

/** `now` ends outages still going on (and caps the period, so a report on today counts no future uptime). */
export function availability(outages: readonly OutageInterval[], period: Period, now: Date): AvailabilityFigures {
  const from = Date.parse(period.from);
  const to = Math.min(Date.parse(period.to), Math.max(from, now.getTime()));
  const clipped = outages
    .map((o) => ({ o, start: Math.max(from, Date.parse(o.start)), end: Math.min(to, o.end ? Date.parse(o.end) : now.getTime()) }))
    .filter((c) => c.end > c.start)
    .sort((a, b) => a.start - b.start || a.end - b.end);

  const merged: { start: number; end: number; incidents: string[] }[] = [];
  for (const c of clipped) {
    const last = merged.at(-1);
    if (last && c.start <= last.end) {
      last.end = Math.max(last.end, c.end);
      last.incidents.push(c.o.number);
    } else {
      merged.push({ start: c.start, end: c.end, incidents: [c.o.number] });
    }
  }
  const periodMinutes = (to - from) / MINUTE;
  const outageMinutes = merged.reduce((sum, m) => sum + (m.end - m.start) / MINUTE, 0);
  const userOutageMinutes = clipped.reduce((sum, c) => sum + ((c.end - c.start) / MINUTE) * (c.o.usersAffected ?? 0), 0);
  const failures = merged.length;
  return {
    periodMinutes: round(periodMinutes),
    outageMinutes: round(outageMinutes),
    userOutageMinutes: round(userOutageMinutes),
    outagesWithoutUsers: clipped.filter((c) => c.o.usersAffected === undefined).length,
    lostTransactions: outages
      .filter((o) => Date.parse(o.start) >= from && Date.parse(o.start) < Date.parse(period.to))
      .reduce((sum, o) => sum + (o.lostTransactions ?? 0), 0),
    availabilityPercent: periodMinutes > 0 ? round((100 * (periodMinutes - outageMinutes)) / periodMinutes, 4) : 100,
    failures,
    ...(failures > 0 && { mtbfMinutes: round((periodMinutes - outageMinutes) / failures), mtrsMinutes: round(outageMinutes / failures) }),
    downtime: merged.map((m) => ({
      start: new Date(m.start).toISOString(),
      end: new Date(m.end).toISOString(),
      minutes: round((m.end - m.start) / MINUTE),
      incidents: m.incidents,
    })),
  };
}

/** Mean time to acknowledge, in minutes, from the day counters; undefined when nothing was acknowledged. */
export function mttaMinutes(acknowledged: number, ackSeconds: number): number | undefined {
  return acknowledged > 0 ? round(ackSeconds / acknowledged / 60) : undefined;
}
