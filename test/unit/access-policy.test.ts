import {
  AUDIT_ACTIONS,
  mayUseAuditTrail,
  mayReadEvents,
  INCIDENT_ACTIONS,
  INTERNAL_INCIDENT_FIELDS,
  ROLES,
  firstForbiddenField,
  incidentScope,
  mayActOnIncident,
  mayReadInternal,
  type Caller,
  type IncidentAction,
  type Role,
  type IncidentScope as Scope,
} from '../../src/kernel/domain/access-policy';

const ACTIONS: IncidentAction[] = [
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
  'incident:escalate-to-owner',
  'incident:flag-security',
];

/** A row of the policy, in the order of ACTIONS. */
function row(...scopes: Scope[]): Record<IncidentAction, Scope> {
  if (scopes.length !== ACTIONS.length) throw new Error(`a row needs ${ACTIONS.length} scopes, got ${scopes.length}`);
  return Object.fromEntries(ACTIONS.map((action, i) => [action, scopes[i]!])) as Record<IncidentAction, Scope>;
}

// The whole desk escalates hierarchically to the service owner; only owners and admins escalate anywhere.
const desk = (escalate: Scope) =>
  //   create read   list   update comment work-note read-internal confirm reject escalate declare-major to-owner flag-security
  row('any', 'any', 'any', 'any', 'any', 'any', 'any', 'own', 'own', escalate, escalate, 'any', 'any');

/** The policy as specified, written out independently of the source table. */
const EXPECTED: Record<Role, Record<IncidentAction, Scope>> = {
  requester: row('own', 'own', 'own', 'none', 'own', 'none', 'none', 'own', 'own', 'none', 'none', 'none', 'none'),
  agent: desk('none'),
  engineer: desk('none'),
  'service-owner': desk('any'),
  admin: desk('any'),
  'change-manager': row('none', 'any', 'any', 'none', 'none', 'none', 'any', 'own', 'own', 'none', 'none', 'none', 'none'),
  auditor: row('none', 'any', 'any', 'none', 'none', 'none', 'any', 'none', 'none', 'none', 'none', 'none', 'none'),
  integration: row('any', 'any', 'any', 'any', 'any', 'any', 'any', 'none', 'none', 'none', 'none', 'none', 'none'),
  // Change approvers: the CAB and emergency approvers read incidents (emergency changes answer them); client approvers do not.
  cab: row('none', 'any', 'any', 'none', 'none', 'none', 'any', 'none', 'none', 'none', 'none', 'none', 'none'),
  'emergency-approver': row('none', 'any', 'any', 'none', 'none', 'none', 'any', 'none', 'none', 'none', 'none', 'none', 'none'),
  'client-approver': row('none', 'none', 'none', 'none', 'none', 'none', 'none', 'none', 'none', 'none', 'none', 'none', 'none'),
  // The provider's Information Security Manager: security incidents only, read whole, work notes; nothing else.
  'security-manager': row('none', 'security', 'security', 'none', 'none', 'security', 'security', 'none', 'none', 'none', 'none', 'none', 'none'),
};

const caller = (...roles: Role[]): Caller => ({ id: 'sub-123', name: 'carol', roles });
const OWN = { reportedBy: 'carol' };
const SOMEONE_ELSES = { reportedBy: 'dave' };

const ROLE_ACTION: [Role, IncidentAction, Scope][] = ROLES.flatMap((role) =>
  ACTIONS.map((action): [Role, IncidentAction, Scope] => [role, action, EXPECTED[role][action]]),
);

test('ROLES are the twelve roles the policy covers', () => {
  expect([...ROLES].sort()).toEqual(Object.keys(EXPECTED).sort());
  expect(ROLE_ACTION).toHaveLength(12 * 13);
});

test('INCIDENT_ACTIONS are the thirteen actions the policy covers', () => {
  expect([...INCIDENT_ACTIONS]).toEqual(ACTIONS);
});

describe('incidentScope for every role × action', () => {
  test.each(ROLE_ACTION)('%s / %s → %s', (role, action, scope) => {
    expect(incidentScope(caller(role), action)).toBe(scope);
  });
});

describe('mayActOnIncident for every role × action', () => {
  test.each(ROLE_ACTION)("%s / %s (scope %s) on the caller's own incident", (role, action, scope) => {
    expect(mayActOnIncident(caller(role), action, OWN)).toBe(scope === 'any' || scope === 'own');
  });

  test.each(ROLE_ACTION)("%s / %s (scope %s) on someone else's incident", (role, action, scope) => {
    expect(mayActOnIncident(caller(role), action, SOMEONE_ELSES)).toBe(scope === 'any');
  });

  test.each(ROLE_ACTION)("%s / %s (scope %s) on someone else's security incident", (role, action, scope) => {
    expect(mayActOnIncident(caller(role), action, { ...SOMEONE_ELSES, security: true })).toBe(scope === 'any' || scope === 'security');
  });
});

