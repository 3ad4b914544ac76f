import { CREATION_IMPLIES, incidentChangeEntry } from '../../src/modules/audit/app/audit-use-cases';
import type { Incident } from '../../src/modules/incidents/domain/incident';
import { anIncident } from '../integration/support-incidents';

/** The incident a creation's record describes: its `after` values, with what the record implies. */
function incidentOfCreation(entry: ReturnType<typeof incidentChangeEntry>, created: Incident): Incident {
  const fields = Object.fromEntries((entry.changes ?? []).map((change) => [change.field, change.after]));
  return { ...CREATION_IMPLIES(entry.actor, created), ...fields } as Incident;
}

const actor = { id: 'alice.agent', name: 'alice.agent', roles: ['agent'] };

describe("a created incident's audit entry", () => {
  const created = anIncident({ recordedBy: 'alice.agent', updatedBy: 'alice.agent' });

  test('leaves out what the record implies, and the incident is exactly its after values with those', () => {
    const entry = incidentChangeEntry(actor, 'incident:create', undefined, created);
    const fields = (entry.changes ?? []).map((change) => change.field);
    for (const implied of ['id', 'recordedBy', 'updatedBy', 'updatedAt', 'version', 'escalationLevel', 'escalations', 'reopenCount']) expect(fields).not.toContain(implied);
    expect(fields).toEqual(expect.arrayContaining(['number', 'priority', 'shortDescription', 'reportedBy', 'service', 'state', 'createdAt']));
    expect((entry.changes ?? []).every((change) => change.before === undefined)).toBe(true);
    expect(incidentOfCreation(entry, created)).toEqual(created);
  });

  test('keeps a field whose value is not the implied one (logged by one person for another, created escalated)', () => {
    const unusual = { ...created, recordedBy: 'bob.agent', updatedAt: '2030-01-01T00:00:00.000Z', escalationLevel: 1 };
    const entry = incidentChangeEntry(actor, 'incident:create', undefined, unusual);
    expect(entry.changes).toEqual(
      expect.arrayContaining([
        { field: 'recordedBy', after: 'bob.agent' },
        { field: 'updatedAt', after: '2030-01-01T00:00:00.000Z' },
        { field: 'escalationLevel', after: 1 },
      ]),
    );
    expect(incidentOfCreation(entry, unusual)).toEqual(unusual);
  });

  test('a change of an existing incident still lists every changed field, those included', () => {
    const after = { ...created, version: 2, updatedBy: 'alice.agent', updatedAt: '2030-01-01T00:00:00.000Z', state: 'In Progress' as const };
    const entry = incidentChangeEntry(actor, 'incident:update', { ...created, updatedBy: 'bob.agent' }, after);
    expect((entry.changes ?? []).map((change) => change.field).sort()).toEqual(['state', 'updatedAt', 'updatedBy', 'version']);
  });
});
