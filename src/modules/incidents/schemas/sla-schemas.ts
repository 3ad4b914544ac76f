import * as z from 'zod';
import { PRIORITIES } from '../../../kernel/domain/priority';
import { SLA_TARGETS } from '../domain/sla-clock';

/** Schemas of the SLA routes and of the SLA workflow's task. */

const timestamp = z.iso.datetime({ offset: true }).describe('ISO 8601 date-time with a time zone, e.g. 2026-11-25T09:30:00Z');
const ms = z.number().int().min(0);

/** What the workflow hands its task: which incident, and which clock generation the execution drives. */
export const slaRunSchema = z.strictObject({
  incidentId: z.string().min(1).max(64),
  generation: z.number().int().min(1),
});

export const slaCheckResultSchema = z.object({
  done: z.boolean(),
  next: timestamp.optional(),
  reason: z.string().optional(),
  sent: z.array(z.string()),
});

export const acknowledgeBodySchema = z.strictObject({}).describe('Acknowledge an incident (no fields)');

const clientDisagreement = z.object({
  target: z.enum(SLA_TARGETS),
  sla: z.string(),
  what: z.enum(['breach', 'stopped', 'paused', 'due']),
  ours: z.string(),
  theirs: z.string(),
});

export const incidentSlaSchema = z
  .object({
    incidentId: z.string(),
    number: z.string(),
    priority: z.enum(PRIORITIES),
    terms: z
      .object({
        source: z.enum(['service', 'client']).describe("service: the service's own targets (sla.overrides) apply where it names them; client: the client's targets"),
        service: z.string(),
        reference: z.string().optional().describe("The service's reference of its SLA terms"),
        overrides: z
          .partialRecord(z.enum(PRIORITIES), z.object({ acknowledge: z.string().optional(), respond: z.string().optional(), resolve: z.string().optional() }))
          .optional()
          .describe('The service targets in force for this incident (ISO 8601 durations), as they stood when its clocks started'),
        recordedAt: timestamp.optional().describe('When the terms were copied from the catalogue; later edits of the service do not change them'),
      })
      .describe("The SLA terms this incident's clocks run on"),
    asOf: timestamp,
    generation: z.number().int().describe('Clock generation: moves when a pause, resume, reopen or priority change moves the deadlines'),
    targets: z.array(
      z.object({
        target: z.enum(SLA_TARGETS),
        state: z.enum(['running', 'paused', 'achieved', 'breached']),
        calendar: z.enum(['24x7', 'business-hours']),
        targetMs: ms.describe('The target in force, in counted (calendar) milliseconds'),
        startedAt: timestamp,
        dueAt: timestamp.optional().describe('Projected breach, while running'),
        warningAt: timestamp.optional().describe('When the assignee is (or was) warned, while running'),
        elapsedBusinessMs: ms.describe('Counted time so far'),
        pausedMs: ms.describe('Counted time spent paused (On Hold for a pausing reason)'),
        remainingMs: ms,
        achievedAt: timestamp.optional(),
        breachedAt: timestamp.optional(),
      }),
    ),
    client: z
      .object({
        system: z.literal('servicenow'),
        readAt: timestamp.describe('When their clocks were last read'),
        slas: z.array(
          z.object({
            name: z.string().describe('Their SLA definition (contract_sla)'),
            target: z.enum(SLA_TARGETS).optional().describe('Our clock it answers to (their response: respond; resolution: resolve)'),
            stage: z.string().describe('in_progress, paused, completed or cancelled'),
            startedAt: timestamp,
            plannedEndAt: timestamp.optional(),
            endedAt: timestamp.optional(),
            breached: z.boolean(),
            percentage: z.number(),
            businessPercentage: z.number(),
          }),
        ),
        disagreements: z.array(clientDisagreement).describe('Where their clock and ours for the same target tell a different story'),
      })
      .optional()
      .describe("The client's own clocks of this incident (their ServiceNow task_sla), beside ours"),
  })
  .describe("An incident's acknowledge, respond and resolve clocks");

export const slaReportQuerySchema = z
  .strictObject({
    from: timestamp.describe('Incidents logged from this instant (inclusive)'),
    to: timestamp.describe('… up to this instant (exclusive)'),
  })
  .describe('The period: incidents logged in [from, to)');

export const slaReportSchema = z.object({
  from: timestamp,
  to: timestamp,
  asOf: timestamp,
  rows: z.array(
    z.object({
      priority: z.enum(PRIORITIES),
      incidents: z.number().int(),
      targets: z.array(
        z.object({
          target: z.enum(SLA_TARGETS),
          achieved: z.number().int(),
          breached: z.number().int(),
          pending: z.number().int(),
          achievedShare: z.number().optional(),
          medianMs: ms.optional(),
          p90Ms: ms.optional(),
          client: z
            .object({ compared: z.number().int(), breached: z.number().int(), disagreeing: z.number().int() })
            .optional()
            .describe("Their clocks (the client's ServiceNow) for this target: read, breached there, disagreeing with ours"),
        }),
      ),
    }),
  ),
  clientDisagreements: z
    .array(clientDisagreement.extend({ incidentId: z.string(), number: z.string() }))
    .optional()
    .describe('Where the client has ServiceNow: the incidents whose clocks there disagree with ours (the first 100)'),
  clientComparisonSkipped: z
    .string()
    .optional()
    .describe('Where the client has ServiceNow and the period holds more than 5,000 incidents: their clocks were not compared (compare shorter periods); the counts are still whole'),
});
