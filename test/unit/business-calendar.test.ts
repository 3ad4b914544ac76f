import {
  TWENTY_FOUR_SEVEN,
  addBusinessMillis,
  businessMillisBetween,
  calendarProblems,
  defaultCalendarFor,
  isCountedInstant,
  nextCountedInstant,
  standardBusinessHours,
  zoneOffsetMs,
  zonedTimeToInstant,
  zonedWallTime,
  type BusinessHoursCalendar,
  type Calendar,
} from '../../src/kernel/domain/business-calendar';
import { PRIORITIES } from '../../src/kernel/domain/priority';
import { seededRandom } from '../support/seeded-random';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const d = (iso: string) => new Date(iso);

/** Mon–Fri 09:00–17:30, Europe/London, no holidays. GMT = UTC+0 until 2025-03-30T01:00Z, BST = UTC+1 until 2025-10-26T01:00Z. */
const LONDON = standardBusinessHours('Europe/London');
/** As LONDON, with the England and Wales bank holidays of 2025 and early 2026. */
const LONDON_HOLIDAYS = standardBusinessHours('Europe/London', [
  '2025-01-01',
  '2025-04-18',
  '2025-04-21',
  '2025-05-05',
  '2025-05-26',
  '2025-08-25',
  '2025-12-25',
  '2025-12-26',
  '2026-01-01',
  '2026-04-03',
  '2026-04-06',
]);
/** Mon–Fri 09:00–17:00 America/New_York. EST = UTC−5 until 2025-03-09T07:00Z, EDT = UTC−4 until 2025-11-02T06:00Z. */
const NEW_YORK: BusinessHoursCalendar = {
  kind: 'business-hours',
  timeZone: 'America/New_York',
  days: [1, 2, 3, 4, 5],
  opens: '09:00',
  closes: '17:00',
  holidays: ['2025-01-01', '2025-07-04', '2025-11-27', '2025-12-25', '2026-01-01'],
};
/** Mon–Fri 08:00–18:00 Australia/Sydney. AEDT = UTC+11 until 2025-04-05T16:00Z, then AEST = UTC+10. */
const SYDNEY: BusinessHoursCalendar = { kind: 'business-hours', timeZone: 'Australia/Sydney', days: [1, 2, 3, 4, 5], opens: '08:00', closes: '18:00', holidays: [] };
/** Sundays only, the whole local day. */
const LONDON_SUNDAYS: BusinessHoursCalendar = { kind: 'business-hours', timeZone: 'Europe/London', days: [7], opens: '00:00', closes: '24:00', holidays: [] };
/** Sundays 01:30–03:00 London: opens inside the spring-forward gap and inside the fall-back overlap. */
const LONDON_SUNDAY_NIGHT: BusinessHoursCalendar = { kind: 'business-hours', timeZone: 'Europe/London', days: [7], opens: '01:30', closes: '03:00', holidays: [] };
/** Sundays 01:00–04:00 New York: spans both transitions (02:00 local). */
const NEW_YORK_SUNDAY_NIGHT: BusinessHoursCalendar = { kind: 'business-hours', timeZone: 'America/New_York', days: [7], opens: '01:00', closes: '04:00', holidays: [] };
/** Every day, all day, in São Paulo (which in 2018 sprang forward at midnight: 00:00 → 01:00 on 4 November). */
const SAO_PAULO_ALL_DAYS: BusinessHoursCalendar = { kind: 'business-hours', timeZone: 'America/Sao_Paulo', days: [1, 2, 3, 4, 5, 6, 7], opens: '00:00', closes: '24:00', holidays: [] };
/** Mon–Fri 12:00–23:00 New York: the late shift closes after midnight UTC. */
const NEW_YORK_LATE: BusinessHoursCalendar = { kind: 'business-hours', timeZone: 'America/New_York', days: [1, 2, 3, 4, 5], opens: '12:00', closes: '23:00', holidays: [] };
/** Weekends only, 10:00–16:00 London. */
const LONDON_WEEKENDS: BusinessHoursCalendar = { kind: 'business-hours', timeZone: 'Europe/London', days: [6, 7], opens: '10:00', closes: '16:00', holidays: ['2025-01-12'] };

describe('zoneOffsetMs', () => {
  test.each<[string, string, number]>([
    ['Europe/London', '2025-01-15T12:00:00Z', 0],
    ['Europe/London', '2025-03-30T00:59:59Z', 0],
    ['Europe/London', '2025-03-30T01:00:00Z', HOUR],
    ['Europe/London', '2025-10-26T00:59:59Z', HOUR],
    ['Europe/London', '2025-10-26T01:00:00Z', 0],
    ['America/New_York', '2025-03-09T06:59:59Z', -5 * HOUR],
    ['America/New_York', '2025-03-09T07:00:00Z', -4 * HOUR],
    ['America/New_York', '2025-11-02T05:59:59Z', -4 * HOUR],
    ['America/New_York', '2025-11-02T06:00:00Z', -5 * HOUR],
    ['Australia/Sydney', '2025-04-05T15:59:59Z', 11 * HOUR],
    ['Australia/Sydney', '2025-04-05T16:00:00Z', 10 * HOUR],
    ['Australia/Sydney', '2025-10-04T16:00:00Z', 11 * HOUR],
    ['Australia/Lord_Howe', '2025-04-05T14:59:59Z', 11 * HOUR],
    ['Australia/Lord_Howe', '2025-04-05T15:00:00Z', 10.5 * HOUR],
    ['Asia/Kolkata', '2025-06-01T00:00:00Z', 5.5 * HOUR],
    ['UTC', '2025-06-01T00:00:00Z', 0],
  ])('%s at %s → %i ms', (zone, at, offset) => {
    expect(zoneOffsetMs(zone, d(at))).toBe(offset);
  });

  test('an unknown zone is refused', () => {
    expect(() => zoneOffsetMs('Mars/Olympus_Mons', d('2025-01-01T00:00:00Z'))).toThrow(RangeError);
  });
});

