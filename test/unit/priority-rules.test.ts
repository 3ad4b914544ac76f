import { DEFAULT_PRIORITY_MATRIX, type Impact, type Priority, type PriorityMatrix, type Urgency } from '../../src/kernel/domain/priority';
import {
  DEFAULT_CONCURRENT_INCIDENT_THRESHOLDS,
  DEFAULT_USERS_AFFECTED_THRESHOLDS,
  decidePriority,
  type PriorityRules,
} from '../../src/kernel/domain/priority-rules';
import { DEFAULT_MATRIX_CELLS } from '../support/default-priority-matrix';

const RULES: PriorityRules = {
  matrix: DEFAULT_PRIORITY_MATRIX,
  usersAffected: DEFAULT_USERS_AFFECTED_THRESHOLDS,
  concurrentIncidents: DEFAULT_CONCURRENT_INCIDENT_THRESHOLDS,
};
const MATRIX_ONLY: PriorityRules = { matrix: DEFAULT_PRIORITY_MATRIX, usersAffected: [], concurrentIncidents: [] };

const matrixLine = (impact: Impact, urgency: Urgency, priority: Priority) =>
  `impact ${impact} × urgency ${urgency} → ${priority} (priority matrix)`;

describe('default thresholds', () => {
  test('users affected: 10 → P3, 50 → P2, 250 → P1', () => {
    expect(DEFAULT_USERS_AFFECTED_THRESHOLDS).toEqual([
      { atLeast: 10, raiseTo: 'P3' },
      { atLeast: 50, raiseTo: 'P2' },
      { atLeast: 250, raiseTo: 'P1' },
    ]);
  });

  test('concurrent incidents: 3 → P3, 5 → P2', () => {
    expect(DEFAULT_CONCURRENT_INCIDENT_THRESHOLDS).toEqual([
      { atLeast: 3, raiseTo: 'P3' },
      { atLeast: 5, raiseTo: 'P2' },
    ]);
  });
});

describe('the matrix alone', () => {
  test.each<[Impact, Urgency, Priority]>([...DEFAULT_MATRIX_CELLS])('impact %i / urgency %i → %s, with the matrix as the only reason', (impact, urgency, priority) => {
    expect(decidePriority(RULES, { impact, urgency })).toEqual({ priority, reasons: [matrixLine(impact, urgency, priority)] });
  });

  test('uses the matrix of the rules', () => {
    const flat: PriorityMatrix = {
      '1': { '1': 'P3', '2': 'P3', '3': 'P3' },
      '2': { '1': 'P3', '2': 'P3', '3': 'P3' },
      '3': { '1': 'P3', '2': 'P3', '3': 'P3' },
    };
    expect(decidePriority({ ...MATRIX_ONLY, matrix: flat }, { impact: 1, urgency: 1 })).toEqual({
      priority: 'P3',
      reasons: [matrixLine(1, 1, 'P3')],
    });
  });

  test('with no thresholds configured, large counts raise nothing', () => {
    expect(decidePriority(MATRIX_ONLY, { impact: 3, urgency: 3, usersAffected: 1_000_000, concurrentIncidents: 1000 })).toEqual({
      priority: 'P5',
      reasons: [matrixLine(3, 3, 'P5')],
    });
  });
});

describe('users affected', () => {
  test.each<[number, Priority]>([
    [1, 'P5'],
    [9, 'P5'],
    [10, 'P3'],
    [11, 'P3'],
    [49, 'P3'],
    [50, 'P2'],
    [249, 'P2'],
    [250, 'P1'],
    [251, 'P1'],
    [10_000_000, 'P1'],
  ])('%i users raise a 3/3 (P5) incident to %s', (usersAffected, priority) => {
    expect(decidePriority(RULES, { impact: 3, urgency: 3, usersAffected }).priority).toBe(priority);
  });

  test.each<[number, number, Priority]>([
    [10, 10, 'P3'],
    [50, 50, 'P2'],
    [250, 250, 'P1'],
    [120, 50, 'P2'],
  ])('%i users: the reason names the count and the threshold reached (≥ %i → %s)', (usersAffected, atLeast, priority) => {
    expect(decidePriority(RULES, { impact: 3, urgency: 3, usersAffected }).reasons).toEqual([
      matrixLine(3, 3, 'P5'),
      `${usersAffected} users affected (≥ ${atLeast}) → raised to ${priority}`,
    ]);
  });

  test.each<[Impact, Urgency, number, Priority]>([
    [1, 1, 10, 'P1'],
    [1, 1, 50, 'P1'],
    [1, 1, 5000, 'P1'],
    [1, 2, 10, 'P2'],
    [1, 2, 50, 'P2'], // same rank: not a raise
    [2, 2, 10, 'P3'],
  ])('never lowers: %i/%i with %i users stays %s, and no raise is claimed', (impact, urgency, usersAffected, priority) => {
    const decision = decidePriority(RULES, { impact, urgency, usersAffected });
    expect(decision.priority).toBe(priority);
    expect(decision.reasons).toEqual([matrixLine(impact, urgency, priority)]);
  });

  test('raises only as far as the threshold says, from a middle priority', () => {
    // 2/3 is P4; 60 users → P2.
    expect(decidePriority(RULES, { impact: 2, urgency: 3, usersAffected: 60 })).toEqual({
      priority: 'P2',
      reasons: [matrixLine(2, 3, 'P4'), '60 users affected (≥ 50) → raised to P2'],
    });
  });
});

