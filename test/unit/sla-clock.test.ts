import { TWENTY_FOUR_SEVEN, businessMillisBetween, standardBusinessHours, type BusinessHoursCalendar, type Calendar } from '../../src/kernel/domain/business-calendar';
import { PRIORITIES } from '../../src/kernel/domain/priority';
import {
  DEFAULT_WARNING_SHARE,
  SLA_TARGETS,
  computeSlaClock,
  nextDeadline,
  slaTargetDurationMs,
  type SlaClock,
  type SlaClockEvent,
  type SlaClockEventKind,
  type SlaClockInput,
  type SlaClockState,
} from '../../src/modules/incidents/domain/sla-clock';
import { DEFAULT_SLA_TARGETS } from '../../src/config/client-settings-schema';
import { seededRandom } from '../support/seeded-random';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const d = (iso: string) => new Date(iso);

/** Mon–Fri 09:00–17:30 Europe/London with bank holidays. GMT until 2025-03-30T01:00Z, BST until 2025-10-26T01:00Z. */
const LONDON = standardBusinessHours('Europe/London', ['2025-01-01', '2025-04-18', '2025-04-21', '2025-12-25', '2025-12-26', '2026-01-01']);
/** Mon–Fri 09:00–17:00 America/New_York. EST until 2025-03-09T07:00Z, EDT until 2025-11-02T06:00Z. */
const NEW_YORK: BusinessHoursCalendar = {
  kind: 'business-hours',
  timeZone: 'America/New_York',
  days: [1, 2, 3, 4, 5],
  opens: '09:00',
  closes: '17:00',
  holidays: ['2025-12-25', '2026-01-01'],
};
const H24 = TWENTY_FOUR_SEVEN;

type EventSpec = [at: string, kind: SlaClockEventKind, change?: { newDurationMs?: number; newCalendar?: Calendar }];

const events = (...specs: EventSpec[]): SlaClockEvent[] => specs.map(([at, kind, change]) => ({ at: d(at), kind, ...change }));

interface Scenario {
  calendar: Calendar;
  durationMs: number;
  startedAt: string;
  events?: EventSpec[];
  warningShare?: number;
}

function clockOf(s: Scenario, now: string): SlaClock {
  return computeSlaClock(
    { target: 'resolve', durationMs: s.durationMs, calendar: s.calendar, startedAt: d(s.startedAt), events: events(...(s.events ?? [])), ...(s.warningShare !== undefined && { warningShare: s.warningShare }) },
    d(now),
  );
}

interface Expected {
  state: SlaClockState;
  elapsed: number;
  paused: number;
  remaining: number;
  dueAt?: string;
  warningAt?: string;
  breachedAt?: string;
  achievedAt?: string;
}

const iso = (date: Date | undefined) => date?.toISOString().replace('.000Z', 'Z');

/** The observable outcome of a clock, every field present so that an unexpected value fails. */
function summary(clock: SlaClock): Required<Record<keyof Expected, unknown>> {
  return {
    state: clock.state,
    elapsed: clock.elapsedBusinessMs,
    paused: clock.pausedMs,
    remaining: clock.remainingMs,
    dueAt: iso(clock.dueAt),
    warningAt: iso(clock.warningAt),
    breachedAt: iso(clock.breachedAt),
    achievedAt: iso(clock.achievedAt),
  };
}

function expected(e: Expected): Required<Record<keyof Expected, unknown>> {
  return { dueAt: undefined, warningAt: undefined, breachedAt: undefined, achievedAt: undefined, ...e };
}

// -------------------------------------------------------------------------------------------------

const P1_24X7: Scenario = { calendar: H24, durationMs: 4 * HOUR, startedAt: '2025-01-06T09:00:00Z' };

describe('24×7 clock without events (4 h from Monday 09:00Z)', () => {
  test.each<[string, string, Expected]>([
    ['at the start', '2025-01-06T09:00:00Z', { state: 'running', elapsed: 0, paused: 0, remaining: 4 * HOUR, dueAt: '2025-01-06T13:00:00Z', warningAt: '2025-01-06T12:00:00Z' }],
    ['after an hour', '2025-01-06T10:00:00Z', { state: 'running', elapsed: HOUR, paused: 0, remaining: 3 * HOUR, dueAt: '2025-01-06T13:00:00Z', warningAt: '2025-01-06T12:00:00Z' }],
    ['just before the warning', '2025-01-06T11:59:59.999Z', { state: 'running', elapsed: 3 * HOUR - 1, paused: 0, remaining: HOUR + 1, dueAt: '2025-01-06T13:00:00Z', warningAt: '2025-01-06T12:00:00Z' }],
    ['at the warning', '2025-01-06T12:00:00Z', { state: 'running', elapsed: 3 * HOUR, paused: 0, remaining: HOUR, dueAt: '2025-01-06T13:00:00Z', warningAt: '2025-01-06T12:00:00Z' }],
    ['one ms before the breach', '2025-01-06T12:59:59.999Z', { state: 'running', elapsed: 4 * HOUR - 1, paused: 0, remaining: 1, dueAt: '2025-01-06T13:00:00Z', warningAt: '2025-01-06T12:00:00Z' }],
    ['at the breach', '2025-01-06T13:00:00Z', { state: 'breached', elapsed: 4 * HOUR, paused: 0, remaining: 0, warningAt: '2025-01-06T12:00:00Z', breachedAt: '2025-01-06T13:00:00Z' }],
    ['a day later: elapsed keeps counting', '2025-01-07T09:00:00Z', { state: 'breached', elapsed: DAY, paused: 0, remaining: 0, warningAt: '2025-01-06T12:00:00Z', breachedAt: '2025-01-06T13:00:00Z' }],
    ['now before the start: not started yet', '2025-01-06T08:00:00Z', { state: 'running', elapsed: 0, paused: 0, remaining: 4 * HOUR, dueAt: '2025-01-06T13:00:00Z', warningAt: '2025-01-06T12:00:00Z' }],
  ])('%s', (_, now, e) => {
    expect(summary(clockOf(P1_24X7, now))).toEqual(expected(e));
  });

  test('24×7 across the London spring-forward: a 4 h target elapses in 4 real hours', () => {
    const clock = clockOf({ calendar: H24, durationMs: 4 * HOUR, startedAt: '2025-03-30T00:00:00Z' }, '2025-03-30T02:00:00Z');
    expect(summary(clock)).toEqual(
      expected({ state: 'running', elapsed: 2 * HOUR, paused: 0, remaining: 2 * HOUR, dueAt: '2025-03-30T04:00:00Z', warningAt: '2025-03-30T03:00:00Z' }),
    );
  });

  test('24×7 across the New York fall-back: a 4 h target elapses in 4 real hours', () => {
    const clock = clockOf({ calendar: H24, durationMs: 4 * HOUR, startedAt: '2025-11-02T04:30:00Z' }, '2025-11-02T08:30:00Z');
    expect(summary(clock)).toEqual(
      expected({ state: 'breached', elapsed: 4 * HOUR, paused: 0, remaining: 0, warningAt: '2025-11-02T07:30:00Z', breachedAt: '2025-11-02T08:30:00Z' }),
    );
  });

  test('the full output of a running clock', () => {
    expect(clockOf(P1_24X7, '2025-01-06T10:00:00Z')).toEqual({
      target: 'resolve',
      state: 'running',
      startedAt: d('2025-01-06T09:00:00Z'),
      asOf: d('2025-01-06T10:00:00Z'),
      durationMs: 4 * HOUR,
      calendar: H24,
      warningShare: 0.75,
      counting: true,
      dueAt: d('2025-01-06T13:00:00Z'),
      elapsedBusinessMs: HOUR,
      pausedMs: 0,
      remainingMs: 3 * HOUR,
      warningAt: d('2025-01-06T12:00:00Z'),
    });
  });

  test('asOf is the start when now is earlier', () => {
    expect(clockOf(P1_24X7, '2025-01-01T00:00:00Z').asOf).toEqual(d('2025-01-06T09:00:00Z'));
  });
});

