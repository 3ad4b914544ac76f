import { isKnownTimeZone, zonedTimeToInstant, zoneOffsetMs } from '../../../kernel/domain/business-calendar';
import { isoDurationParts } from '../../../kernel/domain/iso-duration';

/**
 * On-call schedules (PagerDuty's model): layers of rotations in a time zone, later layers taking
 * precedence over earlier ones wherever they have someone, and overrides beating every layer.
 *
 * Pure: every instant is a parameter (no clock), time-zone arithmetic is the kernel's
 * (`Intl.DateTimeFormat`, business-calendar.ts). Day-or-longer turns hand off at the same local
 * wall time whatever the daylight-saving changes in between; turns of hours and minutes are exact.
 */

const MINUTE = 60_000;
const DAY = 86_400_000;

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/**
 * When a layer's people are on call, in the schedule's time zone. A window opens at `from` and
 * closes at the next `to`: on the same day when `to` is later, else on the next day (18:00–09:00
 * crosses midnight); `from` equal to `to` is a whole day. `weekly` opens windows on the listed
 * days only (a Friday 18:00–09:00 window runs into Saturday morning); `daily` opens one every day.
 */
export type Restriction =
  | { readonly kind: 'daily'; readonly from: string; readonly to: string }
  | { readonly kind: 'weekly'; readonly days: readonly Weekday[]; readonly from: string; readonly to: string };

export interface ScheduleLayer {
  readonly name: string;
  /** ISO instant of the first hand-off: the first participant's turn starts here; nobody before. */
  readonly start: string;
  /** ISO 8601 duration of one turn: P1D, P7D, PT12H… (at least PT1H). */
  readonly turn: string;
  /** Usernames, in rotation order. */
  readonly participants: readonly string[];
  /** When set, the layer has someone only inside these windows (their union). */
  readonly restrictions?: readonly Restriction[];
}

/** Someone on call from `from` to `to` instead of whoever the layers name, or only instead of `covering`. */
export interface ScheduleOverride {
  readonly id: string;
  readonly from: string;
  readonly to: string;
  readonly person: string;
  /** When set, the override replaces only this person, and only while the layers have them on call. */
  readonly covering?: string;
}

export interface ScheduleDefinition {
  readonly name: string;
  /** IANA time zone of hand-offs and restrictions. */
  readonly timeZone: string;
  /** Lowest precedence first. */
  readonly layers: readonly ScheduleLayer[];
  readonly overrides: readonly ScheduleOverride[];
}

/** A span of the final schedule with the same people on call; `oncall` is empty for a gap. */
export interface Shift {
  readonly start: string;
  readonly end: string;
  readonly oncall: readonly string[];
}

/** The shortest turn accepted: shorter ones would render thousands of shifts a day. */
export const MIN_TURN_MS = 60 * MINUTE;

const HH_MM = /^([01]\d|2[0-3]):([0-5]\d)$/;

// ---------------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------------

/** What is wrong with a schedule, as field → message; empty when it is usable. */
export function scheduleProblems(schedule: ScheduleDefinition): { field: string; message: string }[] {
  const problems: { field: string; message: string }[] = [];
  if (!isKnownTimeZone(schedule.timeZone)) problems.push({ field: 'timeZone', message: `"${schedule.timeZone}" is not an IANA time zone` });
  schedule.layers.forEach((layer, i) => {
    const at = `layers.${i}`;
    if (!Number.isFinite(Date.parse(layer.start))) problems.push({ field: `${at}.start`, message: 'must be an ISO 8601 instant' });
    const turn = isoDurationParts(layer.turn);
    if (!turn) problems.push({ field: `${at}.turn`, message: 'must be an ISO 8601 duration such as P1D, P7D or PT12H' });
    else if (turn.days * DAY + turn.exactMs < MIN_TURN_MS) problems.push({ field: `${at}.turn`, message: 'must be at least PT1H' });
    if (layer.participants.length === 0) problems.push({ field: `${at}.participants`, message: 'must name at least one person' });
    (layer.restrictions ?? []).forEach((restriction, j) => {
      for (const end of ['from', 'to'] as const) {
        if (!HH_MM.test(restriction[end])) problems.push({ field: `${at}.restrictions.${j}.${end}`, message: 'must be HH:MM between 00:00 and 23:59' });
      }
      if (restriction.kind === 'weekly' && restriction.days.length === 0) problems.push({ field: `${at}.restrictions.${j}.days`, message: 'must list at least one day' });
    });
  });
  const names = schedule.layers.map((l) => l.name);
  names.forEach((name, i) => {
    if (names.indexOf(name) !== i) problems.push({ field: `layers.${i}.name`, message: `"${name}" names another layer already` });
  });
  schedule.overrides.forEach((override, i) => problems.push(...overrideProblems(override, `overrides.${i}`)));
  return problems;
}

