import { isSamePerson, mayReadReports, requestScope, type Caller, type RequestAction } from '../../../kernel/domain/access-policy';
import { addRequestComment, moveRequest, newRequest, requestRulesFor, transferRequest, type RequestInput, type RequestPolicy, type RequestState, type ServiceRequest } from '../domain/service-request';
import { ForbiddenError, InvalidInputError, LifecycleError, NotFoundError } from '../../../kernel/domain/domain-errors';
import { assertVersionPrecondition, type VersionPrecondition } from '../../../kernel/domain/version-precondition';
import { findSecrets } from '../../../kernel/domain/secret-detector';
import type { ChangeInput } from '../domain/change';
import { recordChangeEntry } from '../../audit/app';
import { createChange, loadIncident, type ChangeDeps } from './change-use-cases';
import type { RequestRepository } from './change-ports';
import { QuotaExhaustedError, type Page } from '../../../kernel/app/ports';
import { createQuotaCharge, DEFAULT_INTAKE, type IntakePolicy } from '../../incidents/domain';

export interface RequestDeps extends ChangeDeps {
  readonly requests: RequestRepository;
  readonly requestPolicy: RequestPolicy;
  /** Per-caller create quotas (client config `intake.createQuotas`); DEFAULT_INTAKE's when absent. */
  readonly intake?: Pick<IntakePolicy, 'createQuotas'>;
}

export async function submitRequest(deps: RequestDeps, caller: Caller, input: RequestInput): Promise<ServiceRequest> {
  requireScope(caller, 'request:create', 'submit service requests');
  assertNoSecrets(input);
  const service = await deps.catalogue.getService(input.service);
  if (!service || service.status === 'retired') {
    throw new InvalidInputError([{ field: 'service', message: `"${input.service}" is not a service in the catalogue that takes requests` }]);
  }
  const nowMs = deps.clock.now().getTime();
  const request = newRequest(deps.ids.newId(), input, requestRulesFor(service, input.type, deps.requestPolicy), caller, new Date(nowMs).toISOString());
  // Requesters have the requester quota; anyone with another role, the desk's.
  const quota = createQuotaCharge(deps.intake ?? DEFAULT_INTAKE, caller, caller.roles.every((role) => role === 'requester'), nowMs, 'request');
  try {
    await deps.requests.createRequest(request, quota.charge);
  } catch (error) {
    if (error instanceof QuotaExhaustedError) throw quota.exhausted();
    throw error;
  }
  await deps.audit.record(recordChangeEntry(caller, 'request:create', { type: 'request', id: request.id }, undefined, request));
  return request;
}

export async function getRequest(deps: RequestDeps, caller: Caller, id: string): Promise<ServiceRequest> {
  return loadVisible(deps, caller, id, 'request:read', 'read requests');
}

export async function listRequests(deps: RequestDeps, caller: Caller, query: { readonly state: RequestState; readonly limit: number; readonly nextToken?: string | undefined }): Promise<Page<ServiceRequest>> {
  if (requestScope(caller, 'request:read') !== 'any') throw new ForbiddenError('Your role may not list every request', 'role');
  return deps.requests.listRequestsByState(query.state, { limit: query.limit, ...(query.nextToken && { nextToken: query.nextToken }) });
}

/** Approve or reject (the service's owner or a change manager, never the requester), fulfil, close, assign. */
export async function updateRequest(
  deps: RequestDeps,
  caller: Caller,
  id: string,
  update: { readonly state?: RequestState | undefined; readonly assignee?: string | undefined; readonly note?: string | undefined },
  ifMatchVersion: VersionPrecondition | undefined,
): Promise<ServiceRequest> {
  const current = await loadVisible(deps, caller, id, 'request:read', 'read requests');
  requireScope(caller, 'request:work', 'work on requests');
  assertVersionPrecondition(ifMatchVersion, current.version);
  assertNoSecrets(update);
  const at = now(deps);
  let next = current;
  if (update.state === 'Approved' || (update.state === 'Rejected' && current.needsApproval)) {
    await assertMayApprove(deps, caller, current);
  }
  if (update.state !== undefined) {
    next = moveRequest(current, update.state, caller, at, update.state === 'Approved' ? { approvedBy: caller.name } : {}, update.note);
  }
  if (update.assignee !== undefined) next = { ...next, assignee: update.assignee, updatedAt: at, updatedBy: caller.name, version: current.version + 1 };
  return store(deps, caller, update.state ? `request:${update.state.toLowerCase().replace(' ', '-')}` : 'request:assign', current, next);
}

export async function commentOnRequest(deps: RequestDeps, caller: Caller, id: string, text: string): Promise<ServiceRequest> {
  const current = await loadVisible(deps, caller, id, 'request:comment', 'comment on requests');
  assertNoSecrets({ text });
  return store(deps, caller, 'request:comment', current, addRequestComment(current, text, caller, now(deps)));
}

/**
 * A request that turns out to be an incident is closed as transferred to the incident the desk
 * logged (the incident must exist); one that needs a change raises the change, linked both ways.
 */
