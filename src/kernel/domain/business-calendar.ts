import type { Priority } from './priority';

/**
 * Calendars for SLA clocks: which instants count towards a target. A 24×7 calendar counts every
 * millisecond; a business-hours calendar counts the opening hours of working days in the
 * client's IANA time zone, except public holidays. Counted time is real elapsed time, so a
 * window that spans a daylight-saving change counts its true length.
 *
 * Time-zone arithmetic uses the built-in `Intl.DateTimeFormat` (full ICU on Node 20+); nothing
 * here reads the clock, the environment or any other input: every instant is a parameter.
 */

const MINUTE = 60_000;
const DAY = 86_400_000;

/** Every instant counts. */
export interface TwentyFourSevenCalendar {
  readonly kind: '24x7';
}

/** Opening hours of working days in a time zone, public holidays excluded. */
export interface BusinessHoursCalendar {
  readonly kind: 'business-hours';
  /** IANA time zone, e.g. `Europe/London`. */
  readonly timeZone: string;
  /** ISO weekdays that are working days: 1 = Monday … 7 = Sunday. */
  readonly days: readonly number[];
  /** Local opening time `HH:MM`, 00:00–23:59. */
  readonly opens: string;
  /** Local closing time `HH:MM`, after `opens`; `24:00` closes at midnight. */
  readonly closes: string;
  /** Local dates `YYYY-MM-DD` on which nothing counts. */
  readonly holidays: readonly string[];
}

export type Calendar = TwentyFourSevenCalendar | BusinessHoursCalendar;

export const TWENTY_FOUR_SEVEN: TwentyFourSevenCalendar = Object.freeze({ kind: '24x7' });

/** Monday to Friday, 09:00–17:30 in the given zone. */
export function standardBusinessHours(timeZone: string, holidays: readonly string[] = []): BusinessHoursCalendar {
  return { kind: 'business-hours', timeZone, days: [1, 2, 3, 4, 5], opens: '09:00', closes: '17:30', holidays: [...holidays] };
}

/** The default calendar of a priority: P1 and P2 run 24×7, P3 to P5 in the client's business hours. */
export function defaultCalendarFor(priority: Priority, businessHours: BusinessHoursCalendar): Calendar {
  return priority === 'P1' || priority === 'P2' ? TWENTY_FOUR_SEVEN : businessHours;
}

// ---------------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------------

const OPENS = /^([01]\d|2[0-3]):([0-5]\d)$/;
const CLOSES = /^(?:([01]\d|2[0-3]):([0-5]\d)|(24):(00))$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** What is wrong with a calendar, empty when it is usable. */
export function calendarProblems(calendar: Calendar): string[] {
  if (calendar.kind === '24x7') return [];
  if (calendar.kind !== 'business-hours') return [`unknown calendar kind "${(calendar as { kind: unknown }).kind}"`];
  const problems: string[] = [];
  if (!isKnownTimeZone(calendar.timeZone)) problems.push(`timeZone "${calendar.timeZone}" is not an IANA time zone`);
  if (!Array.isArray(calendar.days) || calendar.days.length === 0) problems.push('days must list at least one ISO weekday');
  else {
    for (const day of calendar.days) {
      if (!Number.isInteger(day) || day < 1 || day > 7) problems.push(`day ${String(day)} is not an ISO weekday (1 = Monday … 7 = Sunday)`);
    }
  }
  const opens = minutesOf(OPENS, calendar.opens);
  const closes = minutesOf(CLOSES, calendar.closes);
  if (opens === undefined) problems.push(`opens "${calendar.opens}" must be HH:MM between 00:00 and 23:59`);
  if (closes === undefined) problems.push(`closes "${calendar.closes}" must be HH:MM between 00:00 and 24:00`);
  if (opens !== undefined && closes !== undefined && closes <= opens) {
    problems.push(`closes (${calendar.closes}) must be after opens (${calendar.opens})`);
  }
  for (const holiday of calendar.holidays ?? []) {
    if (dayNumberOfDate(holiday) === undefined) problems.push(`holiday "${holiday}" is not a date YYYY-MM-DD`);
  }
  return problems;
}

