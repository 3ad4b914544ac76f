import type { AuditLog, Clock, IdSource } from '../../../kernel/app/ports';
import { jobRunEntry } from '../../../kernel/domain/audit-chain';
import { pseudonymOf } from '../../../kernel/domain/personal-data';
import { retentionCutoff, type RetentionDays } from '../../../kernel/domain/retention';
import type { ClosedRecordStore, ProcessRecordType } from './ports';

/** Who the scheduled pseudonymisation acts as in the audit trail. */
export const RETENTION_ACTOR = 'system:retention';

export interface PseudonymiseClosedDeps {
  readonly stores: readonly ClosedRecordStore[];
  /** Client config `retention`. */
  readonly retention: RetentionDays;
  readonly clock: Clock;
  readonly ids: IdSource;
  readonly audit: AuditLog;
}

export interface PseudonymisationRun {
  /** Records pseudonymised this run, per record type. */
  readonly records: Readonly<Partial<Record<ProcessRecordType, number>>>;
  /** People replaced, summed over the records (a person named in two records counts twice). */
  readonly people: number;
  /** False when the run stopped at its bound with records still due (the next run goes on). */
  readonly complete: boolean;
}

/**
 * The scheduled end of a closed record's retention (docs/security.md, "Personal data"): every
 * incident, request, change and problem closed longer ago than the client's `retention` for its
 * type has every person in it replaced, each by a pseudonym of their own (the record still tells
 * who did what apart, but no longer who they were), by the same rules as the erasure of a person
 * (personal-data.ts). The record stays and is marked, so it is never picked again. At most
 * `maxRecords` a run, oldest first per type; one audit record of the run with the counts only.
 */
export async function pseudonymiseClosedRecords(deps: PseudonymiseClosedDeps, maxRecords = 200): Promise<PseudonymisationRun> {
  const now = deps.clock.now();
  const records: Partial<Record<ProcessRecordType, number>> = {};
  let people = 0;
  let left = maxRecords;
  let complete = true;
  for (const store of deps.stores) {
    if (left <= 0) {
      complete = false;
      break;
    }
    const due = await store.closedBefore(retentionCutoff(store.type, deps.retention, now), left + 1);
    if (due.length > left) complete = false;
    let done = 0;
    for (const record of due.slice(0, left)) {
      const pseudonyms = new Map<string, string>();
      const pseudonymFor = (person: string) => pseudonyms.get(person) ?? pseudonyms.set(person, pseudonymOf(deps.ids.newId())).get(person)!;
      const replaced = await store.pseudonymiseRecord(record, pseudonymFor, now.toISOString());
      if (replaced === undefined) {
        // Changed while it was rewritten: left for the next run.
        complete = false;
        continue;
      }
      people += replaced;
      done++;
    }
    left -= Math.min(due.length, left);
    records[store.type] = done;
  }
  const counts = Object.entries(records).map(([type, n]) => ({ field: `records.${type}`, after: n }));
  if (people > 0 || counts.some((c) => c.after > 0)) {
    await deps.audit.record(
      jobRunEntry(RETENTION_ACTOR, 'retention:pseudonymise', { type: 'retention', id: 'closed-records' }, [...counts, { field: 'people', after: people }, { field: 'complete', after: complete }]),
    );
  }
  return { records, people, complete };
}
