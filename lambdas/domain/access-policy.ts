/**
 * Who may do what: role × action × ownership → allow or deny. Every use case asks here; nothing
 * else decides. Roles are Cognito groups; machine clients arrive as `integration`.
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
] as const;
export type Role = (typeof ROLES)[number];

export type IncidentAction = 'incident:create' | 'incident:read' | 'incident:list' | 'incident:update';

export interface Caller {
  /** Stable identity (Cognito `sub` or client id). */
  readonly id: string;
  /** The name recorded on the things the caller does (Cognito username). */
  readonly name: string;
  readonly roles: readonly Role[];
}

type Scope = 'any' | 'own' | 'none';

/** `own`: only incidents the caller reported. */
const INCIDENT_POLICY: Readonly<Record<Role, Readonly<Record<IncidentAction, Scope>>>> = {
  requester: { 'incident:create': 'own', 'incident:read': 'own', 'incident:list': 'own', 'incident:update': 'none' },
  agent: { 'incident:create': 'any', 'incident:read': 'any', 'incident:list': 'any', 'incident:update': 'any' },
  'service-owner': { 'incident:create': 'any', 'incident:read': 'any', 'incident:list': 'any', 'incident:update': 'any' },
  engineer: { 'incident:create': 'any', 'incident:read': 'any', 'incident:list': 'any', 'incident:update': 'any' },
  'change-manager': { 'incident:create': 'none', 'incident:read': 'any', 'incident:list': 'any', 'incident:update': 'none' },
  auditor: { 'incident:create': 'none', 'incident:read': 'any', 'incident:list': 'any', 'incident:update': 'none' },
  admin: { 'incident:create': 'any', 'incident:read': 'any', 'incident:list': 'any', 'incident:update': 'any' },
  integration: { 'incident:create': 'any', 'incident:read': 'any', 'incident:list': 'any', 'incident:update': 'any' },
};

/** The widest scope any of the caller's roles grants for the action. */
export function incidentScope(caller: Caller, action: IncidentAction): Scope {
  let best: Scope = 'none';
  for (const role of caller.roles) {
    const scope = INCIDENT_POLICY[role][action];
    if (scope === 'any') return 'any';
    if (scope === 'own') best = 'own';
  }
  return best;
}

/** True when the caller may act on this particular incident. */
export function mayActOnIncident(
  caller: Caller,
  action: IncidentAction,
  incident: { readonly reportedBy: string },
): boolean {
  const scope = incidentScope(caller, action);
  return scope === 'any' || (scope === 'own' && incident.reportedBy === caller.name);
}
