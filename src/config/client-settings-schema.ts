import * as z from 'zod';
import { DEFAULT_PRIORITY_MATRIX, findMatrixInversions, PRIORITIES, type PriorityMatrix } from '../kernel/domain/priority';
import { parseIsoDuration } from '../kernel/domain/iso-duration';
import { ALARM_SEVERITIES } from '../modules/monitoring/domain/alarm-policy';
import { ON_HOLD_REASONS } from '../modules/incidents/domain/incident-lifecycle';
import { SLA_TARGETS } from '../modules/incidents/domain/sla-clock';
import { DEFAULT_FINDING_PRIORITIES } from '../modules/monitoring/domain/finding-policy';
import { DEFAULT_CATEGORIES, DEFAULT_INTAKE, MAX_CATEGORIES, MAX_CATEGORY_LENGTH } from '../modules/incidents/domain/intake-policy';
import { DEFAULT_CONCURRENT_INCIDENT_THRESHOLDS, DEFAULT_USERS_AFFECTED_THRESHOLDS } from '../kernel/domain/priority-rules';
import { serviceNowSettingsSchema } from './servicenow-settings-schema';
import { DEFAULT_RETENTION_DAYS, RETENTION_RECORD_TYPES, RETENTION_RULES, type RetentionRecordType } from '../kernel/domain/retention';

/**
 * The part of a client's configuration that the functions need at run time. The deployment
 * schema in src/config/client-config-schema.ts extends this one, so both read a client file the same way.
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

/** Recovery time and point objectives (disaster recovery), recorded on major incidents. */
export const recoveryObjectivesSchema = z
  .strictObject({
    rto: isoDurationSchema.optional().describe('Recovery time objective: the longest the service may be down, from the start of the outage'),
    rpo: isoDurationSchema.optional().describe('Recovery point objective: the most data, in time before the outage, that may be lost'),
  })
  .describe('RTO and RPO as ISO 8601 durations');

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
    informationSecurityManager: contact
      .optional()
      .describe("The provider's Information Security Manager: told of every security incident (flagged by the desk, GuardDuty, Inspector) besides the client's security contact; required in a client file"),
  })
  .describe('Who is told and escalated to');
/** The client's contacts: personal data, kept out of the functions' environment (docs/security.md, "Personal data"). */
export type ClientContacts = z.infer<typeof contactsSchema>;

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
  archiveFindingsOnClose: false,
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
    archiveFindingsOnClose: z
      .boolean()
      .default(DEFAULT_MONITORING.archiveFindingsOnClose)
      .describe('Archive the GuardDuty finding when its incident is closed (confirmed or auto-closed); grants guardduty:ArchiveFindings'),
    warningPromotionAfter: isoDurationSchema
      .default('PT30M')
      .describe("A warning alarm still in ALARM this long is promoted: urgency of an error, escalated to the service owner"),
    flapping: z
      .strictObject({ changes: z.number().int().min(2).max(100), within: isoDurationSchema })
      .default(() => ({ changes: 5, within: 'PT1H' }))
      .describe('This many ALARM/OK changes within this long mark an alarm as flapping: one incident, no automatic resolution'),
  })
  .describe('How CloudWatch alarms and security findings become incidents');

/** Zero is a valid delay for the first escalation level (call contact #1 at the breach). */
export const delaySchema = z.string().refine((value) => /^P(?:T0+[HMS]|0+D)$/.test(value) || parseIsoDuration(value) !== undefined, {
  message: 'must be an ISO 8601 duration such as PT0M, PT30M or PT2H',
});

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'must be HH:MM');
export const DEFAULT_SLA_POLICY = {
  businessHours: { days: [1, 2, 3, 4, 5], opens: '09:00', closes: '17:30', holidays: [] as string[] },
  calendars: { P1: '24x7', P2: '24x7', P3: 'business-hours', P4: 'business-hours', P5: 'business-hours' },
  warningShare: 0.75,
  pausingReasons: ['awaiting caller', 'awaiting vendor'],
  escalation: {
    levels: [
      { notify: 'nominated-1', after: 'PT0M' },
      { notify: 'nominated-2', after: 'PT30M' },
      { notify: 'nominated-3', after: 'PT1H' },
      { notify: 'service-owner', after: 'PT2H' },
    ],
    repeatLast: { times: 2, every: 'PT4H' },
    targets: ['acknowledge', 'resolve'],
  },
} as const;