describe('zonedWallTime', () => {
  test.each<[string, string, string]>([
    ['Europe/London', '2025-03-30T00:30:00Z', '2025-03-30T00:30:00'],
    ['Europe/London', '2025-03-30T00:59:59Z', '2025-03-30T00:59:59'],
    ['Europe/London', '2025-03-30T01:00:00Z', '2025-03-30T02:00:00'],
    ['Europe/London', '2025-10-26T00:30:00Z', '2025-10-26T01:30:00'],
    ['Europe/London', '2025-10-26T01:30:00Z', '2025-10-26T01:30:00'],
    ['America/New_York', '2025-03-09T06:59:00Z', '2025-03-09T01:59:00'],
    ['America/New_York', '2025-03-09T07:00:00Z', '2025-03-09T03:00:00'],
    ['America/New_York', '2025-11-02T05:30:00Z', '2025-11-02T01:30:00'],
    ['America/New_York', '2025-11-02T06:30:00Z', '2025-11-02T01:30:00'],
    ['America/New_York', '2025-01-07T03:00:00Z', '2025-01-06T22:00:00'],
    ['Asia/Kolkata', '2025-12-31T18:30:00Z', '2026-01-01T00:00:00'],
    ['Pacific/Kiritimati', '2025-12-31T10:00:00Z', '2026-01-01T00:00:00'],
  ])('%s at %s reads %s', (zone, at, wall) => {
    expect(zonedWallTime(zone, d(at))).toBe(wall);
  });
});

describe('zonedTimeToInstant', () => {
  test.each<[string, string, string, string]>([
    ['Europe/London', '2025-03-30T00:30', '2025-03-30T00:30:00.000Z', 'before the gap'],
    ['Europe/London', '2025-03-30T01:00', '2025-03-30T01:00:00.000Z', 'start of the gap → 02:00 BST'],
    ['Europe/London', '2025-03-30T01:30', '2025-03-30T01:30:00.000Z', 'in the gap → moved forward to 02:30 BST'],
    ['Europe/London', '2025-03-30T02:00', '2025-03-30T01:00:00.000Z', 'first time after the gap'],
    ['Europe/London', '2025-03-30T02:30', '2025-03-30T01:30:00.000Z', 'after the gap'],
    ['Europe/London', '2025-10-26T00:30', '2025-10-25T23:30:00.000Z', 'before the overlap'],
    ['Europe/London', '2025-10-26T01:00', '2025-10-26T00:00:00.000Z', 'ambiguous → earlier (BST)'],
    ['Europe/London', '2025-10-26T01:30', '2025-10-26T00:30:00.000Z', 'ambiguous → earlier (BST)'],
    ['Europe/London', '2025-10-26T01:59:59', '2025-10-26T00:59:59.000Z', 'ambiguous → earlier (BST)'],
    ['Europe/London', '2025-10-26T02:00', '2025-10-26T02:00:00.000Z', 'after the overlap'],
    ['America/New_York', '2025-03-09T01:59', '2025-03-09T06:59:00.000Z', 'before the gap'],
    ['America/New_York', '2025-03-09T02:00', '2025-03-09T07:00:00.000Z', 'start of the gap → 03:00 EDT'],
    ['America/New_York', '2025-03-09T02:30', '2025-03-09T07:30:00.000Z', 'in the gap → 03:30 EDT'],
    ['America/New_York', '2025-03-09T03:00', '2025-03-09T07:00:00.000Z', 'first time after the gap'],
    ['America/New_York', '2025-11-02T00:59', '2025-11-02T04:59:00.000Z', 'before the overlap'],
    ['America/New_York', '2025-11-02T01:00', '2025-11-02T05:00:00.000Z', 'ambiguous → earlier (EDT)'],
    ['America/New_York', '2025-11-02T01:30', '2025-11-02T05:30:00.000Z', 'ambiguous → earlier (EDT)'],
    ['America/New_York', '2025-11-02T02:00', '2025-11-02T07:00:00.000Z', 'after the overlap'],
    ['Asia/Kolkata', '2025-06-01T09:00', '2025-06-01T03:30:00.000Z', 'half-hour offset'],
    ['Australia/Sydney', '2025-04-06T02:30', '2025-04-05T15:30:00.000Z', 'ambiguous → earlier (AEDT)'],
    ['Australia/Sydney', '2025-10-05T02:30', '2025-10-04T16:30:00.000Z', 'in the gap → 03:30 AEDT'],
    ['America/Sao_Paulo', '2018-11-04T00:00', '2018-11-04T03:00:00.000Z', 'midnight in the gap → 01:00 −02'],
  ])('%s %s → %s (%s)', (zone, wall, instant) => {
    expect(zonedTimeToInstant(zone, wall).toISOString()).toBe(instant);
  });

  test.each(['2025-03-30', '2025-03-30 09:00', '2025-3-30T09:00', 'T09:00', ''])('refuses the wall time "%s"', (wall) => {
    expect(() => zonedTimeToInstant('Europe/London', wall)).toThrow(RangeError);
  });

  test('refuses an unknown zone', () => {
    expect(() => zonedTimeToInstant('Nowhere/Special', '2025-01-01T00:00')).toThrow(RangeError);
  });

  test.each(['Europe/London', 'America/New_York', 'Australia/Sydney', 'Australia/Lord_Howe', 'Asia/Kolkata'])(
    '%s: wall time → instant → wall time is the identity, every 37 minutes of 2025',
    (zone) => {
      const start = Date.UTC(2025, 0, 1);
      for (let t = start; t < start + 365 * DAY; t += 37 * MINUTE) {
        const wall = zonedWallTime(zone, new Date(t));
        const back = zonedTimeToInstant(zone, wall).getTime();
        expect(zonedWallTime(zone, new Date(back))).toBe(wall);
        // Same instant, or the first occurrence of an ambiguous time.
        if (back !== t) expect(back).toBeLessThan(t);
      }
    },
  );
});

