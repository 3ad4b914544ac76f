import { changeScope, mayActOnChange, type Caller, type ChangeAction } from '../../../kernel/domain/access-policy';
import { assertNotOwnApproval, assessorOf, editDraft, moveChange, newChange, recordVote, type Change, type ChangeEdits, type ChangeInput, type ReviewOutcome } from '../domain/change';
import { castVote, effectiveChangeType, requiredApprovals, type ApprovalRules, type ApproverCapacity } from '../domain/change-approval';
import { freezesHit, overlapLookback, overlaps, type FreezeWindow } from '../domain/change-calendar';
import type { ChangeState } from '../domain/change-lifecycle';
import { assessRisk } from '../domain/change-risk';
import {
  ForbiddenError,
  InvalidInputError,
  LifecycleError,
  NotFoundError,
  VersionConflictError,
  type FieldIssue,
} from '../../../kernel/domain/domain-errors';
import { assertVersionPrecondition, type VersionPrecondition } from '../../../kernel/domain/version-precondition';
import { findSecrets } from '../../../kernel/domain/secret-detector';
import type { Incident } from '../../incidents/domain';
import { withInstalledVersions, type CiVersionUpdate, type ConfigurationItem } from '../../catalogue/domain';
import { recordChangeEntry } from '../../audit/app';
import type { ChangeRepository, ChangeSideEffects, ChangeTarget, Milestone } from './change-ports';
import type { AuditLog, Clock, ContactRef, IdSource, Notification, Page } from '../../../kernel/app/ports';
import { effectsOf } from '../../outbox/domain';
import type { ServiceCatalogue } from '../../catalogue/app';

export interface ChangeDeps {
  readonly changes: ChangeRepository;
  /** Services (must exist; their owners approve medium risk and above) and CIs (must exist). */
  readonly catalogue: ServiceCatalogue & {
    getCi(id: string): Promise<ConfigurationItem | undefined>;
    /** Records the versions an implemented change installed (a new CI version; the history keeps the old). */
    saveCi(next: ConfigurationItem, previous: ConfigurationItem): Promise<void>;
  };
  /** Emergency changes name the incident they answer: it must exist. */
  readonly incidents: { get(id: string): Promise<Incident | undefined>; getByNumber(number: string): Promise<Incident | undefined> };
  readonly settings: ApprovalRules & {
    readonly clientId: string;
    readonly freezeWindows: readonly FreezeWindow[];
    /** Registered standard-change templates; a standard change naming another is normal. None when absent. */
    readonly standardTemplates?: readonly string[];
    /** The client approves in their own ServiceNow: a change whose client approval is required is mirrored there (servicenow-change-sync). */
    readonly syncToServiceNow?: boolean;
  };
  readonly clock: Clock;
  readonly ids: IdSource;
  /** Every stored change is recorded here, after it is stored (see docs/security.md, "Audit trail"). */
  readonly audit: AuditLog;
}

/** What PATCH /changes/{id} carries: draft edits, or the next state with what that step needs. */
export interface ChangeUpdate extends ChangeEdits {
  readonly state?: ChangeState;
  readonly ciUpdates?: readonly CiVersionUpdate[];
  readonly outcome?: ReviewOutcome;
  readonly lessons?: string;
  readonly note?: string;
}

/** Fields each requested state accepts besides `state` and `note`. */
const STEP_FIELDS: Readonly<Partial<Record<ChangeState, readonly string[]>>> = {
  Assessed: ['likelihood', 'severity', 'securityImpact'],
  Scheduled: ['plannedStart', 'plannedEnd'],
  Reviewed: ['outcome', 'lessons'],
};

/** Who may take each step (Approved and Rejected are only reached by votes). */
const STEP_ACTION: Readonly<Partial<Record<ChangeState, ChangeAction>>> = {
  Submitted: 'change:edit',
  Assessed: 'change:assess',
  Scheduled: 'change:schedule',
  Implementing: 'change:implement',
  Implemented: 'change:implement',
  Failed: 'change:implement',
  'Backed out': 'change:implement',
  Reviewed: 'change:review',
  Closed: 'change:review',
};

/** Most changes a scheduling flags in one transaction (with its own slots, within DynamoDB's 100 items). */
const MAX_FLAGGED_OVERLAPS = 60;

