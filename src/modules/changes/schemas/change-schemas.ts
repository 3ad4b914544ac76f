import * as z from 'zod';
import { line, text } from '../../../kernel/schemas/text';
import { APPROVER_CAPACITIES } from '../domain/change-approval';
import { CHANGE_STATES } from '../domain/change-lifecycle';
import { CHANGE_TYPES, REVIEW_OUTCOMES } from '../domain/change';
import { RISK_CLASSES } from '../domain/change-risk';
import { REQUEST_STATES, REQUEST_TYPES } from '../domain/service-request';
import { serviceIdSchema } from '../../catalogue/schemas';
import { incidentIdSchema, incidentSchema } from '../../incidents/schemas';
import { ciVersionAttributesSchema } from '../../catalogue/schemas';
import type { CiVersionUpdate } from '../../catalogue/domain';

/**
 * Request and response schemas of change management: the single source for validation,
 * TypeScript types and the OpenAPI description.
 */
const reference = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$/, 'must be 1–128 letters, digits or . _ : @ -');
const instant = z.iso.datetime({ offset: true }).describe('ISO 8601 date and time with offset');
const level = z.number().int().min(1).max(5);
const limit = (fallback: number) => z.coerce.number().int().min(1).max(100).default(fallback);
const nextToken = z.string().max(2048).optional();

export const changeIdSchema = z.uuid({ error: 'must be a change id (UUID)' });

const editableFields = {
  title: line(160),
  reason: text(4000).describe('Why the change is needed'),
  services: z.array(serviceIdSchema).min(1).max(10).describe('Affected services (ids in the catalogue)'),
  cis: z.array(z.uuid({ error: 'must be a CI id (UUID)' })).max(20).describe('Affected configuration items'),
  implementationPlan: text(8000),
  testPlan: text(8000),
  backoutPlan: text(8000),
  plannedStart: instant,
  plannedEnd: instant,
  likelihood: level.describe('Likelihood of failure, 1 (rare) to 5 (almost certain)'),
  severity: level.describe('Severity if it fails, 1 (negligible) to 5 (severe)'),
  securityImpact: text(4000).describe('Mandatory security and access impact statement'),
  template: reference.optional().describe('Standard changes: the pre-approved template'),
  incident: incidentIdSchema.optional().describe('Emergency changes: the incident they answer (required)'),
};

export const createChangeBodySchema = z
  .strictObject({ type: z.enum(CHANGE_TYPES), ...editableFields, cis: editableFields.cis.default([]) })
  .describe('Raise a change (it starts as a Draft)');
export type CreateChangeBody = z.infer<typeof createChangeBodySchema>;

export const updateChangeBodySchema = z
  .strictObject({
    ...Object.fromEntries(Object.entries(editableFields).map(([k, v]) => [k, v.optional()])),
    state: z
      .enum(CHANGE_STATES.filter((s) => s !== 'Draft' && s !== 'Approved' && s !== 'Rejected') as ['Submitted'])
      .optional()
      .describe('The next state; Approved and Rejected are reached by votes (POST /changes/{id}/approvals)'),
    outcome: z.enum(REVIEW_OUTCOMES).optional().describe('With state Reviewed: the post-implementation review outcome'),
    lessons: text(8000).optional().describe('With state Reviewed: lessons learned'),
    ciUpdates: z
      .array(z.strictObject({ ci: z.string().min(1).max(64), attributes: ciVersionAttributesSchema }))
      .min(1)
      .max(20)
      .optional()
      .describe("With state Implemented: the versions installed on the change's CIs, recorded as new CI versions"),
    note: text(2000).optional().describe('Why, kept in the history with the step'),
  })
  .refine((body) => Object.keys(body).length > 0, { message: 'must change at least one field' })
  .describe('Edit a draft (any fields but type) or move the change on (state, with likelihood/severity at Assessed, plannedStart/plannedEnd at Scheduled, outcome and lessons at Reviewed)');
