import { addBusinessMillis, businessMillisBetween, calendarProblems, type Calendar } from '../../../kernel/domain/business-calendar';
import { parseIsoDuration } from '../../../kernel/domain/iso-duration';
import type { Priority } from '../../../kernel/domain/priority';

/**
 * One SLA clock (acknowledge, respond or resolve) replayed from the incident's history. Pure and
 * deterministic: the same input and `now` always give the same clock.
 *
 * - Only calendar time counts (see business-calendar.ts).
 * - `pause` / `resume` come from On Hold for a pausing reason; paused calendar time is reported
 *   apart and does not count towards the target.
 * - `priority-change` re-targets the clock: the counted time so far is kept and the rest is
 *   measured against the new duration, in the new calendar.
 * - `achieved` stops the clock for good; later events are ignored.
 * - Warning and breach happen the first instant the counted time reaches their threshold while
 *   the clock runs (exactly: computed with addBusinessMillis), or at a priority change that
 *   leaves the counted time already past them, even while paused. A breach is final: a later
 *   priority change, pause or achievement does not undo it. A warning is re-armed by a priority
 *   change that moves its threshold above the counted time.
 * - Achieved at the very instant of the breach counts as met. Achieved later is breached, even
 *   when no calendar time counted in between (target ran out at 17:30, resolved at 18:00).
 * - dueAt and a future warningAt are projections from `now` assuming no further pause.
 * - Events after `now` have not happened yet and are ignored; events are still validated.
 */

export const SLA_TARGETS = ['acknowledge', 'respond', 'resolve'] as const;
export type SlaTarget = (typeof SLA_TARGETS)[number];

export type SlaClockEventKind = 'pause' | 'resume' | 'achieved' | 'priority-change';

export interface SlaClockEvent {
  readonly at: Date;
  readonly kind: SlaClockEventKind;
  /** priority-change only: the new target duration; unchanged when absent. */
  readonly newDurationMs?: number;
  /** priority-change only: the new calendar; unchanged when absent. */
  readonly newCalendar?: Calendar;
}

export interface SlaClockInput {
  readonly target: SlaTarget;
  readonly durationMs: number;
  readonly calendar: Calendar;
  readonly startedAt: Date;
  /** In the order they happened (non-decreasing `at`, none before `startedAt`). */
  readonly events: readonly SlaClockEvent[];
  /** Share of the target at which the warning falls, 0–1; default {@link DEFAULT_WARNING_SHARE}. */
  readonly warningShare?: number;
}

export type SlaClockState = 'running' | 'paused' | 'achieved' | 'breached';

export interface SlaClock {
  readonly target: SlaTarget;
  /**
   * `breached` once the counted time has reached the target (final, even if achieved later or
   * paused); otherwise `achieved` once stopped, `paused` while on hold, else `running`.
   */
  readonly state: SlaClockState;
  readonly startedAt: Date;
  /** The instant the clock was evaluated at: `now`, or `startedAt` when `now` is earlier. */
  readonly asOf: Date;
  /** The target in force (after any priority change). */
  readonly durationMs: number;
  readonly calendar: Calendar;
  readonly warningShare: number;
  /** Whether the clock is counting at `asOf`: not paused and not achieved (a breached clock counts on). */
  readonly counting: boolean;
  /** Projected instant of breach, given the pauses so far; only while `running`. */
  readonly dueAt?: Date;
  /** Calendar time counted towards the target up to `asOf` (or until paused / achieved). */
  readonly elapsedBusinessMs: number;
  /** Calendar time spent paused. */
  readonly pausedMs: number;
  /** Counted time left before breach: frozen while paused, 0 once breached. */
  readonly remainingMs: number;
  readonly breachedAt?: Date;
  readonly achievedAt?: Date;
  /** When the counted time reached (or, while running, will reach) the warning share of the target. */
  readonly warningAt?: Date;
}

export const DEFAULT_WARNING_SHARE = 0.75;

/** The duration of a target for a priority, from ISO 8601 texts such as the client's `slaTargets`. */
export function slaTargetDurationMs(
  targets: Readonly<Record<Priority, Readonly<Record<SlaTarget, string>>>>,
  priority: Priority,
  target: SlaTarget,
): number {
  const text = targets[priority][target];
  const ms = parseIsoDuration(text);
  if (ms === undefined) throw new RangeError(`The ${target} target of ${priority} ("${text}") is not a positive ISO 8601 duration`);
  return ms;
}

function checkDuration(name: string, ms: number): void {
  if (!Number.isFinite(ms) || ms <= 0) throw new RangeError(`${name} must be a positive number of ms, got ${ms}`);
}

function checkCalendar(name: string, calendar: Calendar): void {
  const problems = calendarProblems(calendar);
  if (problems.length > 0) throw new RangeError(`${name} is invalid: ${problems.join('; ')}`);
}

function checkShare(share: number): void {
  if (!Number.isFinite(share) || share < 0 || share > 1) throw new RangeError(`warningShare must be between 0 and 1, got ${share}`);
}

function timeOf(name: string, at: Date): number {
  const ms = at instanceof Date ? at.getTime() : NaN;
  if (!Number.isFinite(ms)) throw new RangeError(`${name} must be a valid Date`);
  return ms;
}

const thresholdOf = (durationMs: number, share: number) => Math.round(durationMs * share);

