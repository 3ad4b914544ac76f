import { gaps, onCallAt, scheduleProblems, shifts, shiftsOf, type ScheduleDefinition, type ScheduleLayer, type ScheduleOverride } from '../../src/modules/oncall/domain';
import { isoDurationParts, parseIsoDuration } from '../../src/kernel/domain/iso-duration';

const at = (iso: string) => new Date(iso);
const schedule = (layers: ScheduleLayer[], overrides: ScheduleOverride[] = [], timeZone = 'Europe/London'): ScheduleDefinition => ({ name: 'Desk', timeZone, layers, overrides });
const weekly = (participants: string[], start = '2026-03-23T09:00:00Z'): ScheduleLayer => ({ name: 'weekly', start, turn: 'P7D', participants });

describe('isoDurationParts (kernel): calendar days apart from exact time', () => {
  test.each<[string, { days: number; exactMs: number } | undefined]>([
    ['P7D', { days: 7, exactMs: 0 }],
    ['P2W', { days: 14, exactMs: 0 }],
    ['PT12H', { days: 0, exactMs: 12 * 3_600_000 }],
    ['P1DT6H', { days: 1, exactMs: 6 * 3_600_000 }],
    ['P0D', undefined],
    ['P1M', undefined],
  ])('%s', (text, parts) => {
    expect(isoDurationParts(text)).toEqual(parts);
  });

  test('parseIsoDuration still answers the plain length', () => {
    expect(parseIsoDuration('P1DT6H')).toBe(30 * 3_600_000);
    expect(parseIsoDuration('P0D')).toBeUndefined();
  });
});

describe('a weekly rotation handing off at 09:00 local', () => {
  // 2026-03-23 is a Monday; London moves to BST on Sunday 29 March and back on Sunday 25 October.
  const rota = schedule([weekly(['ana', 'ben', 'cy'])]);

  test('nobody before the first hand-off: an empty slot', () => {
    expect(onCallAt(rota, at('2026-03-23T08:59:59.999Z'))).toEqual([]);
    expect(onCallAt(rota, at('2026-03-23T09:00:00Z'))).toEqual(['ana']);
  });

  test('spring forward: the next hand-off is still at 09:00 local, now 08:00 UTC (a turn of 167 hours)', () => {
    expect(onCallAt(rota, at('2026-03-30T07:59:59Z'))).toEqual(['ana']);
    expect(onCallAt(rota, at('2026-03-30T08:00:00Z'))).toEqual(['ben']);
    expect(onCallAt(rota, at('2026-04-06T08:00:00Z'))).toEqual(['cy']);
  });

  test('fall back: the hand-off returns to 09:00 UTC (a turn of 169 hours)', () => {
    // Weeks since 23 March: 31 on Monday 26 October 2026 → participant 31 % 3 = 1 (ben).
    expect(onCallAt(rota, at('2026-10-26T08:59:59Z'))).toEqual(['ana']);
    expect(onCallAt(rota, at('2026-10-26T09:00:00Z'))).toEqual(['ben']);
    expect(onCallAt(rota, at('2026-10-19T08:00:00Z'))).toEqual(['ana']);
    expect(onCallAt(rota, at('2026-10-19T07:59:59Z'))).toEqual(['cy']);
  });

  test('shifts render each turn with its true length across the change', () => {
    const rendered = shifts(rota, at('2026-03-23T00:00:00Z'), at('2026-04-06T12:00:00Z'));
    expect(rendered).toEqual([
      { start: '2026-03-23T00:00:00.000Z', end: '2026-03-23T09:00:00.000Z', oncall: [] },
      { start: '2026-03-23T09:00:00.000Z', end: '2026-03-30T08:00:00.000Z', oncall: ['ana'] },
      { start: '2026-03-30T08:00:00.000Z', end: '2026-04-06T08:00:00.000Z', oncall: ['ben'] },
      { start: '2026-04-06T08:00:00.000Z', end: '2026-04-06T12:00:00.000Z', oncall: ['cy'] },
    ]);
  });

  // Computed by calendar arithmetic, not turn by turn: its cost is in `npm run bench` (bench/clock-computation.ts).
  test('a rotation a century ahead is computed, at 09:00 local', () => {
    // Monday 2126-06-17 (BST): whole weeks since Monday 2026-03-23 counted on the calendar.
    const weeks = (Date.UTC(2126, 5, 17) - Date.UTC(2026, 2, 23)) / (7 * 86_400_000);
    expect(Number.isInteger(weeks)).toBe(true);
    const names = ['ana', 'ben', 'cy'];
    expect(onCallAt(rota, at('2126-06-17T07:59:59Z'))).toEqual([names[(weeks - 1) % 3]]);
    expect(onCallAt(rota, at('2126-06-17T08:00:00Z'))).toEqual([names[weeks % 3]]);
    expect(shifts(rota, at('2126-06-17T00:00:00Z'), at('2126-06-24T12:00:00Z')).map((s) => s.start)).toEqual([
      '2126-06-17T00:00:00.000Z',
      '2126-06-17T08:00:00.000Z',
      '2126-06-24T08:00:00.000Z',
    ]);
  });
});

