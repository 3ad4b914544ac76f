/** The on-call practice's domain: schedules (rotas) and escalation policies. Pure. */
export * from './schedule';