describe('calendarProblems', () => {
  const valid = (over: Partial<BusinessHoursCalendar>): BusinessHoursCalendar => ({ ...LONDON, ...over });

  test.each<[string, Calendar]>([
    ['24×7', TWENTY_FOUR_SEVEN],
    ['standard London hours', LONDON],
    ['with holidays', LONDON_HOLIDAYS],
    ['closing at 24:00', LONDON_SUNDAYS],
    ['opening at 00:00, closing at 00:01', valid({ opens: '00:00', closes: '00:01' })],
    ['opening at 23:59', valid({ opens: '23:59', closes: '24:00' })],
    ['all seven days', valid({ days: [1, 2, 3, 4, 5, 6, 7] })],
    ['leap day holiday', valid({ holidays: ['2024-02-29'] })],
  ])('%s is valid', (_, calendar) => {
    expect(calendarProblems(calendar)).toEqual([]);
  });

  test.each<[string, Partial<BusinessHoursCalendar>, RegExp]>([
    ['unknown zone', { timeZone: 'Europe/Atlantis' }, /timeZone "Europe\/Atlantis"/],
    ['empty zone', { timeZone: '' }, /timeZone/],
    ['no days', { days: [] }, /at least one ISO weekday/],
    ['day 0', { days: [0, 1] }, /day 0 is not an ISO weekday/],
    ['day 8', { days: [8] }, /day 8 is not an ISO weekday/],
    ['fractional day', { days: [1.5] }, /day 1.5 is not an ISO weekday/],
    ['opens without leading zero', { opens: '9:00' }, /opens "9:00"/],
    ['opens at 24:00', { opens: '24:00' }, /opens "24:00"/],
    ['opens at 12:60', { opens: '12:60' }, /opens "12:60"/],
    ['closes at 24:01', { closes: '24:01' }, /closes "24:01"/],
    ['closes at 25:00', { closes: '25:00' }, /closes "25:00"/],
    ['closes before opening', { opens: '17:00', closes: '09:00' }, /must be after opens/],
    ['closes when opening', { opens: '09:00', closes: '09:00' }, /must be after opens/],
    ['holiday on 30 February', { holidays: ['2025-02-30'] }, /holiday "2025-02-30"/],
    ['holiday on 29 February of a common year', { holidays: ['2025-02-29'] }, /holiday "2025-02-29"/],
    ['holiday without padding', { holidays: ['2025-1-1'] }, /holiday "2025-1-1"/],
    ['holiday day first', { holidays: ['25-12-2025'] }, /holiday "25-12-2025"/],
    ['holiday with a time', { holidays: ['2025-12-25T00:00'] }, /holiday "2025-12-25T00:00"/],
  ])('%s is a problem', (_, over, message) => {
    const problems = calendarProblems(valid(over));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(message);
  });

  test('reports every problem at once', () => {
    expect(calendarProblems(valid({ timeZone: 'X/Y', days: [9], opens: 'noon', holidays: ['soon'] }))).toHaveLength(4);
  });

  test('an unknown kind is a problem', () => {
    expect(calendarProblems({ kind: 'lunar' } as unknown as Calendar)).toEqual(['unknown calendar kind "lunar"']);
  });

  test('the counting functions refuse an invalid calendar', () => {
    const bad = valid({ days: [] });
    expect(() => businessMillisBetween(bad, d('2025-01-06T09:00:00Z'), d('2025-01-06T10:00:00Z'))).toThrow(/Invalid calendar: days must list/);
    expect(() => addBusinessMillis(bad, d('2025-01-06T09:00:00Z'), HOUR)).toThrow(/Invalid calendar/);
    expect(() => isCountedInstant(bad, d('2025-01-06T09:00:00Z'))).toThrow(/Invalid calendar/);
    expect(() => nextCountedInstant(bad, d('2025-01-06T09:00:00Z'))).toThrow(/Invalid calendar/);
  });
});

describe('default calendars', () => {
  test('standard business hours: Monday to Friday, 09:00–17:30', () => {
    expect(standardBusinessHours('Europe/Paris', ['2025-07-14'])).toEqual({
      kind: 'business-hours',
      timeZone: 'Europe/Paris',
      days: [1, 2, 3, 4, 5],
      opens: '09:00',
      closes: '17:30',
      holidays: ['2025-07-14'],
    });
  });

  test.each(PRIORITIES.map((p) => [p, p === 'P1' || p === 'P2' ? '24x7' : 'business-hours'] as const))('%s runs %s', (priority, kind) => {
    const calendar = defaultCalendarFor(priority, LONDON);
    expect(calendar.kind).toBe(kind);
    if (kind === 'business-hours') expect(calendar).toBe(LONDON);
  });
});

