/**
 * How long each kind of record keeps personal data (client config `retention`), and what happens
 * when that time is up. Pure rules: the jobs and adapters that enforce them read these.
 *
 * A record is either deleted whole (nothing in it is evidence once its time is up: DynamoDB TTL
 * removes it, or, for the audit trail, the pruning run of the chainer, which must keep the chain
 * verifiable) or pseudonymised (the record is evidence of the service — trends, SLA, change
 * history — but the people in it are not: their names are replaced by a pseudonym and their free
 * text about themselves removed, see pseudonymisation.ts).
 */
export const RETENTION_RECORD_TYPES = ['incidents', 'requests', 'changes', 'problems', 'auditRecords', 'outboxItems'] as const;
export type RetentionRecordType = (typeof RETENTION_RECORD_TYPES)[number];

export type RetentionAction = 'pseudonymise' | 'delete';

export interface RetentionRule {
  /** What happens to a record once its retention has passed. */
  readonly action: RetentionAction;
  /** What the period is counted from. */
  readonly from: 'closure' | 'creation';
  /** How it is enforced. */
  readonly by: 'pseudonymisation job' | 'audit pruning' | 'DynamoDB TTL';
  readonly defaultDays: number;
  readonly minDays: number;
  readonly maxDays: number;
  /** Why the minimum is what it is (the config error quotes it). */
  readonly minReason: string;
}

const YEAR = 365;

/**
 * Defaults an ISO/IEC 27001 auditor accepts: process records stay whole for the current
 * certification cycle and the one before (A.5.26–5.28: evidence, lessons learnt; A.8.32: change
 * history), the audit trail as long (A.8.15; never less than one surveillance year), and
 * transient delivery items a month.
 */
export const RETENTION_RULES: Readonly<Record<RetentionRecordType, RetentionRule>> = {
  incidents: { action: 'pseudonymise', from: 'closure', by: 'pseudonymisation job', defaultDays: 3 * YEAR, minDays: 90, maxDays: 10 * YEAR, minReason: 'a closed incident must outlive its reopen, problem and SLA-report windows' },
  requests: { action: 'pseudonymise', from: 'closure', by: 'pseudonymisation job', defaultDays: 2 * YEAR, minDays: 90, maxDays: 10 * YEAR, minReason: 'a closed request must outlive its fulfilment reports' },
  changes: { action: 'pseudonymise', from: 'closure', by: 'pseudonymisation job', defaultDays: 3 * YEAR, minDays: YEAR, maxDays: 10 * YEAR, minReason: 'change history is audit evidence for at least a surveillance year (A.8.32)' },
  problems: { action: 'pseudonymise', from: 'closure', by: 'pseudonymisation job', defaultDays: 3 * YEAR, minDays: YEAR, maxDays: 10 * YEAR, minReason: 'known errors are evidence for at least a surveillance year (A.5.27)' },
  auditRecords: { action: 'delete', from: 'creation', by: 'audit pruning', defaultDays: 3 * YEAR, minDays: YEAR, maxDays: 10 * YEAR, minReason: 'the audit trail is evidence for at least a surveillance year (A.8.15)' },
  outboxItems: { action: 'delete', from: 'creation', by: 'DynamoDB TTL', defaultDays: 30, minDays: 7, maxDays: YEAR, minReason: 'an undelivered effect must stay for the reconciler and its alarms (a week of outage)' },
};

export type RetentionDays = Readonly<Record<RetentionRecordType, number>>;

export const DEFAULT_RETENTION_DAYS: RetentionDays = Object.fromEntries(RETENTION_RECORD_TYPES.map((type) => [type, RETENTION_RULES[type].defaultDays])) as RetentionDays;

const DAY_MS = 86_400_000;

/** Records whose period started before this instant are due (UTC ISO 8601). */
export function retentionCutoff(type: RetentionRecordType, days: RetentionDays, now: Date): string {
  return new Date(now.getTime() - days[type] * DAY_MS).toISOString();
}

/**
 * Whether a record is due for its retention action: its period started (closure or creation)
 * before the cutoff. A process record that is not closed is never due, however old.
 */
export function isRetentionDue(type: RetentionRecordType, days: RetentionDays, now: Date, record: { readonly createdAt?: string; readonly closedAt?: string }): boolean {
  const start = RETENTION_RULES[type].from === 'closure' ? record.closedAt : record.createdAt;
  return start !== undefined && start < retentionCutoff(type, days, now);
}

/** DynamoDB TTL value (epoch seconds) of a record deleted whole, from its creation time. */
export function expiresAtEpochSeconds(days: number, createdAt: string): number {
  return Math.floor((Date.parse(createdAt) + days * DAY_MS) / 1000);
}