export async function createChange(deps: ChangeDeps, caller: Caller, input: ChangeInput, raisedBy?: { readonly request: string }): Promise<Change> {
  requireScope(caller, 'change:create', 'raise changes');
  assertNoSecrets(input);
  const incident = input.incident === undefined ? undefined : await loadIncident(deps, input.incident);
  // Raised as standard with a template the client has not registered: it is a normal change, approved as one.
  const type = effectiveChangeType(input.type, input.template, deps.settings.standardTemplates ?? []);
  const change: Change = {
    ...newChange(deps.ids.newId(), { ...input, type, ...(incident && { incident: incident.id }) }, caller, now(deps)),
    ...(raisedBy && { request: raisedBy.request }),
  };
  await assertReferencesExist(deps, change);
  await deps.changes.create(change);
  await deps.audit.record(recordChangeEntry(caller, 'change:create', { type: 'change', id: change.id }, undefined, change));
  return change;
}

export async function getChange(deps: ChangeDeps, caller: Caller, id: string): Promise<Change> {
  requireScope(caller, 'change:read', 'read changes');
  return loadChange(deps, id);
}

export async function listChanges(deps: ChangeDeps, caller: Caller, query: { readonly state: ChangeState; readonly limit: number; readonly nextToken?: string | undefined }): Promise<Page<Change>> {
  requireScope(caller, 'change:read', 'list changes');
  return deps.changes.listByState(query.state, { limit: query.limit, ...(query.nextToken && { nextToken: query.nextToken }) });
}

export async function updateChange(deps: ChangeDeps, caller: Caller, id: string, update: ChangeUpdate, ifMatchVersion: VersionPrecondition | undefined): Promise<Change> {
  const current = await loadChange(deps, id);
  const { state, note, outcome, lessons, ciUpdates, ...edits } = update;
  if (state === undefined) {
    requireOnChange(caller, 'change:edit', current, 'edit this change');
    assertVersionPrecondition(ifMatchVersion, current.version);
    for (const field of ['outcome', 'lessons', 'note', 'ciUpdates'] as const) {
      if (update[field] !== undefined) throw new InvalidInputError([{ field, message: 'is accepted only with a state' }]);
    }
    assertNoSecrets(edits);
    const incident = edits.incident === undefined ? undefined : await loadIncident(deps, edits.incident);
    const next = editDraft(current, { ...edits, ...(incident && { incident: incident.id }) }, caller, now(deps));
    await assertReferencesExist(deps, next);
    return store(deps, caller, 'change:update', current, next);
  }
  const action = STEP_ACTION[state];
  if (!action) throw new LifecycleError(`A change becomes ${state} by the approvers' votes (POST /changes/${id}/approvals), not by request`, 'state');
  requireOnChange(caller, action, current, `move this change to ${state}`);
  assertVersionPrecondition(ifMatchVersion, current.version);
  const allowed = STEP_FIELDS[state] ?? [];
  const extra = Object.keys(edits).find((field) => (edits as Record<string, unknown>)[field] !== undefined && !allowed.includes(field));
  if (extra) throw new InvalidInputError([{ field: extra, message: `is not accepted with state ${state}${allowed.length ? ` (accepted: ${allowed.join(', ')})` : ''}` }]);
  if (state !== 'Reviewed') {
    for (const field of ['outcome', 'lessons'] as const) {
      if (update[field] !== undefined) throw new InvalidInputError([{ field, message: 'is accepted only with state Reviewed' }]);
    }
  }
  if (state !== 'Implemented' && ciUpdates !== undefined) throw new InvalidInputError([{ field: 'ciUpdates', message: 'is accepted only with state Implemented' }]);
  assertNoSecrets({ edits, note, lessons });
  const at = now(deps);
  switch (state) {
    case 'Assessed':
      return assess(deps, caller, current, edits, at, note);
    case 'Scheduled':
      return schedule(deps, caller, current, edits, at, note);
    case 'Implementing':
      assertNotOwnApproval(current, caller);
      return store(deps, caller, 'change:implementing', current, moveChange(current, state, caller, at, {}, note));
    case 'Implemented': {
      assertNotOwnApproval(current, caller);
      const ciVersions = await recordInstalledVersions(deps, caller, current, ciUpdates ?? [], at);
      const next = moveChange(current, 'Implemented', caller, at, { goLiveAt: at, ...(ciVersions.length > 0 && { ciVersions }) }, note);
      const milestones: Milestone[] = next.services.map((service) => ({ service, at, change: next.id, title: next.title }));
      return store(deps, caller, 'change:implemented', current, next, { milestones });
    }
    case 'Reviewed': {
      const issues: FieldIssue[] = [];
      if (outcome === undefined) issues.push({ field: 'outcome', message: 'the post-implementation review needs an outcome' });
      if (lessons === undefined) issues.push({ field: 'lessons', message: 'the post-implementation review needs lessons learned' });
      if (issues.length > 0) throw new InvalidInputError(issues);
      const next = moveChange(current, 'Reviewed', caller, at, { review: { outcome: outcome!, lessons: lessons!, by: caller.name, at } }, note);
      return store(deps, caller, 'change:review', current, next);
    }
    default:
      return store(deps, caller, `change:${state.toLowerCase().replace(' ', '-')}`, current, moveChange(current, state, caller, at, {}, note));
  }
}

