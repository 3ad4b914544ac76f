import {
  DEFAULT_PRIORITY_MATRIX,
  IMPACTS,
  PRIORITIES,
  URGENCIES,
  derivePriority,
  findMatrixInversions,
  priorityRank,
  type Impact,
  type Priority,
  type PriorityMatrix,
  type Urgency,
} from '../../src/kernel/domain/priority';
import { DEFAULT_MATRIX_CELLS } from '../support/default-priority-matrix';

describe('derivePriority with the default matrix', () => {
  test.each<[Impact, Urgency, Priority]>([...DEFAULT_MATRIX_CELLS])('impact %i / urgency %i → %s', (impact, urgency, expected) => {
    expect(derivePriority(DEFAULT_PRIORITY_MATRIX, impact, urgency)).toBe(expected);
  });

  test('the table above covers every impact × urgency cell', () => {
    expect(IMPACTS).toEqual([1, 2, 3]);
    expect(URGENCIES).toEqual([1, 2, 3]);
    expect(DEFAULT_MATRIX_CELLS.map(([impact, urgency]) => `${impact}×${urgency}`)).toEqual(IMPACTS.flatMap((i) => URGENCIES.map((u) => `${i}×${u}`)));
  });
});

describe('derivePriority with a custom matrix', () => {
  // A desk that treats every high-impact incident as critical and never uses P5.
  const custom: PriorityMatrix = {
    '1': { '1': 'P1', '2': 'P1', '3': 'P1' },
    '2': { '1': 'P2', '2': 'P3', '3': 'P3' },
    '3': { '1': 'P3', '2': 'P4', '3': 'P4' },
  };

  test.each<[Impact, Urgency, Priority]>([
    [1, 1, 'P1'],
    [1, 2, 'P1'],
    [1, 3, 'P1'],
    [2, 1, 'P2'],
    [2, 2, 'P3'],
    [2, 3, 'P3'],
    [3, 1, 'P3'],
    [3, 2, 'P4'],
    [3, 3, 'P4'],
  ])('impact %i / urgency %i → %s', (impact, urgency, expected) => {
    expect(derivePriority(custom, impact, urgency)).toBe(expected);
  });

  test('reads impact as the row and urgency as the column', () => {
    const asymmetric: PriorityMatrix = {
      '1': { '1': 'P1', '2': 'P1', '3': 'P1' },
      '2': { '1': 'P5', '2': 'P5', '3': 'P5' },
      '3': { '1': 'P5', '2': 'P5', '3': 'P5' },
    };
    expect(derivePriority(asymmetric, 1, 3)).toBe('P1');
    expect(derivePriority(asymmetric, 3, 1)).toBe('P5');
  });
});

describe('priorityRank', () => {
  test.each<[Priority, number]>([
    ['P1', 1],
    ['P2', 2],
    ['P3', 3],
    ['P4', 4],
    ['P5', 5],
  ])('%s ranks %i', (priority, rank) => {
    expect(priorityRank(priority)).toBe(rank);
  });

  test('ranks follow the order of PRIORITIES, P1 served first', () => {
    const ranks = PRIORITIES.map(priorityRank);
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
    expect(new Set(ranks).size).toBe(PRIORITIES.length);
  });
});

describe('findMatrixInversions', () => {
  test('the default matrix is consistent', () => {
    expect(findMatrixInversions(DEFAULT_PRIORITY_MATRIX)).toEqual([]);
  });

  test('a flat matrix (every cell the same) is consistent', () => {
    const flat: PriorityMatrix = {
      '1': { '1': 'P3', '2': 'P3', '3': 'P3' },
      '2': { '1': 'P3', '2': 'P3', '3': 'P3' },
      '3': { '1': 'P3', '2': 'P3', '3': 'P3' },
    };
    expect(findMatrixInversions(flat)).toEqual([]);
  });

  test('a matrix with one worse impact ranked higher is reported', () => {
    const inverted: PriorityMatrix = {
      '1': { '1': 'P2', '2': 'P2', '3': 'P3' },
      '2': { '1': 'P1', '2': 'P3', '3': 'P4' },
      '3': { '1': 'P3', '2': 'P4', '3': 'P5' },
    };
    expect(findMatrixInversions(inverted)).toEqual(['2/1 ranks above 1/1']);
  });

  test('a matrix with one worse urgency ranked higher is reported', () => {
    const inverted: PriorityMatrix = {
      '1': { '1': 'P1', '2': 'P2', '3': 'P3' },
      '2': { '1': 'P2', '2': 'P4', '3': 'P3' },
      '3': { '1': 'P3', '2': 'P4', '3': 'P5' },
    };
    expect(findMatrixInversions(inverted)).toEqual(['2/3 ranks above 2/2']);
  });

  test('a fully reversed matrix reports every adjacent step', () => {
    const reversed: PriorityMatrix = {
      '1': { '1': 'P5', '2': 'P4', '3': 'P3' },
      '2': { '1': 'P4', '2': 'P3', '3': 'P2' },
      '3': { '1': 'P3', '2': 'P2', '3': 'P1' },
    };
    const problems = findMatrixInversions(reversed);
    expect(problems).toHaveLength(12);
    expect(problems).toEqual(
      expect.arrayContaining(['2/1 ranks above 1/1', '1/2 ranks above 1/1', '3/3 ranks above 2/3', '3/3 ranks above 3/2']),
    );
  });
});
