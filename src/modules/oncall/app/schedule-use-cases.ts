import { mayUseOnCall, type Caller, type OnCallAction } from '../../../kernel/domain/access-policy';
import { ForbiddenError, InvalidInputError, NotFoundError, VersionConflictError } from '../../../kernel/domain/domain-errors';
import { assertVersionPrecondition, type VersionPrecondition } from '../../../kernel/domain/version-precondition';
import type { AuditLog, Clock, IdSource, Page, PageRequest } from '../../../kernel/app/ports';
import { recordChangeEntry } from '../../audit/app';
import {
  addOverride,
  changeSchedule,
  gaps,
  newSchedule,
  onCallAt,
  removeOverride,
  renderPersonCalendar,
  shifts,
  shiftsOf,
  type Schedule,
  type ScheduleChanges,
  type ScheduleInput,
  type ScheduleOverride,
  type Shift,
  type StoredOverride,
} from '../domain';
import type { ScheduleRepository } from './ports';

/** On-call schedules (README "On call"): rotas, overrides, who is on call, shifts, gaps, calendars. */
export interface ScheduleDeps {
  readonly schedules: ScheduleRepository;
  readonly clock: Clock;
  readonly ids: IdSource;
  readonly audit: AuditLog;
  /** The domain part of calendar event UIDs: the client's id. */
  readonly calendarDomain: string;
}

const DAY = 86_400_000;
/** The longest window of shifts one request renders (a quarter). */
export const MAX_SHIFT_WINDOW_DAYS = 93;
/** How far ahead the daily check looks for a gap. */
export const GAP_HORIZON_DAYS = 14;
/** Days of past shifts in a person's calendar, besides the next MAX_SHIFT_WINDOW_DAYS. */
const CALENDAR_PAST_DAYS = 7;
/** Attempts at adding or removing an override when someone else changed the schedule meanwhile. */
const OVERRIDE_ATTEMPTS = 3;

function requireAccess(caller: Caller, action: OnCallAction): void {
  if (!mayUseOnCall(caller, action)) throw new ForbiddenError(action === 'oncall:read' ? 'Your role may not read on-call schedules' : 'Your role may not change on-call schedules', 'role');
}

async function load(deps: ScheduleDeps, id: string): Promise<Schedule> {
  const schedule = await deps.schedules.get(id);
  if (!schedule) throw new NotFoundError(`Schedule ${id} not found`, 'id');
  return schedule;
}

export async function createSchedule(deps: ScheduleDeps, caller: Caller, input: ScheduleInput): Promise<Schedule> {
  requireAccess(caller, 'oncall:manage');
  const schedule = newSchedule(input, deps.ids.newId(), () => deps.ids.newId(), caller.name, deps.clock.now());
  await deps.schedules.create(schedule);
  await deps.audit.record(recordChangeEntry(caller, 'schedule:create', { type: 'schedule', id: schedule.id }, undefined, schedule));
  return schedule;
}

export async function getSchedule(deps: ScheduleDeps, caller: Caller, id: string): Promise<Schedule> {
  requireAccess(caller, 'oncall:read');
  return load(deps, id);
}

export async function listSchedules(deps: ScheduleDeps, caller: Caller, page: PageRequest): Promise<Page<Schedule>> {
  requireAccess(caller, 'oncall:read');
  return deps.schedules.list(page);
}

export async function updateSchedule(deps: ScheduleDeps, caller: Caller, id: string, changes: ScheduleChanges, ifMatch: VersionPrecondition | undefined): Promise<Schedule> {
  requireAccess(caller, 'oncall:manage');
  const current = await load(deps, id);
  assertVersionPrecondition(ifMatch, current.version, 'the schedule you read');
  const next = changeSchedule(current, changes, caller.name, deps.clock.now());
  await deps.schedules.save(next, current.version);
  await deps.audit.record(recordChangeEntry(caller, 'schedule:update', { type: 'schedule', id }, current, next));
  return next;
}

export async function whoIsOnCall(deps: ScheduleDeps, caller: Caller, id: string, at?: string): Promise<{ scheduleId: string; at: string; oncall: string[] }> {
  requireAccess(caller, 'oncall:read');
  const schedule = await load(deps, id);
  const instant = at === undefined ? deps.clock.now() : new Date(at);
  return { scheduleId: id, at: instant.toISOString(), oncall: onCallAt(schedule, instant) };
}

function windowOf(from: string, to: string): { from: Date; to: Date } {
  const start = new Date(from);
  const end = new Date(to);
  if (end.getTime() <= start.getTime()) throw new InvalidInputError([{ field: 'to', message: 'must be after from' }]);
  if (end.getTime() - start.getTime() > MAX_SHIFT_WINDOW_DAYS * DAY) throw new InvalidInputError([{ field: 'to', message: `must be at most ${MAX_SHIFT_WINDOW_DAYS} days after from` }]);
  return { from: start, to: end };
}