describe('business-hours clocks across weekends, daylight saving, holidays and years', () => {
  test.each<[string, Scenario, string, Expected]>([
    [
      'London P3 8 h from Friday 16:00 before the spring-forward, seen on Saturday',
      { calendar: LONDON, durationMs: 8 * HOUR, startedAt: '2025-03-28T16:00:00Z' },
      '2025-03-29T12:00:00Z',
      { state: 'running', elapsed: 1.5 * HOUR, paused: 0, remaining: 6.5 * HOUR, dueAt: '2025-03-31T14:30:00Z', warningAt: '2025-03-31T12:30:00Z' },
    ],
    [
      '… one ms before Monday 15:30 BST',
      { calendar: LONDON, durationMs: 8 * HOUR, startedAt: '2025-03-28T16:00:00Z' },
      '2025-03-31T14:29:59.999Z',
      { state: 'running', elapsed: 8 * HOUR - 1, paused: 0, remaining: 1, dueAt: '2025-03-31T14:30:00Z', warningAt: '2025-03-31T12:30:00Z' },
    ],
    [
      '… breached at Monday 15:30 BST',
      { calendar: LONDON, durationMs: 8 * HOUR, startedAt: '2025-03-28T16:00:00Z' },
      '2025-03-31T14:30:00Z',
      { state: 'breached', elapsed: 8 * HOUR, paused: 0, remaining: 0, warningAt: '2025-03-31T12:30:00Z', breachedAt: '2025-03-31T14:30:00Z' },
    ],
    [
      'London 8 h from Friday 16:00 BST before the fall-back, seen Monday at opening',
      { calendar: LONDON, durationMs: 8 * HOUR, startedAt: '2025-10-24T15:00:00Z' },
      '2025-10-27T09:00:00Z',
      { state: 'running', elapsed: 1.5 * HOUR, paused: 0, remaining: 6.5 * HOUR, dueAt: '2025-10-27T15:30:00Z', warningAt: '2025-10-27T13:30:00Z' },
    ],
    [
      'New York 8 h from Friday 16:00 EST before the spring-forward',
      { calendar: NEW_YORK, durationMs: 8 * HOUR, startedAt: '2025-03-07T21:00:00Z' },
      '2025-03-10T13:00:00Z',
      { state: 'running', elapsed: HOUR, paused: 0, remaining: 7 * HOUR, dueAt: '2025-03-10T20:00:00Z', warningAt: '2025-03-10T18:00:00Z' },
    ],
    [
      'New York 8 h from Friday 16:00 EDT, seen during the fall-back night',
      { calendar: NEW_YORK, durationMs: 8 * HOUR, startedAt: '2025-10-31T20:00:00Z' },
      '2025-11-02T06:30:00Z',
      { state: 'running', elapsed: HOUR, paused: 0, remaining: 7 * HOUR, dueAt: '2025-11-03T21:00:00Z', warningAt: '2025-11-03T19:00:00Z' },
    ],
    [
      'started on a Saturday: counting starts Monday 09:00',
      { calendar: LONDON, durationMs: 8 * HOUR, startedAt: '2025-01-11T12:00:00Z' },
      '2025-01-12T12:00:00Z',
      { state: 'running', elapsed: 0, paused: 0, remaining: 8 * HOUR, dueAt: '2025-01-13T17:00:00Z', warningAt: '2025-01-13T15:00:00Z' },
    ],
    [
      'started on Christmas Day (a Thursday holiday): counting starts Monday 29th',
      { calendar: LONDON, durationMs: 8 * HOUR, startedAt: '2025-12-25T10:00:00Z' },
      '2025-12-26T10:00:00Z',
      { state: 'running', elapsed: 0, paused: 0, remaining: 8 * HOUR, dueAt: '2025-12-29T17:00:00Z', warningAt: '2025-12-29T15:00:00Z' },
    ],
    [
      'Good Friday and Easter Monday (holidays on weekdays) are skipped',
      { calendar: LONDON, durationMs: 4 * HOUR, startedAt: '2025-04-17T14:30:00Z' },
      '2025-04-21T12:00:00Z',
      { state: 'running', elapsed: 2 * HOUR, paused: 0, remaining: 2 * HOUR, dueAt: '2025-04-22T10:00:00Z', warningAt: '2025-04-22T09:00:00Z' },
    ],
    [
      'New York over New Year: Wednesday 15:00 EST, 1 January a holiday',
      { calendar: NEW_YORK, durationMs: 8 * HOUR, startedAt: '2025-12-31T20:00:00Z' },
      '2026-01-01T12:00:00Z',
      { state: 'running', elapsed: 2 * HOUR, paused: 0, remaining: 6 * HOUR, dueAt: '2026-01-02T20:00:00Z', warningAt: '2026-01-02T18:00:00Z' },
    ],
    [
      'London P3 resolve P3D (72 business hours) from Monday 09:00',
      { calendar: LONDON, durationMs: 3 * DAY, startedAt: '2025-01-06T09:00:00Z' },
      '2025-01-06T09:00:00Z',
      { state: 'running', elapsed: 0, paused: 0, remaining: 3 * DAY, dueAt: '2025-01-16T13:00:00Z', warningAt: '2025-01-14T12:00:00Z' },
    ],
    [
      'London across the year: 9 December 12:00 to the next year (holidays 25, 26 Dec and 1 Jan)',
      { calendar: LONDON, durationMs: 100 * HOUR, startedAt: '2025-12-09T12:00:00Z' },
      '2026-01-02T12:00:00Z',
      { state: 'breached', elapsed: 127.5 * HOUR, paused: 0, remaining: 0, warningAt: '2025-12-22T10:30:00Z', breachedAt: '2025-12-29T10:00:00Z' },
    ],
  ])('%s', (_, scenario, now, e) => {
    expect(summary(clockOf(scenario, now))).toEqual(expected(e));
  });
});