const calendarKind = z.enum(['24x7', 'business-hours']);
export const slaPolicySchema = z
  .strictObject({
    businessHours: z
      .strictObject({
        days: z.array(z.number().int().min(1).max(7)).min(1).max(7).describe('ISO weekdays: 1 = Monday … 7 = Sunday'),
        opens: hhmm,
        closes: hhmm,
        holidays: z.array(z.iso.date()).max(200).default(() => []).describe('Public holidays, local dates YYYY-MM-DD'),
      })
      .refine((h) => h.closes > h.opens, { message: 'closes must be after opens', path: ['closes'] })
      .default(() => ({ ...DEFAULT_SLA_POLICY.businessHours, days: [...DEFAULT_SLA_POLICY.businessHours.days], holidays: [] }))
      .describe("The client's business hours, in its time zone"),
    calendars: z
      .strictObject({ P1: calendarKind, P2: calendarKind, P3: calendarKind, P4: calendarKind, P5: calendarKind })
      .default(() => ({ ...DEFAULT_SLA_POLICY.calendars }))
      .describe('Which calendar each priority counts in'),
    warningShare: z.number().gt(0).lt(1).default(DEFAULT_SLA_POLICY.warningShare).describe('Share of a target at which the assignee or group is warned'),
    pausingReasons: z
      .array(z.enum(ON_HOLD_REASONS))
      .max(ON_HOLD_REASONS.length)
      .default(() => [...DEFAULT_SLA_POLICY.pausingReasons])
      .describe('On Hold reasons that stop the clocks'),
    escalation: z
      .strictObject({
        levels: z
          .array(z.strictObject({ notify: z.enum(['nominated-1', 'nominated-2', 'nominated-3', 'service-owner']), after: delaySchema }))
          .min(1)
          .max(8)
          .superRefine((levels, ctx) => {
            levels.forEach((level, i) => {
              if (i > 0 && (parseIsoDuration(level.after) ?? 0) < (parseIsoDuration(levels[i - 1]!.after) ?? 0)) {
                ctx.addIssue({ code: 'custom', path: [i, 'after'], message: 'levels must be in order: each after the one before' });
              }
            });
          })
          .describe('Who is called after a breach, and how long after it (wall-clock time)'),
        repeatLast: z
          .strictObject({ times: z.number().int().min(0).max(5), every: isoDurationSchema })
          .describe('The last level is reminded this many times, then escalation stops'),
        targets: z
          .array(z.enum(SLA_TARGETS))
          .min(1)
          .max(3)
          .refine((t) => new Set(t).size === t.length, { message: 'each target may appear once' })
          .default(() => [...DEFAULT_SLA_POLICY.escalation.targets])
          .describe('Which breached targets climb the escalation levels; the others are notified once'),
      })
      // Factories: zod copies a default value one level deep only, and policies must not share arrays.
      .default(() => ({
        levels: DEFAULT_SLA_POLICY.escalation.levels.map((l) => ({ ...l })),
        repeatLast: { ...DEFAULT_SLA_POLICY.escalation.repeatLast },
        targets: [...DEFAULT_SLA_POLICY.escalation.targets],
      })),
  })
  .describe('SLA calendars, warnings, pauses and the escalation policy');

const instant = z.iso.datetime({ offset: true }).describe('ISO 8601 date and time with offset, e.g. 2026-12-20T00:00:00Z');
export const changeSettingsSchema = z
  .strictObject({
    cabQuorum: z.number().int().min(1).max(20).default(3).describe('CAB members who must approve high and very high risk changes'),
    clientApproval: z
      .array(z.enum(['low', 'medium', 'high', 'very high']))
      .max(4)
      .default(() => [])
      .describe('Risk classes of normal and emergency changes the client approves too'),
    freezeWindows: z
      .array(
        z
          .strictObject({ name: z.string().trim().min(1).max(80), start: instant, end: instant })
          .refine((w) => Date.parse(w.end) > Date.parse(w.start), { message: 'end must be after start', path: ['end'] }),
      )
      .max(24)
      .default(() => [])
      .describe('Change freezes: normal and standard changes may not be scheduled into them; emergency changes may, and are marked'),
    standardTemplates: z
      .array(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$/, 'must be 1–128 letters, digits or . _ : @ -'))
      .max(100)
      .refine((list) => new Set(list).size === list.length, { message: 'each template may appear once' })
      .default(() => [])
      .describe('Registered standard-change templates (pre-authorised, low-risk procedures); a standard change must name one, otherwise it is normal'),
  })
  .describe('Change approval rules and freeze windows');