/** Replays the history of one SLA clock up to `now`. */
export function computeSlaClock(input: SlaClockInput, now: Date): SlaClock {
  const share = input.warningShare ?? DEFAULT_WARNING_SHARE;
  checkShare(share);
  checkDuration('durationMs', input.durationMs);
  checkCalendar('calendar', input.calendar);
  const startedAt = timeOf('startedAt', input.startedAt);
  const asOf = Math.max(timeOf('now', now), startedAt);

  let durationMs = input.durationMs;
  let calendar = input.calendar;
  let elapsed = 0;
  let pausedMs = 0;
  let paused = false;
  let cursor = startedAt;
  let warningAt: number | undefined;
  let breachedAt: number | undefined;
  let achievedAt: number | undefined;

  /** Moves the cursor to `until`, counting the time as elapsed or paused. */
  const advance = (until: number, stopping: boolean): void => {
    if (until <= cursor) return;
    const counted = businessMillisBetween(calendar, new Date(cursor), new Date(until));
    if (paused) {
      pausedMs += counted;
    } else {
      const crossing = (threshold: number) => addBusinessMillis(calendar, new Date(cursor), Math.max(0, threshold - elapsed)).getTime();
      if (breachedAt === undefined && warningAt === undefined && elapsed + counted >= thresholdOf(durationMs, share)) {
        warningAt = crossing(thresholdOf(durationMs, share));
      }
      if (breachedAt === undefined && elapsed + counted >= durationMs) {
        const at = crossing(durationMs);
        // Achieved at the very instant the target is reached: met, not breached.
        if (at < until || !stopping) breachedAt = at;
      }
      elapsed += counted;
    }
    cursor = until;
  };

  /** After a re-target: thresholds already passed are reached now; a warning not yet due is re-armed. */
  const reassess = (at: number): void => {
    if (breachedAt !== undefined) return;
    if (elapsed >= durationMs) {
      breachedAt = at;
      warningAt ??= at;
    } else if (elapsed >= thresholdOf(durationMs, share)) {
      warningAt ??= at;
    } else {
      warningAt = undefined;
    }
  };

  let previous = startedAt;
  input.events.forEach((event, index) => {
    const at = timeOf(`events[${index}].at`, event.at);
    if (at < startedAt) throw new RangeError(`events[${index}] (${event.at.toISOString()}) is before startedAt`);
    if (at < previous) throw new RangeError(`events[${index}] (${event.at.toISOString()}) is out of order`);
    previous = at;
    if (event.kind === 'priority-change') {
      if (event.newDurationMs !== undefined) checkDuration(`events[${index}].newDurationMs`, event.newDurationMs);
      if (event.newCalendar !== undefined) checkCalendar(`events[${index}].newCalendar`, event.newCalendar);
    } else if (event.kind !== 'pause' && event.kind !== 'resume' && event.kind !== 'achieved') {
      throw new RangeError(`events[${index}] has an unknown kind "${String((event as { kind: unknown }).kind)}"`);
    }
    if (at > asOf || achievedAt !== undefined) return;
    advance(at, event.kind === 'achieved');
    switch (event.kind) {
      case 'pause':
        paused = true;
        break;
      case 'resume':
        paused = false;
        break;
      case 'achieved':
        achievedAt = at;
        break;
      case 'priority-change':
        durationMs = event.newDurationMs ?? durationMs;
        calendar = event.newCalendar ?? calendar;
        reassess(at);
        break;
    }
  });
  if (achievedAt === undefined) advance(asOf, false);

  const counting = achievedAt === undefined && !paused;
  const state: SlaClockState =
    breachedAt !== undefined ? 'breached' : achievedAt !== undefined ? 'achieved' : paused ? 'paused' : 'running';
  const remainingMs = breachedAt !== undefined ? 0 : durationMs - elapsed;
  if (state === 'running' && warningAt === undefined) {
    warningAt = addBusinessMillis(calendar, new Date(asOf), thresholdOf(durationMs, share) - elapsed).getTime();
  }
  const dueAt = state === 'running' ? addBusinessMillis(calendar, new Date(asOf), remainingMs) : undefined;

  return {
    target: input.target,
    state,
    startedAt: new Date(startedAt),
    asOf: new Date(asOf),
    durationMs,
    calendar,
    warningShare: share,
    counting,
    ...(dueAt !== undefined && { dueAt }),
    elapsedBusinessMs: elapsed,
    pausedMs,
    remainingMs,
    ...(breachedAt !== undefined && { breachedAt: new Date(breachedAt) }),
    ...(achievedAt !== undefined && { achievedAt: new Date(achievedAt) }),
    ...(warningAt !== undefined && { warningAt: new Date(warningAt) }),
  };
}

/**
 * The next instant something happens to a running clock: the warning at `warningShare` of the
 * target if the counted time has not reached it yet, else the breach. Undefined for a clock that
 * is paused, achieved or already breached (nothing happens until a new event).
 */
export function nextDeadline(clock: SlaClock, warningShare: number = clock.warningShare): Date | undefined {
  checkShare(warningShare);
  if (clock.state !== 'running' || clock.dueAt === undefined) return undefined;
  const threshold = thresholdOf(clock.durationMs, warningShare);
  if (clock.elapsedBusinessMs < threshold) return addBusinessMillis(clock.calendar, clock.asOf, threshold - clock.elapsedBusinessMs);
  return clock.dueAt;
}
