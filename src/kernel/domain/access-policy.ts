/**
 * Who may do what: role × action × ownership → allow or deny, plus which fields a role may write
 * and read. Every use case asks here; nothing else decides. Roles are Cognito groups; machine
 * clients arrive as `integration`.
 */
export const ROLES = [
  'requester',
  'agent',
  'service-owner',
  'engineer',
  'change-manager',
  'auditor',
  'admin',
  'integration',
  'cab',
  'emergency-approver',
  'client-approver',
  /** The provider's Information Security Manager: security incidents only, across the client. */
  'security-manager',
] as const;
export type Role = (typeof ROLES)[number];

export const INCIDENT_ACTIONS = [
  'incident:create',
  'incident:read',
  'incident:list',
  'incident:update',
  'incident:comment',
  'incident:work-note',
  'incident:read-internal',
  'incident:confirm',
  'incident:reject',
  'incident:escalate',
  'incident:declare-major',
  /** Hierarchical escalation to the service's owner (the desk's procedure for calls it cannot resolve quickly). */
  'incident:escalate-to-owner',
  /** Flag an incident as a security incident (audited; the ISM and the client's security contact are told). */
  'incident:flag-security',
] as const;
export type IncidentAction = (typeof INCIDENT_ACTIONS)[number];

export interface Caller {
  /** Stable identity (Cognito `sub` or client id). */
  readonly id: string;
  /** The name recorded on the things the caller does (Cognito username). */
  readonly name: string;
  readonly roles: readonly Role[];
}

/** `any`: every incident; `own`: only incidents the caller reported; `none`: refused. */
export type Scope = 'any' | 'own' | 'none';
/** Incidents also have `security`: only security incidents (flagged, GuardDuty, Inspector). */
export type IncidentScope = Scope | 'security';

const A = 'any' as const;
const O = 'own' as const;
const N = 'none' as const;
const SEC = 'security' as const;

/**
 * The matrix. Requesters log incidents and follow their own; the desk (agents, engineers) does
 * the work and escalate hierarchically to the service owner; service owners also escalate
 * anywhere and declare major incidents; auditors and change managers read. Confirming or
 * rejecting a resolution is for the incident's reporter, whatever their role — hence `own` everywhere.
 */
//                         create read list update comment work-note read-internal confirm reject escalate major to-owner flag-security
const MATRIX: Readonly<Record<Role, readonly IncidentScope[]>> = {
  requester:        [O, O, O, N, O, N, N, O, O, N, N, N, N],
  agent:            [A, A, A, A, A, A, A, O, O, N, N, A, A],
  engineer:         [A, A, A, A, A, A, A, O, O, N, N, A, A],
  'service-owner':  [A, A, A, A, A, A, A, O, O, A, A, A, A],
  'change-manager': [N, A, A, N, N, N, A, O, O, N, N, N, N],
  auditor:          [N, A, A, N, N, N, A, N, N, N, N, N, N],
  admin:            [A, A, A, A, A, A, A, O, O, A, A, A, A],
  integration:      [A, A, A, A, A, A, A, N, N, N, N, N, N],
  cab:              [N, A, A, N, N, N, A, N, N, N, N, N, N],
  'emergency-approver': [N, A, A, N, N, N, A, N, N, N, N, N, N],
  'client-approver': [N, N, N, N, N, N, N, N, N, N, N, N, N],
  // The ISM oversees security incidents (ISO 27001 A.5.24–A.5.28): reads them whole and adds work
  // notes, across the client; sees nothing of other incidents, and changes none (the desk works them).
  'security-manager': [N, SEC, SEC, N, N, SEC, SEC, N, N, N, N, N, N],
};

/**
 * The widest scope any of the caller's roles grants for the action. `own` and `security` are
 * narrower than `any` and do not combine (no role holds both; were one to, `own` wins, the
 * narrower for a list).
 */
export function incidentScope(caller: Caller, action: IncidentAction): IncidentScope {
  const column = INCIDENT_ACTIONS.indexOf(action);
  let best: IncidentScope = 'none';
  for (const role of caller.roles) {
    const scope = MATRIX[role][column]!;
    if (scope === 'any') return 'any';
    if (scope === 'own') best = 'own';
    else if (scope === 'security' && best === 'none') best = 'security';
  }
  return best;
}