describe('pauses (On Hold for a pausing reason)', () => {
  const NIGHT: Scenario = { calendar: LONDON, durationMs: 8 * HOUR, startedAt: '2025-01-06T13:00:00Z', events: [['2025-01-06T17:00:00Z', 'pause'], ['2025-01-07T10:00:00Z', 'resume']] };

  test.each<[string, Scenario, string, Expected]>([
    [
      'paused at 17:00, seen at 20:00: frozen, no due date',
      NIGHT,
      '2025-01-06T20:00:00Z',
      { state: 'paused', elapsed: 4 * HOUR, paused: 0.5 * HOUR, remaining: 4 * HOUR },
    ],
    [
      'paused at 17:00, resumed next day 10:00: 30 min + 1 h of business time paused',
      NIGHT,
      '2025-01-07T11:00:00Z',
      { state: 'running', elapsed: 5 * HOUR, paused: 1.5 * HOUR, remaining: 3 * HOUR, dueAt: '2025-01-07T14:00:00Z', warningAt: '2025-01-07T12:00:00Z' },
    ],
    [
      '… and breached 1.5 h later than without the pause',
      NIGHT,
      '2025-01-07T14:00:00Z',
      { state: 'breached', elapsed: 8 * HOUR, paused: 1.5 * HOUR, remaining: 0, warningAt: '2025-01-07T12:00:00Z', breachedAt: '2025-01-07T14:00:00Z' },
    ],
    [
      'the same clock without the pause',
      { ...NIGHT, events: [] },
      '2025-01-07T11:00:00Z',
      { state: 'running', elapsed: 6.5 * HOUR, paused: 0, remaining: 1.5 * HOUR, dueAt: '2025-01-07T12:30:00Z', warningAt: '2025-01-07T10:30:00Z' },
    ],
    [
      'a pause entirely outside business hours changes nothing',
      { calendar: LONDON, durationMs: 16 * HOUR, startedAt: '2025-01-06T09:00:00Z', events: [['2025-01-06T18:00:00Z', 'pause'], ['2025-01-07T08:00:00Z', 'resume']] },
      '2025-01-07T10:00:00Z',
      { state: 'running', elapsed: 9.5 * HOUR, paused: 0, remaining: 6.5 * HOUR, dueAt: '2025-01-07T16:30:00Z', warningAt: '2025-01-07T12:30:00Z' },
    ],
    [
      'paused over a weekend: only Friday 17:00–17:30 and Monday 09:00–09:30 count as paused',
      { calendar: LONDON, durationMs: 16 * HOUR, startedAt: '2025-01-10T09:00:00Z', events: [['2025-01-10T17:00:00Z', 'pause'], ['2025-01-13T09:30:00Z', 'resume']] },
      '2025-01-13T10:30:00Z',
      { state: 'running', elapsed: 9 * HOUR, paused: HOUR, remaining: 7 * HOUR, dueAt: '2025-01-13T17:30:00Z', warningAt: '2025-01-13T13:30:00Z' },
    ],
    [
      '24×7: paused for 2 h',
      { ...P1_24X7, events: [['2025-01-06T10:00:00Z', 'pause'], ['2025-01-06T12:00:00Z', 'resume']] },
      '2025-01-06T12:30:00Z',
      { state: 'running', elapsed: 1.5 * HOUR, paused: 2 * HOUR, remaining: 2.5 * HOUR, dueAt: '2025-01-06T15:00:00Z', warningAt: '2025-01-06T14:00:00Z' },
    ],
    [
      'pause and resume at the same instant: zero-length, no effect',
      { ...P1_24X7, events: [['2025-01-06T10:00:00Z', 'pause'], ['2025-01-06T10:00:00Z', 'resume']] },
      '2025-01-06T11:00:00Z',
      { state: 'running', elapsed: 2 * HOUR, paused: 0, remaining: 2 * HOUR, dueAt: '2025-01-06T13:00:00Z', warningAt: '2025-01-06T12:00:00Z' },
    ],
    [
      'a second pause while paused is ignored',
      { ...P1_24X7, events: [['2025-01-06T10:00:00Z', 'pause'], ['2025-01-06T11:00:00Z', 'pause'], ['2025-01-06T12:00:00Z', 'resume']] },
      '2025-01-06T12:00:00Z',
      { state: 'running', elapsed: HOUR, paused: 2 * HOUR, remaining: 3 * HOUR, dueAt: '2025-01-06T15:00:00Z', warningAt: '2025-01-06T14:00:00Z' },
    ],
    [
      'a resume while running is ignored',
      { ...P1_24X7, events: [['2025-01-06T10:00:00Z', 'resume']] },
      '2025-01-06T11:00:00Z',
      { state: 'running', elapsed: 2 * HOUR, paused: 0, remaining: 2 * HOUR, dueAt: '2025-01-06T13:00:00Z', warningAt: '2025-01-06T12:00:00Z' },
    ],
    [
      'paused from the start (created On Hold)',
      { ...P1_24X7, events: [['2025-01-06T09:00:00Z', 'pause']] },
      '2025-01-06T12:00:00Z',
      { state: 'paused', elapsed: 0, paused: 3 * HOUR, remaining: 4 * HOUR },
    ],
    [
      'several pauses add up',
      {
        ...P1_24X7,
        events: [
          ['2025-01-06T10:00:00Z', 'pause'],
          ['2025-01-06T10:30:00Z', 'resume'],
          ['2025-01-06T11:00:00Z', 'pause'],
          ['2025-01-06T12:00:00Z', 'resume'],
        ],
      },
      '2025-01-06T13:00:00Z',
      { state: 'running', elapsed: 2.5 * HOUR, paused: 1.5 * HOUR, remaining: 1.5 * HOUR, dueAt: '2025-01-06T14:30:00Z', warningAt: '2025-01-06T13:30:00Z' },
    ],
    [
      'paused after the warning: the warning stays, no due date',
      { ...P1_24X7, events: [['2025-01-06T12:30:00Z', 'pause']] },
      '2025-01-06T14:00:00Z',
      { state: 'paused', elapsed: 3.5 * HOUR, paused: 1.5 * HOUR, remaining: 0.5 * HOUR, warningAt: '2025-01-06T12:00:00Z' },
    ],
    [
      'paused after the breach: still breached',
      { ...P1_24X7, events: [['2025-01-06T14:00:00Z', 'pause']] },
      '2025-01-06T15:00:00Z',
      { state: 'breached', elapsed: 5 * HOUR, paused: HOUR, remaining: 0, warningAt: '2025-01-06T12:00:00Z', breachedAt: '2025-01-06T13:00:00Z' },
    ],
    [
      'paused exactly when the target is reached: breached at that instant',
      { ...P1_24X7, events: [['2025-01-06T13:00:00Z', 'pause']] },
      '2025-01-06T15:00:00Z',
      { state: 'breached', elapsed: 4 * HOUR, paused: 2 * HOUR, remaining: 0, warningAt: '2025-01-06T12:00:00Z', breachedAt: '2025-01-06T13:00:00Z' },
    ],
    [
      'events after now have not happened yet',
      { ...P1_24X7, events: [['2025-01-06T11:00:00Z', 'pause'], ['2025-01-06T12:00:00Z', 'achieved']] },
      '2025-01-06T10:00:00Z',
      { state: 'running', elapsed: HOUR, paused: 0, remaining: 3 * HOUR, dueAt: '2025-01-06T13:00:00Z', warningAt: '2025-01-06T12:00:00Z' },
    ],
    [
      'New York over New Year: paused 16:00 EST 31 Dec, resumed 10:00 EST 2 Jan',
      { calendar: NEW_YORK, durationMs: 8 * HOUR, startedAt: '2025-12-31T20:00:00Z', events: [['2025-12-31T21:00:00Z', 'pause'], ['2026-01-02T15:00:00Z', 'resume']] },
      '2026-01-02T16:00:00Z',
      { state: 'running', elapsed: 2 * HOUR, paused: 2 * HOUR, remaining: 6 * HOUR, dueAt: '2026-01-02T22:00:00Z', warningAt: '2026-01-02T20:00:00Z' },
    ],
    [
      'London: paused over the spring-forward weekend, Friday 17:00 GMT to Monday 10:00 BST',
      { calendar: LONDON, durationMs: 8 * HOUR, startedAt: '2025-03-28T15:00:00Z', events: [['2025-03-28T17:00:00Z', 'pause'], ['2025-03-31T09:00:00Z', 'resume']] },
      '2025-03-31T09:00:00Z',
      { state: 'running', elapsed: 2 * HOUR, paused: 1.5 * HOUR, remaining: 6 * HOUR, dueAt: '2025-03-31T15:00:00Z', warningAt: '2025-03-31T13:00:00Z' },
    ],
  ])('%s', (_, scenario, now, e) => {
    expect(summary(clockOf(scenario, now))).toEqual(expected(e));
  });

  test('counting is false while paused and true again after resuming', () => {
    expect(clockOf(NIGHT, '2025-01-06T20:00:00Z').counting).toBe(false);
    expect(clockOf(NIGHT, '2025-01-07T11:00:00Z').counting).toBe(true);
  });
});

