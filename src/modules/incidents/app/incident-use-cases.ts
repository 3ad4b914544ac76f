import {
  ForbiddenError,
  InvalidInputError,
  NotFoundError,
  VersionConflictError,
} from '../../../kernel/domain/domain-errors';
import { assertVersionPrecondition, type VersionPrecondition } from '../../../kernel/domain/version-precondition';
import {
  autoClose,
  changeIncident,
  confirmResolution,
  escalateIncident,
  openIncident,
  rejectResolution,
  type EscalationKind,
  type Incident,
  type IncidentChange,
  type IncidentChanges,
} from '../domain/incident';
import type { TimelineEntry } from '../domain/incident-timeline';
import { isOpen } from '../domain/incident-lifecycle';
import {
  firstForbiddenField,
  incidentScope,
  INTERNAL_INCIDENT_FIELDS,
  mayActOnIncident,
  mayReadInternal,
  mayUseOwnerPower,
  needsServiceOwner,
  type Caller,
  type IncidentAction,
} from '../../../kernel/domain/access-policy';
import { parseIsoDuration } from '../../../kernel/domain/iso-duration';
import type { PriorityRules } from '../../../kernel/domain/priority-rules';
import type { CreateIncidentBody, ListIncidentsQuery } from '../schemas/incident-schemas';
import { securityContactOf, securityNoticeEffects } from './security-notifications';
import { acknowledgeIncident, recordResponse, slaTermsOf, type SlaPolicy } from '../domain/incident-sla';
import {
  IdempotencyKeyTakenError,
  type AuditLog,
  type Clock,
  type ContactRef,
  type IdempotencyMarker,
  type IdempotencyMarkers,
  type IdSource,
  type Notification,
  QuotaExhaustedError,
  type Page,
  type StoredIdempotencyMarker,
} from '../../../kernel/app/ports';
import type { IncidentRepository, StoredTimelineEntry } from './ports';
import { effectsOf, type Effect } from '../../outbox/domain';
import type { ServiceCatalogue } from '../../catalogue/app';
import type { Service } from '../../catalogue/domain';
import { incidentAdditionEntry, incidentChangeEntry } from '../../audit/app';
import { slaStartEffects, slaView, withSlaFacts, type IncidentSlaView } from './sla-use-cases';
import { assertServiceAcceptsIncidents, escalationContacts, providerContacts } from '../../catalogue/domain';
import { draftArticleFromResolution, incidentSuggestions, type ResolutionDraftDeps, type Suggestions } from '../../problems/app';
import type { KnowledgeSearch } from '../../problems/app';
import { archiveClosedFinding, type FindingArchiveDeps } from './archive-closed-finding';
import { assertKnownCategory, createQuotaCharge, DEFAULT_INTAKE, type IntakePolicy } from '../domain/intake-policy';

export interface IncidentPolicySettings {
  readonly clientId: string;
  /** ISO 8601 duration after which an unconfirmed resolution closes by itself. */
  readonly autoCloseAfter: string;
  readonly disasterRecoveryPlan?: string;
  /** Categories, the requesters' priority cap, the detection window and create quotas; DEFAULT_INTAKE when absent. */
  readonly intake?: IntakePolicy;
  /** The client's ServiceNow is kept in step: every change and comment also stores a servicenow-sync effect. */
  readonly syncToServiceNow?: boolean;
  readonly contacts: {
    readonly nominated: readonly ContactRef[];
    readonly providerNamed: ContactRef;
    readonly providerBackup: ContactRef;
    readonly serviceOwner: ContactRef;
    /** The client's security contact (else nominated contact #1): told of every security incident. */
    readonly security?: ContactRef;
    /** The provider's Information Security Manager: told of every security incident too. */
    readonly informationSecurityManager?: ContactRef;
  };
}

/**
 * Side effects (the SLA workflow's start, notifications) are not performed here: each is stored as
 * an outbox item in the change's own transaction and delivered by the outbox consumer from the
 * table's stream (src/modules/outbox; docs/architecture.md, "An effect's path").
 */
export interface IncidentDeps extends FindingArchiveDeps {
  readonly incidents: IncidentRepository;
  readonly clock: Clock;
  readonly ids: IdSource;
  readonly rules: PriorityRules;
  readonly settings: IncidentPolicySettings;
  /** Every stored change is recorded here, after it is stored (see docs/security.md, "Audit trail"). */
  readonly audit: AuditLog;
  /** Incidents name a service by id: an unknown or retired service is refused. */
  readonly services: ServiceCatalogue;
  /** Idempotency-Key markers (POST /incidents): read beside the number; written in the create's transaction. */
  readonly markers?: IdempotencyMarkers;
  /** Drafts a knowledge article from each resolution's notes (problem-use-cases.ts); without it none are drafted. */
  readonly resolutionDrafts?: Omit<ResolutionDraftDeps, 'audit' | 'clock'>;
}