/** Whether the runtime's ICU knows this IANA time zone (e.g. `Europe/London`). */
export function isKnownTimeZone(zone: unknown): boolean {
  if (typeof zone !== 'string' || zone === '') return false;
  try {
    formatterFor(zone);
    return true;
  } catch {
    return false;
  }
}

function minutesOf(pattern: RegExp, text: string): number | undefined {
  const match = typeof text === 'string' ? pattern.exec(text) : null;
  if (!match) return undefined;
  const hours = match[1] ?? match[3];
  const minutes = match[2] ?? match[4];
  return Number(hours) * 60 + Number(minutes);
}

/** Days since 1970-01-01 of a valid `YYYY-MM-DD`, else undefined. */
function dayNumberOfDate(text: string): number | undefined {
  const match = typeof text === 'string' ? DATE.exec(text) : null;
  if (!match) return undefined;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const ms = Date.UTC(year, month - 1, day);
  const back = new Date(ms);
  if (back.getUTCFullYear() !== year || back.getUTCMonth() !== month - 1 || back.getUTCDate() !== day) return undefined;
  return ms / DAY;
}

interface CompiledHours {
  readonly zone: string;
  readonly workingDay: readonly boolean[];
  readonly opensMs: number;
  readonly closesMs: number;
  readonly holidays: ReadonlySet<number>;
  /** Memo of the opening windows already resolved, by local day number. */
  readonly windows: Map<number, readonly [number, number] | null>;
}

/**
 * Compiled calendars, keyed by their content (not their identity, so a calendar object changed
 * after use is never served stale). A memo only: results are the same with or without it.
 */
const compiled = new Map<string, CompiledHours>();
const MAX_COMPILED = 200;
const MAX_WINDOWS = 20_000;

function compile(calendar: BusinessHoursCalendar): CompiledHours {
  const key = JSON.stringify([calendar.timeZone, calendar.days, calendar.opens, calendar.closes, calendar.holidays]);
  const known = compiled.get(key);
  if (known) return known;
  const problems = calendarProblems(calendar);
  if (problems.length > 0) throw new RangeError(`Invalid calendar: ${problems.join('; ')}`);
  const workingDay = new Array<boolean>(8).fill(false);
  for (const day of calendar.days) workingDay[day] = true;
  const hours: CompiledHours = {
    zone: calendar.timeZone,
    workingDay,
    opensMs: minutesOf(OPENS, calendar.opens)! * MINUTE,
    closesMs: minutesOf(CLOSES, calendar.closes)! * MINUTE,
    holidays: new Set(calendar.holidays.map((h) => dayNumberOfDate(h)!)),
    windows: new Map(),
  };
  if (compiled.size >= MAX_COMPILED) compiled.clear();
  compiled.set(key, hours);
  return hours;
}

// ---------------------------------------------------------------------------------------------
// Time zones
// ---------------------------------------------------------------------------------------------

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(zone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(zone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(zone, formatter);
  }
  return formatter;
}

/** Offset of the zone from UTC at an epoch millisecond: local wall time minus UTC, in ms. */
function offsetAt(zone: string, epochMs: number): number {
  const second = Math.floor(epochMs / 1000) * 1000;
  const text = formatterFor(zone).format(second);
  // en-US numeric: "M/D/YYYY, HH:MM:SS". `format` is several times faster than `formatToParts`.
  const fields = text.match(/\d+/g);
  let wall: number;
  if (fields && fields.length === 6) {
    const [month, day, year, hour, minute, sec] = fields.map(Number) as [number, number, number, number, number, number];
    wall = Date.UTC(year, month - 1, day, hour, minute, sec);
  } else {
    const parts = Object.fromEntries(formatterFor(zone).formatToParts(second).map((p) => [p.type, p.value]));
    wall = Date.UTC(Number(parts['year']), Number(parts['month']) - 1, Number(parts['day']), Number(parts['hour']), Number(parts['minute']), Number(parts['second']));
  }
  return wall - second;
}

