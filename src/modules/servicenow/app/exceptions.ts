import { ForbiddenError, NotFoundError } from '../../../kernel/domain/domain-errors';
import { incidentScope, type Caller } from '../../../kernel/domain/access-policy';
import type { ExceptionStore, SyncException } from './ports';
import { settleException, type EventDeps } from './receive-changes';
import type { ServiceNowSyncDeps } from './sync-incident';

/** The desk (who may change any incident) reads and settles the exchange's exceptions; machine clients do not. */
function requireDesk(caller: Caller, what: string): void {
  const desk = incidentScope(caller, 'incident:update') === 'any' && caller.roles.some((role) => role !== 'integration');
  if (!desk) throw new ForbiddenError(`Your role may not ${what}`, 'role');
}

export async function listExceptions(
  deps: { readonly exceptions: ExceptionStore },
  caller: Caller,
  query: { readonly limit: number; readonly nextToken?: string; readonly status?: 'open' | 'resolved' },
): Promise<{ items: SyncException[]; nextToken?: string }> {
  requireDesk(caller, 'read the ServiceNow exceptions');
  return deps.exceptions.list(query);
}

export async function settleExceptionAs(deps: ServiceNowSyncDeps | EventDeps, caller: Caller, id: string, action: 'retry' | 'resolve'): Promise<SyncException> {
  requireDesk(caller, `${action} ServiceNow exceptions`);
  if (!(await deps.exceptions.get(id))) throw new NotFoundError(`No exception ${id}`, 'id');
  return settleException(deps, caller.name, id, action);
}