/** What a caller sees of an incident: internal fields are left out for those who may not read them. */
export type IncidentView = Partial<Incident> & Pick<Incident, 'id' | 'number' | 'version'>;

const INCIDENT_NUMBER = /^INC\d+$/;
/** The `to` of an escalation to the incident's service owner, whoever the catalogue names. */
const SERVICE_OWNER = 'service-owner';

export async function createIncident(deps: IncidentDeps, caller: Caller, body: CreateIncidentBody): Promise<IncidentView> {
  const logged = await logIncident(deps, caller, body, undefined);
  if (logged.kind !== 'created') throw new Error('An incident logged without an Idempotency-Key cannot be a replay');
  return logged.incident;
}

/** What logging an incident with an Idempotency-Key answered. */
export type CreateOnceResult =
  | { readonly kind: 'created'; readonly incident: IncidentView; readonly response: StoredIdempotencyMarker['response'] }
  /** The key was used with this body: the first response, as stored. */
  | { readonly kind: 'replayed'; readonly response: StoredIdempotencyMarker['response'] }
  /** The key was used with another body (422). */
  | { readonly kind: 'key-reused' }
  /** A request with this key is being stored right now (409). */
  | { readonly kind: 'in-progress' };

/**
 * Logs an incident once per Idempotency-Key: the marker (key, body hash, the response `respond`
 * builds) is one more conditional Put of the incident's own transaction, so the incident and the
 * key's use are stored together or not at all — a replay, concurrent or after a crash, never makes
 * a second incident. The marker is read beside the number and the count (no extra round trip); a
 * lost condition reads it again and answers the stored response, or 422 for another body.
 */
export async function createIncidentOnce(
  deps: IncidentDeps,
  caller: Caller,
  body: CreateIncidentBody,
  marker: IdempotencyMarker,
  respond: (incident: IncidentView) => StoredIdempotencyMarker['response'],
): Promise<CreateOnceResult> {
  return logIncident(deps, caller, body, { marker, respond });
}

/**
 * Round trips, with the catalogue look-up cached (CachedServiceCatalogue): one for the number, the
 * open-incident count and (with a key) the marker, in parallel; one for the TransactWriteItems
 * (incident, audit record, report aggregates, outbox items, marker). A cold cache adds one GetItem
 * before them. The number is taken before the transaction: a transaction that fails, or a replay
 * found by the marker read, leaves a gap in the numbers (they stay unique).
 */