export const requestSettingsSchema = z
  .strictObject({
    fulfilmentTargets: z
      .strictObject({
        'standard-delivery': isoDurationSchema.default('P5D'),
        information: isoDurationSchema.default('P2D'),
        access: isoDurationSchema.default('P3D'),
        feedback: isoDurationSchema.default('P10D'),
      })
      .default(() => ({ 'standard-delivery': 'P5D', information: 'P2D', access: 'P3D', feedback: 'P10D' }))
      .describe('Fulfilment target per request type, from submission'),
    approvalRequired: z
      .array(z.enum(['standard-delivery', 'information', 'access', 'feedback']))
      .max(4)
      .default(() => ['access' as const])
      .describe("Request types the service's owner (or a change manager) approves before fulfilment"),
  })
  .describe('Service request types: fulfilment targets and approval');

/** Notification kinds a client webhook may receive (the SNS topics' kinds). */
const WEBHOOK_TOPICS = ['major-incident', 'escalation', 'security'] as const;

export const integrationSettingsSchema = z
  .strictObject({
    webhook: z
      .strictObject({
        url: z.url({ protocol: /^https$/, error: 'must be an https:// URL' }).describe("The client's endpoint, e.g. their own ITSM's inbound webhook"),
        secretArn: z
          .string()
          .regex(/^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+$/, 'must be the ARN of a Secrets Manager secret (the signing key is never written in the config)')
          .describe('Secrets Manager secret holding the HMAC signing key; read at run time and cached'),
        topics: z.array(z.enum(WEBHOOK_TOPICS)).min(1).default(() => [...WEBHOOK_TOPICS]).describe('Which notifications are forwarded'),
      })
      .optional()
      .describe('Notifications also POSTed to the client, signed (X-Rowe-Itsm-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">)'),
    servicenow: serviceNowSettingsSchema.optional(),
    callCentreWebhooks: z
      .strictObject({
        secretArn: z
          .string()
          .regex(/^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+$/, 'must be the ARN of a Secrets Manager secret (the signing key is never written in the config)')
          .describe('Secrets Manager secret holding the HMAC key pages are signed with (shared with the call centres); read at run time and cached'),
        timeoutMs: z.number().int().min(500).max(10_000).default(5000).describe('A call centre that has not answered by then is called again by the outbox'),
      })
      .optional()
      .describe(
        'Escalation steps with an external webhook target (a call centre) POST their pages there through the outbox, signed (X-Rowe-Itsm-Signature as the client webhook) with the event id in X-Rowe-Itsm-Event-Id; without this, such a target is a paging gap',
      ),
  })
  .describe('Integrations with the client\'s own systems; secrets only by reference');
export const problemSettingsSchema = z
  .strictObject({
    candidateThreshold: z.number().int().min(2).max(1000).default(3).describe('Incidents on one service, category or alarm within the window that make a problem candidate'),
    candidateWindow: isoDurationSchema.default('P30D').describe('How far back GET /problems/candidates looks by default'),
  })
  .describe('Finding problems early: trend thresholds of GET /problems/candidates');
