import { backlogCorrection, expectedBacklogs, type OpenIncidentBrief } from '../domain/incident-aggregates';

/** The backlog items and the open incidents they count (adapters/dynamodb-backlog-recount.ts). */
export interface BacklogRecountStore {
  /** Every open incident (state index, eventually consistent), at most `limit`; `truncated` when more were left unread. */
  openIncidents(limit: number): Promise<{ readonly incidents: readonly OpenIncidentBrief[]; readonly truncated: boolean }>;
  /** The backlog item of each service (or of every service, `*`: its shards summed), read consistently; missing items as {}. */
  storedBacklogs(services: readonly string[]): Promise<ReadonlyMap<string, Readonly<Record<string, number>>>>;
  /** Adds to a service's backlog item (every service's: to its unsharded item). */
  add(service: string, add: Readonly<Record<string, number>>): Promise<void>;
}

export interface BacklogRecountDeps {
  readonly backlog: BacklogRecountStore;
  readonly pause: (ms: number) => Promise<void>;
}

export interface BacklogRecountSettings {
  /** Open incidents read per count; a desk with more is not recounted (the run says `truncated`). */
  readonly limit: number;
  /** Between the two counts: long enough for the state index to show a change both counts may have straddled. */
  readonly settleMs: number;
}

export const BACKLOG_RECOUNT_SETTINGS: BacklogRecountSettings = { limit: 20_000, settleMs: 2_000 };

export interface BacklogCorrection {
  readonly service: string;
  readonly add: Readonly<Record<string, number>>;
}

export interface BacklogRecountOutcome {
  readonly openIncidents: number;
  /** Items found wrong by both counts alike, and corrected. */
  readonly corrected: readonly BacklogCorrection[];
  /** Items the two counts disagreed on (changed meanwhile): left for the next run. */
  readonly unsettled: readonly string[];
  /** More open incidents than the limit: nothing was corrected. */
  readonly truncated: boolean;
}

/**
 * Recounts the backlog items (open incidents per service, by priority, with their logging times)
 * from the open incidents themselves, and corrects the items that are wrong: incidents logged
 * before the aggregates existed were never added, and their resolution took them away all the
 * same. The desk reads these items on the write path (concurrent incidents on a service, at
 * logging), so they must hold what the index would count.
 *
 * Changes keep landing while it counts, and the state index trails the table. So it counts twice,
 * `settleMs` apart, each time reading the items after the incidents, and corrects an item only by a
 * difference both counts found alike: a change between the two reads (the item has it, the index
 * not yet) shows in one count and not in the other, and the item is left for the next run. The
 * correction is an ADD, so a change landing while it is applied still counts.
 *
 * Bounded: reads at most `limit` open incidents per count, and corrects nothing past that. A
 * service whose item drifted and that has no open incident now is corrected when it has one at a
 * recount (until then its count reads as 0, the readers' floor).
 */
export async function recountBacklog(deps: BacklogRecountDeps, settings: BacklogRecountSettings = BACKLOG_RECOUNT_SETTINGS): Promise<BacklogRecountOutcome> {
  const count = async () => {
    const { incidents, truncated } = await deps.backlog.openIncidents(settings.limit);
    if (truncated) return undefined;
    const expected = expectedBacklogs(incidents);
    const stored = await deps.backlog.storedBacklogs([...expected.keys()]);
    const corrections = new Map([...expected].map(([service, backlog]) => [service, backlogCorrection(backlog, stored.get(service) ?? {})]));
    return { open: incidents.length, corrections };
  };
  const first = await count();
  if (!first) return { openIncidents: settings.limit, corrected: [], unsettled: [], truncated: true };
  if ([...first.corrections.values()].every((add) => Object.keys(add).length === 0)) return { openIncidents: first.open, corrected: [], unsettled: [], truncated: false };
  await deps.pause(settings.settleMs);
  const second = await count();
  if (!second) return { openIncidents: settings.limit, corrected: [], unsettled: [], truncated: true };
  const corrected: BacklogCorrection[] = [];
  const unsettled: string[] = [];
  for (const [service, add] of first.corrections) {
    if (Object.keys(add).length === 0) continue;
    if (JSON.stringify(add) !== JSON.stringify(second.corrections.get(service) ?? {})) {
      unsettled.push(service);
      continue;
    }
    await deps.backlog.add(service, add);
    corrected.push({ service, add });
  }
  return { openIncidents: second.open, corrected, unsettled, truncated: false };
}