async function logIncident(
  deps: IncidentDeps,
  caller: Caller,
  body: CreateIncidentBody,
  once: { readonly marker: IdempotencyMarker; readonly respond: (incident: IncidentView) => StoredIdempotencyMarker['response'] } | undefined,
): Promise<CreateOnceResult> {
  const scope = requireScope(caller, 'incident:create', 'log incidents');
  const forbidden = firstForbiddenField(caller, 'create', Object.keys(body));
  if (forbidden) throw new ForbiddenError(`Your role may not set ${forbidden} when logging an incident`, forbidden);
  if (scope === 'own' && body.reportedBy !== undefined && body.reportedBy !== caller.name) {
    throw new ForbiddenError('Requesters may only log incidents for themselves', 'reportedBy');
  }
  const markers = once ? deps.markers : undefined;
  if (once && !markers) throw new Error('Logging an incident with an Idempotency-Key needs the idempotency markers (IncidentDeps.markers)');
  const intake = deps.settings.intake ?? DEFAULT_INTAKE;
  assertKnownCategory(intake, body.category);
  const nowMs = deps.clock.now().getTime();
  const now = new Date(nowMs).toISOString();
  // A requester's report is what they say it is: the channel is the self-service one, the priority
  // it can reach is capped until the desk triages, and detection lies within the client's window.
  const requester = scope === 'own';
  const policy = {
    ...(requester && { priorityCap: intake.requesterMaxPriority }),
    detectedNotBefore: new Date(nowMs - (parseIsoDuration(intake.detectedAtWindow) ?? 0)).toISOString(),
  };
  const input = {
    shortDescription: body.shortDescription,
    description: body.description,
    impact: body.impact,
    urgency: body.urgency,
    service: body.service,
    category: body.category,
    channel: requester ? ('web' as const) : (body.channel ?? 'api'),
    reportedBy: body.reportedBy ?? caller.name,
    // Logged for themselves: the reporter is known by sub too (a username can be reused, a sub cannot).
    ...((body.reportedBy === undefined || body.reportedBy === caller.name) && { reportedById: caller.id }),
    detectedAt: body.detectedAt ? new Date(body.detectedAt).toISOString() : now,
    ...(body.usersAffected !== undefined && { usersAffected: body.usersAffected }),
    ...(body.subcategory !== undefined && { subcategory: body.subcategory }),
    ...(body.assignmentGroup !== undefined && { assignmentGroup: body.assignmentGroup }),
    ...(body.assignee !== undefined && { assignee: body.assignee }),
    ...(body.workaround !== undefined && { workaround: body.workaround }),
    ...(body.outage !== undefined && { outage: normalizedOutage(body.outage) }),
  };
  // Validate before allocating a number, so refused requests do not burn numbers.
  openIncident({ id: 'draft', number: 'draft', input, rules: deps.rules, recordedBy: caller, now, ...policy });
  // The service first (from the container's cache when warm): an unknown or retired one is refused
  // before a number is taken.
  const service = await assertKnownService(deps, input.service);
  // Counting stops at the highest threshold: beyond it the answer cannot change the priority.
  const countUpTo = Math.max(0, ...deps.rules.concurrentIncidents.map((t) => t.atLeast));
  const [number, openOnService, previous] = await Promise.all([
    deps.incidents.allocateNumber(),
    countUpTo > 0 ? deps.incidents.countOpenOnService(input.service, countUpTo) : Promise.resolve(0),
    once ? markers!.get(once.marker.id) : Promise.resolve(undefined),
  ]);
  if (once && previous) return replayOf(previous, once.marker);
  const opened = openIncident({ id: deps.ids.newId(), number, input, rules: deps.rules, openOnService, recordedBy: caller, now, ...policy });
  const change = withSlaFacts(undefined, opened, now, false, { terms: slaTermsOf(input.service, service?.sla, now) });
  const quota = createQuotaCharge(intake, caller, requester, nowMs, 'incident');
  const incident = view(caller, change.incident);
  const response = once?.respond(incident);
  try {
    await deps.incidents.create(
      change,
      incidentChangeEntry(caller, 'incident:create', undefined, change.incident),
      effectsOf(change.incident.id, change.incident.version, [...slaStartEffects(undefined, change.incident), ...syncEffects(deps, change.incident.id, change.incident.version, 'change')]),
      once && response && { marker: once.marker, response },
      quota.charge,
    );
  } catch (error) {
    if (error instanceof QuotaExhaustedError) throw quota.exhausted();
    if (!(once && error instanceof IdempotencyKeyTakenError)) throw error;
    // Another request stored this key first (or is storing it right now).
    const stored = error.inFlight ? undefined : await markers!.get(once.marker.id);
    return stored ? replayOf(stored, once.marker) : { kind: 'in-progress' };
  }
  return { kind: 'created', incident, response: response ?? { status: 201, body: incident } };
}

const replayOf = (stored: StoredIdempotencyMarker, marker: IdempotencyMarker): CreateOnceResult =>
  stored.bodyHash === marker.bodyHash ? { kind: 'replayed', response: stored.response } : { kind: 'key-reused' };

/** Finds an incident the caller may read, by id or number; 404 for anything else, so ids cannot be probed. */
/** Known errors and published articles matching an incident the caller may read (problem-use-cases.ts, "Search"). */
export async function getIncidentSuggestions(deps: IncidentDeps, knowledge: KnowledgeSearch, caller: Caller, idOrNumber: string): Promise<Suggestions> {
  return incidentSuggestions(knowledge, caller, await load(deps, caller, idOrNumber));
}

async function load(deps: IncidentDeps, caller: Caller, idOrNumber: string): Promise<Incident> {
  requireScope(caller, 'incident:read', 'read incidents');
  const incident = INCIDENT_NUMBER.test(idOrNumber) ? await deps.incidents.getByNumber(idOrNumber) : await deps.incidents.get(idOrNumber);
  if (!incident || !mayActOnIncident(caller, 'incident:read', incident)) {
    throw new NotFoundError(`No incident ${idOrNumber}`, 'id');
  }
  return incident;
}

/** The incident's SLA clocks, for whoever may read the incident. */
export async function getIncidentSla(deps: IncidentDeps, caller: Caller, idOrNumber: string, policy: SlaPolicy): Promise<IncidentSlaView> {
  return slaView(await load(deps, caller, idOrNumber), policy, deps.clock.now());
}

export async function getIncident(deps: IncidentDeps, caller: Caller, idOrNumber: string): Promise<IncidentView> {
  const incident = await load(deps, caller, idOrNumber);
  await recordSecurityReads(deps, caller, [incident]);
  return view(caller, incident);
}