describe('priority changes re-target the clock, keeping the elapsed time', () => {
  const P3_TO_P1: Scenario = {
    calendar: LONDON,
    durationMs: 8 * HOUR,
    startedAt: '2025-01-10T13:00:00Z',
    events: [['2025-01-10T17:00:00Z', 'priority-change', { newDurationMs: 12 * HOUR, newCalendar: H24 }]],
  };

  test.each<[string, Scenario, string, Expected]>([
    [
      'P3 business hours → P1 24×7 halfway (4 of 8 h): the remaining 8 h of 12 run through the night',
      P3_TO_P1,
      '2025-01-10T20:00:00Z',
      { state: 'running', elapsed: 7 * HOUR, paused: 0, remaining: 5 * HOUR, dueAt: '2025-01-11T01:00:00Z', warningAt: '2025-01-10T22:00:00Z' },
    ],
    [
      '… breached on Saturday 01:00 despite the weekend',
      P3_TO_P1,
      '2025-01-11T02:00:00Z',
      { state: 'breached', elapsed: 13 * HOUR, paused: 0, remaining: 0, warningAt: '2025-01-10T22:00:00Z', breachedAt: '2025-01-11T01:00:00Z' },
    ],
    [
      'the same clock without the change would be due Monday',
      { ...P3_TO_P1, events: [] },
      '2025-01-10T20:00:00Z',
      { state: 'running', elapsed: 4.5 * HOUR, paused: 0, remaining: 3.5 * HOUR, dueAt: '2025-01-13T12:30:00Z', warningAt: '2025-01-13T10:30:00Z' },
    ],
    [
      'P1 24×7 → P3 business hours after 1 h: the rest waits for Monday',
      { calendar: H24, durationMs: 4 * HOUR, startedAt: '2025-01-10T16:00:00Z', events: [['2025-01-10T17:00:00Z', 'priority-change', { newDurationMs: 8 * HOUR, newCalendar: LONDON }]] },
      '2025-01-10T17:15:00Z',
      { state: 'running', elapsed: 1.25 * HOUR, paused: 0, remaining: 6.75 * HOUR, dueAt: '2025-01-13T15:30:00Z', warningAt: '2025-01-13T13:30:00Z' },
    ],
    [
      'a downgrade after the warning re-arms the warning for the new target',
      { ...P1_24X7, events: [['2025-01-06T12:30:00Z', 'priority-change', { newDurationMs: 8 * HOUR, newCalendar: LONDON }]] },
      '2025-01-06T13:00:00Z',
      { state: 'running', elapsed: 4 * HOUR, paused: 0, remaining: 4 * HOUR, dueAt: '2025-01-06T17:00:00Z', warningAt: '2025-01-06T15:00:00Z' },
    ],
    [
      'a downgrade after the breach does not undo it',
      { ...P1_24X7, events: [['2025-01-06T14:00:00Z', 'priority-change', { newDurationMs: 8 * HOUR, newCalendar: LONDON }]] },
      '2025-01-06T15:00:00Z',
      { state: 'breached', elapsed: 6 * HOUR, paused: 0, remaining: 0, warningAt: '2025-01-06T12:00:00Z', breachedAt: '2025-01-06T13:00:00Z' },
    ],
    [
      'an upgrade to a target already exceeded breaches at the change (warning too)',
      { calendar: LONDON, durationMs: 8 * HOUR, startedAt: '2025-01-06T09:00:00Z', events: [['2025-01-06T11:00:00Z', 'priority-change', { newDurationMs: HOUR, newCalendar: H24 }]] },
      '2025-01-06T11:30:00Z',
      { state: 'breached', elapsed: 2.5 * HOUR, paused: 0, remaining: 0, warningAt: '2025-01-06T11:00:00Z', breachedAt: '2025-01-06T11:00:00Z' },
    ],
    [
      'an upgrade past the old warning keeps the old warning instant',
      { calendar: LONDON, durationMs: 8 * HOUR, startedAt: '2025-01-06T09:00:00Z', events: [['2025-01-06T16:00:00Z', 'priority-change', { newDurationMs: 4 * HOUR, newCalendar: H24 }]] },
      '2025-01-06T16:30:00Z',
      { state: 'breached', elapsed: 7.5 * HOUR, paused: 0, remaining: 0, warningAt: '2025-01-06T15:00:00Z', breachedAt: '2025-01-06T16:00:00Z' },
    ],
    [
      'an upgrade past the new warning only: warned at the change',
      { calendar: LONDON, durationMs: 8 * HOUR, startedAt: '2025-01-06T09:00:00Z', events: [['2025-01-06T11:00:00Z', 'priority-change', { newDurationMs: 2.5 * HOUR, newCalendar: H24 }]] },
      '2025-01-06T11:10:00Z',
      { state: 'running', elapsed: 2 * HOUR + 10 * MINUTE, paused: 0, remaining: 20 * MINUTE, dueAt: '2025-01-06T11:30:00Z', warningAt: '2025-01-06T11:00:00Z' },
    ],
    [
      'only the calendar changes (24×7 → business hours)',
      { calendar: H24, durationMs: 8 * HOUR, startedAt: '2025-01-06T16:00:00Z', events: [['2025-01-06T17:00:00Z', 'priority-change', { newCalendar: LONDON }]] },
      '2025-01-06T17:00:00Z',
      { state: 'running', elapsed: HOUR, paused: 0, remaining: 7 * HOUR, dueAt: '2025-01-07T15:30:00Z', warningAt: '2025-01-07T13:30:00Z' },
    ],
    [
      'only the duration changes (8 h → 16 h)',
      { calendar: LONDON, durationMs: 8 * HOUR, startedAt: '2025-01-06T09:00:00Z', events: [['2025-01-06T10:00:00Z', 'priority-change', { newDurationMs: 16 * HOUR }]] },
      '2025-01-06T10:00:00Z',
      { state: 'running', elapsed: HOUR, paused: 0, remaining: 15 * HOUR, dueAt: '2025-01-07T16:30:00Z', warningAt: '2025-01-07T12:30:00Z' },
    ],
    [
      'a change with neither duration nor calendar is a no-op',
      { ...P1_24X7, events: [['2025-01-06T10:00:00Z', 'priority-change']] },
      '2025-01-06T11:00:00Z',
      { state: 'running', elapsed: 2 * HOUR, paused: 0, remaining: 2 * HOUR, dueAt: '2025-01-06T13:00:00Z', warningAt: '2025-01-06T12:00:00Z' },
    ],
    [
      'a change at the start is as if the clock had the new target all along',
      { calendar: LONDON, durationMs: 8 * HOUR, startedAt: '2025-01-06T09:00:00Z', events: [['2025-01-06T09:00:00Z', 'priority-change', { newDurationMs: 4 * HOUR, newCalendar: H24 }]] },
      '2025-01-06T10:00:00Z',
      { state: 'running', elapsed: HOUR, paused: 0, remaining: 3 * HOUR, dueAt: '2025-01-06T13:00:00Z', warningAt: '2025-01-06T12:00:00Z' },
    ],
    [
      'a change while paused: paused time is counted in each calendar in turn',
      {
        calendar: LONDON,
        durationMs: 8 * HOUR,
        startedAt: '2025-01-06T09:00:00Z',
        events: [['2025-01-06T11:00:00Z', 'pause'], ['2025-01-06T12:00:00Z', 'priority-change', { newDurationMs: 4 * HOUR, newCalendar: H24 }]],
      },
      '2025-01-06T13:00:00Z',
      { state: 'paused', elapsed: 2 * HOUR, paused: 2 * HOUR, remaining: 2 * HOUR },
    ],
    [
      '… resumed at 13:00: the new warning falls at 14:00',
      {
        calendar: LONDON,
        durationMs: 8 * HOUR,
        startedAt: '2025-01-06T09:00:00Z',
        events: [['2025-01-06T11:00:00Z', 'pause'], ['2025-01-06T12:00:00Z', 'priority-change', { newDurationMs: 4 * HOUR, newCalendar: H24 }], ['2025-01-06T13:00:00Z', 'resume']],
      },
      '2025-01-06T14:00:00Z',
      { state: 'running', elapsed: 3 * HOUR, paused: 2 * HOUR, remaining: HOUR, dueAt: '2025-01-06T15:00:00Z', warningAt: '2025-01-06T14:00:00Z' },
    ],
    [
      'a change while paused to a target already exceeded breaches at the change',
      {
        calendar: LONDON,
        durationMs: 8 * HOUR,
        startedAt: '2025-01-06T09:00:00Z',
        events: [['2025-01-06T12:00:00Z', 'pause'], ['2025-01-06T13:00:00Z', 'priority-change', { newDurationMs: HOUR, newCalendar: H24 }]],
      },
      '2025-01-06T14:00:00Z',
      { state: 'breached', elapsed: 3 * HOUR, paused: 2 * HOUR, remaining: 0, warningAt: '2025-01-06T13:00:00Z', breachedAt: '2025-01-06T13:00:00Z' },
    ],
    [
      'two changes: P4 → P2 → P3',
      {
        calendar: LONDON,
        durationMs: 16 * HOUR,
        startedAt: '2025-01-06T09:00:00Z',
        events: [
          ['2025-01-06T10:00:00Z', 'priority-change', { newDurationMs: 8 * HOUR, newCalendar: H24 }],
          ['2025-01-06T12:00:00Z', 'priority-change', { newDurationMs: 12 * HOUR, newCalendar: LONDON }],
        ],
      },
      '2025-01-06T12:00:00Z',
      { state: 'running', elapsed: 3 * HOUR, paused: 0, remaining: 9 * HOUR, dueAt: '2025-01-07T12:30:00Z', warningAt: '2025-01-07T09:30:00Z' },
    ],
  ])('%s', (_, scenario, now, e) => {
    expect(summary(clockOf(scenario, now))).toEqual(expected(e));
  });

  test('the clock reports the target and calendar in force', () => {
    const clock = clockOf(P3_TO_P1, '2025-01-10T20:00:00Z');
    expect(clock.durationMs).toBe(12 * HOUR);
    expect(clock.calendar).toBe(H24);
    expect(clockOf(P3_TO_P1, '2025-01-10T16:00:00Z').calendar).toBe(LONDON);
  });
});

