import { changedFields, ChainVerifier, GENESIS_HASH, type AuditEntry, type AuditRecord, type ChainBreak, type Sha256 } from '../domain/audit-chain';
import { mayUseAuditTrail, type AuditAction, type Caller } from '../domain/access-policy';
import { ForbiddenError, InvalidInputError } from '../domain/domain-errors';
import type { Actor, Incident } from '../domain/incident';
import type { AuditTrailReader, Page } from './ports';

/** Entries for changes to incidents: resource, actor and the before/after of each changed field. */
export function incidentChangeEntry(actor: Actor & { readonly roles?: readonly string[] }, action: string, before: Incident | undefined, after: Incident): AuditEntry {
  return {
    actor: actor.name,
    roles: [...(actor.roles ?? systemRoles(actor))],
    action,
    resource: { type: 'incident', id: after.id },
    outcome: 'allowed',
    changes: changedFields(before, after),
  };
}

/** Entries for changes to any other record (services, CIs): the same shape, for its own resource type. */
export function recordChangeEntry(
  actor: Actor & { readonly roles?: readonly string[] },
  action: string,
  resource: { readonly type: string; readonly id: string },
  before: object | undefined,
  after: object,
): AuditEntry {
  return { actor: actor.name, roles: [...(actor.roles ?? systemRoles(actor))], action, resource, outcome: 'allowed', changes: changedFields(before, after) };
}

/** An addition to an incident that does not change the incident itself (a comment, a work note, a monitoring note). */
export function incidentAdditionEntry(
  actor: Actor & { readonly roles?: readonly string[] },
  action: string,
  incidentId: string,
  added: Record<string, unknown>,
): AuditEntry {
  return {
    actor: actor.name,
    roles: [...(actor.roles ?? systemRoles(actor))],
    action,
    resource: { type: 'incident', id: incidentId },
    outcome: 'allowed',
    changes: Object.keys(added).sort().map((field) => ({ field, after: added[field] })),
  };
}

/** Jobs (`system:auto-close`, `system:monitoring`) act under the `system` role. */
const systemRoles = (actor: Actor): string[] => (actor.name.startsWith('system:') ? ['system'] : []);

export interface AuditQuery {
  readonly resource?: string;
  readonly actor?: string;
  readonly from?: string;
  readonly to?: string;
  readonly limit: number;
  readonly nextToken?: string;
}

export interface AuditReadDeps {
  readonly trail: AuditTrailReader;
  readonly sha256: Sha256;
}

/** One verification reads at most this many records; `complete: false` says there is more to check. */
export const MAX_VERIFIED_RECORDS = 20_000;

export interface AuditVerification {
  readonly intact: boolean;
  readonly checked: number;
  /** False when the range held more than one verification reads; verify again from `resumeFrom`. */
  readonly complete: boolean;
  readonly resumeFrom?: string;
  readonly firstBreak?: ChainBreak;
}

export async function listAuditRecords(deps: AuditReadDeps, caller: Caller, query: AuditQuery): Promise<Page<AuditRecord>> {
  requireAuditAccess(caller, 'audit:read', 'read the audit trail');
  const range = timeRange(query);
  const resource = query.resource === undefined ? undefined : parseResource(query.resource);
  return deps.trail.list(
    { ...(resource && { resource }), ...(query.actor !== undefined && { actor: query.actor }), ...range },
    { limit: query.limit, ...(query.nextToken !== undefined && { nextToken: query.nextToken }) },
  );
}

/**
 * Verifies the chain over a time range (all of it by default): every record's hash, its link to
 * the record before it, and no gaps. The record before the range is read too, so the link into
 * the range is checked. A range open at the end is checked against the chain head as well, which
 * catches records removed from the end.
 */
export async function verifyAuditTrail(deps: AuditReadDeps, caller: Caller, query: { readonly from?: string; readonly to?: string }): Promise<AuditVerification> {
  requireAuditAccess(caller, 'audit:verify', 'verify the audit trail');
  const { from, to } = timeRange(query);
  // Read the head first: records appended while verifying lie beyond it and are left for next time.
  const head = await deps.trail.head();
  if (head.sequence === 0) {
    // No head: the chain must be empty. A record without a head means the head was removed.
    for await (const record of deps.trail.chainFrom(1)) {
      return { intact: false, checked: 0, complete: true, firstBreak: { sequence: record.sequence, recordId: record.id, reason: 'link-broken' } };
    }
    return { intact: true, checked: 0, complete: true };
  }
  const first = from === undefined ? 1 : await deps.trail.firstSequenceFrom(from);
  if (first === undefined) return { intact: true, checked: 0, complete: true };
  const start = Math.max(1, first - 1);
  const verifier = new ChainVerifier(deps.sha256, { sequence: start, ...(start === 1 && { previousHash: GENESIS_HASH }) });
  let checked = 0;
  for await (const record of deps.trail.chainFrom(start)) {
    if (record.sequence > head.sequence) break;
    if (to !== undefined && record.at > to && record.sequence >= first) break;
    if (checked >= MAX_VERIFIED_RECORDS) return { ...verifier.verdict(), complete: false, resumeFrom: record.at };
    checked++;
    if (!verifier.check(record)) break;
  }
  const reachedEnd = to === undefined || to >= head.at;
  if (reachedEnd) verifier.checkHead(head);
  return { ...verifier.verdict(), complete: true };
}

function requireAuditAccess(caller: Caller, action: AuditAction, what: string): void {
  if (!mayUseAuditTrail(caller, action)) throw new ForbiddenError(`Only auditors may ${what}`, 'role');
}

function timeRange(query: { readonly from?: string; readonly to?: string }): { from?: string; to?: string } {
  const from = query.from === undefined ? undefined : new Date(query.from).toISOString();
  const to = query.to === undefined ? undefined : new Date(query.to).toISOString();
  if (from !== undefined && to !== undefined && from > to) {
    throw new InvalidInputError([{ field: 'from', message: 'must not be after to' }]);
  }
  return { ...(from !== undefined && { from }), ...(to !== undefined && { to }) };
}

function parseResource(text: string): { type: string; id: string } {
  const slash = text.indexOf('/');
  return { type: text.slice(0, slash), id: text.slice(slash + 1) };
}