/**
 * The instant of a local wall time (given as ms since 1970-01-01T00:00 of the wall clock).
 * Ambiguous times (clocks going back) resolve to the earlier instant; skipped times (clocks going
 * forward) move forward by the length of the gap, e.g. 01:30 on London's spring-forward day is
 * 02:30 BST. This is the "compatible" rule of RFC 5545 and Temporal.
 */
function instantOfWall(zone: string, wallMs: number): number {
  const before = offsetAt(zone, wallMs - DAY);
  const after = offsetAt(zone, wallMs + DAY);
  const early = wallMs - before;
  const earlyValid = offsetAt(zone, early) === before;
  if (before === after && earlyValid) return early;
  const late = wallMs - after;
  const lateValid = offsetAt(zone, late) === after;
  if (earlyValid && lateValid) return Math.min(early, late);
  if (earlyValid) return early;
  if (lateValid) return late;
  return wallMs - Math.min(before, after);
}

/** Local day number (days since 1970-01-01 on the zone's wall clock) of an instant. */
function localDayOf(zone: string, epochMs: number): number {
  return Math.floor((epochMs + offsetAt(zone, epochMs)) / DAY);
}

/** The zone's offset from UTC at an instant, in ms (positive east of Greenwich). */
export function zoneOffsetMs(timeZone: string, at: Date): number {
  return offsetAt(timeZone, at.getTime());
}

/** The zone's wall-clock time at an instant, as `YYYY-MM-DDTHH:MM:SS`. */
export function zonedWallTime(timeZone: string, at: Date): string {
  const ms = at.getTime();
  return new Date(Math.floor(ms / 1000) * 1000 + offsetAt(timeZone, ms)).toISOString().slice(0, 19);
}

/**
 * The instant of a wall-clock time `YYYY-MM-DDTHH:MM[:SS]` in a zone. Ambiguous times resolve
 * to the earlier instant, skipped times move forward by the gap (see {@link instantOfWall}).
 */
export function zonedTimeToInstant(timeZone: string, wallTime: string): Date {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(wallTime);
  if (!match) throw new RangeError(`"${wallTime}" is not a wall time YYYY-MM-DDTHH:MM[:SS]`);
  const [year, month, day, hour, minute, second] = match.slice(1).map((f) => Number(f ?? 0)) as number[];
  formatterFor(timeZone);
  return new Date(instantOfWall(timeZone, Date.UTC(year!, month! - 1, day!, hour!, minute!, second!)));
}

// ---------------------------------------------------------------------------------------------
// Counting
// ---------------------------------------------------------------------------------------------

/** ISO weekday (1 = Monday … 7 = Sunday) of a day number. */
function isoWeekday(dayNumber: number): number {
  // 1970-01-01 was a Thursday (ISO 4).
  return ((((dayNumber + 3) % 7) + 7) % 7) + 1;
}

/** The opening window [open, close) of a local day, or undefined when nothing counts that day. */
function windowOf(hours: CompiledHours, dayNumber: number): readonly [number, number] | undefined {
  if (!hours.workingDay[isoWeekday(dayNumber)] || hours.holidays.has(dayNumber)) return undefined;
  const known = hours.windows.get(dayNumber);
  if (known !== undefined) return known ?? undefined;
  const midnight = dayNumber * DAY;
  // Fast path: the same offset from the day before to the day after, and at both instants.
  const offset = offsetAt(hours.zone, midnight - DAY);
  let open = midnight + hours.opensMs - offset;
  let close = midnight + hours.closesMs - offset;
  const steady =
    offset === offsetAt(hours.zone, midnight + 2 * DAY) && offset === offsetAt(hours.zone, open) && offset === offsetAt(hours.zone, close);
  if (!steady) {
    open = instantOfWall(hours.zone, midnight + hours.opensMs);
    close = instantOfWall(hours.zone, midnight + hours.closesMs);
  }
  const window = close > open ? ([open, close] as const) : null;
  if (hours.windows.size >= MAX_WINDOWS) hours.windows.clear();
  hours.windows.set(dayNumber, window);
  return window ?? undefined;
}

