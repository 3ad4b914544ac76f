import { availability, type Period } from './availability';
import type { OutageInterval } from '../../incidents/domain';
import type { FixStatus } from '../../problems/domain';
import type { ProblemState } from '../../problems/domain';

/**
 * Known errors' ongoing impact (README "Reports"): pure, every instant a parameter. A known error
 * is still open while its fix is not implemented and its problem (if it has one) is not Resolved,
 * Closed or Canceled. Its impact over a period: the incidents linked to its problem that were logged
 * in the period, and the downtime those linked incidents' outages caused in the period — measured
 * as the availability report measures it (overlaps merged; user minutes = minutes × users affected).
 */
export interface KnownErrorSummary {
  readonly id: string;
  readonly title: string;
  readonly fixStatus: FixStatus;
  readonly problemId?: string;
  readonly services: readonly string[];
}

export interface LinkedIncident {
  readonly incidentId: string;
  readonly incidentNumber: string;
  readonly incidentCreatedAt: string;
}

export interface KnownErrorImpact {
  readonly id: string;
  readonly title: string;
  readonly fixStatus: FixStatus;
  readonly problemId?: string;
  readonly problemState?: ProblemState;
  readonly services: readonly string[];
  /** Incidents linked to the known error's problem and logged in the period. */
  readonly incidents: number;
  /** Minutes in the period during which a linked incident's outage lasted (per service, overlaps merged; summed over services). */
  readonly outageMinutes: number;
  /** Σ over the linked outages of (minutes in the period × users affected). */
  readonly userOutageMinutes: number;
  /** Linked outages without a users-affected count (they add 0 user minutes). */
  readonly outagesWithoutUsers: number;
}

const round = (value: number) => Math.round(value * 100) / 100;

/**
 * The impact of one known error over `period`. `outagesByService` holds the outages of each
 * service reported on (the report's one service, or the known error's services) that touch the
 * period; those of linked incidents count.
 */
export function knownErrorImpact(
  knownError: KnownErrorSummary,
  problemState: ProblemState | undefined,
  links: readonly LinkedIncident[],
  outagesByService: ReadonlyMap<string, readonly OutageInterval[]>,
  period: Period,
  now: Date,
): KnownErrorImpact {
  const from = Date.parse(period.from);
  const to = Date.parse(period.to);
  const linked = new Set(links.map((l) => l.incidentId));
  const incidents = links.filter((l) => {
    const at = Date.parse(l.incidentCreatedAt);
    return at >= from && at < to;
  }).length;
  let outageMinutes = 0;
  let userOutageMinutes = 0;
  let outagesWithoutUsers = 0;
  for (const outages of outagesByService.values()) {
    const mine = outages.filter((o) => linked.has(o.incidentId));
    if (mine.length === 0) continue;
    const figures = availability(mine, period, now);
    outageMinutes += figures.outageMinutes;
    userOutageMinutes += figures.userOutageMinutes;
    outagesWithoutUsers += figures.outagesWithoutUsers;
  }
  return {
    id: knownError.id,
    title: knownError.title,
    fixStatus: knownError.fixStatus,
    ...(knownError.problemId !== undefined && { problemId: knownError.problemId }),
    ...(problemState !== undefined && { problemState }),
    services: [...knownError.services],
    incidents,
    outageMinutes: round(outageMinutes),
    userOutageMinutes: round(userOutageMinutes),
    outagesWithoutUsers,
  };
}

/** Most incidents first, then most user minutes, then most outage minutes; ties by id. */
export function byImpact(a: KnownErrorImpact, b: KnownErrorImpact): number {
  return b.incidents - a.incidents || b.userOutageMinutes - a.userOutageMinutes || b.outageMinutes - a.outageMinutes || a.id.localeCompare(b.id);
}
