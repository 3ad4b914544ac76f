import { fromItem, toItem } from '../../src/modules/incidents/adapters/dynamodb-incident-repository';
import { changeIncident, openIncident, type Incident, type NewIncidentInput } from '../../src/modules/incidents/domain/incident';
import { recordSlaFacts, slaTermsOf } from '../../src/modules/incidents/domain/incident-sla';
import { DEFAULT_PRIORITY_MATRIX } from '../../src/kernel/domain/priority';
import type { PriorityRules } from '../../src/kernel/domain/priority-rules';

/**
 * The incident item leaves out what the incident implies (a new incident's defaults, copies of its
 * createdAt) and fromItem puts it back: every incident reads back as it was written, and an item
 * written before (holding it all) reads the same.
 */

const RULES: PriorityRules = { matrix: DEFAULT_PRIORITY_MATRIX, usersAffected: [], concurrentIncidents: [] };
const desk = { id: 'sub-desk-1', name: 'dora.desk' };
const LOGGED = '2026-12-01T09:00:00.000Z';

function logged(input: Partial<NewIncidentInput> = {}): Incident {
  const change = openIncident({
    id: 'inc-1',
    number: 'INC0000001',
    input: { shortDescription: 'Payroll export fails', description: 'The nightly export stops', impact: 2, urgency: 2, service: 'payroll', category: 'software', channel: 'phone', reportedBy: 'carl.caller', detectedAt: LOGGED, ...input } as NewIncidentInput,
    rules: RULES,
    recordedBy: desk,
    now: LOGGED,
  });
  return recordSlaFacts(undefined, change.incident, LOGGED, false, { terms: slaTermsOf('payroll', { reference: 'MSA-7' }, LOGGED) });
}

test('a new incident is stored without its defaults and copies of createdAt, and reads back whole', () => {
  const incident = logged();
  const item = toItem(incident);
  expect(item).not.toHaveProperty('detectedAt');
  expect(item).not.toHaveProperty('escalations');
  expect(item).not.toHaveProperty('escalationLevel');
  expect(item).not.toHaveProperty('reopenCount');
  expect(item['sla']).not.toHaveProperty('history');
  expect(item['sla']).not.toHaveProperty('notices');
  expect((item['sla'] as { terms: object }).terms).not.toHaveProperty('recordedAt');
  // What it keeps: the terms' service (the incident's service may change later; the terms' may not).
  expect((item['sla'] as { terms: object }).terms).toHaveProperty('service', 'payroll');
  expect(fromItem(item)).toStrictEqual(incident);
});

test('values that differ from what the incident implies are stored and read back', () => {
  const earlier = '2026-12-01T08:30:00.000Z';
  const incident: Incident = {
    ...logged({ detectedAt: earlier }),
    escalationLevel: 2,
    reopenCount: 1,
    escalations: [{ kind: 'functional', level: 1, to: 'network-team', reason: 'No progress', at: LOGGED, by: 'dora.desk' }],
  };
  const withHistory: Incident = { ...incident, sla: { ...incident.sla!, notices: ['warn#resolve'], terms: { ...incident.sla!.terms!, recordedAt: '2026-12-02T10:00:00.000Z' } } };
  const item = toItem(withHistory);
  expect(item).toMatchObject({ detectedAt: earlier, escalationLevel: 2, reopenCount: 1, sla: { notices: ['warn#resolve'], terms: { recordedAt: '2026-12-02T10:00:00.000Z' } } });
  expect(fromItem(item)).toStrictEqual(withHistory);
});

test('an item written before, holding every value, reads the same', () => {
  const incident = logged();
  const written = { ...toItem(incident), detectedAt: LOGGED, escalations: [], escalationLevel: 0, reopenCount: 0, sla: incident.sla };
  expect(fromItem(written)).toStrictEqual(incident);
});

test('a change keeps the round trip: a state change leaves the defaults out again', () => {
  const incident = logged();
  const { incident: working } = changeIncident({ incident, changes: { state: 'In Progress' }, rules: RULES, actor: desk, now: '2026-12-01T09:05:00.000Z' });
  expect(fromItem(toItem(working))).toStrictEqual(working);
  expect(toItem(working)).not.toHaveProperty('escalations');
});