/**
 * Reads of security incidents are on the audit trail (who saw which one, when), like changes;
 * other reads are not. A read whose record cannot be appended still answers (the log alarms).
 */
async function recordSecurityReads(deps: IncidentDeps, caller: Caller, incidents: readonly Incident[]): Promise<void> {
  for (const incident of incidents.filter((i) => i.security === true)) {
    await deps.audit.record({ actor: caller.name, roles: [...caller.roles], action: 'incident:read', resource: { type: 'incident', id: incident.id }, outcome: 'allowed' });
  }
}

export async function listIncidents(deps: IncidentDeps, caller: Caller, query: ListIncidentsQuery): Promise<Page<IncidentView>> {
  const scope = requireScope(caller, 'incident:list', 'list incidents');
  const assignee = query.assignee === 'me' ? caller.name : query.assignee;
  const filter = {
    ...(query.state && { state: query.state }),
    ...(query.priority && { priority: query.priority }),
    ...(query.service && { service: query.service }),
    ...(assignee && { assignee }),
    ...(query.assignmentGroup && { assignmentGroup: query.assignmentGroup }),
    ...(scope === 'own' && { reportedBy: caller.name }),
    // The Information Security Manager lists security incidents only.
    ...(scope === 'security' && { securityOnly: true as const }),
  };
  const page = await deps.incidents.list(filter, { limit: query.limit, ...(query.nextToken && { nextToken: query.nextToken }) });
  // Own incidents are found by username; one logged by an earlier holder of the username is not the caller's.
  const items = scope === 'any' ? page.items : page.items.filter((i) => mayActOnIncident(caller, 'incident:list', i));
  await recordSecurityReads(deps, caller, items);
  return { ...page, items: items.map((i) => view(caller, i)) };
}

export async function updateIncident(
  deps: IncidentDeps,
  caller: Caller,
  idOrNumber: string,
  changes: IncidentChanges,
  ifMatchVersion: VersionPrecondition | undefined,
): Promise<IncidentView> {
  const forbidden = firstForbiddenField(caller, 'update', Object.keys(changes));
  const current = await loadForChange(deps, caller, idOrNumber, 'incident:update', 'change incidents', ifMatchVersion);
  if (forbidden) throw new ForbiddenError(`Your role may not change ${forbidden}`, forbidden);
  if (changes.major === true) await assertOwnerPower(deps, caller, 'incident:declare-major', current, 'declare major incidents', 'major');
  if (changes.service !== undefined && changes.service !== current.service) await assertKnownService(deps, changes.service);
  if (changes.category !== undefined && changes.category !== current.category) assertKnownCategory(deps.settings.intake ?? DEFAULT_INTAKE, changes.category);
  const at = now(deps);
  const declaring = changes.major === true && !current.major;
  // A service that names its own disaster-recovery plan has it recorded and told, not the client's
  // default; a failed look-up must not stop the declaration (the client's plan, the client's contacts).
  const service = declaring ? await deps.services.getService(changes.service ?? current.service).catch(() => undefined) : undefined;
  const disasterRecoveryPlan = service?.disasterRecoveryPlan ?? deps.settings.disasterRecoveryPlan;
  const change = withSlaFacts(
    current,
    changeIncident({
      incident: current,
      changes: changes.outage ? { ...changes, outage: normalizedOutage(changes.outage) } : changes,
      rules: deps.rules,
      actor: caller,
      now: at,
      ...(disasterRecoveryPlan && { disasterRecoveryPlan }),
    }),
    at,
    isDesk(caller),
  );
  const notices: Effect[] = change.incident.major && !current.major ? [{ kind: 'notify', name: 'major-incident', notification: majorIncidentNotification(deps, change.incident, service) }] : [];
  await storeChange(deps, caller, 'incident:update', current, change, notices);
  if (deps.resolutionDrafts && change.incident.state === 'Resolved' && current.state !== 'Resolved') {
    await draftArticleFromResolution({ ...deps.resolutionDrafts, audit: deps.audit, clock: deps.clock }, caller, change.incident);
  }
  return view(caller, change.incident);
}

export async function confirmIncidentResolution(deps: IncidentDeps, caller: Caller, idOrNumber: string, ifMatch: VersionPrecondition | undefined) {
  const current = await loadForChange(deps, caller, idOrNumber, 'incident:confirm', 'confirm resolutions', ifMatch, true);
  const change = confirmResolution(current, caller, now(deps));
  const confirmed = await saveAndView(deps, caller, current, change, 'incident:confirm');
  await archiveClosedFinding(deps, change.incident);
  return confirmed;
}