describe('achieved', () => {
  test.each<[string, Scenario, string, Expected]>([
    [
      'before the warning',
      { ...P1_24X7, events: [['2025-01-06T11:00:00Z', 'achieved']] },
      '2025-01-06T20:00:00Z',
      { state: 'achieved', elapsed: 2 * HOUR, paused: 0, remaining: 2 * HOUR, achievedAt: '2025-01-06T11:00:00Z' },
    ],
    [
      'after the warning',
      { ...P1_24X7, events: [['2025-01-06T12:30:00Z', 'achieved']] },
      '2025-01-06T20:00:00Z',
      { state: 'achieved', elapsed: 3.5 * HOUR, paused: 0, remaining: 0.5 * HOUR, warningAt: '2025-01-06T12:00:00Z', achievedAt: '2025-01-06T12:30:00Z' },
    ],
    [
      'exactly at the due instant: met',
      { ...P1_24X7, events: [['2025-01-06T13:00:00Z', 'achieved']] },
      '2025-01-06T20:00:00Z',
      { state: 'achieved', elapsed: 4 * HOUR, paused: 0, remaining: 0, warningAt: '2025-01-06T12:00:00Z', achievedAt: '2025-01-06T13:00:00Z' },
    ],
    [
      'one ms after the due instant: breached, achievedAt recorded',
      { ...P1_24X7, events: [['2025-01-06T13:00:00.001Z', 'achieved']] },
      '2025-01-06T20:00:00Z',
      { state: 'breached', elapsed: 4 * HOUR + 1, paused: 0, remaining: 0, warningAt: '2025-01-06T12:00:00Z', breachedAt: '2025-01-06T13:00:00Z', achievedAt: '2025-01-06T13:00:00.001Z' },
    ],
    [
      'business hours, exactly at the due instant (Monday 15:30 BST after the spring-forward): met',
      { calendar: LONDON, durationMs: 8 * HOUR, startedAt: '2025-03-28T16:00:00Z', events: [['2025-03-31T14:30:00Z', 'achieved']] },
      '2025-04-01T00:00:00Z',
      { state: 'achieved', elapsed: 8 * HOUR, paused: 0, remaining: 0, warningAt: '2025-03-31T12:30:00Z', achievedAt: '2025-03-31T14:30:00Z' },
    ],
    [
      'the next business day after a breach',
      { calendar: LONDON, durationMs: 8 * HOUR, startedAt: '2025-01-06T09:00:00Z', events: [['2025-01-07T10:00:00Z', 'achieved']] },
      '2025-01-08T10:00:00Z',
      { state: 'breached', elapsed: 9.5 * HOUR, paused: 0, remaining: 0, warningAt: '2025-01-06T15:00:00Z', breachedAt: '2025-01-06T17:00:00Z', achievedAt: '2025-01-07T10:00:00Z' },
    ],
    [
      'after hours, when the target ran out at closing: breached at closing',
      { calendar: LONDON, durationMs: 8.5 * HOUR, startedAt: '2025-01-06T09:00:00Z', events: [['2025-01-06T18:00:00Z', 'achieved']] },
      '2025-01-06T19:00:00Z',
      { state: 'breached', elapsed: 8.5 * HOUR, paused: 0, remaining: 0, warningAt: '2025-01-06T15:22:30Z', breachedAt: '2025-01-06T17:30:00Z', achievedAt: '2025-01-06T18:00:00Z' },
    ],
    [
      'after hours, before the target ran out: met',
      { calendar: LONDON, durationMs: 8 * HOUR, startedAt: '2025-01-06T12:00:00Z', events: [['2025-01-06T20:00:00Z', 'achieved']] },
      '2025-01-07T12:00:00Z',
      { state: 'achieved', elapsed: 5.5 * HOUR, paused: 0, remaining: 2.5 * HOUR, achievedAt: '2025-01-06T20:00:00Z' },
    ],
    [
      'while paused: the clock stops with the paused time',
      { ...P1_24X7, events: [['2025-01-06T10:00:00Z', 'pause'], ['2025-01-06T11:00:00Z', 'achieved']] },
      '2025-01-06T12:00:00Z',
      { state: 'achieved', elapsed: HOUR, paused: HOUR, remaining: 3 * HOUR, achievedAt: '2025-01-06T11:00:00Z' },
    ],
    [
      'at the start: zero elapsed',
      { ...P1_24X7, events: [['2025-01-06T09:00:00Z', 'achieved']] },
      '2025-01-06T12:00:00Z',
      { state: 'achieved', elapsed: 0, paused: 0, remaining: 4 * HOUR, achievedAt: '2025-01-06T09:00:00Z' },
    ],
    [
      'events after achieved are ignored',
      {
        ...P1_24X7,
        events: [
          ['2025-01-06T11:00:00Z', 'achieved'],
          ['2025-01-06T11:30:00Z', 'pause'],
          ['2025-01-06T12:00:00Z', 'priority-change', { newDurationMs: MINUTE }],
          ['2025-01-06T13:00:00Z', 'achieved'],
        ],
      },
      '2025-01-06T20:00:00Z',
      { state: 'achieved', elapsed: 2 * HOUR, paused: 0, remaining: 2 * HOUR, achievedAt: '2025-01-06T11:00:00Z' },
    ],
    [
      'an achievement after now has not happened yet',
      { ...P1_24X7, events: [['2025-01-06T11:00:00Z', 'achieved']] },
      '2025-01-06T10:30:00Z',
      { state: 'running', elapsed: 1.5 * HOUR, paused: 0, remaining: 2.5 * HOUR, dueAt: '2025-01-06T13:00:00Z', warningAt: '2025-01-06T12:00:00Z' },
    ],
    [
      'on a business-hours clock over the spring-forward weekend, Monday 12:00 BST',
      { calendar: LONDON, durationMs: 8 * HOUR, startedAt: '2025-03-28T16:00:00Z', events: [['2025-03-31T11:00:00Z', 'achieved']] },
      '2025-04-01T00:00:00Z',
      { state: 'achieved', elapsed: 4.5 * HOUR, paused: 0, remaining: 3.5 * HOUR, achievedAt: '2025-03-31T11:00:00Z' },
    ],
  ])('%s', (_, scenario, now, e) => {
    expect(summary(clockOf(scenario, now))).toEqual(expected(e));
  });

  test('an achieved clock has stopped counting', () => {
    expect(clockOf({ ...P1_24X7, events: [['2025-01-06T11:00:00Z', 'achieved']] }, '2025-01-06T12:00:00Z').counting).toBe(false);
  });

  test('a breached clock that is not achieved keeps counting', () => {
    expect(clockOf(P1_24X7, '2025-01-06T14:00:00Z').counting).toBe(true);
  });
});