/**
 * Assessment fixes the risk (the change manager may re-rate it) and who must approve. A standard
 * change needs nobody: it is approved by its template in the same step.
 */
async function assess(deps: ChangeDeps, caller: Caller, current: Change, edits: ChangeEdits, at: string, note: string | undefined): Promise<Change> {
  const risk = assessRisk({
    likelihood: edits.likelihood ?? current.risk.likelihood,
    severity: edits.severity ?? current.risk.severity,
    securityImpact: edits.securityImpact ?? current.risk.securityImpact,
  });
  const services = await Promise.all(current.services.map((s) => deps.catalogue.getService(s)));
  const owners = services.flatMap((s) => (s ? [{ service: s.id, username: s.owner.username, contact: s.owner }] : []));
  // A draft raised before templates were registered is checked again: an unregistered template is a normal change.
  const type = effectiveChangeType(current.type, current.template, deps.settings.standardTemplates ?? []);
  const ratedDownToLow = risk.class === 'low' && current.risk.class !== 'low';
  const approvals = requiredApprovals(type, risk.class, owners, deps.settings, ratedDownToLow);
  let next = moveChange(current, 'Assessed', caller, at, { type, risk, approvals, assessedBy: caller.name }, note);
  if (approvals.length === 0) next = { ...moveChange(next, 'Approved', caller, at, {}, `pre-approved standard change (template ${current.template})`), version: next.version };
  // Approvers are told a change awaits them (the escalation topic, `kind: change-approval`): an
  // outbox effect stored with the assessment, delivered by the outbox consumer.
  const notices = approvals.length > 0 ? [{ kind: 'notify' as const, name: 'change-approval', notification: approvalNotice(deps, current, risk, approvals, owners) }] : [];
  return store(deps, caller, 'change:assess', current, next, { outbox: effectsOf(current.id, next.version, notices) });
}

function approvalNotice(
  deps: ChangeDeps,
  current: Change,
  risk: Change['risk'],
  approvals: Change['approvals'],
  owners: readonly { readonly service: string; readonly contact: ContactRef & { readonly email?: string } }[],
): Notification {
  const recipients: ContactRef[] = owners
    .filter((o) => approvals.some((a) => a.capacity === 'service-owner' && a.service === o.service))
    .map((o) => ({ name: o.contact.name, email: o.contact.email, role: `owner of ${o.service}` }));
  return {
    topic: 'escalation',
    subject: `Change approval needed (${risk.class} risk): ${current.title}`,
    message: `Change ${current.id} "${current.title}" (${current.type}, risk ${risk.score} ${risk.class}) awaits approval by: ${approvals
      .map((a) => (a.capacity === 'service-owner' ? `owner of ${a.service} (${a.username})` : `${a.count} × ${a.capacity}`))
      .join(', ')}. Security and access impact: ${risk.securityImpact}`,
    recipients,
    attributes: {
      kind: 'change-approval',
      client: deps.settings.clientId,
      change: current.id,
      risk: risk.class,
      approvers: [...new Set(approvals.map((a) => a.capacity))].join(','),
    },
  };
}

/**
 * Scheduling checks the client's freeze windows (refused for standard and normal changes; an
 * emergency change goes ahead, marked) and flags overlaps with other scheduled changes on the same
 * services and CIs, on both changes.
 */