export async function scheduleShifts(deps: ScheduleDeps, caller: Caller, id: string, query: { from: string; to: string }): Promise<{ scheduleId: string; from: string; to: string; shifts: Shift[] }> {
  requireAccess(caller, 'oncall:read');
  const window = windowOf(query.from, query.to);
  const schedule = await load(deps, id);
  return { scheduleId: id, from: window.from.toISOString(), to: window.to.toISOString(), shifts: shifts(schedule, window.from, window.to) };
}

export async function scheduleGaps(deps: ScheduleDeps, caller: Caller, id: string, days: number): Promise<{ scheduleId: string; from: string; to: string; gaps: { start: string; end: string }[] }> {
  requireAccess(caller, 'oncall:read');
  const schedule = await load(deps, id);
  const from = deps.clock.now();
  const to = new Date(from.getTime() + days * DAY);
  return { scheduleId: id, from: from.toISOString(), to: to.toISOString(), gaps: gaps(schedule, from, to) };
}

/** Reads, changes and saves the schedule, again on a concurrent change (overrides commute with other changes). */
async function changeWithRetry(deps: ScheduleDeps, id: string, change: (current: Schedule) => Schedule): Promise<{ before: Schedule; after: Schedule }> {
  for (let attempt = 1; ; attempt++) {
    const before = await load(deps, id);
    const after = change(before);
    try {
      await deps.schedules.save(after, before.version);
      return { before, after };
    } catch (error) {
      if (!(error instanceof VersionConflictError) || attempt >= OVERRIDE_ATTEMPTS) throw error;
    }
  }
}

export async function createOverride(deps: ScheduleDeps, caller: Caller, id: string, input: Omit<ScheduleOverride, 'id'>): Promise<{ schedule: Schedule; override: StoredOverride }> {
  requireAccess(caller, 'oncall:manage');
  const overrideId = deps.ids.newId();
  const { before, after } = await changeWithRetry(deps, id, (current) => addOverride(current, input, overrideId, caller.name, deps.clock.now()));
  await deps.audit.record(recordChangeEntry(caller, 'schedule:override', { type: 'schedule', id }, before, after));
  return { schedule: after, override: after.overrides.find((o) => o.id === overrideId)! };
}

export async function deleteOverride(deps: ScheduleDeps, caller: Caller, id: string, overrideId: string): Promise<Schedule> {
  requireAccess(caller, 'oncall:manage');
  const { before, after } = await changeWithRetry(deps, id, (current) => removeOverride(current, overrideId, caller.name, deps.clock.now()));
  await deps.audit.record(recordChangeEntry(caller, 'schedule:remove-override', { type: 'schedule', id }, before, after));
  return after;
}

/** One person's shifts as iCalendar: the last week and the next quarter. */
export async function personCalendar(deps: ScheduleDeps, caller: Caller, id: string, username: string): Promise<string> {
  requireAccess(caller, 'oncall:read');
  const schedule = await load(deps, id);
  const now = deps.clock.now();
  // From a day boundary, so the first event's start stays the same all day.
  const from = new Date(Math.floor(now.getTime() / DAY) * DAY - CALENDAR_PAST_DAYS * DAY);
  const to = new Date(from.getTime() + (CALENDAR_PAST_DAYS + MAX_SHIFT_WINDOW_DAYS) * DAY);
  return renderPersonCalendar({
    scheduleId: id,
    scheduleName: schedule.name,
    person: username,
    shifts: shiftsOf(schedule, username, from, to),
    stampedAt: now,
    domain: deps.calendarDomain,
  });
}

export interface GapCheck {
  readonly schedules: number;
  /** Schedules with someone missing in the next GAP_HORIZON_DAYS, with their gaps. */
  readonly withGaps: readonly { readonly id: string; readonly name: string; readonly gaps: readonly { readonly start: string; readonly end: string }[] }[];
}

/** The daily check: every schedule, page by page, for a gap in the next GAP_HORIZON_DAYS. */
export async function checkScheduleGaps(deps: Pick<ScheduleDeps, 'schedules' | 'clock'>): Promise<GapCheck> {
  const from = deps.clock.now();
  const to = new Date(from.getTime() + GAP_HORIZON_DAYS * DAY);
  let count = 0;
  const withGaps: GapCheck['withGaps'][number][] = [];
  let nextToken: string | undefined;
  do {
    const page = await deps.schedules.list({ limit: 100, ...(nextToken && { nextToken }) });
    for (const schedule of page.items) {
      count++;
      const found = gaps(schedule, from, to);
      if (found.length > 0) withGaps.push({ id: schedule.id, name: schedule.name, gaps: found });
    }
    nextToken = page.nextToken;
  } while (nextToken);
  return { schedules: count, withGaps };
}
