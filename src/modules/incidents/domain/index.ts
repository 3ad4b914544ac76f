/**
 * The public entry of the incidents module's domain: what other modules may use of it
 * (test/unit/module-boundaries.test.ts). Everything else in this folder is the module's own business.
 */
export { reopenForAlarm, startTracking, trackAlarmState } from './alarm-tracking';
export type { AlarmTracking, AlarmTrackingPolicy } from './alarm-tracking';
export { ALL_SERVICES, dayOf } from './incident-aggregates';
export type { OutageInterval } from './incident-aggregates';
export { isOpen, OPEN_INCIDENT_STATES } from './incident-lifecycle';
export type { IncidentState } from './incident-lifecycle';
export { recordSlaFacts } from './incident-sla';
export type { TimelineEntry } from './incident-timeline';
export { changeIncident, openIncident, resolveAutomatically } from './incident';
export type { Actor, Incident, IncidentChange } from './incident';
export { SLA_TARGETS } from './sla-clock';
export { createQuotaCharge, DEFAULT_INTAKE } from './intake-policy';
export type { IntakePolicy } from './intake-policy';
export { compareClocks, targetOfTheirs } from './client-sla';
export type { ClientSla, ClientSlaSnapshot, SlaDisagreement } from './client-sla';