export async function rejectIncidentResolution(deps: IncidentDeps, caller: Caller, idOrNumber: string, reason: string, ifMatch: VersionPrecondition | undefined) {
  const current = await loadForChange(deps, caller, idOrNumber, 'incident:reject', 'reject resolutions', ifMatch, true);
  return saveAndView(deps, caller, current, rejectResolution(current, caller, reason, now(deps)), 'incident:reject');
}

/**
 * The client's own ITSM (their ServiceNow, src/modules/servicenow) relays its caller's decision on
 * a resolution: a reopen there rejects it here, a closure there confirms it. Only the integration
 * role relays, and it may change the incident; the record names the integration, and the reason
 * says where the decision was taken. Reporters keep their own routes (confirm, reject).
 */
export async function relayResolutionDecision(
  deps: IncidentDeps,
  caller: Caller,
  idOrNumber: string,
  decision: { readonly kind: 'confirm' } | { readonly kind: 'reject'; readonly reason: string },
  ifMatch: VersionPrecondition | undefined,
): Promise<IncidentView> {
  if (!caller.roles.includes('integration')) throw new ForbiddenError('Only an integration relays a decision taken in the client\'s own tools', 'role');
  const current = await loadForChange(deps, caller, idOrNumber, 'incident:update', 'change incidents', ifMatch);
  if (decision.kind === 'reject') return saveAndView(deps, caller, current, rejectResolution(current, caller, decision.reason, now(deps)), 'incident:reject');
  const change = confirmResolution(current, caller, now(deps));
  const confirmed = await saveAndView(deps, caller, current, change, 'incident:confirm');
  await archiveClosedFinding(deps, change.incident);
  return confirmed;
}

export async function escalate(
  deps: IncidentDeps,
  caller: Caller,
  idOrNumber: string,
  request: { readonly kind?: EscalationKind; readonly to: string; readonly reason: string; readonly assignmentGroup?: string },
  ifMatch: VersionPrecondition | undefined,
) {
  // The desk may bring in the service's owner (hierarchically); any other escalation is the owner's or an admin's.
  const toOwner = request.to === SERVICE_OWNER;
  const kind = request.kind ?? 'hierarchical';
  const current = toOwner
    ? await loadForChange(deps, caller, idOrNumber, 'incident:escalate-to-owner', 'escalate incidents to the service owner', ifMatch)
    : await loadForChange(deps, caller, idOrNumber, 'incident:escalate', 'escalate incidents', ifMatch);
  // A service owner's own escalations are limited to the services they own.
  if (!toOwner) await assertOwnerPower(deps, caller, 'incident:escalate', current, 'escalate incidents', 'kind');
  if (toOwner && kind !== 'hierarchical') {
    throw new InvalidInputError([{ field: 'kind', message: 'an escalation to the service owner is hierarchical; a functional one names a group or expert' }]);
  }
  const owner = toOwner ? await serviceOwnerOf(deps, current) : undefined;
  const at = now(deps);
  // The owner is recorded by name: the catalogue may name another owner later.
  const recorded = { ...request, kind, ...(owner && { to: `${owner.name} (service owner)` }) };
  const change = withSlaFacts(current, escalateIncident(current, recorded, caller, at), at, isDesk(caller));
  const escalation = change.incident.escalations.at(-1)!;
  const notification: Notification = {
    topic: 'escalation',
    subject: `[${change.incident.priority}] ${change.incident.number} escalated (${escalation.kind}, level ${escalation.level})`,
    message: `${change.incident.number} "${change.incident.shortDescription}" escalated to ${escalation.to} by ${caller.name}: ${escalation.reason}`,
    recipients: owner ? [owner] : [],
    attributes: { priority: change.incident.priority, level: String(escalation.level), client: deps.settings.clientId, kind: escalation.kind },
  };
  await storeChange(deps, caller, 'incident:escalate', current, change, [{ kind: 'notify', name: 'escalation', notification }]);
  return view(caller, change.incident);
}

