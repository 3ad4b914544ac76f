import * as z from 'zod';
import { line } from '../../../kernel/schemas/text';
import { isoDurationSchema } from '../../../config/client-settings-schema';
import { WEEKDAYS } from '../domain';
import { PRIORITIES } from '../../../kernel/domain/priority';

/**
 * Request and response schemas of the on-call routes (function group `oncall`): the single source
 * for validation, TypeScript types and the OpenAPI description. Rules that span fields (a valid
 * time zone, turns of at least an hour, `to` after `from`) are the domain's (scheduleProblems).
 */
const timestamp = z.iso.datetime({ offset: true }).describe('ISO 8601 date-time with a time zone, e.g. 2026-11-02T09:00:00Z');
export const usernameSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:@+-]{0,127}$/, 'must be 1–128 letters, digits or . _ : @ + -');
const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM between 00:00 and 23:59');
const limit = z.coerce.number().int().min(1).max(100).default(25);
const nextToken = z.string().max(2048).optional();

export const scheduleIdSchema = z.uuid({ error: 'must be a schedule id (UUID)' });
export const overrideIdSchema = z.uuid({ error: 'must be an override id (UUID)' });

const restriction = z
  .discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('daily'), from: hhmm, to: hhmm }),
    z.strictObject({ kind: z.literal('weekly'), days: z.array(z.enum(WEEKDAYS)).min(1).max(7), from: hhmm, to: hhmm }),
  ])
  .describe("A window in the schedule's time zone from `from` to the next `to` (18:00–09:00 crosses midnight; equal times are a whole day), opening every day (daily) or on the listed days (weekly)");

const layer = z.strictObject({
  name: line(80),
  start: timestamp.describe('The first hand-off: the first participant is on call from here'),
  turn: isoDurationSchema.describe('Length of one turn: P1D, P7D, PT12H…, at least PT1H; days hand off at the same local time across daylight-saving changes'),
  participants: z.array(usernameSchema).min(1).max(50).describe('Usernames, in rotation order'),
  restrictions: z.array(restriction).max(14).optional().describe('When set, the layer has someone only inside these windows'),
});

export const overrideBodySchema = z
  .strictObject({
    from: timestamp,
    to: timestamp,
    person: usernameSchema.describe('Who is on call instead'),
    covering: usernameSchema.optional().describe('Only instead of this person, while the layers have them on call; otherwise instead of whoever is'),
  })
  .describe('Someone on call from `from` to `to`');

const scheduleFields = {
  name: line(120),
  timeZone: z.string().min(1).max(64).describe('IANA time zone of hand-offs and restrictions, e.g. Europe/London'),
  layers: z.array(layer).min(1).max(10).describe('Rotations, lowest precedence first: a later layer wins wherever it has someone'),
};

export const createScheduleBodySchema = z
  .strictObject({ ...scheduleFields, overrides: z.array(overrideBodySchema).max(200).optional() })
  .describe('An on-call schedule');

export const updateScheduleBodySchema = z
  .strictObject({ name: scheduleFields.name.optional(), timeZone: scheduleFields.timeZone.optional(), layers: scheduleFields.layers.optional() })
  .refine((body) => Object.keys(body).length > 0, 'must change at least one field')
  .describe('The fields to change (overrides have their own routes)');

const storedOverride = overrideBodySchema.extend({ id: z.uuid(), createdBy: z.string(), createdAt: timestamp });

export const scheduleSchema = z.object({
  id: z.uuid(),
  ...scheduleFields,
  overrides: z.array(storedOverride),
  version: z.number().int(),
  createdAt: timestamp,
  createdBy: z.string(),
  updatedAt: timestamp,
  updatedBy: z.string(),
});

export const schedulePageSchema = z.object({ items: z.array(scheduleSchema), nextToken: z.string().optional() });
export const listSchedulesQuerySchema = z.strictObject({ limit, nextToken });

export const onCallQuerySchema = z.strictObject({ at: timestamp.optional().describe('The instant asked about; now when omitted') });
export const onCallSchema = z.object({ scheduleId: z.uuid(), at: timestamp, oncall: z.array(z.string()).describe('Usernames on call; empty for a gap') });

export const shiftsQuerySchema = z.strictObject({ from: timestamp, to: timestamp.describe('At most 93 days after from') });
export const shiftsSchema = z.object({
  scheduleId: z.uuid(),
  from: timestamp,
  to: timestamp,
  shifts: z.array(z.object({ start: timestamp, end: timestamp, oncall: z.array(z.string()) })).describe('The final schedule: overrides and layers applied, gaps included (empty oncall)'),
});

export const gapsQuerySchema = z.strictObject({ days: z.coerce.number().int().min(1).max(93).default(14).describe('How many days ahead, from now') });
export const gapsSchema = z.object({ scheduleId: z.uuid(), from: timestamp, to: timestamp, gaps: z.array(z.object({ start: timestamp, end: timestamp })) });

