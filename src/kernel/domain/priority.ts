/**
 * ITIL priority = f(impact, urgency), looked up in the client's matrix. Impact and urgency run
 * from 1 (high) to 3 (low); priorities from P1 (critical) to P5 (planning).
 */
export const IMPACTS = [1, 2, 3] as const;
export const URGENCIES = [1, 2, 3] as const;
export const PRIORITIES = ['P1', 'P2', 'P3', 'P4', 'P5'] as const;

export type Impact = (typeof IMPACTS)[number];
export type Urgency = (typeof URGENCIES)[number];
export type Priority = (typeof PRIORITIES)[number];

/** `matrix[impact][urgency]` is the priority. */
export type PriorityMatrix = Readonly<Record<`${Impact}`, Readonly<Record<`${Urgency}`, Priority>>>>;

/** The matrix most ITIL desks start from: the priority drops one step per step of impact or urgency. */
export const DEFAULT_PRIORITY_MATRIX: PriorityMatrix = {
  '1': { '1': 'P1', '2': 'P2', '3': 'P3' },
  '2': { '1': 'P2', '2': 'P3', '3': 'P4' },
  '3': { '1': 'P3', '2': 'P4', '3': 'P5' },
};

export function derivePriority(matrix: PriorityMatrix, impact: Impact, urgency: Urgency): Priority {
  return matrix[`${impact}`][`${urgency}`];
}

/** 1 for P1 … 5 for P5: lower ranks are served first. */
export function priorityRank(priority: Priority): number {
  return PRIORITIES.indexOf(priority) + 1;
}

/**
 * A matrix must never rank a worse impact/urgency above a better one; otherwise the desk would
 * see a 3/3 ticket jump a 1/1. Returns the cells that break the rule, empty when consistent.
 */
export function findMatrixInversions(matrix: PriorityMatrix): string[] {
  const problems: string[] = [];
  for (const impact of IMPACTS) {
    for (const urgency of URGENCIES) {
      const here = priorityRank(derivePriority(matrix, impact, urgency));
      if (impact < 3 && priorityRank(derivePriority(matrix, (impact + 1) as Impact, urgency)) < here) {
        problems.push(`${impact + 1}/${urgency} ranks above ${impact}/${urgency}`);
      }
      if (urgency < 3 && priorityRank(derivePriority(matrix, impact, (urgency + 1) as Urgency)) < here) {
        problems.push(`${impact}/${urgency + 1} ranks above ${impact}/${urgency}`);
      }
    }
  }
  return problems;
}