export type UpdateChangeBody = {
  readonly [K in keyof typeof editableFields]?: z.infer<(typeof editableFields)[K]>;
} & {
  readonly state?: (typeof CHANGE_STATES)[number];
  readonly outcome?: (typeof REVIEW_OUTCOMES)[number];
  readonly lessons?: string;
  readonly ciUpdates?: readonly CiVersionUpdate[];
  readonly note?: string;
};

export const voteBodySchema = z
  .strictObject({
    decision: z.enum(['approve', 'reject']),
    reason: text(2000),
    capacity: z.enum(APPROVER_CAPACITIES).optional().describe('Which of your capacities you vote in, when you hold more than one'),
  })
  .describe('Approve or reject an assessed change');

export const listChangesQuerySchema = z.strictObject({
  state: z.enum(CHANGE_STATES).default('Submitted'),
  limit: limit(25),
  nextToken,
});

export const calendarQuerySchema = z
  .strictObject({ from: instant, to: instant, limit: limit(50), nextToken })
  .refine((q) => Date.parse(q.to) > Date.parse(q.from), { message: 'must be after from', path: ['to'] })
  .refine((q) => Date.parse(q.to) - Date.parse(q.from) <= 366 * 24 * 3600 * 1000, { message: 'the range may span at most a year', path: ['to'] });

const approvalRequirement = z.object({
  capacity: z.enum(APPROVER_CAPACITIES),
  count: z.number(),
  service: z.string().optional(),
  username: z.string().optional(),
});
const vote = z.object({
  by: z.string(),
  capacity: z.enum(APPROVER_CAPACITIES),
  service: z.string().optional(),
  decision: z.enum(['approve', 'reject']),
  reason: z.string(),
  at: z.string().describe('When the vote was cast (a relayed vote: when the approver voted there)'),
  via: z.string().optional().describe("A vote cast in the client's own tool and relayed by this integration (e.g. servicenow)"),
  recordedAt: z.string().optional().describe('A relayed vote: when it was recorded here'),
});

export const changeSchema = z
  .object({
    id: z.string(),
    type: z.enum(CHANGE_TYPES),
    title: z.string(),
    reason: z.string(),
    services: z.array(z.string()),
    cis: z.array(z.string()),
    implementationPlan: z.string(),
    testPlan: z.string(),
    backoutPlan: z.string(),
    plannedStart: z.string(),
    plannedEnd: z.string(),
    risk: z.object({ likelihood: z.number(), severity: z.number(), score: z.number(), class: z.enum(RISK_CLASSES), securityImpact: z.string() }),
    template: z.string().optional(),
    incident: z.string().optional(),
    request: z.string().optional().describe('The service request that raised it'),
    state: z.enum(CHANGE_STATES),
    approvals: z.array(approvalRequirement).describe('Who must approve, set at assessment'),
    assessedBy: z.string().optional().describe('Who assessed it; they may not approve it (segregation of duties)'),
    votes: z.array(vote),
    overlapsWith: z.array(z.string()).describe('Scheduled changes on the same service or CI at an overlapping time'),
    freezeOverride: z.array(z.string()).optional().describe('Freeze windows an emergency change was scheduled into'),
    goLiveAt: z.string().optional(),
    ciVersions: z.array(z.object({ ci: z.string(), version: z.number() })).optional().describe('CI versions recorded at implementation'),
    review: z.object({ outcome: z.enum(REVIEW_OUTCOMES), lessons: z.string(), by: z.string(), at: z.string() }).optional(),
    history: z.array(z.object({ at: z.string(), by: z.string(), from: z.string(), to: z.string(), note: z.string().optional() })),
    requestedBy: z.string(),
    requestedById: z.string().optional().describe('The raiser\'s stable id (sub); ownership is checked by it'),
    createdAt: z.string(),
    updatedAt: z.string(),
    updatedBy: z.string(),
    version: z.number(),
  })
  .describe('A change');

export const changePageSchema = z.object({ items: z.array(changeSchema), nextToken: z.string().optional() });

export const calendarSchema = z.object({
  items: z.array(changeSchema).describe('Scheduled changes starting in the range, by planned start'),
  freezeWindows: z.array(z.object({ name: z.string(), start: z.string(), end: z.string() })).describe("The client's freeze windows that meet the range"),
  nextToken: z.string().optional(),
});