export const overrideCreatedSchema = z.object({ schedule: scheduleSchema, override: storedOverride });

// Escalation policies

const serviceId = z.string().regex(/^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/, 'must be a catalogue service id, e.g. email');
export const policyIdSchema = z.uuid({ error: 'must be an escalation policy id (UUID)' });

const target = z
  .union([
    z.strictObject({ kind: z.literal('person'), username: usernameSchema }),
    z.strictObject({ kind: z.literal('schedule'), scheduleId: scheduleIdSchema.describe('Pages whoever is on call when the step fires') }),
    z.strictObject({ kind: z.literal('service-owner') }),
    z.strictObject({ kind: z.literal('client-contact'), name: line(120).describe("A client contact, by name as in the client's contacts") }),
    z.strictObject({ kind: z.literal('external'), webhookUrl: z.url({ protocol: /^https$/ }).max(2000).describe('A call centre webhook (https)') }),
    z.strictObject({ kind: z.literal('external'), phone: z.string().regex(/^\+[1-9]\d{6,14}$/, 'must be an E.164 number such as +442071234567') }),
  ])
  .describe('Who a step pages: a person, a schedule, the service owner, a client contact, or an external number or webhook');

const step = z.strictObject({
  delayMinutes: z.number().int().min(1).max(1440).describe('Minutes this step waits for an acknowledgement before the next step'),
  targets: z.array(target).min(1).max(10),
  mode: z.enum(['all', 'round-robin']).default('all').describe('Page every target, or one in turn'),
});

const policyFields = {
  name: line(120),
  services: z.array(serviceId).max(50).optional().describe('Services it applies to; every service when omitted or empty'),
  priorities: z.array(z.enum(PRIORITIES)).max(5).optional().describe('Priorities it applies to; every priority when omitted or empty'),
  steps: z.array(step).min(1).max(10),
  repeat: z.number().int().min(0).max(9).default(0).describe('How many more times the whole policy runs when nobody acknowledges'),
};

export const createPolicyBodySchema = z.strictObject(policyFields).describe('An escalation policy; the most specific one for an incident\'s service and priority applies');

export const updatePolicyBodySchema = z
  .strictObject({
    name: policyFields.name.optional(),
    services: policyFields.services,
    priorities: policyFields.priorities,
    steps: policyFields.steps.optional(),
    repeat: z.number().int().min(0).max(9).optional(),
  })
  .refine((body) => Object.keys(body).length > 0, 'must change at least one field')
  .describe('The fields to change');

export const policySchema = z.object({
  id: z.uuid(),
  ...policyFields,
  version: z.number().int(),
  createdAt: timestamp,
  createdBy: z.string(),
  updatedAt: timestamp,
  updatedBy: z.string(),
});
export const policyPageSchema = z.object({ items: z.array(policySchema), nextToken: z.string().optional() });
export const listPoliciesQuerySchema = z.strictObject({ limit, nextToken });

export const resolvePagingQuerySchema = z.strictObject({
  service: serviceId.optional(),
  priority: z.enum(PRIORITIES),
  at: timestamp.optional().describe('When paging starts; now when omitted'),
});
const page = z.object({ kind: z.string() }).catchall(z.unknown());
export const resolutionSchema = z.object({
  service: z.string().optional(),
  priority: z.enum(PRIORITIES),
  at: timestamp,
  policy: z.string().describe('The policy id, or default (the client contacts #1-#3 and service owner)'),
  name: z.string(),
  firings: z.array(z.object({ step: z.number().int(), round: z.number().int(), at: timestamp, pages: z.array(page) })),
});

/** The paging directory: how to reach a person by username. */
const personFields = {
  name: line(120),
  email: z.email().max(254),
  phone: z.string().regex(/^\+[1-9]\d{6,14}$/, 'must be an E.164 number such as +442071234567').optional().describe('For SMS and voice pages'),
};
export const createPersonBodySchema = z
  .strictObject({ username: usernameSchema.describe('The username schedules and policies name'), ...personFields })
  .describe('A person of the paging directory');
export const updatePersonBodySchema = z
  .strictObject({ name: personFields.name.optional(), email: personFields.email.optional(), phone: personFields.phone })
  .refine((body) => Object.keys(body).length > 0, 'must change at least one field')
  .describe('The contact details to change');
export const personSchema = z.object({
  id: z.string().describe('The username'),
  ...personFields,
  version: z.number().int(),
  createdAt: timestamp,
  createdBy: z.string(),
  updatedAt: timestamp,
  updatedBy: z.string(),
});
export const personPageSchema = z.object({ items: z.array(personSchema), nextToken: z.string().optional() });
export const listPeopleQuerySchema = z.strictObject({ limit, nextToken });
