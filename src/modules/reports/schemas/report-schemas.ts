import * as z from 'zod';
import { IMPROVEMENT_METRICS, IMPROVEMENT_STATUSES } from '../domain/improvement';
import { PRIORITIES } from '../../../kernel/domain/priority';
import { FIX_STATUSES } from '../../problems/domain';
import { PROBLEM_STATES } from '../../problems/domain';
import { SLA_TARGETS } from '../../incidents/domain';

/** Query and response schemas of the report routes (function group `reports`). */
const timestamp = z.iso.datetime({ offset: true }).describe('ISO 8601 date-time with a time zone, e.g. 2026-11-01T00:00:00Z');
const service = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$/, 'must be 1–128 letters, digits or . _ : @ -');

export const availabilityQuerySchema = z
  .strictObject({
    service: service.describe('The service reported on'),
    from: timestamp.describe('Period start (inclusive)'),
    to: timestamp.describe('Period end (exclusive)'),
  })
  .describe('A service and a period of at most 366 days');

export const serviceReportQuerySchema = z
  .strictObject({
    service: service.optional().describe('One service; every service when omitted'),
    from: timestamp.describe('Period start (inclusive)'),
    to: timestamp.describe('Period end (exclusive)'),
  })
  .describe('A period of at most 366 days, for one service or all');

const counts = z.record(z.string(), z.number());

export const availabilityReportSchema = z
  .object({
    service: z.string(),
    from: timestamp,
    to: timestamp,
    asOf: timestamp,
    periodMinutes: z.number(),
    availabilityPercent: z.number(),
    outageMinutes: z.number(),
    userOutageMinutes: z.number(),
    outagesWithoutUsers: z.number().int(),
    lostTransactions: z.number().int().describe('Transactions lost in the outages that started in the period (as recorded on their incidents)'),
    failures: z.number().int(),
    mtbfMinutes: z.number().optional().describe('Absent when the period had no failure'),
    mtrsMinutes: z.number().optional().describe('Absent when the period had no failure'),
    mttaMinutes: z.number().optional().describe('Absent when nothing was acknowledged in the period'),
    downtime: z.array(z.object({ start: timestamp, end: timestamp, minutes: z.number(), incidents: z.array(z.string()) })),
    outages: z.array(
      z.object({ incident: z.string(), start: timestamp, end: timestamp.optional(), usersAffected: z.number().int().optional(), lostTransactions: z.number().int().optional(), priority: z.string() }),
    ),
  })
  .describe('Availability of a service over a period (README "Reports")');

export const serviceReportSchema = z
  .object({
    service: z.string().describe('The service, or * for every service'),
    from: timestamp,
    to: timestamp,
    asOf: timestamp,
    opened: z.number().int(),
    byPriority: counts,
    byCategory: counts,
    bySource: counts,
    byService: counts,
    resolved: z.number().int(),
    reopened: z.number().int(),
    canceled: z.number().int(),
    reopenRate: z.number().optional().describe('reopened / resolved in the period; absent when nothing was resolved'),
    mttaMinutes: z.number().optional(),
    backlog: z.object({ open: z.number().int(), meanAgeHours: z.number().optional(), byPriority: z.record(z.string(), z.object({ open: z.number().int(), meanAgeHours: z.number().optional() })) }),
    majorIncidents: z
      .object({
        declared: z.number().int().describe('Major incidents declared in the period'),
        reviewsCompleted: z.number().int().describe('Post-incident reviews completed in the period'),
        reviewsPending: z.number().int().describe('Major incidents resolved or closed whose review is not completed, now'),
        reviewActionsOpen: z.number().int().describe('Open post-incident-review actions, now'),
      })
      .describe('Major incidents and the completion of their post-incident reviews'),
    sla: z.unknown().optional().describe('SLA compliance per priority (as GET /reports/sla); every service only'),
    requestsChanges: z
      .object({ requests: z.number().int(), changes: z.number().int(), ratio: z.number().nullable().describe('requests / changes; null without changes') })
      .optional()
      .describe('Requests and changes raised in the period for the service (or every service), and their ratio (as GET /reports/requests-changes)'),
    events: z
      .object({
        from: timestamp,
        to: timestamp,
        wholePeriod: z.boolean().describe('false: the period is longer than 31 days and the summary covers its last 31 (as GET /events/trends)'),
        total: z.number().int(),
        bySource: counts,
        bySeverity: counts,
        busiestDay: z.object({ day: z.string(), total: z.number().int() }).optional(),
      })
      .optional()
      .describe('Monitoring events received in the period (every service: events are not tied to one), by source and severity'),
    knownErrors: z
      .object({
        open: z.number().int().describe('Open known errors found: fix not implemented, problem (if any) not Resolved, Closed or Canceled'),
        truncated: z.literal(true).optional().describe('A read bound was reached: the figures cover what was read'),
        items: z.array(
          z.object({
            id: z.string(),
            title: z.string(),
            fixStatus: z.enum(FIX_STATUSES),
            problemId: z.string().optional(),
            problemState: z.enum(PROBLEM_STATES).optional(),
            services: z.array(z.string()),
            incidents: z.number().int().describe('Incidents linked to its problem and logged in the period'),
            outageMinutes: z.number().describe('Downtime in the period from the linked incidents\' outages (overlaps merged per service)'),
            userOutageMinutes: z.number().describe('Σ of linked outages\' minutes in the period × users affected'),
            outagesWithoutUsers: z.number().int(),
          }),
        ).describe('At most 100, most incidents first, then most user outage minutes'),
      })
      .optional()
      .describe("Known errors' ongoing impact: those still open on the service (or on any), with their incidents and outages in the period"),
  })
  .describe("Incident volume, backlog, reopen rate, SLA compliance and known errors' ongoing impact over a period");

