import type { AuditLog, IdSource } from '../../../kernel/app/ports';
import { ForbiddenError, InvalidInputError } from '../../../kernel/domain/domain-errors';
import { pseudonymOf } from '../../../kernel/domain/personal-data';
import type { Caller } from '../../../kernel/domain/access-policy';
import type { AuditRecordEraser, PersonalDataStore } from './ports';

export interface ErasePersonDeps {
  readonly stores: readonly PersonalDataStore[];
  readonly auditRecords: AuditRecordEraser;
  readonly audit: AuditLog;
  readonly ids: IdSource;
}

export interface ErasureReport {
  readonly erasureId: string;
  readonly pseudonym: string;
  /** Records changed, per store, and `audit`: audit records pseudonymised. */
  readonly records: Readonly<Record<string, number>>;
  /** Version 1 audit records that name the person: hashed whole, they are left to their retention. */
  readonly legacyAuditRecords: number;
}

/**
 * Erasure of a person (GDPR Art. 17; docs/security.md, "Erasure of a person"): every value that
 * names them — their username, their user id (`sub`), their e-mail — is replaced by one random
 * pseudonym in every process record and audit record. The records stay (they are the service's
 * evidence); the person is no longer in them. The audit chain still verifies: audit records keep
 * personal values out of their hashed content (audit-chain.ts, PersonalSlot).
 *
 * Only an admin may erase. The erasure is itself audited before anything changes (so a run cut
 * short is on the record) and after, with what it changed — under the pseudonym, never the name.
 */
export async function erasePerson(deps: ErasePersonDeps, caller: Caller, identifiers: readonly string[]): Promise<ErasureReport> {
  if (!caller.roles.includes('admin')) throw new ForbiddenError('Only an admin may erase a person', 'role');
  const named = new Set(identifiers.map((identifier) => identifier.trim()).filter((identifier) => identifier !== ''));
  if (named.size === 0) throw new InvalidInputError([{ field: 'identifiers', message: 'name at least one identifier of the person (username, user id, e-mail)' }]);
  const protectedActor = [...named].find((identifier) => identifier === caller.name || identifier.startsWith('system:') || identifier.startsWith('client:') || identifier === 'anonymous');
  if (protectedActor !== undefined) {
    throw new InvalidInputError([{ field: 'identifiers', message: `"${protectedActor}" is not a person who can be erased (yourself, a job, a machine client or anonymous)` }]);
  }
  const erasureId = deps.ids.newId();
  const pseudonym = pseudonymOf(erasureId);
  const entry = (action: string, changes?: { field: string; after: number }[]) => ({
    actor: caller.name,
    roles: [...caller.roles],
    action,
    resource: { type: 'person', id: pseudonym },
    outcome: 'allowed' as const,
    ...(changes && { changes }),
  });
  await deps.audit.record(entry('person:erase'));
  const records: Record<string, number> = {};
  for (const store of deps.stores) records[store.name] = await store.pseudonymise(named, pseudonym);
  const audit = await deps.auditRecords.erase(named, erasureId);
  records['audit'] = audit.erased;
  await deps.audit.record(
    entry('person:erased', [...Object.entries(records).map(([field, after]) => ({ field: `records.${field}`, after })), { field: 'records.legacyAudit', after: audit.legacy }]),
  );
  return { erasureId, pseudonym, records, legacyAuditRecords: audit.legacy };
}
