import * as z from 'zod';
import { CHANNELS, RESOLUTION_CODES } from '../domain/incident';
import { INCIDENT_STATES, ON_HOLD_REASONS } from '../domain/incident-lifecycle';
import { PRIORITIES } from '../domain/priority';

/**
 * Request and response schemas of the incident routes: the single source for validation,
 * TypeScript types and the published OpenAPI description.
 */
const text = (max: number) => z.string().trim().min(1, 'must not be blank').max(max);
const reference = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$/, 'must be 1–128 letters, digits or . _ : @ -');
const timestamp = z.iso.datetime({ offset: true }).describe('ISO 8601 date-time with a time zone, e.g. 2026-11-25T09:30:00Z');
const level = z.union([z.literal(1), z.literal(2), z.literal(3)]);

export const createIncidentBodySchema = z
  .strictObject({
    shortDescription: text(160),
    description: text(8000),
    impact: level.describe('1 = high (many users or a whole service), 3 = low (one user)'),
    urgency: level.describe('1 = high (work stopped), 3 = low (can wait)'),
    service: reference.describe('Id of the affected service'),
    category: reference,
    reportedBy: reference.optional().describe('The affected person; defaults to the caller'),
    detectedAt: timestamp.optional().describe('When the fault was noticed; defaults to now'),
    channel: z.enum(CHANNELS).optional().describe('How the incident reached the desk; defaults to api'),
    assignmentGroup: reference.optional(),
    assignee: reference.optional(),
  })
  .describe('A new incident');
export type CreateIncidentBody = z.infer<typeof createIncidentBodySchema>;

export const updateIncidentBodySchema = z
  .strictObject({
    shortDescription: text(160).optional(),
    description: text(8000).optional(),
    impact: level.optional(),
    urgency: level.optional(),
    service: reference.optional(),
    category: reference.optional(),
    assignmentGroup: reference.optional(),
    assignee: reference.optional(),
    state: z.enum(INCIDENT_STATES).optional(),
    onHoldReason: z.enum(ON_HOLD_REASONS).optional(),
    resolutionCode: z.enum(RESOLUTION_CODES).optional(),
    resolutionNotes: text(8000).optional(),
  })
  .refine((body) => Object.keys(body).length > 0, { message: 'must change at least one field' })
  .describe('Changes to an incident; send only the fields that change');
export type UpdateIncidentBody = z.infer<typeof updateIncidentBodySchema>;

export const listIncidentsQuerySchema = z.strictObject({
  state: z.enum(INCIDENT_STATES).optional(),
  priority: z.enum(PRIORITIES).optional(),
  service: reference.optional(),
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
  })
  .describe('An incident');

export const incidentPageSchema = z.object({
  items: z.array(incidentSchema),
  nextToken: z.string().optional().describe('Pass back as ?nextToken= to read the next page'),
});