describe('warning share', () => {
  test.each<[number | undefined, string]>([
    [undefined, '2025-01-06T12:00:00Z'],
    [0, '2025-01-06T09:00:00Z'],
    [0.25, '2025-01-06T10:00:00Z'],
    [0.5, '2025-01-06T11:00:00Z'],
    [0.75, '2025-01-06T12:00:00Z'],
    [0.9, '2025-01-06T12:36:00Z'],
    [1, '2025-01-06T13:00:00Z'],
  ])('24×7 4 h, share %p → warning at %s', (share, warningAt) => {
    const clock = clockOf({ ...P1_24X7, ...(share !== undefined && { warningShare: share }) }, '2025-01-06T09:00:00Z');
    expect(iso(clock.warningAt)).toBe(warningAt);
    expect(clock.warningShare).toBe(share ?? DEFAULT_WARNING_SHARE);
  });

  test.each<[number, string]>([
    [0.25, '2025-01-13T09:30:00Z'],
    [0.5, '2025-01-13T11:30:00Z'],
    [0.75, '2025-01-13T13:30:00Z'],
    [1, '2025-01-13T15:30:00Z'],
  ])('business hours 8 h from Friday 16:00, share %p → warning at %s', (share, warningAt) => {
    const clock = clockOf({ calendar: LONDON, durationMs: 8 * HOUR, startedAt: '2025-01-10T16:00:00Z', warningShare: share }, '2025-01-10T16:00:00Z');
    expect(iso(clock.warningAt)).toBe(warningAt);
  });

  test('the default share is 75 %', () => {
    expect(DEFAULT_WARNING_SHARE).toBe(0.75);
  });

  test.each([-0.1, 1.01, NaN, Infinity])('refuses share %p', (share) => {
    expect(() => clockOf({ ...P1_24X7, warningShare: share }, '2025-01-06T09:00:00Z')).toThrow(/warningShare/);
  });
});