export async function addTimelineEntry(
  deps: IncidentDeps,
  caller: Caller,
  idOrNumber: string,
  request: { readonly type: 'comment' | 'work-note'; readonly text: string },
): Promise<TimelineEntry> {
  const incident = await load(deps, caller, idOrNumber);
  const action: IncidentAction = request.type === 'comment' ? 'incident:comment' : 'incident:work-note';
  if (!mayActOnIncident(caller, action, incident)) {
    throw new ForbiddenError(`Your role may not add a ${request.type} to this incident`, 'type');
  }
  const entry: TimelineEntry = {
    type: request.type,
    at: now(deps),
    actor: caller.name,
    visibility: request.type === 'comment' ? 'public' : 'internal',
    text: request.text,
  };
  // The desk's first reply to the reporter achieves the respond target: stored with the incident's version.
  const responded = entry.visibility === 'public' && isDesk(caller) ? recordResponse(incident, entry.at) : undefined;
  if (responded) {
    const change = { incident: { ...responded, updatedAt: entry.at, updatedBy: caller.name, version: incident.version + 1 }, entries: [entry] };
    try {
      const recorded = incidentChangeEntry(caller, 'incident:comment', incident, change.incident);
      const audit = { ...recorded, changes: [...(recorded.changes ?? []), ...(incidentAdditionEntry(caller, 'incident:comment', incident.id, { comment: entry }).changes ?? [])] };
      await deps.incidents.save(change, incident.version, incident, audit, effectsOf(incident.id, change.incident.version, syncEffects(deps, incident.id, change.incident.version, 'change')));
      return entry;
    } catch (error) {
      // Changed meanwhile (perhaps answered already): the comment still lands; the next reply records the response.
      if (!(error instanceof VersionConflictError)) throw error;
    }
  }
  await deps.incidents.append(
    incident.id,
    [entry],
    incidentAdditionEntry(caller, `incident:${request.type}`, incident.id, { [request.type]: entry }),
    effectsOf(incident.id, incident.version, syncEffects(deps, incident.id, incident.version, `entry#${entry.at}`)),
  );
  return entry;
}

/**
 * The desk takes the incident on (`POST /incidents/{id}/acknowledge`): achieves the acknowledge
 * target. Idempotent: acknowledging again answers the incident unchanged. No If-Match: it changes
 * no field anyone edits, and a stale page must not stop an on-call engineer acknowledging.
 */
export async function acknowledge(deps: IncidentDeps, caller: Caller, idOrNumber: string): Promise<IncidentView> {
  for (let attempt = 0; ; attempt++) {
    const current = await load(deps, caller, idOrNumber);
    if (!mayActOnIncident(caller, 'incident:update', current)) throw new ForbiddenError('Your role may not acknowledge incidents', 'role');
    const change = acknowledgeIncident(current, caller, now(deps));
    if (!change) return view(caller, current);
    try {
      await deps.incidents.save(change, current.version, current, incidentChangeEntry(caller, 'incident:acknowledge', current, change.incident));
      return view(caller, change.incident);
    } catch (error) {
      if (!(error instanceof VersionConflictError) || attempt >= 2) throw error;
    }
  }
}

/**
 * The desk flags an incident as a security incident (README "Security incidents"): from then on it
 * is handled as one — its notices go to the security topic, reads of it are audited, the
 * Information Security Manager may read it — and the client's security contact and the provider's
 * ISM are told (outbox effects of the change). The desk (agents, engineers, service owners,
 * admins) may flag; the flag, its reason and who set it are on the timeline and the audit trail.
 * There is no unflagging: once handled as a security incident, the record stays one. Flagging a
 * security incident again changes nothing and tells nobody twice.
 */
export async function flagSecurity(deps: IncidentDeps, caller: Caller, idOrNumber: string, body: { readonly reason: string }, ifMatch: VersionPrecondition | undefined): Promise<IncidentView> {
  const current = await loadForChange(deps, caller, idOrNumber, 'incident:flag-security', 'flag incidents as security incidents', ifMatch);
  if (current.security === true) return view(caller, current);
  const at = now(deps);
  const change: IncidentChange = {
    incident: { ...current, security: true, updatedAt: at, updatedBy: caller.name, version: current.version + 1 },
    entries: [{ type: 'field-change', at, actor: caller.name, visibility: 'internal', field: 'security', from: false, to: true, reason: body.reason }],
  };
  const withFacts = withSlaFacts(current, change, at, isDesk(caller));
  const { contacts } = deps.settings;
  const effects = securityNoticeEffects(
    { clientId: deps.settings.clientId, securityContact: securityContactOf(contacts), ...(contacts.informationSecurityManager && { informationSecurityManager: contacts.informationSecurityManager }) },
    withFacts.incident,
    { source: 'desk', subject: current.shortDescription, text: `${current.number} was flagged as a security incident by ${caller.name}: ${body.reason}` },
  );
  await storeChange(deps, caller, 'incident:flag-security', current, withFacts, effects);
  return view(caller, withFacts.incident);
}

/** Whether the caller works the desk: their changes acknowledge the incident. Machine clients do not. */
function isDesk(caller: Caller): boolean {
  return incidentScope(caller, 'incident:update') === 'any' && caller.roles.some((role) => role !== 'integration');
}