/** CloudWatch's statistics, and percentiles p0 … p100 (up to two decimals, e.g. p99.9). */
export const CAPACITY_STATISTIC_PATTERN = /^(Sum|Average|Maximum|Minimum|SampleCount|p(100|\d{1,2}(\.\d{1,2})?))$/;
/** CloudWatch's limit on a metric's dimensions. */
export const MAX_METRIC_DIMENSIONS = 10;
const capacityMetricSchema = z
  .strictObject({
    namespace: z.string().trim().min(1).max(255).regex(/^[^:]/, 'must not start with a colon').describe('The metric\'s namespace, e.g. "AWS/ApplicationELB" or the client\'s own'),
    metricName: z.string().trim().min(1).max(255).describe('The metric\'s name, e.g. "RequestCount"'),
    dimensions: z
      .record(z.string().min(1).max(255), z.string().min(1).max(1024))
      .default(() => ({}))
      .refine((d) => Object.keys(d).length <= MAX_METRIC_DIMENSIONS, `at most ${MAX_METRIC_DIMENSIONS} dimensions (CloudWatch's limit)`)
      .describe('Dimension name → value, exactly as the metric is published'),
    statistic: z
      .string()
      .regex(CAPACITY_STATISTIC_PATTERN, 'must be Sum, Average, Maximum, Minimum, SampleCount or a percentile pNN (p0–p100, e.g. p99.9)')
      .describe('The statistic of each period that is one measurement'),
    periodSeconds: z
      .number()
      .int()
      .min(60)
      .max(86_400)
      .refine((s) => s % 60 === 0, 'must be a multiple of 60 (CloudWatch periods of a minute or more)')
      .default(3600)
      .describe('The length of each measurement, in seconds (a multiple of 60, at most a day); CloudWatch keeps 1-minute data 15 days, 5-minute data 63 days, hourly data 455 days'),
    unitScale: z.number().positive().optional().describe('Each datapoint is multiplied by this to be in the action\'s unit (e.g. 60 for a per-minute Sum against "per hour"); default 1'),
  })
  .describe('The CloudWatch metric whose datapoints are measurements of this action, besides those POSTed');
const capacityActionSchema = z.strictObject({
  service: z.string().trim().min(1).max(80).describe('The catalogue service the action belongs to'),
  id: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'must be 1–40 lowercase letters, digits or hyphens')
    .describe('The action\'s key, unique per service; POST /services/{id}/capacity names it as `action`'),
  name: z.string().trim().min(1).max(120).describe('What is measured, as agreed with the client, e.g. "Orders processed per hour"'),
  unit: z.string().trim().min(1).max(40).describe('The unit of every value, e.g. "orders/hour"'),
  baseline: z.number().min(0).describe('The design-time baseline: the load the service was designed for'),
  capacity: z.number().positive().describe('The load the service can take; utilisation and the forecast are measured against it'),
  metric: capacityMetricSchema.optional(),
});

export const capacitySettingsSchema = z
  .strictObject({
    actions: z.array(capacityActionSchema).max(200).default(() => []),
  })
  .superRefine((settings, ctx) => {
    const keys = settings.actions.map((a) => `${a.service}#${a.id}`);
    settings.actions.forEach((action, i) => {
      if (keys.indexOf(keys[i]!) !== i) ctx.addIssue({ code: 'custom', path: ['actions', i, 'id'], message: `"${action.id}" is listed twice for service "${action.service}"` });
      if (action.baseline > action.capacity) {
        ctx.addIssue({ code: 'custom', path: ['actions', i, 'baseline'], message: `the baseline ${action.baseline} is above the capacity ${action.capacity}` });
      }
    });
  })
  .describe('Capacity: per service, the high-level actions agreed with the client, with baseline and capacity');

const MAX_CATEGORY_LIST_CHARACTERS = 1200;
export const categorySchema = z.string().regex(new RegExp(`^[a-z0-9][a-z0-9-]{0,${MAX_CATEGORY_LENGTH - 1}}$`), `must be 1–${MAX_CATEGORY_LENGTH} lowercase letters, digits or hyphens`);

const createQuota = z
  .strictObject({
    limit: z.number().int().min(1).max(100_000).describe('Creates one person may make within the window'),
    window: isoDurationSchema.describe('The fixed window the limit counts in, e.g. PT1H'),
  })
  .refine((q) => (parseIsoDuration(q.window) ?? 0) <= 7 * 86_400_000, { message: 'the window may be at most a week (P7D)', path: ['window'] });