export const milestonesQuerySchema = z.strictObject({ service: serviceIdSchema, limit: limit(25), nextToken });
export const milestonePageSchema = z.object({
  items: z.array(z.object({ service: z.string(), at: z.string(), change: z.string(), title: z.string() })),
  nextToken: z.string().optional(),
});

// ---------------------------------------------------------------------------------------------
// Service requests

export const requestIdSchema = z.uuid({ error: 'must be a request id (UUID)' });

export const createRequestBodySchema = z
  .strictObject({
    type: z.enum(REQUEST_TYPES),
    service: serviceIdSchema.describe('The service the request is for (an id in the catalogue)'),
    title: line(160),
    description: text(8000),
  })
  .describe('Submit a service request');

export const updateRequestBodySchema = z
  .strictObject({
    state: z.enum(REQUEST_STATES.filter((s) => s !== 'Submitted') as ['Approved']).optional(),
    assignee: reference.optional(),
    note: text(2000).optional().describe('Why, kept in the history with the step'),
  })
  .refine((body) => body.state !== undefined || body.assignee !== undefined, { message: 'must change state or assignee' })
  .describe('Approve, reject, fulfil or close a request, or assign it');

export const requestCommentBodySchema = z.strictObject({ text: text(8000) }).describe('A comment, visible to the requester');

export const transferRequestBodySchema = z
  .discriminatedUnion('to', [
    z.strictObject({ to: z.literal('incident'), incident: incidentIdSchema.describe('The incident the request turned out to be') }),
    z.strictObject({ to: z.literal('change'), change: createChangeBodySchema.describe('The change to raise, linked to the request') }),
  ])
  .describe('Close the request as an incident, or raise a linked change');

export const listRequestsQuerySchema = z.strictObject({ state: z.enum(REQUEST_STATES).default('Submitted'), limit: limit(25), nextToken });

export const requestSchema = z
  .object({
    id: z.string(),
    type: z.enum(REQUEST_TYPES),
    typeName: z.string().optional().describe("The service's name for the request type, where it lists its types"),
    service: z.string(),
    title: z.string(),
    description: z.string(),
    state: z.enum(REQUEST_STATES),
    needsApproval: z.boolean(),
    fulfilmentDue: z.string(),
    assignee: z.string().optional(),
    approvedBy: z.string().optional(),
    comments: z.array(z.object({ by: z.string(), at: z.string(), text: z.string() })),
    transferredTo: z.object({ incident: z.string().optional(), change: z.string().optional() }).optional(),
    history: z.array(z.object({ at: z.string(), by: z.string(), from: z.string(), to: z.string(), note: z.string().optional() })),
    requestedBy: z.string(),
    requestedById: z.string().optional().describe('The requester\'s stable id (sub); ownership is checked by it'),
    createdAt: z.string(),
    updatedAt: z.string(),
    updatedBy: z.string(),
    version: z.number(),
  })
  .describe('A service request');
export const requestToIncidentSchema = z
  .object({ request: requestSchema, incident: incidentSchema })
  .describe('The request, closed as transferred, and the incident logged from it');
export const requestPageSchema = z.object({ items: z.array(requestSchema), nextToken: z.string().optional() });

export const requestsChangesQuerySchema = z
  .strictObject({ from: instant, to: instant })
  .refine((q) => Date.parse(q.to) > Date.parse(q.from), { message: 'must be after from', path: ['to'] })
  .refine((q) => Date.parse(q.to) - Date.parse(q.from) <= 731 * 24 * 3600 * 1000, { message: 'the range may span at most two years', path: ['to'] });
const ratioRow = { requests: z.number(), changes: z.number(), ratio: z.number().nullable().describe('Requests per change; null without changes') };
export const requestsChangesReportSchema = z.object({
  from: z.string(),
  to: z.string(),
  total: z.object(ratioRow),
  byService: z.array(z.object({ service: z.string(), ...ratioRow })),
  byMonth: z.array(z.object({ month: z.string(), ...ratioRow })),
});
