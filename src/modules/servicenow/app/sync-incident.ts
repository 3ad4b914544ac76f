import type { Caller } from '../../../kernel/domain/access-policy';
import { DomainError, InvalidInputError } from '../../../kernel/domain/domain-errors';
import type { Clock, IdSource } from '../../../kernel/app/ports';
import type { Incident } from '../../incidents/domain';
import {
  addTimelineEntry,
  createIncidentOnce,
  relayResolutionDecision,
  updateIncident,
  type IncidentDeps,
  type IncidentRepository,
} from '../../incidents/app';
import {
  exchangedFields,
  isOurJournalRow,
  journalValueOf,
  ourFieldsInTheirTerms,
  planInbound,
  reconcile,
  theirFields,
  type Conflict,
  type ServiceNowMapping,
} from '../domain/field-map';
import {
  ServiceNowRefusedError,
  type ExceptionStore,
  type ExternalRefs,
  type ServiceNowRecord,
  type ServiceNowTable,
  type SyncException,
  type SyncState,
  type SyncStore,
} from './ports';
import { underLease } from './lease';
import { readClientSlas, TASK_SLA_TABLE } from './read-slas';
import type { ClientSlaStore } from './ports';
import { CHANGE_TABLE, changeIdOf, changeRecordChanged, type ChangeApprovalDeps, type ChangeMirrorDeps } from './sync-change';

/** What the exchange needs of the client's settings (config `integrations.servicenow`). */
export interface ServiceNowSyncSettings extends ServiceNowMapping {
  readonly newRecords: { readonly service: string; readonly category: string };
  readonly poll: { readonly overlapSeconds: number };
}

/** The outbound side: the outbox consumer's (it reads incidents and changes and writes there, never here). */
export interface ServiceNowPushDeps {
  /** Their SLA clocks of each incident, as last read (read-slas.ts). */
  readonly slas: ClientSlaStore;
  /** Changes the client approves there, mirrored as change_request records (sync-change.ts). */
  readonly changes: ChangeMirrorDeps['changes'];
  readonly table: ServiceNowTable;
  readonly store: SyncStore;
  readonly exceptions: ExceptionStore;
  readonly externalRefs: ExternalRefs;
  readonly incidents: Pick<IncidentRepository, 'get' | 'timeline'>;
  readonly settings: ServiceNowSyncSettings;
  readonly clock: Clock;
  readonly ids: IdSource;
  /** How long a sync may hold an incident's lease. @default 60 s */
  readonly leaseMs?: number;
  /** Between attempts to take a busy lease (inbound only). @default 50 ms */
  readonly leaseWaitMs?: number;
}

/** The inbound side also applies their changes here, through the desk's own use cases. */
export interface ServiceNowSyncDeps extends ServiceNowPushDeps {
  readonly desk: IncidentDeps;
  /** The client approver's vote, recorded through the changes' own use case. */
  readonly changeDesk: ChangeApprovalDeps['changeDesk'];
}

/** Who their changes are recorded as: the integration, a machine client. */
export const SERVICENOW_ACTOR: Caller = { id: 'servicenow', name: 'servicenow', roles: ['integration'] };

const INCIDENT_TABLE = 'incident';
/** Recent entries and mod counts kept in the state: enough to recognise echoes arriving late. */
const RECENT = 200;

/**
 * Pushes an incident there (the servicenow-sync effect's delivery): creates the record once
 * (looked up by `correlation_id` first, so a redelivered create finds it), then PATCHes only the
 * mapped fields that changed here since both sides last agreed, and writes new comments and work
 * notes to `comments` and `work_notes`. Their own changes are left to the inbound side. When
 * another sync holds the incident, it is marked dirty and that sync runs again: this one is done.
 */
