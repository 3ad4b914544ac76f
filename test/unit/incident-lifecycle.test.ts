import { IllegalTransitionError } from '../../src/kernel/domain/domain-errors';
import {
  INCIDENT_STATES,
  allowedNextStates,
  assertTransition,
  canTransition,
  isOpen,
  type IncidentState,
} from '../../src/modules/incidents/domain/incident-lifecycle';

/** The lifecycle as documented, written out independently of the source table. */
const EXPECTED: Record<IncidentState, IncidentState[]> = {
  New: ['In Progress', 'Canceled'],
  'In Progress': ['On Hold', 'Resolved', 'Canceled'],
  'On Hold': ['In Progress', 'Canceled'],
  Resolved: ['Closed', 'In Progress'],
  Closed: [],
  Canceled: [],
};

const ALL_PAIRS: [IncidentState, IncidentState, boolean][] = INCIDENT_STATES.flatMap((from) =>
  INCIDENT_STATES.map((to): [IncidentState, IncidentState, boolean] => [from, to, EXPECTED[from].includes(to)]),
);

test('INCIDENT_STATES lists the six states', () => {
  expect([...INCIDENT_STATES]).toEqual(['New', 'In Progress', 'On Hold', 'Resolved', 'Closed', 'Canceled']);
  expect(ALL_PAIRS).toHaveLength(36);
});

describe('canTransition for every pair of states', () => {
  test.each(ALL_PAIRS)('%s → %s allowed: %s', (from, to, allowed) => {
    expect(canTransition(from, to)).toBe(allowed);
  });
});

describe('allowedNextStates', () => {
  test.each(INCIDENT_STATES.map((s) => [s]))('%s', (from) => {
    expect([...allowedNextStates(from)].sort()).toEqual([...EXPECTED[from]].sort());
  });

  test('no state may transition to itself', () => {
    for (const state of INCIDENT_STATES) expect(allowedNextStates(state)).not.toContain(state);
  });

  test('nothing leads back to New', () => {
    for (const state of INCIDENT_STATES) expect(allowedNextStates(state)).not.toContain('New');
  });
});

describe('assertTransition for every pair of states', () => {
  test.each(ALL_PAIRS.filter(([, , allowed]) => allowed))('%s → %s passes', (from, to) => {
    expect(() => assertTransition(from, to)).not.toThrow();
  });

  test.each(ALL_PAIRS.filter(([, , allowed]) => !allowed))('%s → %s throws IllegalTransitionError', (from, to) => {
    let thrown: unknown;
    try {
      assertTransition(from, to);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(IllegalTransitionError);
    const error = thrown as IllegalTransitionError;
    expect(error.kind).toBe('illegal-transition');
    expect(error.from).toBe(from);
    expect(error.to).toBe(to);
    expect([...error.allowed].sort()).toEqual([...EXPECTED[from]].sort());
    expect(error.subject).toBe('state');
    expect(error.message).toContain(`"${from}"`);
    expect(error.message).toContain(`"${to}"`);
  });

  test('the message lists the allowed next states', () => {
    expect(() => assertTransition('New', 'Resolved')).toThrow(
      'An incident in state "New" cannot move to "Resolved"; allowed next states: "In Progress", "Canceled"',
    );
  });

  test('the message says a final state allows none', () => {
    expect(() => assertTransition('Closed', 'In Progress')).toThrow(/allowed next states: none \(final state\)/);
  });
});

describe('isOpen', () => {
  test.each<[IncidentState, boolean]>([
    ['New', true],
    ['In Progress', true],
    ['On Hold', true],
    ['Resolved', false],
    ['Closed', false],
    ['Canceled', false],
  ])('%s → %s', (state, open) => {
    expect(isOpen(state)).toBe(open);
  });
});