describe('America/New_York: a daily turn at a wall time the clocks skip or repeat', () => {
  // DST 2026: 8 March (02:00 → 03:00 EDT) and 1 November (02:00 EDT → 01:00 EST).
  const daily = schedule([{ name: 'nights', start: '2026-03-06T07:30:00Z' /* 02:30 EST */, turn: 'P1D', participants: ['ana', 'ben'] }], [], 'America/New_York');

  test('02:30 does not exist on 8 March: that hand-off moves forward by the gap, to 03:30 EDT', () => {
    expect(onCallAt(daily, at('2026-03-07T07:30:00Z'))).toEqual(['ben']);
    expect(onCallAt(daily, at('2026-03-08T07:29:59Z'))).toEqual(['ben']);
    expect(onCallAt(daily, at('2026-03-08T07:30:00Z'))).toEqual(['ana']);
    // The next day 02:30 exists again, in EDT: 06:30 UTC.
    expect(onCallAt(daily, at('2026-03-09T06:29:59Z'))).toEqual(['ana']);
    expect(onCallAt(daily, at('2026-03-09T06:30:00Z'))).toEqual(['ben']);
  });

  test('a 01:30 hand-off on 1 November happens at the first 01:30 (EDT)', () => {
    const early = schedule([{ name: 'early', start: '2026-10-30T05:30:00Z' /* 01:30 EDT */, turn: 'P1D', participants: ['ana', 'ben'] }], [], 'America/New_York');
    expect(onCallAt(early, at('2026-11-01T05:29:59Z'))).toEqual(['ben']);
    expect(onCallAt(early, at('2026-11-01T05:30:00Z'))).toEqual(['ana']);
    // And 01:30 EST the day after.
    expect(onCallAt(early, at('2026-11-02T06:29:59Z'))).toEqual(['ana']);
    expect(onCallAt(early, at('2026-11-02T06:30:00Z'))).toEqual(['ben']);
  });

  test('turns of hours are exact: PT12H hands off every 12 real hours across the change', () => {
    const halves = schedule([{ name: 'halves', start: '2026-03-07T12:00:00Z', turn: 'PT12H', participants: ['ana', 'ben'] }], [], 'America/New_York');
    const starts = shifts(halves, at('2026-03-07T12:00:00Z'), at('2026-03-09T12:00:00Z')).map((s) => s.start);
    expect(starts).toEqual(['2026-03-07T12:00:00.000Z', '2026-03-08T00:00:00.000Z', '2026-03-08T12:00:00.000Z', '2026-03-09T00:00:00.000Z']);
  });
});