/**
 * Stores a change of a loaded incident with its audit record and its effects (one transaction):
 * the SLA workflow's start if the change began a new clock generation, and `effects`.
 */
async function storeChange(deps: IncidentDeps, caller: Caller, action: string, current: Incident, change: IncidentChange, effects: readonly Effect[] = []): Promise<void> {
  await deps.incidents.save(
    change,
    current.version,
    current,
    incidentChangeEntry(caller, action, current, change.incident),
    effectsOf(change.incident.id, change.incident.version, [
      ...slaStartEffects(current, change.incident),
      ...effects,
      ...syncEffects(deps, current.id, change.incident.version, 'change'),
      ...siteStatusEffects(current, change.incident),
    ]),
  );
}

/**
 * A service's status on the self-help site follows its open major incidents: declaring one,
 * resolving, cancelling or reopening it, or moving it to another service rebuilds the site. Stored
 * whether or not the client has a site (its delivery then does nothing): major incidents are rare,
 * and the request path needs no knowledge of the site.
 */
function siteStatusEffects(before: Incident, after: Incident): Effect[] {
  const shownBefore = before.major === true && isOpen(before.state) ? before.service : undefined;
  const shownAfter = after.major === true && isOpen(after.state) ? after.service : undefined;
  return shownBefore === shownAfter ? [] : [{ kind: 'publish-site', incidentId: after.id }];
}

/** The client's ServiceNow hears of every change of the incident (an outbox effect, delivered after the change is stored). */
function syncEffects(deps: Pick<IncidentDeps, 'settings'>, incidentId: string, version: number, trigger: string): Effect[] {
  return deps.settings.syncToServiceNow ? [{ kind: 'servicenow-sync', incidentId, version, trigger }] : [];
}

export async function getTimeline(
  deps: IncidentDeps,
  caller: Caller,
  idOrNumber: string,
  page: { readonly limit: number; readonly nextToken?: string },
): Promise<Page<StoredTimelineEntry>> {
  const incident = await load(deps, caller, idOrNumber);
  return deps.incidents.timeline(incident.id, { ...page, publicOnly: !mayReadInternal(caller, incident), incident });
}

/** Closes resolved incidents whose confirmation period has passed. Returns how many it closed. */
export async function autoCloseResolvedIncidents(deps: IncidentDeps, maxIncidents = 500): Promise<number> {
  const period = parseIsoDuration(deps.settings.autoCloseAfter)!;
  const current = deps.clock.now();
  const cutoff = new Date(current.getTime() - period).toISOString();
  let closed = 0;
  let nextToken: string | undefined;
  do {
    const page = await deps.incidents.resolvedBefore(cutoff, { limit: 50, ...(nextToken && { nextToken }) });
    for (const incident of page.items) {
      try {
        const change = autoClose(incident, current.toISOString(), deps.settings.autoCloseAfter);
        await deps.incidents.save(
          change,
          incident.version,
          incident,
          incidentChangeEntry({ id: change.incident.closedBy!, name: change.incident.closedBy! }, 'incident:auto-close', incident, change.incident),
          effectsOf(incident.id, change.incident.version, syncEffects(deps, incident.id, change.incident.version, 'change')),
        );
        closed++;
        await archiveClosedFinding(deps, change.incident);
      } catch (error) {
        // Someone confirmed, rejected or changed it meanwhile: their action wins.
        if (!(error instanceof VersionConflictError)) throw error;
      }
    }
    nextToken = page.nextToken;
  } while (nextToken && closed < maxIncidents);
  return closed;
}

async function loadForChange(
  deps: IncidentDeps,
  caller: Caller,
  idOrNumber: string,
  action: IncidentAction,
  what: string,
  ifMatchVersion: VersionPrecondition | undefined,
  reporterOnly = false,
): Promise<Incident> {
  const incident = await load(deps, caller, idOrNumber);
  if (!mayActOnIncident(caller, action, incident)) {
    throw new ForbiddenError(
      reporterOnly ? `Only the incident's reporter (${incident.reportedBy}) may ${what}` : `Your role may not ${what}`,
      reporterOnly ? 'reportedBy' : 'role',
    );
  }
  assertVersionPrecondition(ifMatchVersion, incident.version);
  return incident;
}

async function saveAndView(deps: IncidentDeps, caller: Caller, current: Incident, change: IncidentChange, action: string) {
  const withFacts = withSlaFacts(current, change, change.incident.updatedAt, false);
  await storeChange(deps, caller, action, current, withFacts);
  return view(caller, withFacts.incident);
}

/** The service's owner, else the client's default service owner (also when the look-up fails). */
async function serviceOwnerOf(deps: IncidentDeps, incident: Incident) {
  const service = await deps.services.getService(incident.service).catch(() => undefined);
  return escalationContacts(service, deps.settings.contacts).find((c) => c.role === 'service-owner')!.contact;
}