// ---------------------------------------------------------------------------------------------
// Capacity (README "Capacity")

const actionId = z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'must be 1–40 lowercase letters, digits or hyphens');

export const capacityMeasurementBodySchema = z
  .strictObject({
    action: actionId.describe("The action's id, as agreed in the client's capacity config"),
    at: timestamp.describe('When the value was measured'),
    value: z.number().min(0).max(1e15).describe("The measured value, in the action's unit"),
  })
  .describe('One measurement of a capacity action; the same action and instant twice is a replay (same value) or 409');

export const capacityMeasurementSchema = z.object({
  service: z.string(),
  action: z.string(),
  at: timestamp,
  value: z.number(),
  recordedBy: z.string(),
  recordedAt: timestamp,
});

export const capacityQuerySchema = z
  .strictObject({
    service: service.describe('The service reported on'),
    from: timestamp.describe('Period start (inclusive)'),
    to: timestamp.describe('Period end (exclusive)'),
  })
  .describe('A service and a period of at most 366 days');

export const capacityReportSchema = z
  .object({
    service: z.string(),
    from: timestamp,
    to: timestamp,
    asOf: timestamp,
    actions: z.array(
      z.object({
        action: z.string(),
        name: z.string(),
        unit: z.string(),
        baseline: z.number(),
        capacity: z.number(),
        sources: z
          .object({ api: z.number().int(), metric: z.number().int().optional() })
          .describe('Measurements recorded through POST /services/{id}/capacity, and datapoints of the metric the action names; on the same instant the recorded one wins'),
        metricSource: z
          .enum(['available', 'unavailable'])
          .optional()
          .describe('Only for actions naming a CloudWatch metric: unavailable when it could not be read (the figures are then the recorded measurements only)'),
        measurements: z.number().int(),
        mean: z.number().optional(),
        peak: z.number().optional(),
        peakAt: timestamp.optional(),
        meanVsBaselinePercent: z.number().optional(),
        peakUtilisationPercent: z.number().optional(),
        headroom: z.number().optional(),
        headroomPercent: z.number().optional(),
        overCapacity: z.boolean(),
        trend: z.object({
          slopePerDay: z.number().optional().describe('Least-squares slope, units per day; absent with fewer than two instants'),
          direction: z.enum(['rising', 'flat', 'falling']).optional(),
          reachesCapacityAt: timestamp.optional().describe('When the trend reaches capacity; absent when flat or falling'),
        }),
      }),
    ),
  })
  .describe('Per capacity action of the service: actual vs baseline, peak utilisation, headroom, trend and forecast');

// ---------------------------------------------------------------------------------------------
// Continual improvement register (README "Continual improvement")

const improvementStatus = z.enum(IMPROVEMENT_STATUSES);
const period = z.strictObject({ from: timestamp, to: timestamp });
const improvementTarget = z.strictObject({
  value: z.number().describe('The value to reach'),
  direction: z.enum(['increase', 'decrease']).describe('Whether higher or lower is better'),
  deadline: timestamp.describe('By when'),
});
const username = z.string().trim().min(1).max(128);

export const createImprovementBodySchema = z
  .strictObject({
    title: z.string().trim().min(1).max(200),
    description: z.string().trim().max(4000).optional(),
    service: service.optional().describe('The service measured; every service when omitted (availability figures need one)'),
    metric: z.enum(IMPROVEMENT_METRICS).describe('The report figure the improvement moves'),
    priority: z.enum(PRIORITIES).optional().describe('slaAchievedShare only'),
    slaTarget: z.enum(SLA_TARGETS).optional().describe('slaAchievedShare only'),
    baseline: period.describe('The fixed period the baseline value is measured over'),
    target: improvementTarget,
    owner: username.describe('Username of the person accountable'),
  })
  .describe('An improvement item; status starts as proposed');

export const updateImprovementBodySchema = createImprovementBodySchema
  .partial()
  .extend({ status: improvementStatus.optional() })
  .describe('Fields that change; what is measured (metric, service, priority, slaTarget, baseline) only while proposed');

export const listImprovementsQuerySchema = z.strictObject({
  status: improvementStatus.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(25),
  nextToken: z.string().max(2048).optional(),
});

export const improvementIdSchema = z.string().uuid();

export const improvementSchema = createImprovementBodySchema.extend({
  id: z.string(),
  status: improvementStatus,
  version: z.number().int(),
  createdAt: timestamp,
  createdBy: z.string(),
  updatedAt: timestamp,
  updatedBy: z.string(),
  progress: z
    .object({
      baselineValue: z.number().optional(),
      currentValue: z.number().optional(),
      currentPeriod: period,
      progressPercent: z.number().optional(),
      expectedPercent: z.number(),
      achieved: z.boolean(),
      onTrack: z.boolean().optional(),
      note: z.string().optional(),
    })
    .optional()
    .describe('Computed from the reports, never stored: on GET /improvements/{id} and PATCH answers'),
});

export const improvementPageSchema = z.object({ items: z.array(improvementSchema), nextToken: z.string().optional() });