describe('overrides', () => {
  const rota = schedule([weekly(['ana', 'ben'])]);

  test('an override across a hand-off replaces whoever the layers name, on both sides of it', () => {
    const covered = { ...rota, overrides: [{ id: 'o1', from: '2026-03-29T12:00:00Z', to: '2026-03-31T12:00:00Z', person: 'dee' }] };
    expect(onCallAt(covered, at('2026-03-29T11:59:59Z'))).toEqual(['ana']);
    expect(onCallAt(covered, at('2026-03-30T07:00:00Z'))).toEqual(['dee']);
    expect(onCallAt(covered, at('2026-03-30T09:00:00Z'))).toEqual(['dee']);
    expect(onCallAt(covered, at('2026-03-31T12:00:00Z'))).toEqual(['ben']);
    expect(shifts(covered, at('2026-03-29T00:00:00Z'), at('2026-04-01T00:00:00Z'))).toEqual([
      { start: '2026-03-29T00:00:00.000Z', end: '2026-03-29T12:00:00.000Z', oncall: ['ana'] },
      { start: '2026-03-29T12:00:00.000Z', end: '2026-03-31T12:00:00.000Z', oncall: ['dee'] },
      { start: '2026-03-31T12:00:00.000Z', end: '2026-04-01T00:00:00.000Z', oncall: ['ben'] },
    ]);
  });

  test('covering someone replaces only them: across the hand-off the next person is back on', () => {
    const swap = { ...rota, overrides: [{ id: 'o1', from: '2026-03-29T12:00:00Z', to: '2026-03-31T12:00:00Z', person: 'dee', covering: 'ana' }] };
    expect(onCallAt(swap, at('2026-03-30T07:00:00Z'))).toEqual(['dee']);
    expect(onCallAt(swap, at('2026-03-30T08:00:00Z'))).toEqual(['ben']);
    expect(shiftsOf(swap, 'dee', at('2026-03-29T00:00:00Z'), at('2026-04-01T00:00:00Z'))).toEqual([{ start: '2026-03-29T12:00:00.000Z', end: '2026-03-30T08:00:00.000Z' }]);
  });

  test('overrides beat every layer, fill an empty slot, and a later override wins over an earlier one', () => {
    const layered = {
      ...rota,
      overrides: [
        { id: 'o1', from: '2026-03-23T00:00:00Z', to: '2026-03-23T10:00:00Z', person: 'dee' },
        { id: 'o2', from: '2026-03-23T08:00:00Z', to: '2026-03-23T09:30:00Z', person: 'eve' },
      ],
    };
    expect(onCallAt(layered, at('2026-03-23T07:00:00Z'))).toEqual(['dee']);
    expect(onCallAt(layered, at('2026-03-23T09:00:00Z'))).toEqual(['eve']);
    expect(onCallAt(layered, at('2026-03-23T09:45:00Z'))).toEqual(['dee']);
    expect(onCallAt(layered, at('2026-03-23T10:00:00Z'))).toEqual(['ana']);
  });
});

describe('restrictions', () => {
  const evenings: ScheduleLayer = {
    name: 'out of hours',
    start: '2026-01-05T09:00:00Z',
    turn: 'P7D',
    participants: ['ana'],
    restrictions: [{ kind: 'weekly', days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '18:00', to: '09:00' }],
  };
  const rota = schedule([evenings]);

  test.each<[string, string[]]>([
    ['2026-01-09T17:59:59Z', []], // Friday before the window
    ['2026-01-09T18:00:00Z', ['ana']], // Friday 18:00 opens
    ['2026-01-09T23:59:59Z', ['ana']],
    ['2026-01-10T00:00:00Z', ['ana']], // past midnight, Saturday: still Friday's window
    ['2026-01-10T08:59:59Z', ['ana']],
    ['2026-01-10T09:00:00Z', []], // Friday's window closes Saturday 09:00
    ['2026-01-10T20:00:00Z', []], // no window opens on Saturday
    ['2026-01-12T08:00:00Z', []], // nor on Sunday, so Monday morning is empty
    ['2026-01-12T18:00:00Z', ['ana']],
  ])('weekdays 18:00–09:00 at %s', (instant, expected) => {
    expect(onCallAt(rota, at(instant))).toEqual(expected);
  });

  test('gaps lists the empty slots between the windows', () => {
    expect(gaps(rota, at('2026-01-09T12:00:00Z'), at('2026-01-13T12:00:00Z'))).toEqual([
      { start: '2026-01-09T12:00:00.000Z', end: '2026-01-09T18:00:00.000Z' },
      { start: '2026-01-10T09:00:00.000Z', end: '2026-01-12T18:00:00.000Z' },
      { start: '2026-01-13T09:00:00.000Z', end: '2026-01-13T12:00:00.000Z' },
    ]);
  });

  test('a daily window across midnight follows the local clock through spring forward', () => {
    const nights = schedule([{ name: 'nights', start: '2026-03-01T00:00:00Z', turn: 'P1D', participants: ['ana'], restrictions: [{ kind: 'daily', from: '22:00', to: '06:00' }] }]);
    // Saturday 28 March 22:00 GMT to Sunday 29 March 06:00 BST (05:00 UTC): seven real hours.
    expect(shifts(nights, at('2026-03-28T12:00:00Z'), at('2026-03-29T12:00:00Z'))).toEqual([
      { start: '2026-03-28T12:00:00.000Z', end: '2026-03-28T22:00:00.000Z', oncall: [] },
      { start: '2026-03-28T22:00:00.000Z', end: '2026-03-29T05:00:00.000Z', oncall: ['ana'] },
      { start: '2026-03-29T05:00:00.000Z', end: '2026-03-29T12:00:00.000Z', oncall: [] },
    ]);
  });

  test('from equal to to is a whole day', () => {
    const allDay = schedule([{ ...evenings, restrictions: [{ kind: 'weekly', days: ['sat'], from: '00:00', to: '00:00' }] }]);
    expect(onCallAt(allDay, at('2026-01-10T00:00:00Z'))).toEqual(['ana']);
    expect(onCallAt(allDay, at('2026-01-10T23:59:59Z'))).toEqual(['ana']);
    expect(onCallAt(allDay, at('2026-01-11T00:00:00Z'))).toEqual([]);
  });
});

