import { InvalidInputError, NotFoundError } from '../../../kernel/domain/domain-errors';
import { overrideProblems, scheduleProblems, type ScheduleDefinition, type ScheduleLayer, type ScheduleOverride } from './schedule';
import { firstVersion, nextVersion, type Versioned } from './versioned';

/** An override as stored: who added it and when. */
export interface StoredOverride extends ScheduleOverride {
  readonly createdBy: string;
  readonly createdAt: string;
}

/** A stored schedule: its definition, version and who changed it last. */
export interface Schedule extends ScheduleDefinition, Versioned {
  readonly overrides: readonly StoredOverride[];
}

export interface ScheduleInput {
  readonly name: string;
  readonly timeZone: string;
  readonly layers: readonly ScheduleLayer[];
  readonly overrides?: readonly Omit<ScheduleOverride, 'id'>[];
}

export type ScheduleChanges = Partial<Pick<ScheduleInput, 'name' | 'timeZone' | 'layers'>>;

/**
 * Most overrides one schedule keeps. Past the limit, overrides that ended more than
 * OVERRIDE_HISTORY_DAYS ago are dropped (the audit trail keeps them); if that is not enough, the
 * override is refused. The whole schedule is one item, and DynamoDB items hold 400 KB.
 */
export const MAX_OVERRIDES = 200;
export const OVERRIDE_HISTORY_DAYS = 93;

function assertUsable(schedule: ScheduleDefinition): void {
  const problems = scheduleProblems(schedule);
  if (problems.length > 0) throw new InvalidInputError(problems);
}

export function newSchedule(input: ScheduleInput, id: string, newOverrideId: () => string, by: string, now: Date): Schedule {
  const stamps = firstVersion(id, by, now);
  const schedule: Schedule = {
    ...stamps,
    name: input.name,
    timeZone: input.timeZone,
    layers: input.layers,
    overrides: (input.overrides ?? []).map((o) => ({ ...o, id: newOverrideId(), createdBy: by, createdAt: stamps.createdAt })),
  };
  assertUsable(schedule);
  if (schedule.overrides.length > MAX_OVERRIDES) throw new InvalidInputError([{ field: 'overrides', message: `must list at most ${MAX_OVERRIDES} overrides` }]);
  return schedule;
}

export function changeSchedule(current: Schedule, changes: ScheduleChanges, by: string, now: Date): Schedule {
  const next = nextVersion<Schedule>(current, changes, by, now);
  assertUsable(next);
  return next;
}

export function addOverride(current: Schedule, input: Omit<ScheduleOverride, 'id'>, id: string, by: string, now: Date): Schedule {
  const problems = overrideProblems(input);
  if (problems.length > 0) throw new InvalidInputError(problems);
  let overrides = [...current.overrides, { ...input, id, createdBy: by, createdAt: now.toISOString() }];
  if (overrides.length > MAX_OVERRIDES) {
    const horizon = now.getTime() - OVERRIDE_HISTORY_DAYS * 86_400_000;
    overrides = overrides.filter((o) => Date.parse(o.to) >= horizon);
  }
  if (overrides.length > MAX_OVERRIDES) {
    throw new InvalidInputError([{ field: 'overrides', message: `the schedule has ${MAX_OVERRIDES} overrides that are current or recent: remove some first` }]);
  }
  return nextVersion<Schedule>(current, { overrides }, by, now);
}

export function removeOverride(current: Schedule, overrideId: string, by: string, now: Date): Schedule {
  if (!current.overrides.some((o) => o.id === overrideId)) throw new NotFoundError(`Override ${overrideId} not found on schedule ${current.id}`, 'overrideId');
  return nextVersion<Schedule>(current, { overrides: current.overrides.filter((o) => o.id !== overrideId) }, by, now);
}
