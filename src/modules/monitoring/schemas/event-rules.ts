import * as z from 'zod';
import { INSPECTOR_SEVERITIES } from '../domain/finding-policy';

/**
 * The EventBridge patterns the stack subscribes to, defined once: the stack's rules, the local
 * runtime (through the template) and the tests all read these.
 */
export const CLOUDWATCH_ALARM_STATE_CHANGE_PATTERN = {
  source: ['aws.cloudwatch'],
  'detail-type': ['CloudWatch Alarm State Change'],
} as const;

/** Security findings: each becomes (at most) one incident per finding. */
export const GUARDDUTY_FINDING_PATTERN = { source: ['aws.guardduty'], 'detail-type': ['GuardDuty Finding'] } as const;
export const INSPECTOR2_FINDING_PATTERN = { source: ['aws.inspector2'], 'detail-type': ['Inspector2 Finding'] } as const;

/**
 * The one rule's pattern: any of the three. One rule and one invoke permission rather than three
 * of each (the deploy budget counts them); the target's retries and dead-letter queue were the
 * same for all three anyway.
 */
export const MONITORING_EVENTS_PATTERN = {
  $or: [CLOUDWATCH_ALARM_STATE_CHANGE_PATTERN, GUARDDUTY_FINDING_PATTERN, INSPECTOR2_FINDING_PATTERN],
} as const;

export const ALARM_STATES = ['ALARM', 'OK', 'INSUFFICIENT_DATA'] as const;
export type AlarmStateValue = (typeof ALARM_STATES)[number];

const alarmState = z.looseObject({
  value: z.enum(ALARM_STATES),
  reason: z.string(),
  /** CloudWatch writes e.g. 2019-10-02T17:04:40.989+0000 (not strict ISO 8601). */
  timestamp: z.string().min(1),
});

/** Strict on what we use, lenient on everything else AWS sends (configuration, reasonData, …). */
export const cloudWatchAlarmEventSchema = z.looseObject({
  id: z.string().min(1).max(200),
  source: z.literal('aws.cloudwatch'),
  'detail-type': z.literal('CloudWatch Alarm State Change'),
  account: z.string(),
  region: z.string(),
  time: z.iso.datetime({ offset: true }),
  resources: z.array(z.string().startsWith('arn:')).min(1),
  detail: z.looseObject({
    alarmName: z.string().min(1),
    state: alarmState,
    previousState: alarmState.optional(),
  }),
});

export type CloudWatchAlarmEvent = z.infer<typeof cloudWatchAlarmEventSchema>;

/** GuardDuty finding (schema 2.0): strict on what we use, lenient on the rest. */
export const guardDutyFindingEventSchema = z.looseObject({
  id: z.string().min(1).max(200),
  source: z.literal('aws.guardduty'),
  'detail-type': z.literal('GuardDuty Finding'),
  account: z.string(),
  region: z.string(),
  time: z.iso.datetime({ offset: true }),
  detail: z.looseObject({
    id: z.string().min(1).max(200),
    type: z.string().min(1),
    severity: z.number().min(0).max(10),
    title: z.string().optional(),
    description: z.string().optional(),
    updatedAt: z.string().optional(),
    service: z.looseObject({ count: z.number().int().min(0).optional(), detectorId: z.string().min(1).optional() }).optional(),
  }),
});
export type GuardDutyFindingEvent = z.infer<typeof guardDutyFindingEventSchema>;

export const INSPECTOR_STATUSES = ['ACTIVE', 'SUPPRESSED', 'CLOSED'] as const;

/** Inspector2 finding: strict on what we use, lenient on the rest. */
export const inspector2FindingEventSchema = z.looseObject({
  id: z.string().min(1).max(200),
  source: z.literal('aws.inspector2'),
  'detail-type': z.literal('Inspector2 Finding'),
  account: z.string(),
  region: z.string(),
  time: z.iso.datetime({ offset: true }),
  detail: z.looseObject({
    findingArn: z.string().startsWith('arn:'),
    severity: z.enum(INSPECTOR_SEVERITIES),
    status: z.enum(INSPECTOR_STATUSES),
    title: z.string().optional(),
    description: z.string().optional(),
    type: z.string().optional(),
    updatedAt: z.string().optional(),
  }),
});
export type Inspector2FindingEvent = z.infer<typeof inspector2FindingEventSchema>;