describe('multiple layers: later layers win where they have someone', () => {
  const base = weekly(['ana', 'ben'], '2026-01-05T09:00:00Z');
  const office: ScheduleLayer = {
    name: 'office hours',
    start: '2026-01-05T09:00:00Z',
    turn: 'P1D',
    participants: ['desk1', 'desk2'],
    restrictions: [{ kind: 'weekly', days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '09:00', to: '17:00' }],
  };
  const rota = schedule([base, office]);

  test.each<[string, string[]]>([
    ['2026-01-05T12:00:00Z', ['desk1']], // Monday noon: the upper layer
    ['2026-01-06T12:00:00Z', ['desk2']], // Tuesday noon: its next turn
    ['2026-01-06T20:00:00Z', ['ana']], // Tuesday evening: the base layer shows through
    ['2026-01-10T12:00:00Z', ['ana']], // Saturday: the base layer
    ['2026-01-12T12:00:00Z', ['desk2']], // the upper layer's turn 7 (odd)
    ['2026-01-12T18:00:00Z', ['ben']], // the base layer's second week
  ])('%s', (instant, expected) => {
    expect(onCallAt(rota, at(instant))).toEqual(expected);
  });

  test('the order of layers decides: reversed, the 24×7 layer hides the office layer', () => {
    expect(onCallAt(schedule([office, base]), at('2026-01-05T12:00:00Z'))).toEqual(['ana']);
  });

  test('shifts merge spans with the same person and include every hand-off of either layer', () => {
    const rendered = shifts(rota, at('2026-01-05T09:00:00Z'), at('2026-01-06T09:00:00Z'));
    expect(rendered).toEqual([
      { start: '2026-01-05T09:00:00.000Z', end: '2026-01-05T17:00:00.000Z', oncall: ['desk1'] },
      { start: '2026-01-05T17:00:00.000Z', end: '2026-01-06T09:00:00.000Z', oncall: ['ana'] },
    ]);
  });
});

describe('validation', () => {
  test('a usable schedule has no problems', () => {
    expect(scheduleProblems(schedule([weekly(['ana'])]))).toEqual([]);
  });

  test('each problem names its field', () => {
    const problems = scheduleProblems({
      name: 'Bad',
      timeZone: 'Mars/Olympus',
      layers: [
        { name: 'a', start: 'yesterday', turn: 'PT30M', participants: [] },
        { name: 'a', start: '2026-01-01T00:00:00Z', turn: 'P1M', participants: ['x'], restrictions: [{ kind: 'weekly', days: [], from: '24:00', to: '9:00' }] },
      ],
      overrides: [{ id: 'o', from: '2026-01-02T00:00:00Z', to: '2026-01-01T00:00:00Z', person: 'x', covering: 'x' }],
    });
    expect(problems.map((p) => p.field)).toEqual([
      'timeZone',
      'layers.0.start',
      'layers.0.turn',
      'layers.0.participants',
      'layers.1.turn',
      'layers.1.restrictions.0.from',
      'layers.1.restrictions.0.to',
      'layers.1.restrictions.0.days',
      'layers.1.name',
      'overrides.0.to',
      'overrides.0.covering',
    ]);
  });

  test('invalid instants are refused, not answered', () => {
    expect(() => onCallAt(schedule([weekly(['ana'])]), new Date('nope'))).toThrow(RangeError);
    expect(shifts(schedule([weekly(['ana'])]), at('2026-02-01T00:00:00Z'), at('2026-01-01T00:00:00Z'))).toEqual([]);
  });
});