/** The notice of a major incident, addressed before the change is stored (it is stored with it). */
function majorIncidentNotification(deps: IncidentDeps, incident: Incident, service: Service | undefined): Notification {
  const { contacts } = deps.settings;
  // The service's nominated and provider contacts, level by level, else the client's.
  const provider = providerContacts(service, contacts);
  const nominated = escalationContacts(service, contacts).filter((c) => c.role !== 'service-owner').map((c) => c.contact);
  return {
    topic: 'major-incident',
    subject: `MAJOR INCIDENT ${incident.number} [${incident.priority}]: ${incident.shortDescription}`,
    message: [
      `${incident.number} on service ${incident.service} has been declared a major incident: ${incident.majorReason}.`,
      incident.disasterRecoveryPlan ? `Disaster-recovery plan: ${incident.disasterRecoveryPlan}.` : 'No disaster-recovery plan is on record.',
      `Current state: ${incident.state}; assigned to ${incident.assignee ?? incident.assignmentGroup ?? 'nobody yet'}.`,
    ].join('\n'),
    recipients: [...nominated, provider.named, provider.backup],
    attributes: { priority: incident.priority, client: deps.settings.clientId, level: 'major' },
  };
}

function requireScope(caller: Caller, action: IncidentAction, what: string) {
  const scope = incidentScope(caller, action);
  if (scope === 'none') throw new ForbiddenError(`Your role may not ${what}`, 'role');
  return scope;
}

/** Fields in the order a person reads them; the store returns attributes in no particular order. */
const FIELD_ORDER: readonly (keyof Incident)[] = [
  'id', 'number', 'state', 'priority', 'priorityReasons', 'reported', 'concurrentIncidentsAtLogging', 'shortDescription', 'description', 'impact', 'urgency',
  'usersAffected', 'service', 'category', 'subcategory', 'channel', 'reportedBy', 'recordedBy', 'detectedAt',
  'assignmentGroup', 'assignee', 'onHoldReason', 'workaround', 'major', 'majorReason', 'disasterRecoveryPlan', 'security', 'findingId', 'alarmArn', 'occurrenceCount',
  'escalationLevel', 'escalations', 'duplicateOf', 'resolutionCode', 'resolutionNotes', 'resolvedAt', 'resolvedBy',
  'reopenCount', 'closedAt', 'closedBy', 'closureReason', 'outage', 'external', 'createdAt', 'updatedAt', 'updatedBy', 'version',
];

/** What the caller may see of the incident. */
export function incidentViewFor(caller: Caller, incident: Incident): IncidentView {
  return view(caller, incident);
}

function view(caller: Caller, incident: Incident): IncidentView {
  const hidden = new Set<string>(mayReadInternal(caller, incident) ? [] : INTERNAL_INCIDENT_FIELDS);
  const ordered: Record<string, unknown> = {};
  for (const field of FIELD_ORDER) {
    if (incident[field] !== undefined && !hidden.has(field)) ordered[field] = incident[field];
  }
  return ordered as IncidentView;
}

const now = (deps: IncidentDeps) => deps.clock.now().toISOString();

/** Outage times in the same UTC form as every other instant, so they sort and compare as strings. */
const normalizedOutage = (o: { readonly start?: string; readonly end?: string; readonly lostTransactions?: number }) => ({
  ...(o.start !== undefined && { start: new Date(o.start).toISOString() }),
  ...(o.end !== undefined && { end: new Date(o.end).toISOString() }),
  ...(o.lostTransactions !== undefined && { lostTransactions: o.lostTransactions }),
});

/** Before anything is written (or a number allocated): the service must be in the catalogue and not retired. */
/** A service owner escalates and declares major incidents on the services they own only; the catalogue is read only for them. */
async function assertOwnerPower(
  deps: IncidentDeps,
  caller: Caller,
  action: 'incident:escalate' | 'incident:declare-major',
  incident: Incident,
  what: string,
  field: string,
): Promise<void> {
  const owner = needsServiceOwner(caller, action) ? (await deps.services.getService(incident.service))?.owner.username : undefined;
  if (!mayUseOwnerPower(caller, action, owner)) {
    throw new ForbiddenError(`Service owners ${what} on the services they own; ${incident.service} is owned by someone else`, field);
  }
}

async function assertKnownService(deps: IncidentDeps, serviceId: string) {
  const service = await deps.services.getService(serviceId);
  assertServiceAcceptsIncidents(serviceId, service);
  return service;
}

export { InvalidInputError };
