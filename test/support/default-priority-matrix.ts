import type { Impact, Priority, Urgency } from '../../src/kernel/domain/priority';

/**
 * The default priority matrix written out cell by cell (ITIL's 3 × 3, P1 to P5): the expectation
 * both derivePriority and decidePriority are checked against, kept in one place so the two can
 * never be held to different tables. priority.test.ts checks it covers every cell.
 */
export const DEFAULT_MATRIX_CELLS: readonly [Impact, Urgency, Priority][] = [
  [1, 1, 'P1'],
  [1, 2, 'P2'],
  [1, 3, 'P3'],
  [2, 1, 'P2'],
  [2, 2, 'P3'],
  [2, 3, 'P4'],
  [3, 1, 'P3'],
  [3, 2, 'P4'],
  [3, 3, 'P5'],
];
