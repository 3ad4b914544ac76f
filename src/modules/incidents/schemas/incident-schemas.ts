import * as z from 'zod';
import { line, text } from '../../../kernel/schemas/text';
import { CHANNELS, ESCALATION_KINDS, RESOLUTION_CODES } from '../domain/incident';
import { TIMELINE_ENTRY_TYPES } from '../domain/incident-timeline';
import { INCIDENT_STATES, ON_HOLD_REASONS } from '../domain/incident-lifecycle';
import { PRIORITIES } from '../../../kernel/domain/priority';

/**
 * Request and response schemas of the incident routes: the single source for validation,
 * TypeScript types and the published OpenAPI description.
 */
const reference = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$/, 'must be 1–128 letters, digits or . _ : @ -');
const timestamp = z.iso.datetime({ offset: true }).describe('ISO 8601 date-time with a time zone, e.g. 2026-11-25T09:30:00Z');
/** Marks an incident as a service outage; times default to detection and restoration (resolution). */
const outage = z
  .strictObject({
    start: timestamp.optional(),
    end: timestamp.optional(),
    lostTransactions: z.number().int().min(0).max(1_000_000_000_000).optional().describe('Business transactions lost during the outage (orders, payments…), summed by the availability report'),
  })
  .refine((o) => o.start === undefined || o.end === undefined || Date.parse(o.end) >= Date.parse(o.start), { message: 'end must not be before start', path: ['end'] })
  .describe('A service outage: start defaults to detectedAt, end to resolvedAt');
const level = z.union([z.literal(1), z.literal(2), z.literal(3)]);

export const createIncidentBodySchema = z
  .strictObject({
    shortDescription: line(160),
    description: text(8000),
    impact: level.describe('1 = high (many users or a whole service), 3 = low (one user)'),
    urgency: level.describe('1 = high (work stopped), 3 = low (can wait)'),
    service: reference.describe('Id of the affected service'),
    category: reference,
    subcategory: reference.optional(),
    usersAffected: z.number().int().min(1).max(10_000_000).optional().describe('How many users are affected; may raise the priority'),
    workaround: text(8000).optional(),
    reportedBy: reference.optional().describe('The affected person; defaults to the caller'),
    detectedAt: timestamp.optional().describe('When the fault was noticed; defaults to now'),
    channel: z.enum(CHANNELS).optional().describe('How the incident reached the desk; defaults to api (the desk), web for requesters, who may not set it'),
    assignmentGroup: reference.optional(),
    assignee: reference.optional(),
    outage: outage.optional(),
  })
  .describe('A new incident');
export type CreateIncidentBody = z.infer<typeof createIncidentBodySchema>;

export const requestToIncidentBodySchema = createIncidentBodySchema
  .omit({ reportedBy: true })
  .partial({ shortDescription: true, description: true, service: true })
  .describe("The incident a service request turned out to be: reported by the requester; title, description and service default to the request's");

export const updateIncidentBodySchema = z
  .strictObject({
    shortDescription: line(160).optional(),
    description: text(8000).optional(),
    impact: level.optional(),
    urgency: level.optional(),
    service: reference.optional(),
    category: reference.optional(),
    subcategory: reference.optional(),
    usersAffected: z.number().int().min(1).max(10_000_000).optional(),
    assignmentGroup: reference.optional(),
    assignee: reference.optional(),
    workaround: text(8000).optional(),
    state: z.enum(['In Progress', 'On Hold', 'Resolved', 'Canceled']).optional().describe('Closing and reopening have their own routes (confirm, reject)'),
    onHoldReason: z.enum(ON_HOLD_REASONS).optional(),
    resolutionCode: z.enum(RESOLUTION_CODES).optional(),
    resolutionNotes: text(8000).optional(),
    duplicateOf: reference.optional().describe('With state Canceled: the incident this one duplicates'),
    major: z.literal(true).optional().describe('Declare a major incident (service owners); needs majorReason'),
    majorReason: text(2000).optional(),
    reason: text(2000).optional().describe('Why the priority changes; required when it does'),
    outage: outage.optional(),
  })
  .refine((body) => Object.keys(body).length > 0, { message: 'must change at least one field' })
  .describe('Changes to an incident; send only the fields that change');
export type UpdateIncidentBody = z.infer<typeof updateIncidentBodySchema>;

export const listIncidentsQuerySchema = z.strictObject({
  state: z.enum(INCIDENT_STATES).optional(),
  priority: z.enum(PRIORITIES).optional(),
  service: reference.optional(),
  assignee: reference.optional().describe('An assignee\'s open queue; `me` for the caller'),
  assignmentGroup: reference.optional().describe("A group's open queue"),
  limit: z.coerce.number().int().min(1).max(100).default(25),
  nextToken: z.string().max(2048).optional(),
});
export type ListIncidentsQuery = z.infer<typeof listIncidentsQuerySchema>;

export const incidentIdSchema = z
  .string()
  .regex(/^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|INC\d{7,})$/, 'must be an incident id or number (INC0000001)');