/**
 * Whether the caller is the person a record names. By their `sub` when the record holds it: a
 * username is freed when its account is deleted and may be given to someone else, a sub never is.
 * By username for records stored before subs were kept (and for people the desk named by username).
 */
export function isSamePerson(caller: Caller, name: string, id: string | undefined): boolean {
  return id !== undefined ? id === caller.id : name === caller.name;
}

/** True when the caller may act on this particular incident. */
export function mayActOnIncident(
  caller: Caller,
  action: IncidentAction,
  incident: { readonly reportedBy: string; readonly reportedById?: string | undefined; readonly security?: boolean | undefined },
): boolean {
  const column = INCIDENT_ACTIONS.indexOf(action);
  // Each role judged alone: an ISM who also reported an incident reads it as its reporter.
  return caller.roles.some((role) => {
    const scope = MATRIX[role][column]!;
    return scope === 'any' || (scope === 'own' && isSamePerson(caller, incident.reportedBy, incident.reportedById)) || (scope === 'security' && incident.security === true);
  });
}

/**
 * Escalating and declaring a major incident are service owners' powers over *their* services
 * (issue 20): a service owner uses them on an incident of a service they own; a role that holds
 * them on every incident (admin) anywhere. `serviceOwner`: the username of the incident's
 * service's owner, read only when the caller needs it (`needsServiceOwner`).
 */
export function needsServiceOwner(caller: Caller, action: 'incident:escalate' | 'incident:declare-major'): boolean {
  const column = INCIDENT_ACTIONS.indexOf(action);
  return !caller.roles.some((role) => role !== 'service-owner' && MATRIX[role][column] === 'any');
}

export function mayUseOwnerPower(caller: Caller, action: 'incident:escalate' | 'incident:declare-major', serviceOwner: string | undefined): boolean {
  if (!needsServiceOwner(caller, action)) return true;
  return caller.roles.includes('service-owner') && serviceOwner !== undefined && serviceOwner === caller.name;
}

/**
 * Fields a requester may send when logging an incident; the desk may send every field. Not
 * `channel`: the server sets it for requesters (they could otherwise claim `monitoring`).
 */
const REQUESTER_CREATE_FIELDS = new Set([
  'shortDescription', 'description', 'impact', 'urgency', 'usersAffected', 'service', 'category', 'subcategory',
  'reportedBy', 'detectedAt',
]);

/** Fields only service owners and admins may change. */
const MAJOR_INCIDENT_FIELDS = new Set(['major', 'majorReason']);

/** The first field of `fields` the caller may not write, or undefined when all are allowed. */
export function firstForbiddenField(caller: Caller, operation: 'create' | 'update', fields: readonly string[]): string | undefined {
  const desk = incidentScope(caller, operation === 'create' ? 'incident:create' : 'incident:update') === 'any';
  const mayDeclareMajor = incidentScope(caller, 'incident:declare-major') === 'any';
  return fields.find((field) => {
    if (MAJOR_INCIDENT_FIELDS.has(field)) return !mayDeclareMajor;
    if (operation === 'create' && !desk) return !REQUESTER_CREATE_FIELDS.has(field);
    return false;
  });
}

/** Fields left out of an incident for callers who may not see the desk's internal work. */
export const INTERNAL_INCIDENT_FIELDS = ['escalations', 'majorReason', 'disasterRecoveryPlan'] as const;

export function mayReadInternal(caller: Caller, incident: { readonly reportedBy: string; readonly reportedById?: string | undefined; readonly security?: boolean | undefined }): boolean {
  return mayActOnIncident(caller, 'incident:read-internal', incident);
}

/** Reports (SLA compliance and the like): the desk, owners, managers and auditors; not requesters or machine clients. */
const REPORT_READERS: ReadonlySet<Role> = new Set(['agent', 'engineer', 'service-owner', 'change-manager', 'auditor', 'admin']);

export function mayReadReports(caller: Caller): boolean {
  return caller.roles.some((role) => REPORT_READERS.has(role));
}

export const AUDIT_ACTIONS = ['audit:read', 'audit:verify'] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/**
 * Who may read and verify the audit trail: auditors only. Segregation of duties (ISO 27001
 * A.5.3, A.8.15): the people whose actions the trail records — admins included — do not review
 * it. Nobody may change it: there is no action for that at all.
 */
