import * as z from 'zod';
import { line, text } from '../../../kernel/schemas/text';
import { COMMUNICATION_KINDS } from '../domain/major-incident';
import { MAX_REVIEW_ACTIONS, MAX_REVIEW_FINDINGS, REVIEW_LINK_KINDS } from '../domain/post-incident-review';
import { SLA_TARGETS } from '../domain/sla-clock';

/**
 * Schemas of the major-incident routes: disaster recovery, communications to the client, the
 * post-incident review and the incident report (JSON; the same report as Markdown or HTML).
 */
const timestamp = z.iso.datetime({ offset: true }).describe('ISO 8601 date-time with a time zone, e.g. 2026-11-25T09:30:00Z');
const reference = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$/, 'must be 1–128 letters, digits or . _ : @ -');
const isoDuration = z.string().describe('ISO 8601 duration, e.g. PT4H');

export const disasterRecoveryBodySchema = z
  .discriminatedUnion('action', [
    z.strictObject({
      action: z.enum(['invoke', 'decline']).describe('invoke: the plan was invoked; decline: decided not to invoke it (service owners and admins)'),
      reason: text(2000).describe('Why (internal to the desk)'),
      at: timestamp.optional().describe('When it was invoked, if not now'),
    }),
    z.strictObject({
      action: z.literal('recovered').describe('The service is back under the plan (the desk)'),
      restoredAt: timestamp.describe('When the service was restored: the achieved RTO is measured to it from the start of the outage'),
      dataRestoredTo: timestamp.optional().describe('The instant the restored data reach: the achieved RPO is measured from it to the start of the outage'),
    }),
  ])
  .describe("A step of the major incident's disaster recovery");

export const communicationBodySchema = z
  .strictObject({
    subject: line(200),
    message: text(8000).describe("What the client is told; it is sent to the service's nominated and provider contacts and kept in the communications log"),
  })
  .describe('An update to the client about a major incident');

const reviewLink = z.strictObject({ kind: z.enum(REVIEW_LINK_KINDS), id: reference.describe('The problem (PRB… or id), change or improvement-register item') });

export const reviewBodySchema = z
  .strictObject({
    summary: text(4000).optional(),
    findings: z.array(text(2000)).max(MAX_REVIEW_FINDINGS).default([]).describe('What the review found'),
    actions: z
      .array(
        z.strictObject({
          id: z.string().regex(/^A\d{1,3}$/, 'must be an action id such as A1').optional().describe('An existing action (A1, A2…); leave out to add one'),
          description: text(2000),
          owner: reference.describe('Username of the person accountable'),
          due: timestamp,
          link: reviewLink.optional(),
          status: z.enum(['open', 'done']).optional(),
        }),
      )
      .max(MAX_REVIEW_ACTIONS)
      .default([]),
    complete: z.boolean().optional().describe('Completes the review (at least one finding); it stays completed, its actions still tracked'),
  })
  .describe('The whole post-incident review: findings and actions are replaced by these');

export const reportQuerySchema = z.strictObject({
  audience: z.enum(['desk', 'client']).optional().describe('client: the version for the client, without work notes and internal entries (what requesters always get)'),
});

const objectiveFigure = z.object({ target: isoDuration.optional(), targetMinutes: z.number().optional(), achievedMinutes: z.number().optional(), met: z.boolean().optional() });

export const recoveryObjectivesSchema = z.object({ rto: isoDuration.optional(), rpo: isoDuration.optional() });

export const disasterRecoverySchema = z
  .object({
    plan: z.string(),
    source: z.enum(['service', 'client']),
    objectives: recoveryObjectivesSchema.optional(),
    decision: z.object({ invoked: z.boolean(), at: timestamp, by: z.string(), reason: z.string() }).optional(),
    recovery: z.object({ restoredAt: timestamp, dataRestoredTo: timestamp.optional(), at: timestamp, by: z.string() }).optional(),
  })
  .describe('The disaster-recovery plan that applies (the service’s, else the client’s), whether it was invoked, and the recovery');

