import { changeProblem, newProblem, type KedbSearchRecord, type Problem } from '../../src/modules/problems/domain/problem';
import { allowedNextProblemStates, assertProblemTransition, canTransitionProblem, PROBLEM_STATES, type ProblemState } from '../../src/modules/problems/domain/problem-lifecycle';
import { InvalidInputError, LifecycleError } from '../../src/kernel/domain/domain-errors';

const actor = { id: 'u-1', name: 'erin.engineer' };
const at = '2026-11-26T09:00:00.000Z';
const search: KedbSearchRecord = { query: 'mail queue', at, by: 'erin.engineer', results: [] };

const aProblem = (state: ProblemState = 'New', extra: Partial<Problem> = {}): Problem => ({
  ...newProblem('p-1', 'PRB0000001', { title: 'Mail queue stalls', description: 'Outbound mail queues for hours', impact: 'Finance cannot invoice', priority: 'P2' }, actor, at),
  state,
  ...extra,
});

describe('the problem lifecycle', () => {
  const EXPECTED: Record<ProblemState, ProblemState[]> = {
    New: ['Assessed', 'Canceled'],
    Assessed: ['Root Cause Analysis', 'Canceled'],
    'Root Cause Analysis': ['Known Error', 'Resolved', 'Canceled'],
    'Known Error': ['Resolved', 'Canceled'],
    Resolved: ['Closed'],
    Closed: [],
    Canceled: [],
  };

  test.each(PROBLEM_STATES.flatMap((from) => PROBLEM_STATES.map((to) => [from, to] as const)))('%s → %s follows the transition table', (from, to) => {
    expect(canTransitionProblem(from, to)).toBe(EXPECTED[from].includes(to));
    if (EXPECTED[from].includes(to)) expect(() => assertProblemTransition(from, to)).not.toThrow();
    else expect(() => assertProblemTransition(from, to)).toThrow(LifecycleError);
  });

  test('final states allow nothing, and say so', () => {
    expect(allowedNextProblemStates('Closed')).toEqual([]);
    expect(() => assertProblemTransition('Closed', 'New')).toThrow(/none \(final state\)/);
  });

  test('a new problem starts New at version 1, with empty lists', () => {
    expect(aProblem()).toMatchObject({ state: 'New', version: 1, stakeholders: [], evidence: [], services: [], cis: [], createdBy: 'erin.engineer' });
  });

  test('search first: Root Cause Analysis cannot start without a recorded known-error search', () => {
    expect(() => changeProblem(aProblem('Assessed'), { state: 'Root Cause Analysis' }, actor, at)).toThrow(/Search the known-error database first/);
    const next = changeProblem(aProblem('Assessed'), { state: 'Root Cause Analysis' }, actor, at, search);
    expect(next).toMatchObject({ state: 'Root Cause Analysis', kedbSearch: search, version: 2 });
  });

  test('resolving needs a resolution, cancelling a reason, Known Error a known error', () => {
    const rca = aProblem('Root Cause Analysis', { kedbSearch: search });
    expect(() => changeProblem(rca, { state: 'Resolved' }, actor, at)).toThrow(InvalidInputError);
    expect(() => changeProblem(rca, { state: 'Canceled' }, actor, at)).toThrow(/cancelReason/);
    expect(() => changeProblem(rca, { state: 'Known Error' }, actor, at)).toThrow(/knownErrorId/);
    expect(changeProblem(rca, { state: 'Resolved', resolution: 'Queue worker pool raised' }, actor, at).state).toBe('Resolved');
    expect(() => changeProblem(rca, { resolution: 'x' }, actor, at)).toThrow(/only sent with the state change/);
  });

  test('a closed or canceled problem cannot be changed', () => {
    expect(() => changeProblem(aProblem('Closed'), { title: 'x' }, actor, at)).toThrow(LifecycleError);
    expect(() => changeProblem(aProblem('Canceled'), { priority: 'P1' }, actor, at)).toThrow(LifecycleError);
  });

  test('skipping a step is illegal (409)', () => {
    expect(() => changeProblem(aProblem('New'), { state: 'Root Cause Analysis' }, actor, at, search)).toThrow(LifecycleError);
  });
});