export const incidentSchema = z
  .object({
    id: z.string(),
    number: z.string(),
    shortDescription: z.string(),
    description: z.string(),
    impact: level,
    urgency: level,
    priority: z.enum(PRIORITIES),
    service: z.string(),
    category: z.string(),
    subcategory: z.string().optional(),
    usersAffected: z.number().int().optional(),
    priorityReasons: z.array(z.string()).optional().describe('Why the incident has its priority'),
    reported: z
      .object({ impact: level, urgency: level, usersAffected: z.number().int().optional(), priority: z.enum(PRIORITIES) })
      .optional()
      .describe("Logged by a requester: what they reported and the priority it gave before the client's cap (intake.requesterMaxPriority)"),
    concurrentIncidentsAtLogging: z.number().int().optional().describe('Open incidents on the service when it was logged, counting it'),
    workaround: z.string().optional(),
    major: z.boolean().optional(),
    majorReason: z.string().optional(),
    disasterRecoveryPlan: z.string().optional(),
    escalationLevel: z.number().int().optional(),
    escalations: z
      .array(z.object({ kind: z.enum(ESCALATION_KINDS), level: z.number().int(), to: z.string(), reason: z.string(), at: timestamp, by: z.string() }))
      .optional(),
    duplicateOf: z.string().optional(),
    reopenCount: z.number().int().optional(),
    resolvedBy: z.string().optional(),
    closedBy: z.string().optional(),
    closureReason: z.string().optional(),
    channel: z.enum(CHANNELS),
    reportedBy: z.string(),
    recordedBy: z.string(),
    detectedAt: timestamp,
    state: z.enum(INCIDENT_STATES),
    onHoldReason: z.enum(ON_HOLD_REASONS).optional(),
    assignmentGroup: z.string().optional(),
    assignee: z.string().optional(),
    resolutionCode: z.enum(RESOLUTION_CODES).optional(),
    resolutionNotes: z.string().optional(),
    resolvedAt: timestamp.optional(),
    closedAt: timestamp.optional(),
    createdAt: timestamp,
    updatedAt: timestamp,
    updatedBy: z.string(),
    version: z.number().int(),
    occurrenceCount: z.number().int().optional().describe('Monitoring incidents: ALARM events this incident stands for'),
    alarmArn: z.string().optional().describe('Monitoring incidents: the CloudWatch alarm'),
    security: z.boolean().optional().describe('A security incident: from a security finding (GuardDuty, Inspector), or flagged by the desk (POST /incidents/{id}/security)'),
    findingId: z.string().optional().describe('Security-finding incidents: the GuardDuty finding id or the Inspector finding ARN'),
    outage: z.object({ start: timestamp.optional(), end: timestamp.optional(), lostTransactions: z.number().int().optional() }).optional().describe('Marked as a service outage'),
    external: z
      .object({ servicenow: z.object({ sysId: z.string(), number: z.string(), table: z.string() }).optional().describe("The client's ServiceNow record") })
      .optional()
      .describe("The incident's records in the client's own tools"),
  })
  .describe('An incident');

export const incidentPageSchema = z.object({
  items: z.array(incidentSchema),
  nextToken: z.string().optional().describe('Pass back as ?nextToken= to read the next page'),
});

export const commentBodySchema = z
  .strictObject({
    type: z.enum(['comment', 'work-note']).default('comment').describe('comment: visible to the reporter; work-note: internal to the desk'),
    text: text(8000),
  })
  .describe('A comment or work note for the timeline');

export const rejectBodySchema = z.strictObject({ reason: text(2000).describe('Why the fix did not work') }).describe('Reject a resolution');

export const confirmBodySchema = z.strictObject({}).describe('Confirm a resolution (no fields)');

export const flagSecurityBodySchema = z
  .strictObject({ reason: text(2000).describe('Why it is a security incident (on the timeline and in the notices)') })
  .describe('Flag an incident as a security incident');

export const escalateBodySchema = z
  .strictObject({
    kind: z.enum(ESCALATION_KINDS).optional().describe('functional: to a group or expert; hierarchical (the default): to management'),
    to: reference.describe("Group, expert, manager, or `service-owner`: the service's owner is told (agents and engineers may escalate only to them, hierarchically)"),
    reason: text(2000),
    assignmentGroup: reference.optional().describe('Functional escalation: the group that takes the work'),
  })
  .describe('Escalate an incident');

export const timelineQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(50),
  nextToken: z.string().max(2048).optional(),
});

export const timelineEntrySchema = z.object({
  id: z.string(),
  type: z.enum(TIMELINE_ENTRY_TYPES),
  at: timestamp,
  actor: z.string(),
  visibility: z.enum(['public', 'internal']),
  text: z.string().optional(),
  field: z.string().optional(),
  from: z.unknown().optional(),
  to: z.unknown().optional(),
  reason: z.string().optional(),
});

export const timelinePageSchema = z.object({
  items: z.array(timelineEntrySchema),
  nextToken: z.string().optional(),
});
