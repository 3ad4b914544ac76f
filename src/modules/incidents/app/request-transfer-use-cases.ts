import { requestScope, type Caller } from '../../../kernel/domain/access-policy';
import { ForbiddenError, LifecycleError, NotFoundError, } from '../../../kernel/domain/domain-errors';
import { assertVersionPrecondition, type VersionPrecondition } from '../../../kernel/domain/version-precondition';
import { transferRequest, type ServiceRequest } from '../../changes/domain';
import type { Incident } from '../domain/incident';
import type { CreateIncidentBody } from '../schemas/incident-schemas';
import { recordChangeEntry } from '../../audit/app';
import type { RequestRepository } from '../../changes/app';
import { addTimelineEntry, createIncident, incidentViewFor, type IncidentDeps, type IncidentView } from './incident-use-cases';

export interface RequestToIncidentDeps extends IncidentDeps {
  readonly requests: RequestRepository;
  /**
   * The incident id a request becomes: the same for every attempt at one request, so a retried or
   * concurrent transfer finds the incident the first one logged instead of logging a second.
   */
  readonly incidentIdForRequest: (requestId: string) => string;
}

/** What the desk may say about the incident; the rest comes from the request. */
export type RequestToIncidentBody = Omit<CreateIncidentBody, 'shortDescription' | 'description' | 'service' | 'reportedBy'> &
  Partial<Pick<CreateIncidentBody, 'shortDescription' | 'description' | 'service'>>;

/**
 * A request that turns out to be an incident: the incident is logged (reported by the requester,
 * who keeps seeing it as their own, with the request's title, description and service unless the
 * desk says otherwise), noted on its timeline, and the request is closed as transferred to it.
 *
 * The two tables are written one after the other, so the steps are made to converge rather than
 * to roll back: the incident's id is derived from the request, so a retry after a failure between
 * the steps (or a second desk agent at the same moment) finds the incident already logged and only
 * closes the request. The request is closed under its version (If-Match): a request changed
 * meanwhile answers 412 and nothing is logged.
 */
export async function logIncidentFromRequest(
  deps: RequestToIncidentDeps,
  caller: Caller,
  requestId: string,
  body: RequestToIncidentBody,
  ifMatchVersion: VersionPrecondition | undefined,
): Promise<{ readonly request: ServiceRequest; readonly incident: IncidentView }> {
  const readScope = requestScope(caller, 'request:read');
  if (readScope === 'none') throw new ForbiddenError('Your role may not read requests', 'role');
  const request = await deps.requests.getRequest(requestId);
  // Requesters' probes of others' ids answer 404, as everywhere.
  if (!request || (readScope === 'own' && request.requestedBy !== caller.name)) throw new NotFoundError(`No request ${requestId}`, 'id');
  if (requestScope(caller, 'request:work') === 'none') throw new ForbiddenError('Your role may not transfer requests', 'role');
  assertVersionPrecondition(ifMatchVersion, request.version, 'the request you read');
  const now = () => deps.clock.now().toISOString();
  transferRequest(request, {}, caller, now()); // refuses a closed or fulfilled request before anything is written

  const incidentId = deps.incidentIdForRequest(request.id);
  const logged = await existingIncident(deps, incidentId, request);
  const incident = logged ? incidentViewFor(caller, logged) : await logIncident(deps, caller, incidentId, request, body);
  const next = transferRequest(request, { incident: incident.id }, caller, now());
  await deps.requests.saveRequest(next, request.version);
  await deps.audit.record(recordChangeEntry(caller, 'request:transfer', { type: 'request', id: next.id }, request, next));
  return { request: next, incident };
}

async function logIncident(deps: RequestToIncidentDeps, caller: Caller, incidentId: string, request: ServiceRequest, body: RequestToIncidentBody): Promise<IncidentView> {
  let first = true;
  const ids = { newId: () => (first ? ((first = false), incidentId) : deps.ids.newId()) };
  try {
    const incident = await createIncident({ ...deps, ids }, caller, {
      ...body,
      shortDescription: body.shortDescription ?? request.title,
      description: body.description ?? request.description,
      service: body.service ?? request.service,
      reportedBy: request.requestedBy,
      channel: body.channel ?? 'web',
    });
    await addTimelineEntry(deps, caller, incident.id, { type: 'work-note', text: `Logged from service request ${request.id} (${request.type}: ${request.title})` });
    return incident;
  } catch (error) {
    // Another transfer of the same request logged it first: use that one.
    const winner = await existingIncident(deps, incidentId, request);
    if (winner) return incidentViewFor(caller, winner);
    throw error;
  }
}

async function existingIncident(deps: RequestToIncidentDeps, incidentId: string, request: ServiceRequest): Promise<Incident | undefined> {
  const incident = await deps.incidents.get(incidentId);
  if (!incident) return undefined;
  if (incident.reportedBy !== request.requestedBy) throw new LifecycleError(`Incident ${incidentId} does not belong to request ${request.id}`, 'id');
  return incident;
}