describe('nextDeadline', () => {
  test.each<[string, Scenario, string, number | undefined, string | undefined]>([
    ['running, before the warning → the warning', P1_24X7, '2025-01-06T10:00:00Z', undefined, '2025-01-06T12:00:00Z'],
    ['at the warning → the breach', P1_24X7, '2025-01-06T12:00:00Z', undefined, '2025-01-06T13:00:00Z'],
    ['after the warning → the breach', P1_24X7, '2025-01-06T12:30:00Z', undefined, '2025-01-06T13:00:00Z'],
    ['share 0.5 before it → 11:00', P1_24X7, '2025-01-06T10:00:00Z', 0.5, '2025-01-06T11:00:00Z'],
    ['share 0.5 after it → the breach', P1_24X7, '2025-01-06T11:30:00Z', 0.5, '2025-01-06T13:00:00Z'],
    ['share 0.9 after the default warning → 12:36', P1_24X7, '2025-01-06T12:00:00Z', 0.9, '2025-01-06T12:36:00Z'],
    ['share 1 → the breach', P1_24X7, '2025-01-06T10:00:00Z', 1, '2025-01-06T13:00:00Z'],
    ['breached → nothing', P1_24X7, '2025-01-06T13:00:00Z', undefined, undefined],
    ['paused → nothing', { ...P1_24X7, events: [['2025-01-06T10:00:00Z', 'pause']] }, '2025-01-06T11:00:00Z', undefined, undefined],
    ['achieved → nothing', { ...P1_24X7, events: [['2025-01-06T10:00:00Z', 'achieved']] }, '2025-01-06T11:00:00Z', undefined, undefined],
    ['business hours, seen on Saturday → Monday warning', { calendar: LONDON, durationMs: 8 * HOUR, startedAt: '2025-01-10T16:00:00Z' }, '2025-01-11T12:00:00Z', undefined, '2025-01-13T13:30:00Z'],
    ['business hours, after the warning, seen at night → the breach next morning', { calendar: LONDON, durationMs: 8 * HOUR, startedAt: '2025-01-06T11:00:00Z' }, '2025-01-06T20:00:00Z', undefined, '2025-01-07T10:30:00Z'],
    ['resumed after a pause → the shifted warning', { ...P1_24X7, events: [['2025-01-06T10:00:00Z', 'pause'], ['2025-01-06T11:00:00Z', 'resume']] }, '2025-01-06T11:00:00Z', undefined, '2025-01-06T13:00:00Z'],
  ])('%s', (_, scenario, now, share, next) => {
    const clock = clockOf(scenario, now);
    expect(iso(share === undefined ? nextDeadline(clock) : nextDeadline(clock, share))).toBe(next);
  });

  test('a scheduler that follows nextDeadline sees the warning, then the breach, then nothing', () => {
    const scenario: Scenario = { calendar: LONDON, durationMs: 8 * HOUR, startedAt: '2025-03-28T16:00:00Z' };
    const seen: string[] = [];
    let clock = clockOf(scenario, scenario.startedAt);
    for (let next = nextDeadline(clock); next !== undefined; next = nextDeadline(clock)) {
      clock = clockOf(scenario, next.toISOString());
      seen.push(`${iso(next)} ${clock.state}`);
      if (seen.length > 5) break;
    }
    expect(seen).toEqual(['2025-03-31T12:30:00Z running', '2025-03-31T14:30:00Z breached']);
    expect(clock.breachedAt).toEqual(d('2025-03-31T14:30:00Z'));
  });

  test('refuses a share outside 0–1', () => {
    expect(() => nextDeadline(clockOf(P1_24X7, '2025-01-06T10:00:00Z'), 2)).toThrow(RangeError);
  });
});

describe('input checks', () => {
  const at = (iso: string, kind: SlaClockEventKind, extra: Partial<SlaClockEvent> = {}): SlaClockEvent => ({ at: d(iso), kind, ...extra });
  const base: SlaClockInput = { target: 'respond', durationMs: HOUR, calendar: H24, startedAt: d('2025-01-06T09:00:00Z'), events: [] };

  test.each<[string, Partial<SlaClockInput>, RegExp]>([
    ['zero duration', { durationMs: 0 }, /durationMs must be a positive/],
    ['negative duration', { durationMs: -HOUR }, /durationMs must be a positive/],
    ['NaN duration', { durationMs: NaN }, /durationMs must be a positive/],
    ['invalid calendar', { calendar: { ...LONDON, opens: '18:00' } }, /calendar is invalid: closes/],
    ['invalid start', { startedAt: new Date('x') }, /startedAt must be a valid Date/],
    ['events out of order', { events: [at('2025-01-06T11:00:00Z', 'pause'), at('2025-01-06T10:00:00Z', 'resume')] }, /events\[1\].*out of order/],
    ['an event before the start', { events: [at('2025-01-06T08:59:59.999Z', 'pause')] }, /events\[0\].*before startedAt/],
    ['an invalid event date', { events: [at('2025-01-06T10:00:00Z', 'pause'), { at: new Date(NaN), kind: 'resume' }] }, /events\[1\]\.at must be a valid Date/],
    ['an unknown event kind', { events: [{ at: d('2025-01-06T10:00:00Z'), kind: 'reassign' as SlaClockEventKind }] }, /unknown kind "reassign"/],
    ['a zero new duration', { events: [at('2025-01-06T10:00:00Z', 'priority-change', { newDurationMs: 0 })] }, /newDurationMs must be a positive/],
    ['an invalid new calendar', { events: [at('2025-01-06T10:00:00Z', 'priority-change', { newCalendar: { ...LONDON, days: [] } })] }, /newCalendar is invalid/],
    ['a bad event after now is still refused', { events: [at('2030-01-01T00:00:00Z', 'priority-change', { newDurationMs: -1 })] }, /newDurationMs/],
  ])('refuses %s', (_, over, message) => {
    expect(() => computeSlaClock({ ...base, ...over }, d('2025-01-06T12:00:00Z'))).toThrow(message);
  });

  test('refuses an invalid now', () => {
    expect(() => computeSlaClock(base, new Date(NaN))).toThrow(/now must be a valid Date/);
  });

  test('events at the same instant are applied in list order', () => {
    const paused = computeSlaClock({ ...base, durationMs: 4 * HOUR, events: [at('2025-01-06T10:00:00Z', 'resume'), at('2025-01-06T10:00:00Z', 'pause')] }, d('2025-01-06T11:00:00Z'));
    const running = computeSlaClock({ ...base, durationMs: 4 * HOUR, events: [at('2025-01-06T10:00:00Z', 'pause'), at('2025-01-06T10:00:00Z', 'resume')] }, d('2025-01-06T11:00:00Z'));
    expect(paused.state).toBe('paused');
    expect(running.state).toBe('running');
  });

  test('is deterministic and leaves its input alone', () => {
    const input: SlaClockInput = Object.freeze({
      ...base,
      durationMs: 8 * HOUR,
      calendar: LONDON,
      events: Object.freeze([at('2025-01-06T10:00:00Z', 'pause'), at('2025-01-07T10:00:00Z', 'resume')]),
    });
    const before = JSON.stringify(input);
    const a = computeSlaClock(input, d('2025-01-08T12:00:00Z'));
    const b = computeSlaClock(input, d('2025-01-08T12:00:00Z'));
    expect(a).toEqual(b);
    expect(JSON.stringify(input)).toBe(before);
    expect(a.startedAt).not.toBe(input.startedAt);
    expect(a.target).toBe('respond');
  });
});

