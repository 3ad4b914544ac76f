import * as z from 'zod';
import { DEFAULT_PRIORITY_MATRIX, findMatrixInversions, PRIORITIES, type PriorityMatrix } from '../domain/priority';
import { parseIsoDuration } from '../domain/iso-duration';
import { ALARM_SEVERITIES } from '../domain/alarm-policy';
import { DEFAULT_FINDING_PRIORITIES } from '../domain/finding-policy';
import { DEFAULT_CONCURRENT_INCIDENT_THRESHOLDS, DEFAULT_USERS_AFFECTED_THRESHOLDS } from '../domain/priority-rules';

/**
 * The part of a client's configuration that the functions need at run time. The deployment
 * schema in lib/config extends this one, so both read a client file the same way.
 */
const priority = z.enum(PRIORITIES);
const matrixRow = z.strictObject({ '1': priority, '2': priority, '3': priority });

export const priorityMatrixSchema = z
  .strictObject({ '1': matrixRow, '2': matrixRow, '3': matrixRow })
  .describe('priorityMatrix[impact][urgency] → priority; impact and urgency from 1 (high) to 3 (low)')
  .superRefine((matrix, ctx) => {
    for (const problem of findMatrixInversions(matrix as PriorityMatrix)) {
      ctx.addIssue({ code: 'custom', message: `inconsistent matrix: ${problem}` });
    }
  });

export const isoDurationSchema = z.string().refine((value) => parseIsoDuration(value) !== undefined, {
  message: 'must be a positive ISO 8601 duration such as PT15M, PT4H or P3D',
});

const slaTarget = z
  .strictObject({ acknowledge: isoDurationSchema, respond: isoDurationSchema, resolve: isoDurationSchema })
  .superRefine((t, ctx) => {
    const [a, r, s] = [t.acknowledge, t.respond, t.resolve].map((d) => parseIsoDuration(d)!);
    if (a! > r!) ctx.addIssue({ code: 'custom', path: ['acknowledge'], message: 'must not be longer than respond' });
    if (r! > s!) ctx.addIssue({ code: 'custom', path: ['respond'], message: 'must not be longer than resolve' });
  });

export const DEFAULT_SLA_TARGETS = {
  P1: { acknowledge: 'PT15M', respond: 'PT30M', resolve: 'PT4H' },
  P2: { acknowledge: 'PT30M', respond: 'PT1H', resolve: 'PT8H' },
  P3: { acknowledge: 'PT2H', respond: 'PT4H', resolve: 'P3D' },
  P4: { acknowledge: 'PT4H', respond: 'PT8H', resolve: 'P5D' },
  P5: { acknowledge: 'P1D', respond: 'P2D', resolve: 'P10D' },
} as const;

export const slaTargetsSchema = z
  .strictObject({ P1: slaTarget, P2: slaTarget, P3: slaTarget, P4: slaTarget, P5: slaTarget })
  .describe('Per priority: acknowledge, respond and resolve targets as ISO 8601 durations');

export const timeZoneSchema = z.string().refine(isKnownTimeZone, {
  message: 'must be an IANA time zone such as Europe/London',
});

function isKnownTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

const contact = z.strictObject({
  name: z.string().trim().min(1).max(120),
  email: z.email(),
  phone: z
    .string()
    .regex(/^\+[1-9]\d{6,14}$/, 'must be an E.164 number such as +442071234567')
    .optional(),
  role: z.string().trim().min(1).max(120).optional(),
});
export type Contact = z.infer<typeof contact>;

export const contactsSchema = z
  .strictObject({
    nominated: z
      .array(contact)
      .min(1, 'must list at least nominated contact #1')
      .max(3, 'lists at most three nominated contacts (#1, #2, #3)')
      .describe("The client's nominated incident contacts #1, #2, #3, in escalation order"),
    serviceOwner: contact.describe('Default service owner, the last escalation level'),
    providerNamed: contact.describe('Provider-side named contact'),
    providerBackup: contact.describe("Provider-side named contact's backup"),
    security: contact.optional().describe('Receives security incidents; defaults to nominated contact #1'),
  })
  .describe('Who is told and escalated to');

const threshold = z.strictObject({ atLeast: z.number().int().min(1), raiseTo: priority });
const thresholds = z
  .array(threshold)
  .max(5)
  .refine((list) => new Set(list.map((t) => t.atLeast)).size === list.length, { message: 'each atLeast value may appear once' });

export const priorityThresholdsSchema = z
  .strictObject({
    usersAffected: thresholds.default([...DEFAULT_USERS_AFFECTED_THRESHOLDS]),
    concurrentIncidents: thresholds.default([...DEFAULT_CONCURRENT_INCIDENT_THRESHOLDS]),
  })
  .describe('Raise (never lower) the matrix priority from this many users affected, or this many open incidents on the same service');

const alarmRule = z.strictObject({
  namePattern: z.string().trim().min(1).max(255).describe('CloudWatch alarm name; * matches any run of characters'),
  severity: z.enum(ALARM_SEVERITIES),
  service: z.string().trim().min(1).max(80).optional(),
});

export const DEFAULT_MONITORING = {
  alarmRules: [],
  defaultService: 'monitoring',
  autoResolveOnOk: false,
  eventRetentionDays: 90,
  findingPriorities: DEFAULT_FINDING_PRIORITIES,
} as const;

const findingPriorities = z
  .strictObject({ critical: priority, high: priority, medium: priority, low: priority })
  .describe('Priority of an incident from a security finding (GuardDuty, Inspector), per finding severity');

export const monitoringSchema = z
  .strictObject({
    alarmRules: z.array(alarmRule).max(100).default([]).describe('First matching rule gives an alarm its severity and service; unmatched alarms are warnings'),
    defaultService: z.string().trim().min(1).max(80).default(DEFAULT_MONITORING.defaultService),
    autoResolveOnOk: z.boolean().default(false).describe('Resolve the incident (Cleared by monitoring) when its alarm returns to OK'),
    eventRetentionDays: z.number().int().min(1).max(3650).default(DEFAULT_MONITORING.eventRetentionDays).describe('How long received events are kept'),
    findingPriorities: findingPriorities.default({ ...DEFAULT_FINDING_PRIORITIES }),
  })
  .describe('How CloudWatch alarms and security findings become incidents');

export const clientSettingsSchema = z.strictObject({
  id: z
    .string()
    .regex(/^[a-z][a-z0-9-]{1,30}[a-z0-9]$/, 'must be 3–32 characters of lowercase letters, digits and hyphens'),
  timeZone: timeZoneSchema,
  priorityMatrix: priorityMatrixSchema.default(DEFAULT_PRIORITY_MATRIX),
  slaTargets: slaTargetsSchema.default(DEFAULT_SLA_TARGETS),
  priorityThresholds: priorityThresholdsSchema.default({
    usersAffected: [...DEFAULT_USERS_AFFECTED_THRESHOLDS],
    concurrentIncidents: [...DEFAULT_CONCURRENT_INCIDENT_THRESHOLDS],
  }),
  autoCloseAfter: isoDurationSchema.default('P7D').describe('A resolved incident nobody confirms or rejects closes after this long'),
  disasterRecoveryPlan: z.string().trim().min(1).max(500).optional().describe("Reference of the client's disaster-recovery plan, recorded on major incidents"),
  contacts: contactsSchema,
  monitoring: monitoringSchema.default({ ...DEFAULT_MONITORING, alarmRules: [], findingPriorities: { ...DEFAULT_FINDING_PRIORITIES } }),
});

export type ClientSettings = z.infer<typeof clientSettingsSchema>;