export async function transfer(
  deps: RequestDeps,
  caller: Caller,
  id: string,
  target: { readonly to: 'incident'; readonly incident: string } | { readonly to: 'change'; readonly change: ChangeInput },
  ifMatchVersion: VersionPrecondition | undefined,
): Promise<{ readonly request: ServiceRequest; readonly change?: string }> {
  const current = await loadVisible(deps, caller, id, 'request:read', 'read requests');
  requireScope(caller, 'request:work', 'transfer requests');
  assertVersionPrecondition(ifMatchVersion, current.version);
  transferRequest(current, {}, caller, now(deps)); // refuses a closed request before anything is written
  if (target.to === 'incident') {
    const incident = await loadIncident(deps, target.incident);
    const next = transferRequest(current, { incident: incident.id }, caller, now(deps));
    return { request: await store(deps, caller, 'request:transfer', current, next) };
  }
  const change = await createChange(deps, caller, target.change, { request: id });
  const next = transferRequest(current, { change: change.id }, caller, now(deps));
  return { request: await store(deps, caller, 'request:transfer', current, next), change: change.id };
}

export interface RatioRow {
  readonly requests: number;
  readonly changes: number;
  /** Requests per change; null when there were no changes. */
  readonly ratio: number | null;
}

/**
 * Requests, changes and their ratio over [from, to), by service and by month (UTC): how much of
 * what clients ask is met without changing the service. A change on two services counts for each.
 */
export async function requestsChangesReport(
  deps: Pick<RequestDeps, 'changes'>,
  caller: Caller,
  query: { readonly from: string; readonly to: string },
): Promise<{ readonly from: string; readonly to: string; readonly total: RatioRow; readonly byService: readonly (RatioRow & { service: string })[]; readonly byMonth: readonly (RatioRow & { month: string })[] }> {
  if (!mayReadReports(caller)) throw new ForbiddenError('Your role may not read reports', 'role');
  const from = new Date(query.from).toISOString();
  const to = new Date(query.to).toISOString();
  const records = await deps.changes.raisedBetween(from, to);
  const tally = new Map<string, { requests: number; changes: number }>();
  const months = new Map<string, { requests: number; changes: number }>();
  const total = { requests: 0, changes: 0 };
  const add = (map: Map<string, { requests: number; changes: number }>, key: string, kind: 'request' | 'change') => {
    const row = map.get(key) ?? { requests: 0, changes: 0 };
    if (kind === 'request') row.requests++;
    else row.changes++;
    map.set(key, row);
  };
  for (const record of records) {
    if (record.kind === 'request') total.requests++;
    else total.changes++;
    add(months, record.createdAt.slice(0, 7), record.kind);
    for (const service of record.services) add(tally, service, record.kind);
  }
  const ratio = (row: { requests: number; changes: number }): RatioRow => ({ ...row, ratio: row.changes === 0 ? null : Math.round((row.requests / row.changes) * 100) / 100 });
  return {
    from,
    to,
    total: ratio(total),
    byService: [...tally].sort(([a], [b]) => a.localeCompare(b)).map(([service, row]) => ({ service, ...ratio(row) })),
    byMonth: [...months].sort(([a], [b]) => a.localeCompare(b)).map(([month, row]) => ({ month, ...ratio(row) })),
  };
}

// ---------------------------------------------------------------------------------------------

async function assertMayApprove(deps: RequestDeps, caller: Caller, request: ServiceRequest): Promise<void> {
  if (isSamePerson(caller, request.requestedBy, request.requestedById)) throw new LifecycleError('Nobody approves or rejects their own request', 'requestedBy');
  if (requestScope(caller, 'request:approve') === 'any') return;
  const service = await deps.catalogue.getService(request.service);
  if (requestScope(caller, 'request:approve') === 'own' && service?.owner.username === caller.name) return;
  throw new ForbiddenError(`Only the owner of ${request.service} or a change manager approves this request`, 'role');
}

async function store(deps: RequestDeps, caller: Caller, action: string, current: ServiceRequest, next: ServiceRequest): Promise<ServiceRequest> {
  await deps.requests.saveRequest(next, current.version);
  await deps.audit.record(recordChangeEntry(caller, action, { type: 'request', id: next.id }, current, next));
  return next;
}

/** Requesters see only their own requests; others' answer 404, so ids cannot be probed. */
async function loadVisible(deps: RequestDeps, caller: Caller, id: string, action: RequestAction, what: string): Promise<ServiceRequest> {
  const scope = requestScope(caller, action);
  if (scope === 'none') throw new ForbiddenError(`Your role may not ${what}`, 'role');
  const request = await deps.requests.getRequest(id);
  if (!request || (scope === 'own' && !isSamePerson(caller, request.requestedBy, request.requestedById))) throw new NotFoundError(`No request ${id}`, 'id');
  return request;
}

function requireScope(caller: Caller, action: RequestAction, what: string): void {
  if (requestScope(caller, action) === 'none') throw new ForbiddenError(`Your role may not ${what}`, 'role');
}

function assertNoSecrets(body: unknown): void {
  const issues = findSecrets(body);
  if (issues.length > 0) throw new InvalidInputError(issues);
}


const now = (deps: RequestDeps) => deps.clock.now().toISOString();