export async function pushIncident(deps: ServiceNowPushDeps, incidentId: string, change?: { readonly version: number; readonly trigger: string }): Promise<void> {
  if (change) {
    // Pushes send the incident as it is now: one that ran after this change stored covers it.
    const state = await deps.store.get(incidentId);
    const entryAt = change.trigger.startsWith('entry#') ? change.trigger.slice('entry#'.length) : undefined;
    if (state?.pushedVersion !== undefined && state.pushedVersion >= change.version && (!entryAt || (state.pushedEntryAt !== undefined && entryAt <= state.pushedEntryAt))) return;
  }
  await underLease(deps, incidentId, false, (holder) => syncOnce(deps, undefined, incidentId, holder));
}

/**
 * Brings an incident and its record in step both ways (a business-rule call, the poll, an
 * exception retried). Answers false when another sync held the incident throughout (it was
 * marked dirty, so that sync covers this change).
 */
export async function syncIncident(deps: ServiceNowSyncDeps, incidentId: string, modCount?: number): Promise<boolean> {
  return underLease(deps, incidentId, true, async (holder) => {
    // Calls queued behind a sync that already read this change (their business rule fires per write) end here.
    if (modCount !== undefined && ((await deps.store.get(incidentId))?.appliedModCount ?? -1) >= modCount) return;
    await syncOnce(deps, deps, incidentId, holder);
  });
}

const emptyState = (incidentId: string): SyncState => ({
  incidentId,
  table: INCIDENT_TABLE,
  base: {},
  held: {},
  ourModCounts: [],
  appliedModCount: -1,
  pushedEntries: [],
  journalSeen: [],
});

