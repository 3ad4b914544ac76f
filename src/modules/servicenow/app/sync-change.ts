import type { Caller } from '../../../kernel/domain/access-policy';
import { DomainError } from '../../../kernel/domain/domain-errors';
import type { Clock, IdSource } from '../../../kernel/app/ports';
import type { Change } from '../../changes/domain';
import { voteOnChange, type ChangeDeps } from '../../changes/app';
import { approvalOf, changeRequestFields, clientVoteOf, decisionOf, isClientApproved } from '../domain/change-map';
import { fromServiceNowDateTime } from '../domain/field-map';
import { underLease } from './lease';
import type { ExceptionStore, ServiceNowRecord, ServiceNowTable, SyncState, SyncStore } from './ports';

/**
 * Changes the client approves in their own ServiceNow (issue 18, item 6). A change whose client
 * approval is required is mirrored to a `change_request` there (the servicenow-change-sync
 * effect), with `approval` = `requested`; their approval engine asks their approvers
 * (`sysapproval_approver`), and when the record's `approval` becomes `approved` or `rejected`
 * the deciding approver's vote is recorded here through the changes' own vote use case, as theirs
 * (who: the approval row's `sys_updated_by`; when: its `sys_updated_on`), relayed by the integration.
 */

export const CHANGE_TABLE = 'change_request';
export const APPROVAL_TABLE = 'sysapproval_approver';

/** The integration relaying the client approver's vote: it holds the client-approver capacity for them. */
export const SERVICENOW_APPROVER: Caller = { id: 'servicenow', name: 'servicenow', roles: ['integration', 'client-approver'] };

export interface ChangeMirrorDeps {
  readonly table: ServiceNowTable;
  readonly store: SyncStore;
  readonly exceptions: ExceptionStore;
  readonly changes: { get(id: string): Promise<Change | undefined> };
  readonly clock: Clock;
  readonly ids: IdSource;
  readonly leaseMs?: number;
  readonly leaseWaitMs?: number;
}

/** Inbound also records votes, through the changes' use case. */
export interface ChangeApprovalDeps extends ChangeMirrorDeps {
  readonly changeDesk: Pick<ChangeDeps, 'changes' | 'clock' | 'audit' | 'settings'>;
}

/** The sync item of a change shares the store with incidents', under its own id. */
export const changeSyncId = (changeId: string) => `change:${changeId}`;
export const changeIdOf = (syncId: string) => (syncId.startsWith('change:') ? syncId.slice('change:'.length) : undefined);

const RECENT = 200;

/** The outbox's delivery: pushes the change as it is now (a push that covered a later version makes this one skip). */
export async function pushChange(deps: ChangeMirrorDeps, changeId: string, version?: number): Promise<void> {
  const syncId = changeSyncId(changeId);
  if (version !== undefined && ((await deps.store.get(syncId))?.pushedVersion ?? 0) >= version) return;
  await underLease(deps, syncId, false, (holder) => mirrorOnce(deps, undefined, changeId, holder));
}

/** A business-rule call or the poll: their `change_request` changed (modCount as seen). */
export async function changeRecordChanged(deps: ChangeApprovalDeps, syncId: string, modCount: number): Promise<'applied' | 'echo' | 'busy'> {
  const state = await deps.store.get(syncId);
  if (state && (state.ourModCounts.includes(modCount) || modCount <= state.appliedModCount)) return 'echo';
  const changeId = changeIdOf(syncId)!;
  const ran = await underLease(deps, syncId, true, async (holder) => {
    if (((await deps.store.get(syncId))?.appliedModCount ?? -1) >= modCount) return;
    await mirrorOnce(deps, deps, changeId, holder);
  });
  return ran ? 'applied' : 'busy';
}

/**
 * One pass under the lease: create the record once (looked up by correlation id first), PATCH the
 * fields that changed here since the last push (never `approval` once they decided), then, inbound,
 * record their decision as the client approver's vote.
 */