export function overrideProblems(override: Omit<ScheduleOverride, 'id'>, at = ''): { field: string; message: string }[] {
  const field = (name: string) => [at, name].filter(Boolean).join('.');
  const from = Date.parse(override.from);
  const to = Date.parse(override.to);
  const problems: { field: string; message: string }[] = [];
  if (!Number.isFinite(from)) problems.push({ field: field('from'), message: 'must be an ISO 8601 instant' });
  if (!Number.isFinite(to)) problems.push({ field: field('to'), message: 'must be an ISO 8601 instant' });
  if (Number.isFinite(from) && Number.isFinite(to) && to <= from) problems.push({ field: field('to'), message: 'must be after from' });
  if (override.covering !== undefined && override.covering === override.person) problems.push({ field: field('covering'), message: 'must be someone other than person' });
  return problems;
}

// ---------------------------------------------------------------------------------------------
// Turns
// ---------------------------------------------------------------------------------------------

/** A layer ready for evaluation: numbers instead of text. */
interface CompiledLayer {
  readonly startMs: number;
  readonly days: number;
  readonly exactMs: number;
  /** The start's local wall clock, as ms since 1970-01-01T00:00 of the wall clock. */
  readonly startWallMs: number;
  readonly participants: readonly string[];
  readonly windows?: readonly CompiledRestriction[];
  /** The windows opening on each local day already resolved: a memo for one evaluation, results are the same without it. */
  readonly windowsByDay: Map<number, readonly (readonly [number, number])[]>;
}

interface CompiledRestriction {
  /** Local weekday flags, Monday = 0. */
  readonly days: readonly boolean[];
  readonly fromMs: number;
  /** Length of the window: up to a whole day. */
  readonly lengthMs: number;
}

function minutesOf(hhmm: string): number {
  const match = HH_MM.exec(hhmm)!;
  return Number(match[1]) * 60 + Number(match[2]);
}

function compileLayer(zone: string, layer: ScheduleLayer): CompiledLayer {
  const startMs = Date.parse(layer.start);
  const turn = isoDurationParts(layer.turn);
  if (!Number.isFinite(startMs) || !turn || layer.participants.length === 0) throw new RangeError(`Invalid layer ${layer.name}: check it with scheduleProblems`);
  return {
    startMs,
    days: turn.days,
    exactMs: turn.exactMs,
    startWallMs: startMs + zoneOffsetMs(zone, new Date(startMs)),
    participants: layer.participants,
    windowsByDay: new Map(),
    ...(layer.restrictions &&
      layer.restrictions.length > 0 && {
        windows: layer.restrictions.map((r) => {
          const from = minutesOf(r.from);
          const to = minutesOf(r.to);
          const days = WEEKDAYS.map((d) => r.kind === 'daily' || r.days.includes(d));
          return { days, fromMs: from * MINUTE, lengthMs: (to > from ? to - from : to - from + 24 * 60) * MINUTE };
        }),
      }),
  };
}

