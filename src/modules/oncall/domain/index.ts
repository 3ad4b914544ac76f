/** The on-call practice's domain: schedules (rotas), their records and calendars, escalation policies. Pure. */
export * from './schedule';
export * from './schedule-record';
export * from './icalendar';
export * from './escalation-policy';
export type { Versioned } from './versioned';
export * from './paging';
export * from './person';