/** One pass, under the lease. `inbound` absent: outbound only. */
async function syncOnce(deps: ServiceNowPushDeps, inbound: ServiceNowSyncDeps | undefined, incidentId: string, holder: string): Promise<void> {
  let incident = await deps.incidents.get(incidentId);
  if (!incident) return;
  const fields = exchangedFields(deps.settings);
  let state = (await deps.store.get(incidentId)) ?? emptyState(incidentId);
  const save = async () => deps.store.put(state, holder);
  // The record's mod count as read, advanced by each write of ours that follows it directly: a gap
  // means someone wrote there in between, and that change is not ours to call applied.
  let contiguous: number | undefined;
  let gap = false;
  const ourWrite = (record: ServiceNowRecord) => {
    const count = Number(record['sys_mod_count']);
    state = { ...state, ourModCounts: [...state.ourModCounts, count].slice(-RECENT) };
    if (contiguous !== undefined && count === contiguous + 1 && !gap) contiguous = count;
    else gap = true;
  };

  let record: ServiceNowRecord | undefined;
  if (!state.sysId) {
    // A create redelivered after the POST went through finds the record by its correlation id.
    record = await deps.table.findByCorrelation(INCIDENT_TABLE, incident.id);
    const ours = ourFieldsInTheirTerms(incident, deps.settings);
    if (record) {
      state = { ...state, sysId: record['sys_id']!, number: record['number']!, base: theirFields(record, fields) };
    } else {
      record = await deps.table.create(INCIDENT_TABLE, { ...nonEmpty(ours), correlation_id: incident.id, correlation_display: incident.number });
      ourWrite(record);
      state = { ...state, sysId: record['sys_id']!, number: record['number']!, base: ours };
    }
    await deps.store.link(state.sysId!, incident.id);
    await save();
    // Their SLA engine attached its clocks when the record was made: read them once now.
    await readClientSlas(deps, incident.id, state.sysId!);
  } else {
    record = await deps.table.get(state.table, state.sysId);
    if (!record) {
      await addException(deps, state, { kind: 'refused-there', field: 'sys_id', kept: 'rowe-itsm', ours: incident.number, theirs: '', reason: 'the record no longer exists there' });
      return;
    }
  }
  const sysId = state.sysId!;
  contiguous = Number(record['sys_mod_count']);
  gap = false;
  if (incident.external?.servicenow?.sysId !== sysId) {
    await deps.externalRefs.set(incident.id, { sysId, number: state.number!, table: state.table });
  }

  // Fields: both ways against the agreed base.
  const ours = ourFieldsInTheirTerms(incident, deps.settings);
  const theirs = theirFields(record, fields);
  const { toTheirs, toOurs, agreed, conflicts } = reconcile(state.base, ours, theirs, fields);
  for (const [field, value] of Object.entries(state.held)) {
    // Refused before with this very value: not sent again until it changes or is retried.
    if (toTheirs[field] === value) delete toTheirs[field];
  }
  const held = Object.fromEntries(Object.entries(state.held).filter(([field, value]) => ours[field] === value && theirs[field] !== value));
  state = { ...state, base: { ...state.base, ...agreed }, held };
  // Theirs-owned conflicts are settled by the inbound side (it applies their value); pushing never reports them twice.
  for (const conflict of conflicts.filter((c) => c.kept === 'rowe-itsm' || inbound)) await addConflict(deps, state, conflict);
  if (record['correlation_id'] !== incident.id) Object.assign(toTheirs, { correlation_id: incident.id, correlation_display: incident.number });
  if (Object.keys(toTheirs).length > 0) {
    // A resolution carries its close code and notes in the same write (a data policy may demand both).
    if (toTheirs['state'] !== undefined && ours['close_code']) Object.assign(toTheirs, { close_code: ours['close_code'], close_notes: ours['close_notes'] ?? '' });
    try {
      const updated = await deps.table.update(state.table, sysId, toTheirs);
      ourWrite(updated);
      const { correlation_id: _c, correlation_display: _d, ...pushed } = toTheirs;
      state = { ...state, base: { ...state.base, ...pushed } };
      record = updated;
    } catch (error) {
      if (!(error instanceof ServiceNowRefusedError)) throw error;
      const refused = Object.entries(toTheirs).filter(([field]) => field !== 'correlation_id' && field !== 'correlation_display');
      state = { ...state, held: { ...state.held, ...Object.fromEntries(refused) } };
      for (const [field, value] of refused) {
        await addException(deps, state, { kind: 'refused-there', field, kept: 'servicenow', ours: value, theirs: theirs[field] ?? '', reason: error.reason });
      }
    }
    await save();
  }

  // Our comments and work notes, in timeline order, each once.
  const entryAt = await pushEntries(deps, incident, sysId, () => state, (next) => (state = next), ourWrite, save);
  state = { ...state, pushedVersion: incident.version, ...(entryAt && { pushedEntryAt: entryAt > (state.pushedEntryAt ?? '') ? entryAt : state.pushedEntryAt }) };

  if (!inbound) {
    await save();
    return;
  }
  // Their side: the fields they changed, through the desk's use cases, then their new journal rows.
  // A value refused here before is not tried again while it stands there.
  const refusedHere = Object.fromEntries(Object.entries(state.refusedHere ?? {}).filter(([field, value]) => theirs[field] === value));
  const theirsChanged = Object.fromEntries(Object.entries(toOurs).filter(([field, value]) => refusedHere[field] !== value));
  state = { ...state, refusedHere };
  if (Object.keys(theirsChanged).length > 0) {
    const applied = await applyTheirChanges(inbound, state, incident, theirsChanged, theirs, record['number'] ?? state.number ?? '');
    incident = applied.incident;
    const pick = (names: readonly string[]) => Object.fromEntries(names.map((name) => [name, theirsChanged[name]!]));
    const refused = new Set(applied.refused);
    state = {
      ...state,
      base: { ...state.base, ...pick(Object.keys(theirsChanged).filter((f) => !refused.has(f))) },
      refusedHere: { ...state.refusedHere, ...pick([...refused]) },
    };
    await save();
  }
  await pullJournal(inbound, incident, sysId, record, () => state, (next) => (state = next), save);
  state = { ...state, appliedModCount: Math.max(state.appliedModCount, contiguous) };
  await save();
}

