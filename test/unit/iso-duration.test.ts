import { parseIsoDuration } from '../../src/kernel/domain/iso-duration';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

describe('parseIsoDuration: valid durations', () => {
  test.each<[string, number]>([
    ['PT15M', 15 * MINUTE],
    ['PT4H', 4 * HOUR],
    ['P3D', 3 * DAY],
    ['P1W', 7 * DAY],
    ['P2W', 14 * DAY],
    ['P1DT2H', DAY + 2 * HOUR],
    ['PT0.5S', 500],
    ['PT30S', 30 * SECOND],
    ['PT1H30M', HOUR + 30 * MINUTE],
    ['P1DT2H3M4S', DAY + 2 * HOUR + 3 * MINUTE + 4 * SECOND],
    ['PT90M', 90 * MINUTE],
    ['P0DT1M', MINUTE],
  ])('%s → %i ms', (text, ms) => {
    expect(parseIsoDuration(text)).toBe(ms);
  });
});

describe('parseIsoDuration: refused', () => {
  test.each([
    ['', 'empty'],
    ['P', 'no components'],
    ['PT', 'time designator without components'],
    ['P1Y', 'years depend on the date'],
    ['P1M', 'months depend on the date'],
    ['P1Y2M', 'years and months'],
    ['PT0S', 'zero length'],
    ['P0D', 'zero length'],
    ['P0W', 'zero length'],
    ['15m', 'not ISO 8601'],
    ['P1DT', 'trailing time designator'],
    ['PT4h', 'lower-case unit'],
    ['pt4H', 'lower-case designator'],
    ['P1W2D', 'weeks combined with days'],
    ['PT-5M', 'negative'],
    ['-PT5M', 'negative'],
    ['PT1H ', 'trailing space'],
    [' PT1H', 'leading space'],
    ['P1H', 'hours without T'],
    ['PT1M2H', 'components out of order'],
    ['PT.5S', 'fraction without integer part'],
  ])('%j (%s) → undefined', (text) => {
    expect(parseIsoDuration(text)).toBeUndefined();
  });
});