describe('businessMillisBetween', () => {
  test.each<[string, Calendar, string, string, number]>([
    // 24×7
    ['24×7: 4 h across the London spring-forward', TWENTY_FOUR_SEVEN, '2025-03-30T00:00:00Z', '2025-03-30T04:00:00Z', 4 * HOUR],
    ['24×7: across the year boundary', TWENTY_FOUR_SEVEN, '2024-12-31T22:00:00Z', '2025-01-01T02:00:00Z', 4 * HOUR],
    ['24×7: a common year', TWENTY_FOUR_SEVEN, '2025-01-01T00:00:00Z', '2026-01-01T00:00:00Z', 365 * DAY],
    ['24×7: a leap year', TWENTY_FOUR_SEVEN, '2024-01-01T00:00:00Z', '2025-01-01T00:00:00Z', 366 * DAY],
    ['24×7: zero length', TWENTY_FOUR_SEVEN, '2025-01-06T10:00:00Z', '2025-01-06T10:00:00Z', 0],
    ['24×7: reversed', TWENTY_FOUR_SEVEN, '2025-01-06T11:00:00Z', '2025-01-06T10:00:00Z', 0],
    ['24×7: one millisecond', TWENTY_FOUR_SEVEN, '2025-01-06T10:00:00.000Z', '2025-01-06T10:00:00.001Z', 1],
    // London, winter (GMT)
    ['within a day', LONDON, '2025-01-06T10:00:00Z', '2025-01-06T12:00:00Z', 2 * HOUR],
    ['opening to closing', LONDON, '2025-01-06T09:00:00Z', '2025-01-06T17:30:00Z', 8.5 * HOUR],
    ['midnight to midnight', LONDON, '2025-01-06T00:00:00Z', '2025-01-07T00:00:00Z', 8.5 * HOUR],
    ['from before opening', LONDON, '2025-01-06T07:00:00Z', '2025-01-06T10:15:00Z', 1.25 * HOUR],
    ['until after closing', LONDON, '2025-01-06T17:00:00Z', '2025-01-06T23:00:00Z', 0.5 * HOUR],
    ['across a night', LONDON, '2025-01-06T16:00:00Z', '2025-01-07T10:00:00Z', 2.5 * HOUR],
    ['across a weekend', LONDON, '2025-01-10T16:00:00Z', '2025-01-13T10:00:00Z', 2.5 * HOUR],
    ['inside a weekend', LONDON, '2025-01-11T10:00:00Z', '2025-01-12T15:00:00Z', 0],
    ['inside a night', LONDON, '2025-01-06T18:00:00Z', '2025-01-07T08:59:59Z', 0],
    ['zero length in hours', LONDON, '2025-01-06T10:00:00Z', '2025-01-06T10:00:00Z', 0],
    ['reversed', LONDON, '2025-01-06T12:00:00Z', '2025-01-06T10:00:00Z', 0],
    ['the last millisecond before closing', LONDON, '2025-01-06T17:29:59.999Z', '2025-01-06T17:30:00.000Z', 1],
    ['the first millisecond after closing', LONDON, '2025-01-06T17:30:00.000Z', '2025-01-06T17:30:00.001Z', 0],
    ['one full week', LONDON, '2025-01-06T00:00:00Z', '2025-01-13T00:00:00Z', 5 * 8.5 * HOUR],
    ['four full weeks', LONDON, '2025-01-06T00:00:00Z', '2025-02-03T00:00:00Z', 20 * 8.5 * HOUR],
    // London, summer (BST): 09:00–17:30 local is 08:00–16:30Z
    ['summer: opening to closing', LONDON, '2025-06-02T08:00:00Z', '2025-06-02T16:30:00Z', 8.5 * HOUR],
    ['summer: opens at 08:00Z', LONDON, '2025-06-02T07:00:00Z', '2025-06-02T09:00:00Z', HOUR],
    ['summer: closes at 16:30Z', LONDON, '2025-06-02T16:00:00Z', '2025-06-02T17:00:00Z', 0.5 * HOUR],
    // Daylight-saving weekends
    ['London spring-forward weekend', LONDON, '2025-03-28T16:00:00Z', '2025-03-31T10:00:00Z', 3.5 * HOUR],
    ['London fall-back weekend', LONDON, '2025-10-24T15:00:00Z', '2025-10-27T10:00:00Z', 2.5 * HOUR],
    ['New York spring-forward weekend', NEW_YORK, '2025-03-07T21:00:00Z', '2025-03-10T14:00:00Z', 2 * HOUR],
    ['New York fall-back weekend', NEW_YORK, '2025-10-31T20:00:00Z', '2025-11-03T15:00:00Z', 2 * HOUR],
    ['Sydney autumn fall-back weekend', SYDNEY, '2025-04-04T06:00:00Z', '2025-04-06T23:00:00Z', 2 * HOUR],
    ['London: the spring-forward Sunday has 23 hours', LONDON_SUNDAYS, '2025-03-29T00:00:00Z', '2025-04-01T00:00:00Z', 23 * HOUR],
    ['London: the fall-back Sunday has 25 hours', LONDON_SUNDAYS, '2025-10-25T00:00:00Z', '2025-10-28T00:00:00Z', 25 * HOUR],
    ['London: an ordinary Sunday has 24 hours', LONDON_SUNDAYS, '2025-01-11T00:00:00Z', '2025-01-14T00:00:00Z', 24 * HOUR],
    ['London: Sunday 01:30–03:00 on an ordinary Sunday', LONDON_SUNDAY_NIGHT, '2025-03-22T00:00:00Z', '2025-03-24T00:00:00Z', 1.5 * HOUR],
    ['London: Sunday 01:30 (in the gap) → 02:30 BST, to 03:00 BST', LONDON_SUNDAY_NIGHT, '2025-03-29T00:00:00Z', '2025-03-31T00:00:00Z', 0.5 * HOUR],
    ['London: Sunday 01:30 BST (first of two) to 03:00 GMT', LONDON_SUNDAY_NIGHT, '2025-10-25T00:00:00Z', '2025-10-27T00:00:00Z', 2.5 * HOUR],
    ['New York: Sunday 01:00 EST to 04:00 EDT', NEW_YORK_SUNDAY_NIGHT, '2025-03-08T00:00:00Z', '2025-03-10T00:00:00Z', 2 * HOUR],
    ['New York: Sunday 01:00 EDT (first of two) to 04:00 EST', NEW_YORK_SUNDAY_NIGHT, '2025-11-01T00:00:00Z', '2025-11-03T00:00:00Z', 4 * HOUR],
    ['São Paulo: the day that starts at 01:00 has 23 hours', SAO_PAULO_ALL_DAYS, '2018-11-04T03:00:00Z', '2018-11-05T02:00:00Z', 23 * HOUR],
    // Holidays
    ['Good Friday without holidays', LONDON, '2025-04-18T00:00:00Z', '2025-04-19T00:00:00Z', 8.5 * HOUR],
    ['Good Friday is a holiday', LONDON_HOLIDAYS, '2025-04-18T00:00:00Z', '2025-04-19T00:00:00Z', 0],
    ['Easter: Thursday 16:30 BST to Tuesday 10:00 BST', LONDON_HOLIDAYS, '2025-04-17T15:30:00Z', '2025-04-22T09:00:00Z', 2 * HOUR],
    ['Thanksgiving', NEW_YORK, '2025-11-26T21:00:00Z', '2025-11-28T15:00:00Z', 2 * HOUR],
    ['Independence Day on a Friday', NEW_YORK, '2025-07-03T20:00:00Z', '2025-07-07T14:00:00Z', 2 * HOUR],
    ['a holiday on a Saturday changes nothing Monday to Friday', standardBusinessHours('Europe/London', ['2025-01-11']), '2025-01-10T16:00:00Z', '2025-01-13T10:00:00Z', 2.5 * HOUR],
    ['a weekend calendar skips its Sunday holiday', LONDON_WEEKENDS, '2025-01-11T00:00:00Z', '2025-01-13T00:00:00Z', 6 * HOUR],
    ['a weekend-only calendar', LONDON_WEEKENDS, '2025-01-17T15:00:00Z', '2025-01-20T15:00:00Z', 12 * HOUR],
    // Year boundaries
    ['New Year without holidays', LONDON, '2024-12-31T16:00:00Z', '2025-01-02T10:00:00Z', 11 * HOUR],
    ['New Year with holidays', LONDON_HOLIDAYS, '2024-12-31T16:00:00Z', '2025-01-02T10:00:00Z', 2.5 * HOUR],
    ['Christmas to New Year 2025/26', LONDON_HOLIDAYS, '2025-12-24T17:00:00Z', '2026-01-02T09:30:00Z', 26.5 * HOUR],
    ['New York New Year', NEW_YORK, '2025-12-31T21:00:00Z', '2026-01-02T15:00:00Z', 2 * HOUR],
    ['the whole of 2025, no holidays (261 weekdays)', LONDON, '2025-01-01T00:00:00Z', '2026-01-01T00:00:00Z', 261 * 8.5 * HOUR],
    ['the whole of 2025, 8 bank holidays on weekdays', LONDON_HOLIDAYS, '2025-01-01T00:00:00Z', '2026-01-01T00:00:00Z', 253 * 8.5 * HOUR],
    ['New York: local date differs from the UTC date', NEW_YORK, '2025-01-07T03:00:00Z', '2025-01-07T15:00:00Z', HOUR],
    ['New York late shift: Monday 21:00 EST (Tuesday in UTC) to Tuesday 00:00 EST', NEW_YORK_LATE, '2025-01-07T02:00:00Z', '2025-01-07T05:00:00Z', 2 * HOUR],
    ['New York late shift: Friday 22:00 EDT to Monday 13:00 EDT', NEW_YORK_LATE, '2025-06-07T02:00:00Z', '2025-06-09T17:00:00Z', 2 * HOUR],
  ])('%s', (_, calendar, from, to, expected) => {
    expect(businessMillisBetween(calendar, d(from), d(to))).toBe(expected);
  });

  test('refuses invalid dates', () => {
    expect(() => businessMillisBetween(LONDON, new Date(NaN), d('2025-01-01T00:00:00Z'))).toThrow(/from must be a valid Date/);
    expect(() => businessMillisBetween(TWENTY_FOUR_SEVEN, d('2025-01-01T00:00:00Z'), new Date(NaN))).toThrow(/to must be a valid Date/);
  });

  // Its cost is measured in `npm run bench` (bench/clock-computation.ts), not here.
  test('a year of business hours with the bank holidays: 253 working days of 8.5 hours', () => {
    expect(businessMillisBetween(LONDON_HOLIDAYS, d('2025-01-01T00:00:00Z'), d('2026-01-01T00:00:00Z'))).toBe(253 * 8.5 * HOUR);
  });
});