async function pushEntries(
  deps: ServiceNowPushDeps,
  incident: Incident,
  sysId: string,
  current: () => SyncState,
  update: (state: SyncState) => void,
  ourWrite: (record: ServiceNowRecord) => void,
  save: () => Promise<void>,
): Promise<string | undefined> {
  const state = current();
  const pushed = new Set(state.pushedEntries);
  let latest: string | undefined;
  let nextToken: string | undefined;
  do {
    const page = await deps.incidents.timeline(incident.id, { limit: 100, publicOnly: false, incident, ...(nextToken && { nextToken }) });
    for (const entry of page.items) {
      if (entry.type !== 'comment' && entry.type !== 'work-note') continue;
      if (latest === undefined || entry.at > latest) latest = entry.at;
      // Their comments, applied here by the integration, never go back.
      if (entry.actor === SERVICENOW_ACTOR.name || pushed.has(entry.id)) continue;
      if (current().pushedThrough !== undefined && entry.id <= current().pushedThrough! && !recentlyAppended(entry.id, current())) continue;
      // Visibility is kept: only public comments reach `comments`; a work note is always `work_notes`.
      const element = entry.type === 'comment' && entry.visibility === 'public' ? 'comments' : 'work_notes';
      const written = await deps.table.update(current().table, sysId, { [element]: journalValueOf(entry) });
      ourWrite(written);
      pushed.add(entry.id);
      const through = current().pushedThrough;
      update({ ...current(), pushedEntries: [...current().pushedEntries, entry.id].slice(-RECENT), pushedThrough: through === undefined || entry.id > through ? entry.id : through });
      await save();
    }
    nextToken = page.nextToken;
  } while (nextToken);
  return latest;
}

/** Entries are ordered by their time; one stamped a moment before the last pushed may still be new (clocks of two writers). */
function recentlyAppended(id: string, state: SyncState): boolean {
  const at = Date.parse(id.slice(0, 24));
  const through = Date.parse(state.pushedThrough!.slice(0, 24));
  return Number.isFinite(at) && Number.isFinite(through) && through - at < 60_000;
}

async function applyTheirChanges(
  deps: ServiceNowSyncDeps,
  state: SyncState,
  incident: Incident,
  toOurs: Record<string, string>,
  theirs: Readonly<Record<string, string>>,
  recordNumber: string,
): Promise<{ incident: Incident; refused: string[] }> {
  const plan = planInbound(incident, toOurs, theirs, deps.settings, recordNumber);
  for (const refused of plan.refused) {
    await addException(deps, state, { kind: 'refused-here', field: refused.field, kept: 'rowe-itsm', ours: String(ourFieldsInTheirTerms(incident, deps.settings)[refused.field] ?? ''), theirs: refused.value, reason: refused.reason });
  }
  const refused = plan.refused.map((r) => r.field);
  let current = incident;
  for (const step of plan.steps) {
    try {
      // The version just read: a desk change landing meanwhile fails this step (listed, tried again later).
      if (step.kind === 'reopen') await relayResolutionDecision(deps.desk, SERVICENOW_ACTOR, current.id, { kind: 'reject', reason: step.reason }, current.version);
      else if (step.kind === 'close') await relayResolutionDecision(deps.desk, SERVICENOW_ACTOR, current.id, { kind: 'confirm' }, current.version);
      else await updateWithReason(deps.desk, current.id, step.changes, recordNumber, current.version);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      // What this step and the ones after it would have applied stays theirs only.
      const left = Object.keys(toOurs).filter((field) => !refused.includes(field));
      for (const field of left) {
        await addException(deps, state, { kind: 'refused-here', field, kept: 'rowe-itsm', ours: ourFieldsInTheirTerms(current, deps.settings)[field] ?? '', theirs: toOurs[field]!, reason: (error as Error).message });
      }
      refused.push(...left);
      break;
    }
    current = (await deps.incidents.get(current.id)) ?? current;
  }
  return { incident: current, refused };
}

