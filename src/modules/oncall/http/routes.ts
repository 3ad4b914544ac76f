import {
  createScheduleBodySchema,
  gapsQuerySchema,
  gapsSchema,
  listSchedulesQuerySchema,
  onCallQuerySchema,
  onCallSchema,
  overrideBodySchema,
  overrideCreatedSchema,
  overrideIdSchema,
  scheduleIdSchema,
  schedulePageSchema,
  scheduleSchema,
  shiftsQuerySchema,
  shiftsSchema,
  updateScheduleBodySchema,
  usernameSchema,
  createPolicyBodySchema,
  listPoliciesQuerySchema,
  policyIdSchema,
  policyPageSchema,
  policySchema,
  resolutionSchema,
  resolvePagingQuerySchema,
  updatePolicyBodySchema,
  createPersonBodySchema,
  listPeopleQuerySchema,
  personPageSchema,
  personSchema,
  updatePersonBodySchema,
} from '../schemas';
import { createPerson, getPerson, listPeople, updatePerson, type PeopleDeps } from '../app/people-use-cases';
import { createPolicy, getPolicy, listPolicies, resolvePaging, updatePolicy, type PolicyDeps } from '../app/policy-use-cases';
import {
  createOverride,
  createSchedule,
  deleteOverride,
  getSchedule,
  listSchedules,
  personCalendar,
  scheduleGaps,
  scheduleShifts,
  updateSchedule,
  whoIsOnCall,
  type ScheduleDeps,
} from '../app/schedule-use-cases';
import { basePath, type HttpResult } from '../../../kernel/http/http-router';
import { etagFor, ifMatchVersion, parseJsonBody, parseQuery, validate } from '../../../kernel/http/http-request';
import { defineRoutes } from '../../../kernel/http/route-declaration';

/**
 * The on-call function's routes: schedules, their overrides, who is on call, shifts, gaps and
 * each person's calendar. One declaration per route; the use cases are in ../app.
 */

type Params = Record<string, string | undefined> | null;
const scheduleId = (params: Params) => validate(scheduleIdSchema, params?.['id'], 'id');
const versioned = (record: { readonly version: number }, status: number, extra: Record<string, string> = {}): HttpResult => ({
  status,
  body: record,
  headers: { ETag: etagFor(record.version), ...extra },
});

/** What the on-call function's routes need, built once by functions/oncall-handler.ts. */
export interface OnCallHttpDeps {
  readonly schedules: ScheduleDeps;
  readonly policies: PolicyDeps;
  readonly people: PeopleDeps;
}
const username = (params: Params) => validate(usernameSchema, params?.['username'], 'username');
const policyId = (params: Params) => validate(policyIdSchema, params?.['id'], 'id');