describe('addBusinessMillis', () => {
  test.each<[string, Calendar, string, number, string]>([
    // 24×7
    ['24×7: 4 h across the London spring-forward is 4 real hours', TWENTY_FOUR_SEVEN, '2025-03-30T00:30:00Z', 4 * HOUR, '2025-03-30T04:30:00.000Z'],
    ['24×7: across the year boundary', TWENTY_FOUR_SEVEN, '2025-12-31T22:00:00Z', 4 * HOUR, '2026-01-01T02:00:00.000Z'],
    ['24×7: zero', TWENTY_FOUR_SEVEN, '2025-01-06T10:00:00Z', 0, '2025-01-06T10:00:00.000Z'],
    // London, winter
    ['within a day', LONDON, '2025-01-06T10:00:00Z', 2 * HOUR, '2025-01-06T12:00:00.000Z'],
    ['from opening', LONDON, '2025-01-06T09:00:00Z', HOUR, '2025-01-06T10:00:00.000Z'],
    ['ends exactly at closing', LONDON, '2025-01-06T09:00:00Z', 8.5 * HOUR, '2025-01-06T17:30:00.000Z'],
    ['one millisecond past closing → next opening', LONDON, '2025-01-06T09:00:00Z', 8.5 * HOUR + 1, '2025-01-07T09:00:00.001Z'],
    ['from before opening', LONDON, '2025-01-06T06:00:00Z', HOUR, '2025-01-06T10:00:00.000Z'],
    ['from after closing', LONDON, '2025-01-06T18:00:00Z', HOUR, '2025-01-07T10:00:00.000Z'],
    ['from exactly closing', LONDON, '2025-01-06T17:30:00Z', HOUR, '2025-01-07T10:00:00.000Z'],
    ['from a Saturday', LONDON, '2025-01-11T12:00:00Z', HOUR, '2025-01-13T10:00:00.000Z'],
    ['from Friday evening', LONDON, '2025-01-10T20:00:00Z', 9 * HOUR, '2025-01-14T09:30:00.000Z'],
    ['zero from outside hours stays put', LONDON, '2025-01-11T12:00:00Z', 0, '2025-01-11T12:00:00.000Z'],
    ['zero inside hours', LONDON, '2025-01-06T12:34:56.789Z', 0, '2025-01-06T12:34:56.789Z'],
    ['one millisecond', LONDON, '2025-01-06T17:29:59.999Z', 1, '2025-01-06T17:30:00.000Z'],
    ['one week of hours ends Friday at closing', LONDON, '2025-01-06T09:00:00Z', 42.5 * HOUR, '2025-01-10T17:30:00.000Z'],
    ['one week and an hour', LONDON, '2025-01-06T09:00:00Z', 43.5 * HOUR, '2025-01-13T10:00:00.000Z'],
    ['P3D (72 h) of business hours', LONDON, '2025-01-06T09:00:00Z', 3 * DAY, '2025-01-16T13:00:00.000Z'],
    ['P10D (240 h) of business hours', LONDON, '2025-01-06T09:00:00Z', 10 * DAY, '2025-02-13T11:00:00.000Z'],
    // Daylight saving
    ['P3 8 h from Friday 16:00 before the London spring-forward', LONDON, '2025-03-28T16:00:00Z', 8 * HOUR, '2025-03-31T14:30:00.000Z'],
    ['8 h from Friday 16:00 BST before the London fall-back', LONDON, '2025-10-24T15:00:00Z', 8 * HOUR, '2025-10-27T15:30:00.000Z'],
    ['8 h from Friday 16:00 EST before the New York spring-forward', NEW_YORK, '2025-03-07T21:00:00Z', 8 * HOUR, '2025-03-10T20:00:00.000Z'],
    ['8 h from Friday 16:00 EDT before the New York fall-back', NEW_YORK, '2025-10-31T20:00:00Z', 8 * HOUR, '2025-11-03T21:00:00.000Z'],
    ['Sydney: 2 h from Friday 17:00 AEDT', SYDNEY, '2025-04-04T06:00:00Z', 2 * HOUR, '2025-04-06T23:00:00.000Z'],
    ['London Sundays: the whole 23-hour spring-forward Sunday', LONDON_SUNDAYS, '2025-03-29T12:00:00Z', 23 * HOUR, '2025-03-30T23:00:00.000Z'],
    ['London Sundays: 24 h from the 25-hour fall-back Sunday', LONDON_SUNDAYS, '2025-10-25T12:00:00Z', 24 * HOUR, '2025-10-26T23:00:00.000Z'],
    ['London Sunday night: 15 min after the gap opening', LONDON_SUNDAY_NIGHT, '2025-03-29T00:00:00Z', 15 * MINUTE, '2025-03-30T01:45:00.000Z'],
    ['London Sunday night: the 30 min of the spring-forward night', LONDON_SUNDAY_NIGHT, '2025-03-29T00:00:00Z', 30 * MINUTE, '2025-03-30T02:00:00.000Z'],
    ['London Sunday night: spills into the next Sunday (BST)', LONDON_SUNDAY_NIGHT, '2025-03-29T00:00:00Z', 31 * MINUTE, '2025-04-06T00:31:00.000Z'],
    ['London Sunday night: 1 h of the fall-back night ends at 01:30 GMT', LONDON_SUNDAY_NIGHT, '2025-10-25T00:00:00Z', HOUR, '2025-10-26T01:30:00.000Z'],
    ['London Sunday night: 2.5 h of the fall-back night', LONDON_SUNDAY_NIGHT, '2025-10-25T00:00:00Z', 2.5 * HOUR, '2025-10-26T03:00:00.000Z'],
    ['New York Sunday night: 2 h of the spring-forward night', NEW_YORK_SUNDAY_NIGHT, '2025-03-08T00:00:00Z', 2 * HOUR, '2025-03-09T08:00:00.000Z'],
    // Holidays and year boundaries
    ['Easter: Thursday 16:30 BST + 2 h → Tuesday 10:00 BST', LONDON_HOLIDAYS, '2025-04-17T15:30:00Z', 2 * HOUR, '2025-04-22T09:00:00.000Z'],
    ['Easter without holidays → Friday', LONDON, '2025-04-17T15:30:00Z', 2 * HOUR, '2025-04-18T09:00:00.000Z'],
    ['from a holiday morning', LONDON_HOLIDAYS, '2025-12-25T10:00:00Z', HOUR, '2025-12-29T10:00:00.000Z'],
    ['Christmas to New Year 2025/26', LONDON_HOLIDAYS, '2025-12-24T17:00:00Z', 26.5 * HOUR, '2026-01-02T09:30:00.000Z'],
    ['New York New Year', NEW_YORK, '2025-12-31T21:00:00Z', 2 * HOUR, '2026-01-02T15:00:00.000Z'],
    ['Thanksgiving', NEW_YORK, '2025-11-26T21:00:00Z', 2 * HOUR, '2025-11-28T15:00:00.000Z'],
    ['New York: local date differs from the UTC date', NEW_YORK, '2025-01-07T03:00:00Z', HOUR, '2025-01-07T15:00:00.000Z'],
    ['New York late shift: Monday 22:30 EST (Tuesday in UTC) + 1 h → Tuesday 12:30 EST', NEW_YORK_LATE, '2025-01-07T03:30:00Z', HOUR, '2025-01-07T17:30:00.000Z'],
    ['weekend-only calendar skips its own holiday', LONDON_WEEKENDS, '2025-01-11T15:00:00Z', 2 * HOUR, '2025-01-18T11:00:00.000Z'],
  ])('%s', (_, calendar, from, ms, expected) => {
    expect(addBusinessMillis(calendar, d(from), ms).toISOString()).toBe(expected);
  });

  test.each([-1, NaN, Infinity, -Infinity])('refuses %p ms', (ms) => {
    expect(() => addBusinessMillis(LONDON, d('2025-01-06T09:00:00Z'), ms)).toThrow(RangeError);
    expect(() => addBusinessMillis(TWENTY_FOUR_SEVEN, d('2025-01-06T09:00:00Z'), ms)).toThrow(RangeError);
  });

  test('refuses an invalid date', () => {
    expect(() => addBusinessMillis(LONDON, new Date('not a date'), HOUR)).toThrow(/from must be a valid Date/);
  });

  test('a calendar changed after use is not served from the memo', () => {
    const calendar = { ...LONDON, holidays: [] as string[] };
    const from = d('2025-01-06T09:00:00Z');
    expect(addBusinessMillis(calendar, from, HOUR).toISOString()).toBe('2025-01-06T10:00:00.000Z');
    calendar.holidays.push('2025-01-06');
    expect(addBusinessMillis(calendar, from, HOUR).toISOString()).toBe('2025-01-07T10:00:00.000Z');
    expect(businessMillisBetween(calendar, from, d('2025-01-07T00:00:00Z'))).toBe(0);
  });

  test('does not mutate its input', () => {
    const from = d('2025-01-06T09:00:00Z');
    const result = addBusinessMillis(TWENTY_FOUR_SEVEN, from, 0);
    expect(result).not.toBe(from);
    expect(from.toISOString()).toBe('2025-01-06T09:00:00.000Z');
  });

  test('a calendar that never counts is refused rather than looping', () => {
    // Saturdays only, and every Saturday for six years is a holiday: the idle guard must stop the search.
    const never: BusinessHoursCalendar = {
      ...LONDON,
      days: [6],
      holidays: Array.from({ length: 6 * 53 }, (_, week) => new Date(Date.UTC(2025, 0, 4) + week * 7 * DAY).toISOString().slice(0, 10)),
    };
    expect(() => addBusinessMillis(never, d('2025-01-01T00:00:00Z'), HOUR)).toThrow(/no counted time/);
    expect(() => nextCountedInstant(never, d('2025-01-01T00:00:00Z'))).toThrow(/no counted time/);
  });

  // Its cost is measured in `npm run bench` (bench/clock-computation.ts), not here.
  test('a year of business hours added to New Year ends at the close of the last working day', () => {
    expect(addBusinessMillis(LONDON_HOLIDAYS, d('2025-01-01T00:00:00Z'), 253 * 8.5 * HOUR).toISOString()).toBe('2025-12-31T17:30:00.000Z');
  });
});