/** A change that moves the priority needs a reason; one that does not must not carry one. */
async function updateWithReason(desk: IncidentDeps, incidentId: string, changes: Readonly<Record<string, unknown>>, recordNumber: string, version: number): Promise<void> {
  try {
    await updateIncident(desk, SERVICENOW_ACTOR, incidentId, changes, version);
  } catch (error) {
    if (!(error instanceof InvalidInputError) || !error.issues.some((i) => i.field === 'reason')) throw error;
    await updateIncident(desk, SERVICENOW_ACTOR, incidentId, { ...changes, reason: `Changed in ServiceNow (${recordNumber})` }, version);
  }
}

async function pullJournal(
  deps: ServiceNowSyncDeps,
  incident: Incident,
  sysId: string,
  record: ServiceNowRecord,
  current: () => SyncState,
  update: (state: SyncState) => void,
  save: () => Promise<void>,
): Promise<void> {
  const since = current().journalThrough ?? record['sys_created_on'] ?? '1970-01-01 00:00:00';
  const rows = await deps.table.journalSince(sysId, since);
  for (const row of rows) {
    const state = current();
    if (row.createdOn === state.journalThrough && state.journalSeen.includes(row.sysId)) continue;
    if (!isOurJournalRow(row.value)) {
      await addTimelineEntry(deps.desk, SERVICENOW_ACTOR, incident.id, {
        type: row.element === 'comments' ? 'comment' : 'work-note',
        text: `${row.createdBy} (ServiceNow): ${row.value}`,
      });
    }
    const seen = row.createdOn === state.journalThrough ? [...state.journalSeen, row.sysId] : [row.sysId];
    update({ ...state, journalThrough: row.createdOn, journalSeen: seen });
    await save();
  }
}

async function addConflict(deps: ServiceNowPushDeps, state: SyncState, conflict: Conflict): Promise<void> {
  await addException(deps, state, {
    kind: 'conflict',
    field: conflict.field,
    kept: conflict.kept,
    ours: conflict.ours,
    theirs: conflict.theirs,
    reason: `both sides changed ${conflict.field} since the last sync; the ${conflict.kept === 'rowe-itsm' ? 'desk' : 'ServiceNow'} value (the field's owner) was kept`,
  });
}

async function addException(
  deps: ServiceNowPushDeps,
  state: SyncState,
  details: Pick<SyncException, 'kind' | 'field' | 'kept' | 'ours' | 'theirs' | 'reason'>,
): Promise<void> {
  const at = deps.clock.now().toISOString();
  await deps.exceptions.add({ id: `${at.replace(/\D/g, '').slice(0, 17)}-${deps.ids.newId().replace(/-/g, '').slice(0, 8)}`, incidentId: state.incidentId, sysId: state.sysId ?? '', table: state.table, ...details, at, status: 'open' });
}

const nonEmpty = (fields: Readonly<Record<string, string>>) => Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== ''));

// ---------------------------------------------------------------------------------------------
// Their side first: a business-rule call, or a record the poll found

export type EventOutcome = 'applied' | 'echo' | 'busy' | 'out-of-scope' | 'created' | 'not-found';

/**
 * A record changed there (`sys_mod_count` as the business rule or the poll saw it): ignored when
 * the change is ours (its mod count came back from one of our writes) or already applied;
 * otherwise the incident is synced both ways, or made here if the record is new to us.
 */