/** The instant of a wall-clock time given as ms since the wall clock's epoch (skipped times move forward). */
function instantOfWall(zone: string, wallMs: number): number {
  return zonedTimeToInstant(zone, new Date(wallMs).toISOString().slice(0, 19)).getTime() + (wallMs % 1000);
}

/**
 * The instant turn `k` begins (k = 0: the layer's start). Day parts are added on the wall clock
 * (same local time), the exact part in real time, as Temporal's ZonedDateTime.add does.
 */
function handOff(zone: string, layer: CompiledLayer, k: number): number {
  const exact = layer.startMs + k * layer.exactMs;
  if (layer.days === 0) return exact;
  return instantOfWall(zone, layer.startWallMs + k * layer.days * DAY) + k * layer.exactMs;
}

/** The turn under way at `t` (t ≥ start), computed directly rather than stepped from the start. */
function turnAt(zone: string, layer: CompiledLayer, t: number): number {
  const nominal = layer.days * DAY + layer.exactMs;
  let k = Math.floor((t - layer.startMs) / nominal);
  // Offsets differ by a few hours at most, less than one turn of a day or more: one step corrects.
  while (k > 0 && handOff(zone, layer, k) > t) k--;
  while (handOff(zone, layer, k + 1) <= t) k++;
  return k;
}

/** Local day number (days since 1970-01-01 on the wall clock) of an instant. */
function localDay(zone: string, t: number): number {
  return Math.floor((t + zoneOffsetMs(zone, new Date(t))) / DAY);
}

/** Monday = 0 of a local day number (1970-01-01 was a Thursday). */
const weekdayOf = (day: number) => (((day + 3) % 7) + 7) % 7;

/** The layer's restriction windows opening on a local day, as [open, close) instants. */
function windowsOpeningOn(zone: string, layer: CompiledLayer, day: number): readonly (readonly [number, number])[] {
  const known = layer.windowsByDay.get(day);
  if (known) return known;
  const weekday = weekdayOf(day);
  const found = (layer.windows ?? [])
    .filter((w) => w.days[weekday])
    .map((w) => {
      const wall = day * DAY + w.fromMs;
      return [instantOfWall(zone, wall), instantOfWall(zone, wall + w.lengthMs)] as const;
    });
  layer.windowsByDay.set(day, found);
  return found;
}

function insideRestrictions(zone: string, layer: CompiledLayer, t: number, today: () => number): boolean {
  if (!layer.windows) return true;
  // A window opens on its day and lasts up to a day, so only yesterday's and today's can hold t.
  for (const day of [today() - 1, today()]) {
    if (windowsOpeningOn(zone, layer, day).some(([open, close]) => open <= t && t < close)) return true;
  }
  return false;
}

/** Who the layer has on call at `t`, if anyone. */
function layerOnCall(zone: string, layer: CompiledLayer, t: number, today: () => number): string | undefined {
  if (t < layer.startMs || !insideRestrictions(zone, layer, t, today)) return undefined;
  const k = turnAt(zone, layer, t);
  return layer.participants[k % layer.participants.length];
}

// ---------------------------------------------------------------------------------------------
// The final schedule
// ---------------------------------------------------------------------------------------------

interface Compiled {
  readonly zone: string;
  readonly layers: readonly CompiledLayer[];
  readonly overrides: readonly { readonly from: number; readonly to: number; readonly person: string; readonly covering?: string }[];
}

function compile(schedule: ScheduleDefinition): Compiled {
  if (!isKnownTimeZone(schedule.timeZone)) throw new RangeError(`"${schedule.timeZone}" is not an IANA time zone`);
  return {
    zone: schedule.timeZone,
    layers: schedule.layers.map((layer) => compileLayer(schedule.timeZone, layer)),
    overrides: schedule.overrides.map((o) => ({
      from: Date.parse(o.from),
      to: Date.parse(o.to),
      person: o.person,
      ...(o.covering !== undefined && { covering: o.covering }),
    })),
  };
}