const AUDIT_MATRIX: Readonly<Record<Role, readonly AuditAction[]>> = {
  requester: [],
  agent: [],
  engineer: [],
  'service-owner': [],
  'change-manager': [],
  auditor: ['audit:read', 'audit:verify'],
  admin: [],
  integration: [],
  cab: [],
  'emergency-approver': [],
  'client-approver': [],
  'security-manager': [],
};

export function mayUseAuditTrail(caller: Caller, action: AuditAction): boolean {
  return caller.roles.some((role) => AUDIT_MATRIX[role].includes(action));
}

/**
 * The service catalogue and configuration items. Agents, engineers and the other desk roles read
 * everything; service owners change their own services (and create services they own); admins
 * manage every service and every CI; requesters and machine clients see service names and status
 * only, which is all they need to log an incident.
 */
export const CATALOGUE_ACTIONS = ['service:read', 'service:create', 'service:change', 'ci:read', 'ci:manage'] as const;
export type CatalogueAction = (typeof CATALOGUE_ACTIONS)[number];

/** `any`: every record; `own`: services the caller owns; `summary`: id, name, status and request types only; `none`: refused. */
export type CatalogueScope = 'any' | 'own' | 'summary' | 'none';

const S = 'summary' as const;
//                                   service:read create change  ci:read ci:manage
const CATALOGUE_MATRIX: Readonly<Record<Role, readonly CatalogueScope[]>> = {
  requester:        [S, N, N, N, N],
  agent:            [A, N, N, A, N],
  engineer:         [A, N, N, A, N],
  'service-owner':  [A, O, O, A, N],
  'change-manager': [A, N, N, A, N],
  auditor:          [A, N, N, A, N],
  admin:            [A, A, A, A, A],
  integration:      [S, N, N, N, N],
  cab:              [A, N, N, A, N],
  'emergency-approver': [A, N, N, A, N],
  'client-approver': [S, N, N, N, N],
  // The ISM reads a security incident's service by name; nothing more of the catalogue.
  'security-manager': [S, N, N, N, N],
};
const CATALOGUE_RANK: Readonly<Record<CatalogueScope, number>> = { none: 0, summary: 1, own: 2, any: 3 };

/** The widest scope any of the caller's roles grants for the catalogue action. */
export function catalogueScope(caller: Caller, action: CatalogueAction): CatalogueScope {
  const column = CATALOGUE_ACTIONS.indexOf(action);
  let best: CatalogueScope = 'none';
  for (const role of caller.roles) {
    const scope = CATALOGUE_MATRIX[role][column]!;
    if (CATALOGUE_RANK[scope] > CATALOGUE_RANK[best]) best = scope;
  }
  return best;
}

/** True when the caller may create or change this service (`own`: they are its owner). */
export function mayChangeService(caller: Caller, action: 'service:create' | 'service:change', service: { readonly owner: { readonly username: string } }): boolean {
  const scope = catalogueScope(caller, action);
  return scope === 'any' || (scope === 'own' && service.owner.username === caller.name);
}

/** Service fields only admins may set or change: handing a service to another owner is the portfolio's decision. */
const ADMIN_ONLY_SERVICE_FIELDS = new Set(['owner']);

/** The first service field the caller may not change, or undefined when all are allowed. */
export function firstForbiddenServiceField(caller: Caller, fields: readonly string[]): string | undefined {
  if (catalogueScope(caller, 'service:change') === 'any') return undefined;
  return fields.find((field) => ADMIN_ONLY_SERVICE_FIELDS.has(field));
}

/**
 * Problem management, the known-error database and knowledge. Engineers and service owners
 * manage problems and known errors (admins too); agents read them, use the workarounds and link
 * the incidents they work to problems; change managers and auditors read; requesters see
 * published knowledge articles only and nothing of problems; machine clients nothing. Error
 * control's decision (raise a change, accept, defer) is the service owner's (and admins').
 */
export const PROBLEM_ACTIONS = [
  'problem:read',
  'problem:manage',
  'problem:link-incident',
  'known-error:read',
  'known-error:manage',
  'known-error:decide',
  'knowledge:read',
  'knowledge:manage',
] as const;
export type ProblemAction = (typeof PROBLEM_ACTIONS)[number];

/** `any`: everything; `published`: published knowledge articles only; `none`: refused. */
export type ProblemScope = 'any' | 'published' | 'none';