async function mirrorOnce(deps: ChangeMirrorDeps, inbound: ChangeApprovalDeps | undefined, changeId: string, holder: string): Promise<void> {
  let change = await deps.changes.get(changeId);
  if (!change || !isClientApproved(change)) return;
  const syncId = changeSyncId(changeId);
  let state: SyncState = (await deps.store.get(syncId)) ?? { incidentId: syncId, table: CHANGE_TABLE, base: {}, held: {}, ourModCounts: [], appliedModCount: -1, pushedEntries: [], journalSeen: [] };
  const ourWrite = (record: ServiceNowRecord) => {
    state = { ...state, ourModCounts: [...state.ourModCounts, Number(record['sys_mod_count'])].slice(-RECENT) };
  };
  const ours = changeRequestFields(change);
  let record: ServiceNowRecord | undefined;
  if (!state.sysId) {
    record = await deps.table.findByCorrelation(CHANGE_TABLE, change.id);
    if (!record) {
      record = await deps.table.create(CHANGE_TABLE, { ...ours, correlation_id: change.id, correlation_display: change.title.slice(0, 100) });
      ourWrite(record);
      state = { ...state, base: ours };
    }
    state = { ...state, sysId: record['sys_id']!, number: record['number']! };
    await deps.store.link(state.sysId!, syncId);
    await deps.store.put(state, holder);
  } else {
    record = await deps.table.get(CHANGE_TABLE, state.sysId);
    if (!record) return;
  }
  const theirApproval = record['approval'] ?? '';
  const decided = theirApproval === 'approved' || theirApproval === 'rejected';
  const toTheirs = Object.fromEntries(
    Object.entries(ours).filter(([field, value]) => value !== state.base[field] && value !== (record![field] ?? '') && !(field === 'approval' && decided)),
  );
  if (Object.keys(toTheirs).length > 0) {
    record = await deps.table.update(CHANGE_TABLE, state.sysId!, toTheirs);
    ourWrite(record);
  }
  state = { ...state, base: { ...state.base, ...ours }, pushedVersion: Math.max(state.pushedVersion ?? 0, change.version) };
  await deps.store.put(state, holder);
  if (!inbound) return;

  // Their decision, once, as the client approver's vote here.
  const decision = decisionOf(theirApproval);
  // A decision they took after ours (the change is no longer awaiting them) is listed once, not applied.
  if (decision && !clientVoteOf(change) && state.refusedHere?.['approval'] !== theirApproval) {
    const [row] = await deps.table.list(APPROVAL_TABLE, `sysapproval=${state.sysId}^state=${theirApproval}^ORDERBYDESCsys_updated_on`, 1);
    const by = row?.['sys_updated_by'] || record['sys_updated_by'] || 'servicenow';
    const at = fromServiceNowDateTime(row?.['sys_updated_on'] || record['sys_updated_on']!);
    const said = row ? (await deps.table.journalSince(row['sys_id']!, '1970-01-01 00:00:00')).filter((j) => j.element === 'comments').map((j) => j.value) : [];
    const reason = said.join('\n') || `${decision === 'approve' ? 'Approved' : 'Rejected'} in ServiceNow (${record['number'] ?? state.number})`;
    try {
      change = await voteOnChange(inbound.changeDesk, SERVICENOW_APPROVER, change.id, { decision, reason, capacity: 'client' }, { by: `${by} (ServiceNow)`, at: new Date(at).toISOString() });
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      const now = deps.clock.now().toISOString();
      state = { ...state, refusedHere: { ...state.refusedHere, approval: theirApproval } };
      await deps.exceptions.add({
        id: `${now.replace(/\D/g, '').slice(0, 17)}-${deps.ids.newId().replace(/-/g, '').slice(0, 8)}`,
        kind: 'refused-here',
        incidentId: syncId,
        sysId: state.sysId!,
        table: CHANGE_TABLE,
        field: 'approval',
        kept: 'rowe-itsm',
        ours: approvalOf(change) ?? change.state,
        theirs: theirApproval,
        reason: (error as Error).message,
        at: now,
        status: 'open',
      });
    }
  }
  state = { ...state, appliedModCount: Math.max(state.appliedModCount, Number(record['sys_mod_count'])) };
  await deps.store.put(state, holder);
}
