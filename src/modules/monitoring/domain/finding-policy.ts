import type { Impact, Priority, Urgency } from '../../../kernel/domain/priority';

/** How security findings (GuardDuty, Inspector) become incidents: pure decisions from the client's monitoring settings. */

export const FINDING_SEVERITIES = ['critical', 'high', 'medium', 'low'] as const;
export type FindingSeverity = (typeof FINDING_SEVERITIES)[number];

/** monitoring.findingPriorities: the priority each finding severity is logged at. */
export type FindingPriorities = Readonly<Record<FindingSeverity, Priority>>;

export const DEFAULT_FINDING_PRIORITIES = { critical: 'P1', high: 'P2', medium: 'P3', low: 'P4' } as const satisfies FindingPriorities;

/** GuardDuty's numeric severity: ≥ 9 critical, 7–8.9 high, 4–6.9 medium, below 4 low. */
export function guardDutySeverity(severity: number): FindingSeverity {
  if (severity >= 9) return 'critical';
  if (severity >= 7) return 'high';
  if (severity >= 4) return 'medium';
  return 'low';
}

export const INSPECTOR_SEVERITIES = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFORMATIONAL', 'UNTRIAGED'] as const;
export type InspectorSeverity = (typeof INSPECTOR_SEVERITIES)[number];

/** Inspector's severity label; INFORMATIONAL and UNTRIAGED findings are recorded, never incidents. */
export function inspectorSeverity(severity: InspectorSeverity): FindingSeverity | undefined {
  switch (severity) {
    case 'CRITICAL':
      return 'critical';
    case 'HIGH':
      return 'high';
    case 'MEDIUM':
      return 'medium';
    case 'LOW':
      return 'low';
    case 'INFORMATIONAL':
    case 'UNTRIAGED':
      return undefined;
  }
}

export const findingPriority = (priorities: FindingPriorities, severity: FindingSeverity): Priority => priorities[severity];

/** Impact and urgency recorded alongside the configured priority (the priority itself comes from the configuration). */
export function findingImpactAndUrgency(priority: Priority): { impact: Impact; urgency: Urgency } {
  switch (priority) {
    case 'P1':
      return { impact: 1, urgency: 1 };
    case 'P2':
      return { impact: 1, urgency: 2 };
    case 'P3':
      return { impact: 2, urgency: 2 };
    case 'P4':
      return { impact: 2, urgency: 3 };
    default:
      return { impact: 3, urgency: 3 };
  }
}

/** P1 is the highest: true when `candidate` outranks `current`. */
export const isHigherPriority = (candidate: Priority, current: Priority): boolean => candidate < current;

export const REMEDIATED_RESOLUTION_CODE = 'Remediated' as const;

/**
 * The GuardDuty finding to archive now that its incident is stored in `incident`: only a closed
 * incident opened from a GuardDuty finding whose detector ingestion recorded (Inspector findings
 * have no detector and are not archived).
 */
export function guardDutyFindingToArchive(incident: {
  readonly state: string;
  readonly findingId?: string;
  readonly guardDutyDetectorId?: string;
}): { readonly detectorId: string; readonly findingId: string } | undefined {
  if (incident.state !== 'Closed' || !incident.findingId || !incident.guardDutyDetectorId) return undefined;
  return { detectorId: incident.guardDutyDetectorId, findingId: incident.findingId };
}