function onCall(compiled: Compiled, t: number): string[] {
  let people: string[] = [];
  // The local day of t, worked out once and only if a restricted layer asks.
  let day: number | undefined;
  const today = () => (day ??= localDay(compiled.zone, t));
  // The last layer with someone wins.
  for (let i = compiled.layers.length - 1; i >= 0; i--) {
    const person = layerOnCall(compiled.zone, compiled.layers[i]!, t, today);
    if (person !== undefined) {
      people = [person];
      break;
    }
  }
  // Overrides in the order they were added: a later one wins over an earlier one.
  for (const override of compiled.overrides) {
    if (t < override.from || t >= override.to) continue;
    if (override.covering === undefined) people = [override.person];
    else people = people.map((p) => (p === override.covering ? override.person : p));
  }
  return [...new Set(people)];
}

function checkInstant(name: string, at: Date): number {
  const ms = at instanceof Date ? at.getTime() : NaN;
  if (!Number.isFinite(ms)) throw new RangeError(`${name} must be a valid Date`);
  return ms;
}

/** The usernames on call at an instant; empty for a gap. */
export function onCallAt(schedule: ScheduleDefinition, at: Date): string[] {
  return onCall(compile(schedule), checkInstant('at', at));
}

/** Every instant in [from, to) at which the answer of `onCallAt` may change. */
function boundaries(compiled: Compiled, from: number, to: number): number[] {
  const points = new Set<number>([from]);
  const add = (t: number) => {
    if (t > from && t < to) points.add(t);
  };
  for (const layer of compiled.layers) {
    add(layer.startMs);
    if (to > layer.startMs) {
      let k = turnAt(compiled.zone, layer, Math.max(from, layer.startMs));
      for (let t = handOff(compiled.zone, layer, k); t < to; t = handOff(compiled.zone, layer, ++k)) add(t);
    }
    if (layer.windows) {
      for (let day = localDay(compiled.zone, from) - 1; day <= localDay(compiled.zone, to); day++) {
        for (const [open, close] of windowsOpeningOn(compiled.zone, layer, day)) {
          add(open);
          add(close);
        }
      }
    }
  }
  for (const override of compiled.overrides) {
    add(override.from);
    add(override.to);
  }
  return [...points].sort((a, b) => a - b);
}

const samepeople = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((p, i) => p === b[i]);

/** The final schedule over [from, to): consecutive spans with the same people merged; gaps included (empty `oncall`). */
export function shifts(schedule: ScheduleDefinition, from: Date, to: Date): Shift[] {
  const start = checkInstant('from', from);
  const end = checkInstant('to', to);
  if (end <= start) return [];
  const compiled = compile(schedule);
  const points = boundaries(compiled, start, end);
  const spans: { start: number; end: number; oncall: string[] }[] = [];
  points.forEach((point, i) => {
    const next = points[i + 1] ?? end;
    const oncall = onCall(compiled, point);
    const last = spans[spans.length - 1];
    if (last && samepeople(last.oncall, oncall)) last.end = next;
    else spans.push({ start: point, end: next, oncall });
  });
  return spans.map((s) => ({ start: new Date(s.start).toISOString(), end: new Date(s.end).toISOString(), oncall: s.oncall }));
}

/** The spans of [from, to) with nobody on call. */
export function gaps(schedule: ScheduleDefinition, from: Date, to: Date): { readonly start: string; readonly end: string }[] {
  return shifts(schedule, from, to)
    .filter((s) => s.oncall.length === 0)
    .map(({ start, end }) => ({ start, end }));
}

/** One person's time on call over [from, to), adjacent spans merged. */
export function shiftsOf(schedule: ScheduleDefinition, person: string, from: Date, to: Date): { readonly start: string; readonly end: string }[] {
  const mine: { start: string; end: string }[] = [];
  for (const shift of shifts(schedule, from, to)) {
    if (!shift.oncall.includes(person)) continue;
    const last = mine[mine.length - 1];
    if (last && last.end === shift.start) last.end = shift.end;
    else mine.push({ start: shift.start, end: shift.end });
  }
  return mine;
}
