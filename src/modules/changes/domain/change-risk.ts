/**
 * Change risk: likelihood (1–5) × severity (1–5) → score (1–25) → class. Pure.
 *
 * | score  | class     |
 * |--------|-----------|
 * | 1–4    | low       |
 * | 5–9    | medium    |
 * | 10–15  | high      |
 * | 16–25  | very high |
 */
export const RISK_CLASSES = ['low', 'medium', 'high', 'very high'] as const;
export type RiskClass = (typeof RISK_CLASSES)[number];

export interface Risk {
  readonly likelihood: number;
  readonly severity: number;
  readonly score: number;
  readonly class: RiskClass;
  /** Mandatory: what the change does to security and to who can access what. */
  readonly securityImpact: string;
}

export function riskScore(likelihood: number, severity: number): number {
  if (![likelihood, severity].every((n) => Number.isInteger(n) && n >= 1 && n <= 5)) {
    throw new RangeError('likelihood and severity are whole numbers from 1 to 5');
  }
  return likelihood * severity;
}

export function riskClass(score: number): RiskClass {
  if (score <= 4) return 'low';
  if (score <= 9) return 'medium';
  if (score <= 15) return 'high';
  return 'very high';
}

export function assessRisk(input: { readonly likelihood: number; readonly severity: number; readonly securityImpact: string }): Risk {
  const score = riskScore(input.likelihood, input.severity);
  return { likelihood: input.likelihood, severity: input.severity, score, class: riskClass(score), securityImpact: input.securityImpact };
}