export const ONCALL_ROUTES = defineRoutes<OnCallHttpDeps>('oncall', [
  {
    method: 'POST', path: '/schedules', auth: 'token', operationId: 'createSchedule',
    summary: 'Create an on-call schedule: layers of rotations in a time zone, and overrides', body: createScheduleBodySchema,
    response: { status: 201, schema: scheduleSchema, description: 'Created; Location and ETag headers set' }, problems: [415],
    handle: async ({ event, caller }, deps) => {
      const schedule = await createSchedule(deps.schedules, caller, parseJsonBody(event, createScheduleBodySchema));
      return versioned(schedule, 201, { Location: `${basePath(event)}/schedules/${schedule.id}` });
    },
  },
  {
    method: 'GET', path: '/schedules', auth: 'token', operationId: 'listSchedules',
    summary: 'On-call schedules, by id', query: listSchedulesQuerySchema,
    response: { status: 200, schema: schedulePageSchema, description: 'One page' },
    handle: async ({ event, caller }, deps) => ({ status: 200, body: await listSchedules(deps.schedules, caller, parseQuery(event, listSchedulesQuerySchema)) }),
  },
  {
    method: 'GET', path: '/schedules/{id}', auth: 'token', operationId: 'getSchedule',
    summary: 'An on-call schedule with its overrides', response: { status: 200, schema: scheduleSchema, description: 'The schedule; ETag header set' }, problems: [404],
    handle: async ({ event, caller }, deps) => versioned(await getSchedule(deps.schedules, caller, scheduleId(event.pathParameters)), 200),
  },
  {
    method: 'PATCH', path: '/schedules/{id}', auth: 'token', operationId: 'updateSchedule',
    summary: "Change a schedule's name, time zone or layers (If-Match required)", body: updateScheduleBodySchema,
    response: { status: 200, schema: scheduleSchema, description: 'The changed schedule; new ETag' }, problems: [404, 409, 412, 415, 428],
    handle: async ({ event, caller }, deps) => {
      const id = scheduleId(event.pathParameters);
      const changes = parseJsonBody(event, updateScheduleBodySchema);
      return versioned(await updateSchedule(deps.schedules, caller, id, changes, ifMatchVersion(event)), 200);
    },
  },
  {
    method: 'GET', path: '/schedules/{id}/oncall', auth: 'token', operationId: 'getOnCall',
    summary: 'Who is on call at an instant (now by default)', query: onCallQuerySchema,
    response: { status: 200, schema: onCallSchema, description: 'The usernames on call; empty for a gap' }, problems: [404],
    handle: async ({ event, caller }, deps) => ({
      status: 200,
      body: await whoIsOnCall(deps.schedules, caller, scheduleId(event.pathParameters), parseQuery(event, onCallQuerySchema).at),
    }),
  },
  {
    method: 'GET', path: '/schedules/{id}/shifts', auth: 'token', operationId: 'listScheduleShifts',
    summary: 'The final schedule over a window of at most 93 days: who is on call when, gaps included', query: shiftsQuerySchema,
    response: { status: 200, schema: shiftsSchema, description: 'The shifts' }, problems: [404],
    handle: async ({ event, caller }, deps) => ({
      status: 200,
      body: await scheduleShifts(deps.schedules, caller, scheduleId(event.pathParameters), parseQuery(event, shiftsQuerySchema)),
    }),
  },
  {
    method: 'GET', path: '/schedules/{id}/gaps', auth: 'token', operationId: 'listScheduleGaps',
    summary: 'The spans with nobody on call in the next days (14 by default)', query: gapsQuerySchema,
    response: { status: 200, schema: gapsSchema, description: 'The gaps; empty when someone is always on call' }, problems: [404],
    handle: async ({ event, caller }, deps) => ({
      status: 200,
      body: await scheduleGaps(deps.schedules, caller, scheduleId(event.pathParameters), parseQuery(event, gapsQuerySchema).days),
    }),
  },
  {
    method: 'POST', path: '/schedules/{id}/overrides', auth: 'token', operationId: 'createScheduleOverride',
    summary: 'Put someone on call instead of whoever the layers name (or instead of one person) from–to', body: overrideBodySchema,
    response: { status: 201, schema: overrideCreatedSchema, description: 'The override and the schedule; ETag of the schedule' }, problems: [404, 409, 415],
    handle: async ({ event, caller }, deps) => {
      const id = scheduleId(event.pathParameters);
      const created = await createOverride(deps.schedules, caller, id, parseJsonBody(event, overrideBodySchema));
      return {
        status: 201,
        body: created,
        headers: { ETag: etagFor(created.schedule.version), Location: `${basePath(event)}/schedules/${id}/overrides/${created.override.id}` },
      };
    },
  },
  {
    method: 'DELETE', path: '/schedules/{id}/overrides/{overrideId}', auth: 'token', operationId: 'deleteScheduleOverride',
    summary: 'Remove an override', response: { status: 200, schema: scheduleSchema, description: 'The schedule without the override; new ETag' }, problems: [404, 409],
    handle: async ({ event, caller }, deps) => {
      const id = scheduleId(event.pathParameters);
      const overrideId = validate(overrideIdSchema, event.pathParameters?.['overrideId'], 'overrideId');
      return versioned(await deleteOverride(deps.schedules, caller, id, overrideId), 200);
    },
  },
  {
    method: 'GET', path: '/schedules/{id}/people/{username}/calendar.ics', auth: 'token', operationId: 'getOnCallCalendar',
    summary: "A person's on-call shifts as iCalendar (text/calendar, RFC 5545): the last week and the next 93 days",
    response: { status: 200, mediaType: 'text/calendar', description: "The person's shifts as iCalendar (RFC 5545)" }, problems: [404],
    handle: async ({ event, caller }, deps) => {
      const id = scheduleId(event.pathParameters);
      const username = validate(usernameSchema, event.pathParameters?.['username'], 'username');
      return { status: 200, body: await personCalendar(deps.schedules, caller, id, username), headers: { 'Content-Type': 'text/calendar; charset=utf-8' } };
    },
  },
  {
    method: 'POST', path: '/escalation-policies', auth: 'token', operationId: 'createEscalationPolicy',
    summary: 'Create an escalation policy: steps of targets with delays, all or round-robin, repeated', body: createPolicyBodySchema,
    response: { status: 201, schema: policySchema, description: 'Created; Location and ETag headers set' }, problems: [415],
    handle: async ({ event, caller }, deps) => {
      const policy = await createPolicy(deps.policies, caller, parseJsonBody(event, createPolicyBodySchema));
      return versioned(policy, 201, { Location: `${basePath(event)}/escalation-policies/${policy.id}` });
    },
  },
  {
    method: 'GET', path: '/escalation-policies', auth: 'token', operationId: 'listEscalationPolicies',
    summary: 'Escalation policies, by id', query: listPoliciesQuerySchema,
    response: { status: 200, schema: policyPageSchema, description: 'One page' },
    handle: async ({ event, caller }, deps) => ({ status: 200, body: await listPolicies(deps.policies, caller, parseQuery(event, listPoliciesQuerySchema)) }),
  },
  {
    method: 'GET', path: '/escalation-policies/resolve', auth: 'token', operationId: 'resolveEscalationPolicy',
    summary: 'The policy an incident of a service and priority gets (else the client contacts), and who each step would page from `at`', query: resolvePagingQuerySchema,
    response: { status: 200, schema: resolutionSchema, description: 'The policy and its firings' },
    handle: async ({ event, caller }, deps) => ({ status: 200, body: await resolvePaging(deps.policies, caller, parseQuery(event, resolvePagingQuerySchema)) }),
  },
  {
    method: 'GET', path: '/escalation-policies/{id}', auth: 'token', operationId: 'getEscalationPolicy',
    summary: 'An escalation policy', response: { status: 200, schema: policySchema, description: 'The policy; ETag header set' }, problems: [404],
    handle: async ({ event, caller }, deps) => versioned(await getPolicy(deps.policies, caller, policyId(event.pathParameters)), 200),
  },
  {
    method: 'PATCH', path: '/escalation-policies/{id}', auth: 'token', operationId: 'updateEscalationPolicy',
    summary: 'Change an escalation policy (If-Match required)', body: updatePolicyBodySchema,
    response: { status: 200, schema: policySchema, description: 'The changed policy; new ETag' }, problems: [404, 409, 412, 415, 428],
    handle: async ({ event, caller }, deps) => {
      const id = policyId(event.pathParameters);
      const changes = parseJsonBody(event, updatePolicyBodySchema);
      return versioned(await updatePolicy(deps.policies, caller, id, changes, ifMatchVersion(event)), 200);
    },
  },
  {
    method: 'POST', path: '/people', auth: 'token', operationId: 'createPerson',
    summary: 'Add a person to the paging directory: how pages reach them (the rota keepers, or the person themselves)', body: createPersonBodySchema,
    response: { status: 201, schema: personSchema, description: 'Created; Location and ETag headers set' }, problems: [409, 415],
    handle: async ({ event, caller }, deps) => {
      const { username: id, ...contact } = parseJsonBody(event, createPersonBodySchema);
      const person = await createPerson(deps.people, caller, id, contact);
      return versioned(person, 201, { Location: `${basePath(event)}/people/${encodeURIComponent(person.id)}` });
    },
  },
  {
    method: 'GET', path: '/people', auth: 'token', operationId: 'listPeople',
    summary: 'The paging directory, by username', query: listPeopleQuerySchema,
    response: { status: 200, schema: personPageSchema, description: 'One page' },
    handle: async ({ event, caller }, deps) => ({ status: 200, body: await listPeople(deps.people, caller, parseQuery(event, listPeopleQuerySchema)) }),
  },
  {
    method: 'GET', path: '/people/{username}', auth: 'token', operationId: 'getPerson',
    summary: 'A person of the paging directory', response: { status: 200, schema: personSchema, description: 'The entry; ETag header set' }, problems: [404],
    handle: async ({ event, caller }, deps) => versioned(await getPerson(deps.people, caller, username(event.pathParameters)), 200),
  },
  {
    method: 'PATCH', path: '/people/{username}', auth: 'token', operationId: 'updatePerson',
    summary: "Change a person's contact details (If-Match required)", body: updatePersonBodySchema,
    response: { status: 200, schema: personSchema, description: 'The changed entry; new ETag' }, problems: [404, 409, 412, 415, 428],
    handle: async ({ event, caller }, deps) => {
      const id = username(event.pathParameters);
      return versioned(await updatePerson(deps.people, caller, id, parseJsonBody(event, updatePersonBodySchema), ifMatchVersion(event)), 200);
    },
  },
]);