export const intakeSettingsSchema = z
  .strictObject({
    categories: z
      .array(categorySchema)
      .min(1)
      .max(MAX_CATEGORIES)
      .refine((list) => new Set(list).size === list.length, { message: 'each category may appear once' })
      // The list travels in every function's environment, which Lambda limits to 4 KB in all.
      .refine((list) => JSON.stringify(list).length <= MAX_CATEGORY_LIST_CHARACTERS, {
        message: `the list may take at most ${MAX_CATEGORY_LIST_CHARACTERS} characters as JSON (it is part of every function's environment, limited to 4 KB)`,
      })
      .default(() => [...DEFAULT_CATEGORIES])
      .describe('The incident categories the desk uses; an incident naming another is refused (400, `category`)'),
    requesterMaxPriority: priority
      .default(DEFAULT_INTAKE.requesterMaxPriority)
      .describe("The highest priority a requester's own impact, urgency and usersAffected can give an incident until the desk triages it"),
    detectedAtWindow: isoDurationSchema
      .default(DEFAULT_INTAKE.detectedAtWindow)
      .describe('How far back detectedAt may lie when an incident is logged (not in the future either, beyond five minutes of clock skew)'),
    createQuotas: z
      .strictObject({
        requester: createQuota.describe('Per requester'),
        desk: createQuota.describe('Per person or machine client of the desk (agents, engineers, integrations…)'),
      })
      .default(() => ({ requester: { ...DEFAULT_INTAKE.createQuotas.requester }, desk: { ...DEFAULT_INTAKE.createQuotas.desk } }))
      .describe('Incidents, and service requests, one caller may log per window (counted by their sub); beyond it the API answers 429 with Retry-After'),
  })
  .describe('What the desk accepts from callers: categories, how far requesters can raise a priority, detection times, create quotas');

const retentionDays = (type: RetentionRecordType) => {
  const rule = RETENTION_RULES[type];
  return z
    .number({ error: 'must be a number of days' })
    .int('must be a whole number of days')
    .min(rule.minDays, `must be at least ${rule.minDays} days: ${rule.minReason}`)
    .max(rule.maxDays, `must be at most ${rule.maxDays} days`)
    .default(rule.defaultDays)
    .describe(`Days after ${rule.from} until the record is ${rule.action === 'delete' ? 'deleted' : 'pseudonymised'} (${rule.by}); default ${rule.defaultDays}`);
};

export const retentionSettingsSchema = z
  .strictObject(Object.fromEntries(RETENTION_RECORD_TYPES.map((type) => [type, retentionDays(type)])) as Record<RetentionRecordType, ReturnType<typeof retentionDays>>)
  .describe('How long each kind of record keeps personal data (docs/security.md, "Personal data"): process records are pseudonymised, the audit trail and outbox items deleted');

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
  recoveryObjectives: recoveryObjectivesSchema.optional().describe("The client's recovery time and point objectives, recorded on major incidents whose service names none"),
  contacts: contactsSchema,
  sla: slaPolicySchema.default(() => slaPolicySchema.parse({})),
  monitoring: monitoringSchema.default(() => monitoringSchema.parse({})),
  changes: changeSettingsSchema.default(() => changeSettingsSchema.parse({})),
  requests: requestSettingsSchema.default(() => requestSettingsSchema.parse({})),
  integrations: integrationSettingsSchema.default(() => ({})),
  knowledgeStaleAfter: isoDurationSchema.default('P180D').describe('A published knowledge article nobody reads for this long is archived by the retirement job'),
  problems: problemSettingsSchema.default(() => problemSettingsSchema.parse({})),
  capacity: capacitySettingsSchema.default(() => ({ actions: [] })),
  intake: intakeSettingsSchema.default(() => intakeSettingsSchema.parse({})),
  retention: retentionSettingsSchema.default(() => ({ ...DEFAULT_RETENTION_DAYS })),
});

export type ClientSettings = z.infer<typeof clientSettingsSchema>;

/**
 * What the functions read from their environment (`ITSM_CLIENT_SETTINGS`): the client settings
 * without the contacts, which are personal data and live in the stack's client-contacts secret
 * (src/platform/client-contacts.ts). Strict: settings that still carry contacts fail the cold start.
 */
export const functionSettingsSchema = clientSettingsSchema.omit({ contacts: true });
export type FunctionSettings = z.infer<typeof functionSettingsSchema>;