const P = 'published' as const;
//                             problem:read manage link  ke:read manage decide  ka:read manage
const PROBLEM_MATRIX: Readonly<Record<Role, readonly ProblemScope[]>> = {
  requester:        [N, N, N, N, N, N, P, N],
  agent:            [A, N, A, A, N, N, A, A],
  engineer:         [A, A, A, A, A, N, A, A],
  'service-owner':  [A, A, A, A, A, A, A, A],
  'change-manager': [A, N, N, A, N, N, A, N],
  auditor:          [A, N, N, A, N, N, A, N],
  admin:            [A, A, A, A, A, A, A, A],
  integration:      [N, N, N, N, N, N, N, N],
  // Approvers read the problems behind the changes they vote on; nothing else.
  cab:                  [A, N, N, A, N, N, A, N],
  'emergency-approver': [A, N, N, A, N, N, A, N],
  'client-approver':    [N, N, N, N, N, N, N, N],
  'security-manager':   [N, N, N, N, N, N, N, N],
};
const PROBLEM_RANK: Readonly<Record<ProblemScope, number>> = { none: 0, published: 1, any: 2 };

/** The widest scope any of the caller's roles grants for the problem action. */
export function problemScope(caller: Caller, action: ProblemAction): ProblemScope {
  const column = PROBLEM_ACTIONS.indexOf(action);
  let best: ProblemScope = 'none';
  for (const role of caller.roles) {
    const scope = PROBLEM_MATRIX[role][column]!;
    if (PROBLEM_RANK[scope] > PROBLEM_RANK[best]) best = scope;
  }
  return best;
}

/**
 * Changes. Whoever may raise a change edits their own drafts; the change manager assesses,
 * schedules and reviews every change; engineers and change managers implement. Approving is not
 * an action of this matrix: the change's approval requirements decide it (change-approval.ts).
 * Approvers (CAB, emergency approvers, client approvers) and auditors read every change.
 */
export const CHANGE_ACTIONS = ['change:read', 'change:create', 'change:edit', 'change:assess', 'change:schedule', 'change:implement', 'change:review'] as const;
export type ChangeAction = (typeof CHANGE_ACTIONS)[number];

//                                       read create edit assess schedule implement review
const CHANGE_MATRIX: Readonly<Record<Role, readonly Scope[]>> = {
  requester:            [N, N, N, N, N, N, N],
  agent:                [A, A, O, N, N, N, N],
  engineer:             [A, A, O, N, N, A, N],
  'service-owner':      [A, A, O, N, N, N, N],
  'change-manager':     [A, A, A, A, A, A, A],
  auditor:              [A, N, N, N, N, N, N],
  admin:                [A, A, O, N, N, N, N],
  integration:          [N, N, N, N, N, N, N],
  cab:                  [A, N, N, N, N, N, N],
  'emergency-approver': [A, N, N, N, N, N, N],
  'client-approver':    [A, N, N, N, N, N, N],
  'security-manager':   [N, N, N, N, N, N, N],
};

/** The widest scope any of the caller's roles grants for the change action. */
export function changeScope(caller: Caller, action: ChangeAction): Scope {
  const column = CHANGE_ACTIONS.indexOf(action);
  let best: Scope = 'none';
  for (const role of caller.roles) {
    const scope = CHANGE_MATRIX[role][column]!;
    if (scope === 'any') return 'any';
    if (scope === 'own') best = 'own';
  }
  return best;
}

/** True when the caller may act on this particular change (`own`: they raised it). */
export function mayActOnChange(caller: Caller, action: ChangeAction, change: { readonly requestedBy: string; readonly requestedById?: string | undefined }): boolean {
  const scope = changeScope(caller, action);
  return scope === 'any' || (scope === 'own' && isSamePerson(caller, change.requestedBy, change.requestedById));
}

/**
 * Service requests. Requesters submit requests and follow and comment on their own; the desk
 * reads and works every request; approving is for the service's owner or a change manager (in
 * the use case), never the requester.
 */
export const REQUEST_ACTIONS = ['request:create', 'request:read', 'request:comment', 'request:work', 'request:approve'] as const;
export type RequestAction = (typeof REQUEST_ACTIONS)[number];