async function schedule(deps: ChangeDeps, caller: Caller, current: Change, edits: ChangeEdits, at: string, note: string | undefined): Promise<Change> {
  const slot = {
    start: edits.plannedStart !== undefined ? new Date(edits.plannedStart).toISOString() : current.plannedStart,
    end: edits.plannedEnd !== undefined ? new Date(edits.plannedEnd).toISOString() : current.plannedEnd,
  };
  if (!(Date.parse(slot.end) > Date.parse(slot.start))) throw new InvalidInputError([{ field: 'plannedEnd', message: 'must be after plannedStart' }]);
  const frozen = freezesHit(slot, deps.settings.freezeWindows);
  if (frozen.length > 0 && current.type !== 'emergency') {
    throw new LifecycleError(
      `The change would run in the freeze window${frozen.length > 1 ? 's' : ''} ${frozen.map((w) => `"${w.name}" (${w.start} – ${w.end})`).join(', ')}; only emergency changes may`,
      'plannedStart',
    );
  }
  const targets: ChangeTarget[] = [...current.services.map((id) => ({ kind: 'service' as const, id })), ...current.cis.map((id) => ({ kind: 'ci' as const, id }))];
  const found = await Promise.all(targets.map((t) => deps.changes.slotsOn(t, overlapLookback(slot.start), slot.end)));
  const others = [...new Set(found.flat().filter((s) => s.changeId !== current.id && overlaps(s, slot)).map((s) => s.changeId))].slice(0, MAX_FLAGGED_OVERLAPS);
  const next = moveChange(
    current,
    'Scheduled',
    caller,
    at,
    {
      plannedStart: slot.start,
      plannedEnd: slot.end,
      overlapsWith: [...new Set([...current.overlapsWith, ...others])],
      ...(frozen.length > 0 && { freezeOverride: frozen.map((w) => w.name) }),
    },
    note,
  );
  return store(deps, caller, 'change:schedule', current, next, { slots: targets, flagOverlaps: others });
}

/**
 * A vote. Votes need no If-Match (approvers vote independently); a vote that meets a concurrent
 * one is retried on the fresh change. One rejection rejects; the last approval needed approves.
 */
export async function voteOnChange(
  deps: Pick<ChangeDeps, 'changes' | 'clock' | 'audit' | 'settings'>,
  caller: Caller,
  id: string,
  request: { readonly decision: 'approve' | 'reject'; readonly reason: string; readonly capacity?: ApproverCapacity | undefined },
  /**
   * A vote cast elsewhere and relayed by an integration (the client approver's, in their
   * ServiceNow): recorded as theirs, at the time they voted there, with the integration that relayed it.
   */
  relayed?: { readonly by: string; readonly at: string },
): Promise<Change> {
  requireScope(caller, 'change:read', 'vote on changes');
  if (relayed && !caller.roles.includes('integration')) throw new ForbiddenError('Only an integration relays votes cast elsewhere', 'role');
  assertNoSecrets(request);
  for (let attempt = 1; ; attempt++) {
    const current = await loadChange(deps, id);
    if (current.state !== 'Assessed') throw new LifecycleError(`A change in state "${current.state}" is not awaiting approval`, 'state');
    const at = now(deps);
    const assessedBy = assessorOf(current);
    const voter = relayed ? { ...caller, name: relayed.by } : caller;
    const cast = castVote({ ...current, assessedBy }, voter, request, relayed?.at ?? at);
    const vote = relayed ? { ...cast, via: caller.name, recordedAt: at } : cast;
    const next = recordVote(current, vote, caller, at);
    try {
      await deps.changes.save(next, current.version, { outbox: mirrorEffects(deps, next) });
    } catch (error) {
      if (error instanceof VersionConflictError && attempt < 3) continue;
      throw error;
    }
    await deps.audit.record(recordChangeEntry(caller, `change:${request.decision}`, { type: 'change', id }, current, next));
    return next;
  }
}

export async function changeCalendar(
  deps: ChangeDeps,
  caller: Caller,
  query: { readonly from: string; readonly to: string; readonly limit: number; readonly nextToken?: string | undefined },
): Promise<Page<Change> & { readonly freezeWindows: readonly FreezeWindow[] }> {
  requireScope(caller, 'change:read', 'read the change calendar');
  const from = new Date(query.from).toISOString();
  const to = new Date(query.to).toISOString();
  const page = await deps.changes.calendar(from, to, { limit: query.limit, ...(query.nextToken && { nextToken: query.nextToken }) });
  return { ...page, freezeWindows: freezesHit({ start: from, end: to }, deps.settings.freezeWindows) };
}

export async function serviceMilestones(
  deps: ChangeDeps,
  caller: Caller,
  query: { readonly service: string; readonly limit: number; readonly nextToken?: string | undefined },
): Promise<Page<Milestone>> {
  requireScope(caller, 'change:read', 'read go-live milestones');
  return deps.changes.milestones(query.service, { limit: query.limit, ...(query.nextToken && { nextToken: query.nextToken }) });
}

// ---------------------------------------------------------------------------------------------

async function store(deps: ChangeDeps, caller: Caller, action: string, current: Change, next: Change, effects?: ChangeSideEffects): Promise<Change> {
  // The change's own effects (the approvers' notice) and, where the client approves it in their ServiceNow, its mirror.
  const outbox = [...(effects?.outbox ?? []), ...mirrorEffects(deps, next)];
  await deps.changes.save(next, current.version, outbox.length > 0 ? { ...effects, outbox } : effects);
  await deps.audit.record(recordChangeEntry(caller, action, { type: 'change', id: next.id }, current, next));
  return next;
}

