import { availability, mttaMinutes } from '../../src/modules/reports/domain/availability';
import type { OutageInterval } from '../../src/modules/incidents/domain/incident-aggregates';

/** Hand-worked examples of the README's definitions ("Reports"). */
const day = { from: '2026-03-01T00:00:00.000Z', to: '2026-03-02T00:00:00.000Z' }; // 1,440 minutes
const later = new Date('2026-04-01T00:00:00Z');
let n = 0;
const outage = (start: string, end: string | undefined, usersAffected?: number): OutageInterval => ({
  incidentId: `id-${++n}`,
  number: `INC${String(n).padStart(7, '0')}`,
  service: 'email',
  start,
  ...(end && { end }),
  ...(usersAffected !== undefined && { usersAffected }),
  priority: 'P2',
});

test('a period with no failure: 100 %, no MTBF and no MTRS', () => {
  const figures = availability([], day, later);
  expect(figures).toEqual({
    periodMinutes: 1440, outageMinutes: 0, userOutageMinutes: 0, outagesWithoutUsers: 0, lostTransactions: 0, availabilityPercent: 100, failures: 0, downtime: [],
  });
  expect(figures.mtbfMinutes).toBeUndefined();
  expect(figures.mtrsMinutes).toBeUndefined();
});

test('one 60-minute outage affecting 100 users in a day', () => {
  const figures = availability([outage('2026-03-01T10:00:00Z', '2026-03-01T11:00:00Z', 100)], day, later);
  expect(figures.outageMinutes).toBe(60);
  expect(figures.userOutageMinutes).toBe(6000);
  // (1440 − 60) / 1440 = 95.8333 %
  expect(figures.availabilityPercent).toBe(95.8333);
  expect(figures.failures).toBe(1);
  expect(figures.mtbfMinutes).toBe(1380);
  expect(figures.mtrsMinutes).toBe(60);
});

test('overlapping outages are one failure; user outage minutes count each outage', () => {
  // 10:00–11:00 (50 users) and 10:30–12:00 (20 users): down 10:00–12:00 = 120 minutes, one failure.
  // User outage minutes: 60 × 50 + 90 × 20 = 4,800.
  const figures = availability(
    [outage('2026-03-01T10:30:00Z', '2026-03-01T12:00:00Z', 20), outage('2026-03-01T10:00:00Z', '2026-03-01T11:00:00Z', 50)],
    day,
    later,
  );
  expect(figures.outageMinutes).toBe(120);
  expect(figures.failures).toBe(1);
  expect(figures.userOutageMinutes).toBe(4800);
  expect(figures.mtrsMinutes).toBe(120);
  expect(figures.mtbfMinutes).toBe(1320);
  expect(figures.downtime).toEqual([{ start: '2026-03-01T10:00:00.000Z', end: '2026-03-01T12:00:00.000Z', minutes: 120, incidents: [expect.any(String), expect.any(String)] }]);
});

test('an outage inside another and one that merely touches it are the same downtime', () => {
  const figures = availability(
    [outage('2026-03-01T08:00:00Z', '2026-03-01T09:00:00Z'), outage('2026-03-01T08:10:00Z', '2026-03-01T08:20:00Z'), outage('2026-03-01T09:00:00Z', '2026-03-01T09:30:00Z')],
    day,
    later,
  );
  expect(figures.failures).toBe(1);
  expect(figures.outageMinutes).toBe(90);
  expect(figures.outagesWithoutUsers).toBe(3);
  expect(figures.userOutageMinutes).toBe(0);
});

test('two separate outages: MTBF is uptime over failures, MTRS downtime over failures', () => {
  const figures = availability([outage('2026-03-01T01:00:00Z', '2026-03-01T01:30:00Z'), outage('2026-03-01T20:00:00Z', '2026-03-01T21:00:00Z')], day, later);
  expect(figures.failures).toBe(2);
  expect(figures.outageMinutes).toBe(90);
  expect(figures.mtrsMinutes).toBe(45);
  expect(figures.mtbfMinutes).toBe(675); // (1440 − 90) / 2
  expect(figures.availabilityPercent).toBe(93.75);
});

test('outages crossing the period edges count only their minutes inside the period', () => {
  // 23:00 the day before → 01:00 (60 minutes inside), 23:30 → 02:00 the day after (30 minutes inside).
  const figures = availability(
    [outage('2026-02-28T23:00:00Z', '2026-03-01T01:00:00Z', 10), outage('2026-03-01T23:30:00Z', '2026-03-02T02:00:00Z', 10)],
    day,
    later,
  );
  expect(figures.outageMinutes).toBe(90);
  expect(figures.userOutageMinutes).toBe(900);
  expect(figures.failures).toBe(2);
  expect(figures.downtime.map((d) => [d.start, d.end])).toEqual([
    ['2026-03-01T00:00:00.000Z', '2026-03-01T01:00:00.000Z'],
    ['2026-03-01T23:30:00.000Z', '2026-03-02T00:00:00.000Z'],
  ]);
});

test('outages wholly outside the period count nothing', () => {
  const figures = availability([outage('2026-02-27T10:00:00Z', '2026-02-27T11:00:00Z'), outage('2026-03-02T00:00:00Z', '2026-03-02T01:00:00Z')], day, later);
  expect(figures.failures).toBe(0);
  expect(figures.outageMinutes).toBe(0);
});

test('an ongoing outage lasts until now, and a period reaching into the future ends now', () => {
  const now = new Date('2026-03-01T12:00:00Z');
  const figures = availability([outage('2026-03-01T11:00:00Z', undefined, 4)], day, now);
  expect(figures.periodMinutes).toBe(720);
  expect(figures.outageMinutes).toBe(60);
  expect(figures.userOutageMinutes).toBe(240);
  expect(figures.availabilityPercent).toBe(91.6667);
});

test('an outage whose end precedes its start, or of zero length, is ignored', () => {
  const figures = availability([outage('2026-03-01T10:00:00Z', '2026-03-01T10:00:00Z'), outage('2026-03-01T11:00:00Z', '2026-03-01T10:00:00Z')], day, later);
  expect(figures.failures).toBe(0);
});

test('MTTA is the mean of the summed acknowledgement times, undefined when nothing was acknowledged', () => {
  expect(mttaMinutes(0, 0)).toBeUndefined();
  expect(mttaMinutes(3, 3 * 600 + 60)).toBe(10.33);
});