describe('slaTargetDurationMs reuses the ISO 8601 parser', () => {
  const EXPECTED: Record<string, [number, number, number]> = {
    P1: [15 * MINUTE, 30 * MINUTE, 4 * HOUR],
    P2: [30 * MINUTE, HOUR, 8 * HOUR],
    P3: [2 * HOUR, 4 * HOUR, 3 * DAY],
    P4: [4 * HOUR, 8 * HOUR, 5 * DAY],
    P5: [DAY, 2 * DAY, 10 * DAY],
  };
  test.each(PRIORITIES.flatMap((p) => SLA_TARGETS.map((t, i) => [p, t, EXPECTED[p]![i]!] as [typeof p, typeof t, number])))('default %s %s → %i ms', (priority, target, ms) => {
    expect(slaTargetDurationMs(DEFAULT_SLA_TARGETS, priority, target)).toBe(ms);
  });

  test('refuses a text that is not a positive duration', () => {
    const targets = { ...DEFAULT_SLA_TARGETS, P2: { acknowledge: 'PT0S', respond: 'PT1H', resolve: 'P1M' } };
    expect(() => slaTargetDurationMs(targets, 'P2', 'acknowledge')).toThrow(/acknowledge target of P2 \("PT0S"\)/);
    expect(() => slaTargetDurationMs(targets, 'P2', 'resolve')).toThrow(RangeError);
    expect(slaTargetDurationMs(targets, 'P2', 'respond')).toBe(HOUR);
  });
});

describe('properties (seeded random histories)', () => {
  const random = seededRandom;

  function randomHistory(next: () => number, start: number, withAchieved: boolean): SlaClockEvent[] {
    const list: SlaClockEvent[] = [];
    let t = start;
    const count = Math.floor(next() * 8);
    for (let i = 0; i < count; i++) {
      t += Math.floor(next() * 30 * HOUR);
      list.push({ at: new Date(t), kind: next() < 0.5 ? 'pause' : 'resume' });
    }
    if (withAchieved && next() < 0.5) list.push({ at: new Date(t + Math.floor(next() * 20 * HOUR)), kind: 'achieved' });
    return list;
  }

  test.each<[string, Calendar]>([
    ['24×7', H24],
    ['London', LONDON],
    ['New York', NEW_YORK],
  ])('%s: elapsed + paused equals the calendar time from start to stop', (_, calendar) => {
    const next = random(1234);
    for (let i = 0; i < 60; i++) {
      const start = Date.UTC(2025, 2, 1) + Math.floor(next() * 300 * DAY);
      const history = randomHistory(next, start, true);
      const now = start + Math.floor(next() * 10 * DAY);
      const clock = computeSlaClock({ target: 'resolve', durationMs: 1 + Math.floor(next() * 40 * HOUR), calendar, startedAt: new Date(start), events: history }, new Date(now));
      const stop = clock.achievedAt ?? clock.asOf;
      expect(clock.elapsedBusinessMs + clock.pausedMs).toBe(businessMillisBetween(calendar, new Date(start), stop));
      if (clock.state === 'breached') {
        expect(clock.remainingMs).toBe(0);
        expect(clock.elapsedBusinessMs).toBeGreaterThanOrEqual(clock.durationMs);
        expect(clock.warningAt!.getTime()).toBeLessThanOrEqual(clock.breachedAt!.getTime());
      } else {
        expect(clock.remainingMs).toBe(clock.durationMs - clock.elapsedBusinessMs);
      }
      expect(clock.dueAt !== undefined).toBe(clock.state === 'running');
    }
  });

  test.each<[string, Calendar]>([
    ['24×7', H24],
    ['London', LONDON],
    ['New York', NEW_YORK],
  ])('%s: a running clock breaches exactly at dueAt and warns exactly at warningAt', (_, calendar) => {
    const next = random(99);
    let checked = 0;
    for (let i = 0; i < 200; i++) {
      const start = Date.UTC(2025, 2, 1) + Math.floor(next() * 300 * DAY);
      const input: SlaClockInput = { target: 'acknowledge', durationMs: 1 + Math.floor(next() * 30 * HOUR), calendar, startedAt: new Date(start), events: randomHistory(next, start, false) };
      const last = input.events.at(-1)?.at.getTime() ?? start;
      const clock = computeSlaClock(input, new Date(last + Math.floor(next() * HOUR)));
      if (clock.state !== 'running') continue;
      checked++;
      const atDue = computeSlaClock(input, clock.dueAt!);
      expect(atDue.state).toBe('breached');
      expect(atDue.breachedAt).toEqual(clock.dueAt);
      expect(computeSlaClock(input, new Date(clock.dueAt!.getTime() - 1)).state).toBe('running');
      if (clock.warningAt!.getTime() > clock.asOf.getTime()) {
        const atWarning = computeSlaClock(input, clock.warningAt!);
        expect(atWarning.elapsedBusinessMs).toBe(Math.round(clock.durationMs * 0.75));
        expect(atWarning.warningAt).toEqual(clock.warningAt);
      }
    }
    expect(checked).toBeGreaterThan(25);
  });

  // Its cost is measured in `npm run bench` (bench/clock-computation.ts), not here.
  test('replaying a year of history with 200 pauses: achieved, elapsed and paused time add up to the business time', () => {
    const start = Date.UTC(2025, 0, 1);
    const end = Date.UTC(2025, 11, 31, 12);
    const history: SlaClockEvent[] = Array.from({ length: 200 }, (_, i) => ({ at: new Date(start + (i + 1) * 43 * HOUR), kind: i % 2 === 0 ? 'pause' : 'resume' }));
    history.push({ at: new Date(end), kind: 'achieved' });
    const clock = computeSlaClock({ target: 'resolve', durationMs: 3000 * HOUR, calendar: LONDON, startedAt: new Date(start), events: history }, new Date(end + DAY));
    expect(clock.state).toBe('achieved');
    expect(clock.pausedMs).toBeGreaterThan(0);
    expect(clock.elapsedBusinessMs + clock.pausedMs).toBe(businessMillisBetween(LONDON, new Date(start), new Date(end)));
  });
});
