import * as z from 'zod';

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
    failures: z.number().int(),
    mtbfMinutes: z.number().optional().describe('Absent when the period had no failure'),
    mtrsMinutes: z.number().optional().describe('Absent when the period had no failure'),
    mttaMinutes: z.number().optional().describe('Absent when nothing was acknowledged in the period'),
    downtime: z.array(z.object({ start: timestamp, end: timestamp, minutes: z.number(), incidents: z.array(z.string()) })),
    outages: z.array(z.object({ incident: z.string(), start: timestamp, end: timestamp.optional(), usersAffected: z.number().int().optional(), priority: z.string() })),
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
    sla: z.unknown().optional().describe('SLA compliance per priority (as GET /reports/sla); every service only'),
  })
  .describe('Incident volume, backlog, reopen rate and SLA compliance over a period');