describe('isCountedInstant and nextCountedInstant', () => {
  test.each<[string, Calendar, string, boolean, string]>([
    ['24×7 always counts', TWENTY_FOUR_SEVEN, '2025-01-11T03:00:00Z', true, '2025-01-11T03:00:00.000Z'],
    ['at opening', LONDON, '2025-01-06T09:00:00Z', true, '2025-01-06T09:00:00.000Z'],
    ['just before opening', LONDON, '2025-01-06T08:59:59.999Z', false, '2025-01-06T09:00:00.000Z'],
    ['just before closing', LONDON, '2025-01-06T17:29:59.999Z', true, '2025-01-06T17:29:59.999Z'],
    ['at closing', LONDON, '2025-01-06T17:30:00Z', false, '2025-01-07T09:00:00.000Z'],
    ['Saturday', LONDON, '2025-01-11T12:00:00Z', false, '2025-01-13T09:00:00.000Z'],
    ['summer opening is 08:00Z', LONDON, '2025-06-02T08:00:00Z', true, '2025-06-02T08:00:00.000Z'],
    ['summer 07:59Z is before opening', LONDON, '2025-06-02T07:59:00Z', false, '2025-06-02T08:00:00.000Z'],
    ['Friday evening before the spring-forward', LONDON, '2025-03-28T18:00:00Z', false, '2025-03-31T08:00:00.000Z'],
    ['Friday evening before the New York fall-back', NEW_YORK, '2025-10-31T22:00:00Z', false, '2025-11-03T14:00:00.000Z'],
    ['a holiday', LONDON_HOLIDAYS, '2025-12-25T12:00:00Z', false, '2025-12-29T09:00:00.000Z'],
    ['New Year holiday in New York', NEW_YORK, '2026-01-01T15:00:00Z', false, '2026-01-02T14:00:00.000Z'],
    ['New York evening that is already tomorrow in UTC', NEW_YORK, '2025-01-07T03:00:00Z', false, '2025-01-07T14:00:00.000Z'],
    ['Sunday just before midnight, all-day Sundays', LONDON_SUNDAYS, '2025-03-30T22:59:59.999Z', true, '2025-03-30T22:59:59.999Z'],
    ['Monday 00:00 BST, all-day Sundays → next Sunday 00:00 BST', LONDON_SUNDAYS, '2025-03-30T23:00:00Z', false, '2025-04-05T23:00:00.000Z'],
    ['Saturday 23:30 GMT before the spring-forward → Sunday 00:00 GMT', LONDON_SUNDAYS, '2025-03-29T23:30:00Z', false, '2025-03-30T00:00:00.000Z'],
  ])('%s', (_, calendar, at, counted, next) => {
    expect(isCountedInstant(calendar, d(at))).toBe(counted);
    expect(nextCountedInstant(calendar, d(at)).toISOString()).toBe(next);
  });
});

