import {
  ROLES,
  incidentScope,
  mayActOnIncident,
  type Caller,
  type IncidentAction,
  type Role,
} from '../../lambdas/domain/access-policy';

type Scope = ReturnType<typeof incidentScope>;
const ACTIONS: IncidentAction[] = ['incident:create', 'incident:read', 'incident:list', 'incident:update'];

/** The policy as specified, written out independently of the source table. */
const EXPECTED: Record<Role, Record<IncidentAction, Scope>> = {
  requester: { 'incident:create': 'own', 'incident:read': 'own', 'incident:list': 'own', 'incident:update': 'none' },
  agent: { 'incident:create': 'any', 'incident:read': 'any', 'incident:list': 'any', 'incident:update': 'any' },
  'service-owner': { 'incident:create': 'any', 'incident:read': 'any', 'incident:list': 'any', 'incident:update': 'any' },
  engineer: { 'incident:create': 'any', 'incident:read': 'any', 'incident:list': 'any', 'incident:update': 'any' },
  'change-manager': { 'incident:create': 'none', 'incident:read': 'any', 'incident:list': 'any', 'incident:update': 'none' },
  auditor: { 'incident:create': 'none', 'incident:read': 'any', 'incident:list': 'any', 'incident:update': 'none' },
  admin: { 'incident:create': 'any', 'incident:read': 'any', 'incident:list': 'any', 'incident:update': 'any' },
  integration: { 'incident:create': 'any', 'incident:read': 'any', 'incident:list': 'any', 'incident:update': 'any' },
};

const caller = (...roles: Role[]): Caller => ({ id: 'sub-123', name: 'carol', roles });
const OWN = { reportedBy: 'carol' };
const SOMEONE_ELSES = { reportedBy: 'dave' };

const ROLE_ACTION: [Role, IncidentAction, Scope][] = ROLES.flatMap((role) =>
  ACTIONS.map((action): [Role, IncidentAction, Scope] => [role, action, EXPECTED[role][action]]),
);

test('ROLES are the eight roles the policy covers', () => {
  expect([...ROLES].sort()).toEqual(Object.keys(EXPECTED).sort());
  expect(ROLE_ACTION).toHaveLength(32);
});

describe('incidentScope for every role × action', () => {
  test.each(ROLE_ACTION)('%s / %s → %s', (role, action, scope) => {
    expect(incidentScope(caller(role), action)).toBe(scope);
  });
});

describe('mayActOnIncident for every role × action', () => {
  test.each(ROLE_ACTION)("%s / %s (scope %s) on the caller's own incident", (role, action, scope) => {
    expect(mayActOnIncident(caller(role), action, OWN)).toBe(scope !== 'none');
  });

  test.each(ROLE_ACTION)("%s / %s (scope %s) on someone else's incident", (role, action, scope) => {
    expect(mayActOnIncident(caller(role), action, SOMEONE_ELSES)).toBe(scope === 'any');
  });
});

describe('no roles', () => {
  test.each(ACTIONS)('%s → none, and denied even on own incidents', (action) => {
    expect(incidentScope(caller(), action)).toBe('none');
    expect(mayActOnIncident(caller(), action, OWN)).toBe(false);
  });
});

describe('several roles take the widest scope', () => {
  test.each<[Role[], IncidentAction, Scope]>([
    [['requester', 'agent'], 'incident:read', 'any'],
    [['agent', 'requester'], 'incident:read', 'any'],
    [['requester', 'auditor'], 'incident:read', 'any'],
    [['requester', 'auditor'], 'incident:create', 'own'],
    [['auditor', 'requester'], 'incident:create', 'own'],
    [['auditor', 'change-manager'], 'incident:create', 'none'],
    [['auditor', 'change-manager'], 'incident:update', 'none'],
    [['requester', 'change-manager'], 'incident:update', 'none'],
    [['change-manager', 'engineer'], 'incident:update', 'any'],
    [['requester', 'requester'], 'incident:list', 'own'],
    [['auditor', 'requester', 'integration'], 'incident:create', 'any'],
  ])('%j / %s → %s', (roles, action, scope) => {
    expect(incidentScope(caller(...roles), action)).toBe(scope);
  });

  test('an auditor who is also a requester may create only for themself', () => {
    const both = caller('auditor', 'requester');
    expect(mayActOnIncident(both, 'incident:create', OWN)).toBe(true);
    expect(mayActOnIncident(both, 'incident:create', SOMEONE_ELSES)).toBe(false);
    expect(mayActOnIncident(both, 'incident:read', SOMEONE_ELSES)).toBe(true);
  });
});

describe("a requester's 'own' scope", () => {
  const requester: Caller = { id: 'sub-abc', name: 'carol', roles: ['requester'] };

  test('matches reportedBy against the caller name', () => {
    expect(mayActOnIncident(requester, 'incident:read', { reportedBy: 'carol' })).toBe(true);
  });

  test('does not match reportedBy against the caller id', () => {
    expect(mayActOnIncident(requester, 'incident:read', { reportedBy: 'sub-abc' })).toBe(false);
  });

  test.each(['Carol', 'carol ', ' carol', 'caro', 'carol2', ''])('does not match reportedBy %j', (reportedBy) => {
    expect(mayActOnIncident(requester, 'incident:read', { reportedBy })).toBe(false);
  });

  test('never allows update, even on own incidents', () => {
    expect(mayActOnIncident(requester, 'incident:update', { reportedBy: 'carol' })).toBe(false);
  });
});
