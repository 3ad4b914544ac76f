import { compareClocks, targetOfTheirs, type ClientSla } from '../../src/modules/incidents/domain';

/** Their clocks (a client's ServiceNow task_sla) against ours: what is reported as a disagreement. */
describe('compareClocks', () => {
  const theirs = (overrides: Partial<ClientSla>): ClientSla => ({
    name: 'Resolution (8 hours)', target: 'resolve', stage: 'in_progress', startedAt: '2030-01-01T09:00:00.000Z', plannedEndAt: '2030-01-01T17:00:00.000Z',
    breached: false, percentage: 10, businessPercentage: 10, ...overrides,
  });
  const ours = { target: 'resolve' as const, state: 'running' as const, dueAt: '2030-01-01T17:02:00.000Z' };

  test('the same story (due times within tolerance) is no disagreement', () => {
    expect(compareClocks([ours], [theirs({})])).toEqual([]);
  });

  test('a breach on one side only, a stop on one side only, a pause on one side only, due times apart', () => {
    expect(compareClocks([ours], [theirs({ breached: true })]).map((d) => d.what)).toEqual(['breach']);
    expect(compareClocks([{ ...ours, state: 'achieved' }], [theirs({})])).toEqual([{ target: 'resolve', sla: 'Resolution (8 hours)', what: 'stopped', ours: 'achieved', theirs: 'in_progress' }]);
    expect(compareClocks([{ ...ours, state: 'paused' }], [theirs({})]).map((d) => d.what)).toEqual(['paused']);
    expect(compareClocks([ours], [theirs({ plannedEndAt: '2030-01-01T18:00:00.000Z' })])).toEqual([
      { target: 'resolve', sla: 'Resolution (8 hours)', what: 'due', ours: '2030-01-01T17:02:00.000Z', theirs: '2030-01-01T18:00:00.000Z' },
    ]);
  });

  test('cancelled clocks and clocks with no target of ours are not compared', () => {
    expect(compareClocks([ours], [theirs({ stage: 'cancelled', breached: true }), theirs({ target: undefined as never, breached: true })])).toEqual([]);
    expect([targetOfTheirs('response'), targetOfTheirs('resolution'), targetOfTheirs('other')]).toEqual(['respond', 'resolve', undefined]);
  });
});
