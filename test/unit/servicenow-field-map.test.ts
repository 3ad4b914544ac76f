import { exchangedFields, planInbound, reconcile, type ServiceNowMapping } from '../../src/modules/servicenow/domain/field-map';
import { DEFAULT_SERVICENOW_MAPS } from '../../src/config/servicenow-settings-schema';
import type { Incident } from '../../src/modules/incidents/domain';

const mapping: ServiceNowMapping = {
  ...DEFAULT_SERVICENOW_MAPS,
  assignmentGroups: { 'service-desk': 'a'.repeat(32) },
  customFields: [{ field: 'u_users_affected', ours: 'usersAffected', direction: 'in', owner: 'servicenow' }],
  owner: 'rowe-itsm',
};
const fields = exchangedFields(mapping);

describe('three-way reconciliation against the last agreed values', () => {
  test('a field one side changed flows to the other; equal values are agreed', () => {
    const base = { short_description: 'a', urgency: '3' };
    expect(reconcile(base, { short_description: 'b', urgency: '3' }, { short_description: 'a', urgency: '1' }, fields)).toEqual({
      toTheirs: { short_description: 'b' },
      toOurs: { urgency: '1' },
      agreed: {},
      conflicts: [],
    });
    expect(reconcile(base, { short_description: 'b' }, { short_description: 'b' }, fields).agreed).toEqual({ short_description: 'b' });
  });

  test('both sides changed a field: its owner wins and the conflict is reported', () => {
    const result = reconcile({ short_description: 'a', u_users_affected: '5' }, { short_description: 'ours', u_users_affected: '7' }, { short_description: 'theirs', u_users_affected: '9' }, fields);
    expect(result.toTheirs).toEqual({ short_description: 'ours' });
    // u_users_affected is inbound only: their value comes here whatever ours is.
    expect(result.toOurs).toEqual({ u_users_affected: '9' });
    expect(result.conflicts).toEqual([{ field: 'short_description', kept: 'rowe-itsm', ours: 'ours', theirs: 'theirs' }]);
  });
});

describe('their changes as steps of our lifecycle', () => {
  const incident = { id: 'i', state: 'Resolved', impact: 3, urgency: 3, onHoldReason: undefined } as unknown as Incident;
  test('Resolved → In Progress there is a reopen here', () => {
    expect(planInbound(incident, { state: '2' }, { state: '2' }, mapping, 'INC0010001').steps).toEqual([{ kind: 'reopen', reason: 'Reopened in ServiceNow (INC0010001)' }]);
  });
  test('a resolution from New starts work first and carries the mapped close code', () => {
    const fresh = { ...incident, state: 'New' } as Incident;
    expect(planInbound(fresh, { state: '6' }, { state: '6', close_code: 'Solved (Work Around)', close_notes: 'rebooted' }, mapping, 'INC1').steps).toEqual([
      { kind: 'update', changes: { state: 'In Progress' } },
      { kind: 'update', changes: { state: 'Resolved', resolutionCode: 'Solved (workaround)', resolutionNotes: 'rebooted' } },
    ]);
  });
  test('values we cannot hold are listed, not guessed', () => {
    const plan = planInbound({ ...incident, state: 'In Progress' } as Incident, { state: '99', assignment_group: 'b'.repeat(32) }, {}, mapping, 'INC1');
    expect(plan.refused.map((r) => r.field).sort()).toEqual(['assignment_group', 'state']);
    expect(plan.steps).toEqual([]);
  });
});