/** Every version of a change the client approves is mirrored to their ServiceNow, once its approvers are known. */
function mirrorEffects(deps: Pick<ChangeDeps, 'settings'>, change: Change) {
  if (!deps.settings.syncToServiceNow || !change.approvals.some((a) => a.capacity === 'client')) return [];
  return effectsOf(change.id, change.version, [{ kind: 'servicenow-change-sync', changeId: change.id, version: change.version }]);
}

async function loadChange(deps: Pick<ChangeDeps, 'changes'>, id: string): Promise<Change> {
  const change = await deps.changes.get(id);
  if (!change) throw new NotFoundError(`No change ${id}`, 'id');
  return change;
}

export async function loadIncident(deps: ChangeDeps, ref: string): Promise<Incident> {
  const incident = ref.startsWith('INC') ? await deps.incidents.getByNumber(ref) : await deps.incidents.get(ref);
  if (!incident) throw new InvalidInputError([{ field: 'incident', message: `${ref} is not an incident` }]);
  return incident;
}

/** Services must be in the catalogue and not retired; CIs must exist. */
async function assertReferencesExist(deps: ChangeDeps, change: Change): Promise<void> {
  const [services, cis] = await Promise.all([
    Promise.all(change.services.map((id) => deps.catalogue.getService(id))),
    Promise.all(change.cis.map((id) => deps.catalogue.getCi(id))),
  ]);
  const issues: FieldIssue[] = [];
  services.forEach((service, i) => {
    if (!service) issues.push({ field: `services.${i}`, message: `"${change.services[i]}" is not a service in the catalogue` });
    else if (service.status === 'retired') issues.push({ field: `services.${i}`, message: `"${service.id}" is retired` });
  });
  cis.forEach((ci, i) => {
    if (!ci) issues.push({ field: `cis.${i}`, message: `${change.cis[i]} is not a configuration item` });
  });
  if (issues.length > 0) throw new InvalidInputError(issues);
}

function assertNoSecrets(body: unknown): void {
  const issues = findSecrets(body);
  if (issues.length > 0) throw new InvalidInputError(issues);
}

function requireScope(caller: Caller, action: ChangeAction, what: string): void {
  if (changeScope(caller, action) === 'none') throw new ForbiddenError(`Your role may not ${what}`, 'role');
}

function requireOnChange(caller: Caller, action: ChangeAction, change: Change, what: string): void {
  if (!mayActOnChange(caller, action, change)) {
    throw new ForbiddenError(
      changeScope(caller, action) === 'own' ? `Only the change's requester (${change.requestedBy}) or a change manager may ${what}` : `Your role may not ${what}`,
      'role',
    );
  }
}

const now = (deps: Pick<ChangeDeps, 'clock'>) => deps.clock.now().toISOString();

/**
 * The versions an implementation installed, recorded on the change's CIs: every update is
 * checked (a CI of the change, versions its type has) before any is written; each CI then gets a
 * new version (its history keeps the one before) and an audit record. A CI that records the
 * versions already is left alone, so retrying the step adds nothing.
 */
async function recordInstalledVersions(
  deps: ChangeDeps,
  caller: Caller,
  change: Change,
  updates: readonly CiVersionUpdate[],
  at: string,
): Promise<{ ci: string; version: number }[]> {
  const planned: { current: ConfigurationItem; next: ConfigurationItem | undefined }[] = [];
  for (const [i, update] of updates.entries()) {
    const field = `ciUpdates.${i}`;
    if (!change.cis.includes(update.ci)) {
      throw new InvalidInputError([{ field: `${field}.ci`, message: `is not one of the CIs this change affects (${change.cis.join(', ') || 'none'})` }]);
    }
    if (updates.findIndex((u) => u.ci === update.ci) !== i) throw new InvalidInputError([{ field: `${field}.ci`, message: 'is named twice' }]);
    const current = await deps.catalogue.getCi(update.ci);
    if (!current) throw new InvalidInputError([{ field: `${field}.ci`, message: `CI ${update.ci} is not in the catalogue` }]);
    planned.push({ current, next: withInstalledVersions(current, update, caller, at, field) });
  }
  for (const { current, next } of planned) {
    if (!next) continue;
    await deps.catalogue.saveCi(next, current);
    await deps.audit.record(recordChangeEntry(caller, 'ci:update', { type: 'ci', id: next.id }, current, next));
  }
  return planned.map(({ current, next }) => ({ ci: current.id, version: (next ?? current).version }));
}