describe('concurrent incidents on the service', () => {
  test.each<[number, Priority]>([
    [1, 'P5'],
    [2, 'P5'],
    [3, 'P3'],
    [4, 'P3'],
    [5, 'P2'],
    [6, 'P2'],
    [500, 'P2'],
  ])('%i open incidents raise a 3/3 (P5) incident to %s', (concurrentIncidents, priority) => {
    expect(decidePriority(RULES, { impact: 3, urgency: 3, concurrentIncidents }).priority).toBe(priority);
  });

  test('the reason names the count and the threshold reached', () => {
    expect(decidePriority(RULES, { impact: 3, urgency: 3, concurrentIncidents: 4 }).reasons).toEqual([
      matrixLine(3, 3, 'P5'),
      '4 open incidents on the service (≥ 3) → raised to P3',
    ]);
  });

  test('never lowers a P1', () => {
    expect(decidePriority(RULES, { impact: 1, urgency: 1, concurrentIncidents: 10 })).toEqual({
      priority: 'P1',
      reasons: [matrixLine(1, 1, 'P1')],
    });
  });
});

describe('both rules together: the highest priority wins', () => {
  test('users raise first, then concurrency raises further, each explained in order', () => {
    expect(decidePriority(RULES, { impact: 3, urgency: 3, usersAffected: 10, concurrentIncidents: 5 })).toEqual({
      priority: 'P2',
      reasons: [
        matrixLine(3, 3, 'P5'),
        '10 users affected (≥ 10) → raised to P3',
        '5 open incidents on the service (≥ 5) → raised to P2',
      ],
    });
  });

  test.each<[number, number, Priority, string[]]>([
    [250, 5, 'P1', ['250 users affected (≥ 250) → raised to P1']],
    [50, 3, 'P2', ['50 users affected (≥ 50) → raised to P2']],
    [50, 5, 'P2', ['50 users affected (≥ 50) → raised to P2']],
    [9, 3, 'P3', ['3 open incidents on the service (≥ 3) → raised to P3']],
    [9, 2, 'P5', []],
  ])('%i users and %i open incidents on a 3/3 incident → %s', (usersAffected, concurrentIncidents, priority, raises) => {
    expect(decidePriority(RULES, { impact: 3, urgency: 3, usersAffected, concurrentIncidents })).toEqual({
      priority,
      reasons: [matrixLine(3, 3, 'P5'), ...raises],
    });
  });

  test('the matrix line is always first', () => {
    for (const usersAffected of [1, 10, 50, 250]) {
      for (const concurrentIncidents of [1, 3, 5]) {
        const { reasons } = decidePriority(RULES, { impact: 2, urgency: 2, usersAffected, concurrentIncidents });
        expect(reasons[0]).toBe(matrixLine(2, 2, 'P3'));
      }
    }
  });
});

describe('custom thresholds', () => {
  test('the order thresholds are listed in does not matter', () => {
    const rules: PriorityRules = {
      ...MATRIX_ONLY,
      usersAffected: [
        { atLeast: 100, raiseTo: 'P1' },
        { atLeast: 5, raiseTo: 'P4' },
        { atLeast: 20, raiseTo: 'P2' },
      ],
    };
    expect(decidePriority(rules, { impact: 3, urgency: 3, usersAffected: 4 }).priority).toBe('P5');
    expect(decidePriority(rules, { impact: 3, urgency: 3, usersAffected: 5 }).priority).toBe('P4');
    expect(decidePriority(rules, { impact: 3, urgency: 3, usersAffected: 20 }).priority).toBe('P2');
    expect(decidePriority(rules, { impact: 3, urgency: 3, usersAffected: 100 }).reasons).toEqual([
      matrixLine(3, 3, 'P5'),
      '100 users affected (≥ 100) → raised to P1',
    ]);
  });

  test('of all the thresholds reached, the one with the highest priority applies', () => {
    const rules: PriorityRules = {
      ...MATRIX_ONLY,
      concurrentIncidents: [
        { atLeast: 2, raiseTo: 'P2' },
        { atLeast: 10, raiseTo: 'P3' },
      ],
    };
    expect(decidePriority(rules, { impact: 3, urgency: 3, concurrentIncidents: 12 })).toEqual({
      priority: 'P2',
      reasons: [matrixLine(3, 3, 'P5'), '12 open incidents on the service (≥ 2) → raised to P2'],
    });
  });

  test('does not modify the rules it is given', () => {
    const rules: PriorityRules = Object.freeze({
      matrix: DEFAULT_PRIORITY_MATRIX,
      usersAffected: Object.freeze([
        Object.freeze({ atLeast: 50, raiseTo: 'P2' as const }),
        Object.freeze({ atLeast: 10, raiseTo: 'P3' as const }),
      ]),
      concurrentIncidents: Object.freeze([]),
    });
    expect(decidePriority(rules, { impact: 3, urgency: 3, usersAffected: 60 }).priority).toBe('P2');
    expect(rules.usersAffected.map((t) => t.atLeast)).toEqual([50, 10]);
  });
});