describe('properties (seeded random cases)', () => {
  const random = seededRandom;
  const RANGE_START = Date.UTC(2024, 9, 1);
  const RANGE = 500 * DAY;

  test.each<[string, Calendar]>([
    ['24×7', TWENTY_FOUR_SEVEN],
    ['London', LONDON_HOLIDAYS],
    ['New York', NEW_YORK],
    ['Sydney', SYDNEY],
    ['London Sunday nights', LONDON_SUNDAY_NIGHT],
    ['New York Sunday nights', NEW_YORK_SUNDAY_NIGHT],
  ])('%s: addBusinessMillis is the exact inverse of businessMillisBetween', (_, calendar) => {
    const next = random(42);
    for (let i = 0; i < 150; i++) {
      const from = new Date(RANGE_START + Math.floor(next() * RANGE));
      const ms = Math.floor(next() * 60 * HOUR) + 1;
      const end = addBusinessMillis(calendar, from, ms);
      expect(businessMillisBetween(calendar, from, end)).toBe(ms);
      // The earliest such instant: one millisecond earlier, the count is not complete.
      expect(businessMillisBetween(calendar, from, new Date(end.getTime() - 1))).toBe(ms - 1);
    }
  });

  test.each<[string, Calendar]>([
    ['London', LONDON_HOLIDAYS],
    ['New York', NEW_YORK],
    ['London Sundays', LONDON_SUNDAYS],
  ])('%s: counting is additive over adjacent intervals', (_, calendar) => {
    const next = random(7);
    for (let i = 0; i < 150; i++) {
      const [a, b, c] = [0, 1, 2].map(() => RANGE_START + Math.floor(next() * 40 * DAY)).sort((x, y) => x - y) as [number, number, number];
      expect(businessMillisBetween(calendar, new Date(a), new Date(b)) + businessMillisBetween(calendar, new Date(b), new Date(c))).toBe(
        businessMillisBetween(calendar, new Date(a), new Date(c)),
      );
    }
  });

  /**
   * Independent oracle: walks minute by minute and asks Intl (formatToParts, another code path)
   * for the local weekday, date and time of each minute. Exact for calendars whose opening and
   * closing times are whole minutes outside any daylight-saving gap or overlap.
   */
  function oracleMinutes(calendar: BusinessHoursCalendar, from: string, to: string): number {
    const format = new Intl.DateTimeFormat('en-GB', {
      timeZone: calendar.timeZone,
      weekday: 'short',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    const weekdays = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
    const toMinutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3));
    let minutes = 0;
    for (let t = d(from).getTime(); t < d(to).getTime(); t += MINUTE) {
      const p = Object.fromEntries(format.formatToParts(t).map((part) => [part.type, part.value]));
      const weekday = weekdays.indexOf(p['weekday']!) + 1;
      const date = `${p['year']}-${p['month']}-${p['day']}`;
      const clock = Number(p['hour']) * 60 + Number(p['minute']);
      if (calendar.days.includes(weekday) && !calendar.holidays.includes(date) && clock >= toMinutes(calendar.opens) && clock < toMinutes(calendar.closes)) {
        minutes++;
      }
    }
    return minutes;
  }

  test.each<[string, BusinessHoursCalendar, string, string]>([
    ['London spring-forward fortnight', LONDON_HOLIDAYS, '2025-03-24T00:00:00Z', '2025-04-07T00:00:00Z'],
    ['London fall-back fortnight', LONDON_HOLIDAYS, '2025-10-20T00:00:00Z', '2025-11-03T00:00:00Z'],
    ['London Christmas and New Year', LONDON_HOLIDAYS, '2025-12-20T07:13:00Z', '2026-01-05T11:47:00Z'],
    ['New York spring-forward fortnight', NEW_YORK, '2025-03-03T00:00:00Z', '2025-03-17T00:00:00Z'],
    ['New York fall-back fortnight', NEW_YORK, '2025-10-27T00:00:00Z', '2025-11-10T00:00:00Z'],
    ['New York New Year', NEW_YORK, '2025-12-29T15:01:00Z', '2026-01-06T02:59:00Z'],
    ['Sydney autumn fall-back', SYDNEY, '2025-03-31T00:00:00Z', '2025-04-14T00:00:00Z'],
    ['Sydney spring-forward', SYDNEY, '2025-09-29T00:00:00Z', '2025-10-13T00:00:00Z'],
    ['London Sundays over the spring-forward', LONDON_SUNDAYS, '2025-03-22T00:00:00Z', '2025-04-07T00:00:00Z'],
    ['London Sundays over the fall-back', LONDON_SUNDAYS, '2025-10-18T00:00:00Z', '2025-11-03T00:00:00Z'],
  ])('%s matches a minute-by-minute count', (_, calendar, from, to) => {
    expect(businessMillisBetween(calendar, d(from), d(to))).toBe(oracleMinutes(calendar, from, to) * MINUTE);
  });
});
