import { ForbiddenError, NotFoundError, PreconditionRequiredError, VersionConflictError } from '../domain/domain-errors';
import { changeIncident, openIncident, type Incident, type IncidentChanges } from '../domain/incident';
import { incidentScope, mayActOnIncident, type Caller } from '../domain/access-policy';
import type { PriorityMatrix } from '../domain/priority';
import type { CreateIncidentBody, ListIncidentsQuery } from '../schemas/incident-schemas';
import type { Clock, IdSource, IncidentRepository, Page } from './ports';

export interface IncidentDeps {
  readonly incidents: IncidentRepository;
  readonly clock: Clock;
  readonly ids: IdSource;
  readonly priorityMatrix: PriorityMatrix;
}

const INCIDENT_NUMBER = /^INC\d+$/;

export async function createIncident(deps: IncidentDeps, caller: Caller, body: CreateIncidentBody): Promise<Incident> {
  const scope = incidentScope(caller, 'incident:create');
  if (scope === 'none') throw new ForbiddenError('Your role may not log incidents', 'role');
  if (scope === 'own' && body.reportedBy !== undefined && body.reportedBy !== caller.name) {
    throw new ForbiddenError('Requesters may only log incidents for themselves', 'reportedBy');
  }
  const now = deps.clock.now().toISOString();
  // Validate before allocating a number, so rejected requests do not burn numbers.
  const input = {
    shortDescription: body.shortDescription,
    description: body.description,
    impact: body.impact,
    urgency: body.urgency,
    service: body.service,
    category: body.category,
    channel: body.channel ?? 'api',
    reportedBy: body.reportedBy ?? caller.name,
    detectedAt: body.detectedAt ? new Date(body.detectedAt).toISOString() : now,
    ...(body.assignmentGroup !== undefined && { assignmentGroup: body.assignmentGroup }),
    ...(body.assignee !== undefined && { assignee: body.assignee }),
  };
  const draft = openIncident({ id: 'pending', number: 'pending', input, matrix: deps.priorityMatrix, recordedBy: caller, now });
  const incident: Incident = { ...draft, id: deps.ids.newId(), number: await deps.incidents.allocateNumber() };
  await deps.incidents.create(incident);
  return incident;
}

/** Finds an incident by id or number the caller may read; 404 for anything else, so ids cannot be probed. */
export async function getIncident(deps: IncidentDeps, caller: Caller, idOrNumber: string): Promise<Incident> {
  if (incidentScope(caller, 'incident:read') === 'none') throw new ForbiddenError('Your role may not read incidents', 'role');
  const incident = INCIDENT_NUMBER.test(idOrNumber)
    ? await deps.incidents.getByNumber(idOrNumber)
    : await deps.incidents.get(idOrNumber);
  if (!incident || !mayActOnIncident(caller, 'incident:read', incident)) {
    throw new NotFoundError(`No incident ${idOrNumber}`, 'id');
  }
  return incident;
}

export async function listIncidents(deps: IncidentDeps, caller: Caller, query: ListIncidentsQuery): Promise<Page<Incident>> {
  const scope = incidentScope(caller, 'incident:list');
  if (scope === 'none') throw new ForbiddenError('Your role may not list incidents', 'role');
  const filter = {
    ...(query.state && { state: query.state }),
    ...(query.priority && { priority: query.priority }),
    ...(query.service && { service: query.service }),
    ...(scope === 'own' && { reportedBy: caller.name }),
  };
  return deps.incidents.list(filter, { limit: query.limit, ...(query.nextToken && { nextToken: query.nextToken }) });
}

export async function updateIncident(
  deps: IncidentDeps,
  caller: Caller,
  idOrNumber: string,
  changes: IncidentChanges,
  ifMatchVersion: number | undefined,
): Promise<Incident> {
  const current = await getIncident(deps, caller, idOrNumber);
  if (!mayActOnIncident(caller, 'incident:update', current)) {
    throw new ForbiddenError('Your role may not change incidents', 'role');
  }
  if (ifMatchVersion === undefined) {
    throw new PreconditionRequiredError('Send If-Match with the ETag of the version you read', 'If-Match');
  }
  if (ifMatchVersion !== current.version) {
    throw new VersionConflictError(ifMatchVersion, current.version);
  }
  const next = changeIncident({ incident: current, changes, matrix: deps.priorityMatrix, actor: caller, now: deps.clock.now().toISOString() });
  await deps.incidents.replace(next, current.version);
  return next;
}