export async function recordChanged(deps: ServiceNowSyncDeps, event: { readonly table: string; readonly sysId: string; readonly modCount: number }): Promise<EventOutcome> {
  if (event.table === CHANGE_TABLE) {
    // Only the change requests we mirrored: the client's own changes stay theirs.
    const syncId = await deps.store.incidentOf(event.sysId);
    return syncId && changeIdOf(syncId) ? changeRecordChanged(deps, syncId, event.modCount) : 'out-of-scope';
  }
  if (event.table === TASK_SLA_TABLE) {
    // One of their SLA clocks moved: the incident's clocks there are read again (nothing is written back).
    const clock = await deps.table.get(TASK_SLA_TABLE, event.sysId);
    if (!clock) return 'not-found';
    const of = clock['task'] ? await deps.store.incidentOf(clock['task']) : undefined;
    if (!of || changeIdOf(of)) return 'out-of-scope';
    await readClientSlas(deps, of, clock['task']!);
    return 'applied';
  }
  if (event.table !== INCIDENT_TABLE) return 'out-of-scope';
  let incidentId = await deps.store.incidentOf(event.sysId);
  if (incidentId) {
    const state = await deps.store.get(incidentId);
    if (state && (state.ourModCounts.includes(event.modCount) || event.modCount <= state.appliedModCount)) return 'echo';
    return (await syncIncident(deps, incidentId, event.modCount)) ? 'applied' : 'busy';
  }
  const record = await deps.table.get(event.table, event.sysId);
  if (!record) return 'not-found';
  // Ours, with the link lost (a crash between the POST and storing the state): adopted.
  const correlated = record['correlation_id'] ? await deps.incidents.get(record['correlation_id']) : undefined;
  if (correlated) {
    await deps.store.link(event.sysId, correlated.id);
    return (await syncIncident(deps, correlated.id)) ? 'applied' : 'busy';
  }
  // Another system's record (its own correlation id): not ours to take.
  if (record['correlation_id']) return 'out-of-scope';
  incidentId = await createFromRecord(deps, record);
  return (await syncIncident(deps, incidentId)) ? 'created' : 'busy';
}

/**
 * An incident raised there first becomes one here, once: its id is derived from the record's
 * sys_id and the create carries an idempotency marker keyed by it, so two deliveries of the same
 * record make one incident. The link is stored before the incident, so the create's own
 * servicenow-sync effect finds the record instead of creating another there.
 */
async function createFromRecord(deps: ServiceNowSyncDeps, record: ServiceNowRecord): Promise<string> {
  const sysId = record['sys_id']!;
  const incidentId = incidentIdOf(sysId);
  // Under the incident's lease: its create's own servicenow-sync effect waits until the state says
  // which record it is and what both sides agreed on.
  await underLease(deps, incidentId, true, async (holder) => {
    const known = await deps.store.get(incidentId);
    if (!known?.sysId) await deps.store.put({ ...emptyState(incidentId), sysId, number: record['number'] ?? '' }, holder);
    await deps.store.link(sysId, incidentId);
    if (await deps.incidents.get(incidentId)) return;
    const reverse = (map: Readonly<Record<string, string>>, value: string | undefined) => Number(Object.entries(map).find(([, v]) => v === value)?.[0] ?? 3);
    const body = {
      shortDescription: (record['short_description'] || `ServiceNow ${record['number']}`).slice(0, 160),
      description: record['description'] || record['short_description'] || `Raised in ServiceNow as ${record['number']}`,
      impact: reverse(deps.settings.impacts, record['impact']) as 1 | 2 | 3,
      urgency: reverse(deps.settings.urgencies, record['urgency']) as 1 | 2 | 3,
      service: deps.settings.newRecords.service,
      category: deps.settings.newRecords.category,
      reportedBy: SERVICENOW_ACTOR.name,
    };
    const desk: IncidentDeps = { ...deps.desk, ids: { newId: () => incidentId } };
    await createIncidentOnce(desk, SERVICENOW_ACTOR, body as never, { id: `servicenow#${sysId}`, bodyHash: 'servicenow-record' }, (view) => ({ status: 201, body: { id: view.id } }));
    const stored = await deps.incidents.get(incidentId);
    const state = await deps.store.get(incidentId);
    // Both sides agree on what the incident was made from; what differs from it there is their change.
    if (stored && state) await deps.store.put({ ...state, base: ourFieldsInTheirTerms(stored, deps.settings) }, holder);
  });
  return incidentId;
}

/** A UUID (version 4 layout) derived from a 32-hex sys_id: the same record always makes the same incident id. */
export function incidentIdOf(sysId: string): string {
  const hex = sysId.toLowerCase();
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
