/**
 * The public entry of the incidents module's app: what other modules may use of it
 * (test/unit/module-boundaries.test.ts). Everything else in this folder is the module's own business.
 */
export type { IncidentRepository, ReportAggregates, SlaScheduler } from './ports';
export { alarmTrackingPolicyOf, slaPolicyOf, slaReport, slaStartEffects, withSlaFacts } from './sla-use-cases';
export { addTimelineEntry, createIncidentOnce, relayResolutionDecision, updateIncident } from './incident-use-cases';
export type { IncidentDeps, IncidentPolicySettings } from './incident-use-cases';
export { securityContactOf, securityNoticeEffects, type SecurityAudience } from './security-notifications';