/** A year's worth of days without one counted millisecond means the calendar never counts. */
const MAX_IDLE_DAYS = 366 * 4;

function checkInstant(name: string, at: Date): number {
  const ms = at instanceof Date ? at.getTime() : NaN;
  if (!Number.isFinite(ms)) throw new RangeError(`${name} must be a valid Date`);
  return ms;
}

/**
 * Calendar time that counts between two instants, in ms: the real time of [from, to) that falls
 * inside the calendar's hours. 0 when `to` is not after `from`.
 */
export function businessMillisBetween(calendar: Calendar, from: Date, to: Date): number {
  const start = checkInstant('from', from);
  const end = checkInstant('to', to);
  if (end <= start) return 0;
  if (calendar.kind === '24x7') return end - start;
  const hours = compile(calendar);
  const lastDay = localDayOf(hours.zone, end);
  let total = 0;
  for (let day = localDayOf(hours.zone, start) - 1; day <= lastDay; day++) {
    const window = windowOf(hours, day);
    if (!window) continue;
    const overlap = Math.min(window[1], end) - Math.max(window[0], start);
    if (overlap > 0) total += overlap;
  }
  return total;
}

/**
 * The earliest instant at which `ms` of counted time has elapsed after `from`. Outside hours,
 * counting starts at the next opening; a count that completes exactly at closing time returns
 * the closing instant. `ms` = 0 returns `from` itself.
 */
export function addBusinessMillis(calendar: Calendar, from: Date, ms: number): Date {
  const start = checkInstant('from', from);
  if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`ms must be a finite, non-negative number, got ${ms}`);
  if (ms === 0) return new Date(start);
  if (calendar.kind === '24x7') return new Date(start + ms);
  const hours = compile(calendar);
  let remaining = ms;
  let idle = 0;
  for (let day = localDayOf(hours.zone, start) - 1; ; day++) {
    const window = windowOf(hours, day);
    const begin = window ? Math.max(window[0], start) : 0;
    if (!window || window[1] <= begin) {
      if (++idle > MAX_IDLE_DAYS) throw new RangeError('The calendar has no counted time: check its days and holidays');
      continue;
    }
    idle = 0;
    const available = window[1] - begin;
    if (available >= remaining) return new Date(begin + remaining);
    remaining -= available;
  }
}

/** Whether time counts at this instant (opening included, closing excluded). */
export function isCountedInstant(calendar: Calendar, at: Date): boolean {
  const ms = checkInstant('at', at);
  if (calendar.kind === '24x7') return true;
  const hours = compile(calendar);
  const today = localDayOf(hours.zone, ms);
  for (const day of [today - 1, today, today + 1]) {
    const window = windowOf(hours, day);
    if (window && window[0] <= ms && ms < window[1]) return true;
  }
  return false;
}

/** The first instant at or after `at` at which time counts: `at` itself within hours, else the next opening. */
export function nextCountedInstant(calendar: Calendar, at: Date): Date {
  const ms = checkInstant('at', at);
  if (calendar.kind === '24x7') return new Date(ms);
  const hours = compile(calendar);
  let idle = 0;
  for (let day = localDayOf(hours.zone, ms) - 1; ; day++) {
    const window = windowOf(hours, day);
    if (window && window[1] > ms) return new Date(Math.max(window[0], ms));
    if (++idle > MAX_IDLE_DAYS) throw new RangeError('The calendar has no counted time: check its days and holidays');
  }
}

/** The length of one working day's opening hours (e.g. 8 h 30 min for 09:00–17:30). */
export function businessDayMs(calendar: BusinessHoursCalendar): number {
  return (minutesOf(CLOSES, calendar.closes)! - minutesOf(OPENS, calendar.opens)!) * MINUTE;
}