const reviewAction = z.object({
  id: z.string(),
  description: z.string(),
  owner: z.string().optional(),
  due: timestamp,
  link: reviewLink.optional(),
  status: z.enum(['open', 'done']),
  doneAt: timestamp.optional(),
  doneBy: z.string().optional(),
  escalatedAt: timestamp.optional(),
});

export const reviewSchema = z
  .object({
    status: z.enum(['open', 'completed']),
    summary: z.string().optional(),
    findings: z.array(z.string()),
    actions: z.array(reviewAction),
    serviceOwner: z.object({ name: z.string(), email: z.string(), phone: z.string().optional(), role: z.string().optional() }),
    openedAt: timestamp,
    openedBy: z.string(),
    completedAt: timestamp.optional(),
    completedBy: z.string().optional(),
    updatedAt: timestamp,
  })
  .describe('The post-incident review');

export const incidentReportSchema = z
  .object({
    audience: z.enum(['desk', 'client']),
    generatedAt: timestamp,
    summary: z.object({
      id: z.string(),
      number: z.string(),
      title: z.string(),
      description: z.string(),
      service: z.string(),
      category: z.string(),
      priority: z.string(),
      state: z.string(),
      major: z.boolean(),
      majorReason: z.string().optional(),
      security: z.boolean().optional(),
      reportedBy: z.string(),
      assignmentGroup: z.string().optional(),
      assignee: z.string().optional(),
      detectedAt: timestamp,
      resolvedAt: timestamp.optional(),
      closedAt: timestamp.optional(),
      resolutionCode: z.string().optional(),
      resolutionNotes: z.string().optional(),
      workaround: z.string().optional(),
      reopenCount: z.number().int(),
    }),
    impact: z.object({
      services: z.array(z.string()),
      impact: z.number().int(),
      urgency: z.number().int(),
      usersAffected: z.number().int().optional(),
      outage: z.object({ start: timestamp, end: timestamp.optional(), ongoing: z.boolean() }).optional(),
      outageMinutes: z.number().optional(),
      userOutageMinutes: z.number().optional().describe('Outage minutes × users affected'),
      lostTransactions: z.number().optional(),
      sla: z.array(
        z.object({
          target: z.enum(SLA_TARGETS),
          state: z.string(),
          targetMinutes: z.number(),
          dueAt: timestamp.optional(),
          achievedAt: timestamp.optional(),
          breachedAt: timestamp.optional(),
          elapsedMinutes: z.number(),
          pausedMinutes: z.number(),
        }),
      ),
      pausedMinutes: z.number().describe('Time the resolve clock stood paused (On Hold)'),
    }),
    timeline: z.array(
      z.object({ at: timestamp, source: z.enum(['incident', 'alarm', 'finding', 'escalation', 'communication']), type: z.string(), actor: z.string().optional(), text: z.string() }),
    ),
    rootCause: z.object({
      problems: z.array(
        z.object({
          number: z.string(),
          title: z.string(),
          state: z.string(),
          resolution: z.string().optional(),
          knownError: z.object({ title: z.string(), rootCause: z.string(), workaround: z.string(), fixStatus: z.string() }).optional(),
        }),
      ),
    }),
    disasterRecovery: z
      .object({
        plan: z.string().optional(),
        source: z.enum(['service', 'client']),
        invoked: z.boolean().optional(),
        decidedAt: timestamp.optional(),
        decidedBy: z.string().optional(),
        reason: z.string().optional(),
        restoredAt: timestamp.optional(),
        dataRestoredTo: timestamp.optional(),
        rto: objectiveFigure,
        rpo: objectiveFigure,
      })
      .optional(),
    communications: z.array(z.object({ at: timestamp, kind: z.enum(COMMUNICATION_KINDS), subject: z.string(), message: z.string(), recipients: z.array(z.string()).optional() })),
    review: z
      .object({ status: z.enum(['open', 'completed']), summary: z.string().optional(), findings: z.array(z.string()), openedAt: timestamp, completedAt: timestamp.optional(), completedBy: z.string().optional() })
      .optional(),
    actions: z.array(reviewAction.omit({ doneBy: true, escalatedAt: true }).extend({ overdue: z.boolean() })),
  })
  .describe('The incident report, generated from the record (text/markdown and text/html on request)');
