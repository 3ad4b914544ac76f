import * as z from 'zod';

/**
 * The EventBridge patterns the stack subscribes to, defined once: the stack's rules, the local
 * runtime (through the template) and the tests all read these.
 */
export const CLOUDWATCH_ALARM_STATE_CHANGE_PATTERN = {
  source: ['aws.cloudwatch'],
  'detail-type': ['CloudWatch Alarm State Change'],
} as const;

/** For later slices: not subscribed yet. */
export const GUARDDUTY_FINDING_PATTERN = { source: ['aws.guardduty'], 'detail-type': ['GuardDuty Finding'] } as const;
export const INSPECTOR2_FINDING_PATTERN = { source: ['aws.inspector2'], 'detail-type': ['Inspector2 Finding'] } as const;

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