//                                       create read comment work approve
const REQUEST_MATRIX: Readonly<Record<Role, readonly Scope[]>> = {
  requester:            [A, O, O, N, N],
  agent:                [A, A, A, A, N],
  engineer:             [A, A, A, A, N],
  'service-owner':      [A, A, A, A, O],
  'change-manager':     [A, A, A, A, A],
  auditor:              [N, A, N, N, N],
  admin:                [A, A, A, A, N],
  integration:          [A, A, A, A, N],
  cab:                  [N, N, N, N, N],
  'emergency-approver': [N, N, N, N, N],
  'client-approver':    [N, N, N, N, N],
  'security-manager':   [N, N, N, N, N],
};

export function requestScope(caller: Caller, action: RequestAction): Scope {
  const column = REQUEST_ACTIONS.indexOf(action);
  let best: Scope = 'none';
  for (const role of caller.roles) {
    const scope = REQUEST_MATRIX[role][column]!;
    if (scope === 'any') return 'any';
    if (scope === 'own') best = 'own';
  }
  return best;
}

/**
 * Monitoring events and their trends (GET /events, GET /events/trends): the desk that works the
 * incidents monitoring opens (agents, engineers), service owners, auditors and admins. Not
 * requesters (raw alarm and finding details describe the infrastructure), not machine clients.
 */
const EVENT_READERS: ReadonlySet<Role> = new Set(['agent', 'engineer', 'service-owner', 'auditor', 'admin']);

export function mayReadEvents(caller: Caller): boolean {
  return caller.roles.some((role) => EVENT_READERS.has(role));
}

/**
 * Capacity measurements and the continual improvement register (reports function). Measurements
 * are recorded by the service's owner (`own`: services they own) or an admin; improvements are
 * managed by service owners and admins and read by the desk, change managers and auditors.
 * Requesters and machine clients neither read nor write them.
 */
export const CAPACITY_IMPROVEMENT_ACTIONS = ['capacity:record', 'improvement:read', 'improvement:manage'] as const;
export type CapacityImprovementAction = (typeof CAPACITY_IMPROVEMENT_ACTIONS)[number];

//                                              record read manage
const CAPACITY_IMPROVEMENT_MATRIX: Readonly<Record<Role, readonly Scope[]>> = {
  requester:            [N, N, N],
  agent:                [N, A, N],
  engineer:             [N, A, N],
  'service-owner':      [O, A, A],
  'change-manager':     [N, A, N],
  auditor:              [N, A, N],
  admin:                [A, A, A],
  integration:          [N, N, N],
  cab:                  [N, N, N],
  'emergency-approver': [N, N, N],
  'client-approver':    [N, N, N],
  'security-manager':   [N, N, N],
};

export function capacityImprovementScope(caller: Caller, action: CapacityImprovementAction): Scope {
  const column = CAPACITY_IMPROVEMENT_ACTIONS.indexOf(action);
  let best: Scope = 'none';
  for (const role of caller.roles) {
    const scope = CAPACITY_IMPROVEMENT_MATRIX[role][column]!;
    if (scope === 'any') return 'any';
    if (scope === 'own') best = 'own';
  }
  return best;
}

/**
 * On call: schedules (rotas, overrides) and escalation policies. The desk (agents, engineers)
 * and its managers (service owners, change managers, admins) keep them; auditors read them too.
 * Requesters, approvers and machine clients neither read nor write them: a rota names people and
 * when they can be reached.
 */
export const ONCALL_ACTIONS = ['oncall:read', 'oncall:manage'] as const;
export type OnCallAction = (typeof ONCALL_ACTIONS)[number];

const ONCALL_MATRIX: Readonly<Record<Role, readonly OnCallAction[]>> = {
  requester: [],
  agent: ['oncall:read', 'oncall:manage'],
  engineer: ['oncall:read', 'oncall:manage'],
  'service-owner': ['oncall:read', 'oncall:manage'],
  'change-manager': ['oncall:read', 'oncall:manage'],
  auditor: ['oncall:read'],
  admin: ['oncall:read', 'oncall:manage'],
  integration: [],
  cab: [],
  'emergency-approver': [],
  'client-approver': [],
  'security-manager': [],
};

export function mayUseOnCall(caller: Caller, action: OnCallAction): boolean {
  return caller.roles.some((role) => ONCALL_MATRIX[role].includes(action));
}