describe("the Information Security Manager's 'security' scope", () => {
  const ism = caller('security-manager');

  test('reads security incidents whole (internal fields and work included), across the client, and nothing else', () => {
    expect(mayActOnIncident(ism, 'incident:read', { reportedBy: 'dave', security: true })).toBe(true);
    expect(mayReadInternal(ism, { reportedBy: 'dave', security: true })).toBe(true);
    expect(mayActOnIncident(ism, 'incident:read', { reportedBy: 'dave', security: false })).toBe(false);
    expect(mayActOnIncident(ism, 'incident:read', { reportedBy: 'dave' })).toBe(false);
    expect(mayReadInternal(ism, { reportedBy: 'dave' })).toBe(false);
  });

  test('changes no incident, flags none, and the scope never widens to every incident', () => {
    for (const action of ['incident:update', 'incident:comment', 'incident:flag-security', 'incident:escalate'] as const) {
      expect(mayActOnIncident(ism, action, { reportedBy: 'dave', security: true })).toBe(false);
    }
    expect(incidentScope(caller('security-manager', 'requester'), 'incident:read')).toBe('own');
    expect(incidentScope(caller('security-manager', 'agent'), 'incident:read')).toBe('any');
  });

  test('an ISM who also reports incidents reads their own and every security incident', () => {
    const both = caller('security-manager', 'requester');
    expect(mayActOnIncident(both, 'incident:read', OWN)).toBe(true);
    expect(mayActOnIncident(both, 'incident:read', { reportedBy: 'dave', security: true })).toBe(true);
    expect(mayActOnIncident(both, 'incident:read', SOMEONE_ELSES)).toBe(false);
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
    [['requester', 'agent'], 'incident:comment', 'any'],
    [['requester', 'auditor'], 'incident:comment', 'own'],
    [['requester', 'auditor'], 'incident:read-internal', 'any'],
    [['requester', 'integration'], 'incident:confirm', 'own'],
    [['auditor', 'integration'], 'incident:confirm', 'none'],
    [['auditor', 'integration'], 'incident:reject', 'none'],
    [['agent', 'engineer'], 'incident:escalate', 'none'],
    [['agent', 'service-owner'], 'incident:escalate', 'any'],
    [['requester', 'auditor', 'integration'], 'incident:escalate-to-owner', 'none'],
    [['requester', 'engineer'], 'incident:escalate-to-owner', 'any'],
    [['integration', 'admin'], 'incident:declare-major', 'any'],
    [['engineer', 'integration', 'auditor'], 'incident:declare-major', 'none'],
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

describe('confirming and rejecting are for the reporter, whatever the role', () => {
  const confirmers: Role[] = ['requester', 'agent', 'engineer', 'service-owner', 'change-manager', 'admin'];

  test.each(confirmers.flatMap((role) => (['incident:confirm', 'incident:reject'] as const).map((action): [Role, IncidentAction] => [role, action])))(
    '%s may %s their own incident but not someone else\'s',
    (role, action) => {
      expect(mayActOnIncident(caller(role), action, OWN)).toBe(true);
      expect(mayActOnIncident(caller(role), action, SOMEONE_ELSES)).toBe(false);
    },
  );

  test.each<Role>(['auditor', 'integration'])('%s may not confirm or reject, even as reportedBy', (role) => {
    expect(mayActOnIncident(caller(role), 'incident:confirm', OWN)).toBe(false);
    expect(mayActOnIncident(caller(role), 'incident:reject', OWN)).toBe(false);
  });

  test('no role confirms or rejects any incident', () => {
    for (const role of ROLES) {
      expect(incidentScope(caller(role), 'incident:confirm')).not.toBe('any');
      expect(incidentScope(caller(role), 'incident:reject')).not.toBe('any');
    }
  });
});

describe('mayReadInternal', () => {
  test.each(ROLES.map((role): [Role, Scope] => [role, EXPECTED[role]['incident:read-internal']]))(
    '%s (read-internal %s)',
    (role, scope) => {
      expect(mayReadInternal(caller(role), SOMEONE_ELSES)).toBe(scope === 'any');
      expect(mayReadInternal(caller(role), OWN)).toBe(scope === 'any' || scope === 'own');
    },
  );

  test('a requester may not see internal work even on an incident they reported', () => {
    expect(mayReadInternal(caller('requester'), OWN)).toBe(false);
  });

  test('a requester who is also an agent may', () => {
    expect(mayReadInternal(caller('requester', 'agent'), OWN)).toBe(true);
  });

  test('with no roles nothing internal is visible', () => {
    expect(mayReadInternal(caller(), OWN)).toBe(false);
  });
});

test('INTERNAL_INCIDENT_FIELDS are the escalations and the major-incident details', () => {
  expect([...INTERNAL_INCIDENT_FIELDS].sort()).toEqual(['disasterRecoveryPlan', 'escalations', 'majorReason']);
});

describe('firstForbiddenField', () => {
  const REQUESTER_CREATE = ['shortDescription', 'description', 'impact', 'urgency', 'usersAffected', 'service', 'category', 'subcategory', 'reportedBy', 'detectedAt'];
  // channel: set by the server for requesters (issue 20: they could claim `monitoring`).
  const DESK_ONLY_CREATE = ['assignmentGroup', 'assignee', 'workaround', 'channel'];
  const MAJOR = ['major', 'majorReason'];

  test('a requester may send every field of the requester create list', () => {
    expect(firstForbiddenField(caller('requester'), 'create', REQUESTER_CREATE)).toBeUndefined();
  });

  test.each([...DESK_ONLY_CREATE, ...MAJOR])('a requester may not send %s when logging an incident', (field) => {
    expect(firstForbiddenField(caller('requester'), 'create', ['shortDescription', field, 'impact'])).toBe(field);
  });

  test('names the first forbidden field in the order given', () => {
    expect(firstForbiddenField(caller('requester'), 'create', ['service', 'workaround', 'assignee'])).toBe('workaround');
    expect(firstForbiddenField(caller('requester'), 'create', ['service', 'assignee', 'workaround'])).toBe('assignee');
  });

  test('an empty field list has nothing forbidden', () => {
    for (const role of ROLES) {
      expect(firstForbiddenField(caller(role), 'create', [])).toBeUndefined();
      expect(firstForbiddenField(caller(role), 'update', [])).toBeUndefined();
    }
  });

  test.each<Role>(['agent', 'engineer', 'integration', 'service-owner', 'admin'])('%s may send every plain field on create and update', (role) => {
    const plain = [...REQUESTER_CREATE, ...DESK_ONLY_CREATE];
    expect(firstForbiddenField(caller(role), 'create', plain)).toBeUndefined();
    expect(firstForbiddenField(caller(role), 'update', [...plain, 'state', 'onHoldReason', 'resolutionCode', 'resolutionNotes', 'duplicateOf', 'reason'])).toBeUndefined();
  });

  const MAJOR_CASES: [Role, 'create' | 'update', string, string | undefined][] = ROLES.flatMap((role) =>
    (['create', 'update'] as const).flatMap((operation) =>
      MAJOR.map((field): [Role, 'create' | 'update', string, string | undefined] => [
        role,
        operation,
        field,
        EXPECTED[role]['incident:declare-major'] === 'any' ? undefined : field,
      ]),
    ),
  );

  test.each(MAJOR_CASES)('%s / %s / %s → forbidden: %p', (role, operation, field, forbidden) => {
    expect(firstForbiddenField(caller(role), operation, [field])).toBe(forbidden);
  });

  test('only service owners and admins may declare major incidents', () => {
    const allowed = ROLES.filter((role) => firstForbiddenField(caller(role), 'update', MAJOR) === undefined);
    expect(allowed.sort()).toEqual(['admin', 'service-owner']);
  });

  test('a requester who is also a service owner may send major and desk fields', () => {
    expect(firstForbiddenField(caller('requester', 'service-owner'), 'create', [...DESK_ONLY_CREATE, ...MAJOR])).toBeUndefined();
  });
});

describe('audit trail access', () => {
  // Written out, not computed: segregation of duties says only auditors review the trail, admins included.
  const EXPECTED_AUDIT_READERS: readonly Role[] = ['auditor'];

  test.each(ROLES)('%s may read and verify the audit trail only if it is the auditor role', (role) => {
    const caller: Caller = { id: `${role}-id`, name: `${role}.user`, roles: [role] };
    const expected = EXPECTED_AUDIT_READERS.includes(role);
    expect(AUDIT_ACTIONS.map((action) => mayUseAuditTrail(caller, action))).toEqual(AUDIT_ACTIONS.map(() => expected));
  });

  test('an auditor who also holds another role keeps audit access; a caller with no role has none', () => {
    expect(mayUseAuditTrail({ id: 'x', name: 'x', roles: ['admin', 'auditor'] }, 'audit:verify')).toBe(true);
    expect(mayUseAuditTrail({ id: 'y', name: 'y', roles: [] }, 'audit:read')).toBe(false);
  });
});

describe('monitoring events access', () => {
  // Written out, not computed: the desk, service owners, auditors and admins; no requesters, change managers, approvers or machine clients.
  const EXPECTED_EVENT_READERS: readonly Role[] = ['agent', 'engineer', 'service-owner', 'auditor', 'admin'];

  test.each(ROLES)('%s may read monitoring events only if listed', (role) => {
    expect(mayReadEvents({ id: `${role}-id`, name: `${role}.user`, roles: [role] })).toBe(EXPECTED_EVENT_READERS.includes(role));
  });

  test('any reading role is enough; no role is none', () => {
    expect(mayReadEvents({ id: 'x', name: 'x', roles: ['requester', 'engineer'] })).toBe(true);
    expect(mayReadEvents({ id: 'y', name: 'y', roles: [] })).toBe(false);
  });
});
