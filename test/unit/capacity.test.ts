import { capacityFigures, leastSquares } from '../../src/modules/reports/domain/capacity';

/** Hand-worked examples of the capacity figures (README "Capacity"): capacity 100, baseline 50. */
const action = { baseline: 50, capacity: 100 };
const at = (day: number) => new Date(Date.UTC(2026, 10, 1) + day * 86_400_000).toISOString();
const points = (...values: number[]) => values.map((value, day) => ({ at: at(day), value }));

test('no measurement: nothing but the count', () => {
  expect(capacityFigures(action, [])).toEqual({ measurements: 0, overCapacity: false, trend: {} });
});

test('a single point: mean and peak, but no trend and no forecast', () => {
  const figures = capacityFigures(action, [{ at: at(0), value: 40 }]);
  expect(figures).toMatchObject({ measurements: 1, mean: 40, peak: 40, meanVsBaselinePercent: 80, peakUtilisationPercent: 40, headroom: 60, headroomPercent: 60, overCapacity: false });
  expect(figures.trend).toEqual({});
});

test('flat: slope 0, no forecast', () => {
  const figures = capacityFigures(action, points(60, 60, 60, 60));
  expect(figures.trend).toEqual({ slopePerDay: 0, direction: 'flat' });
  expect(figures).toMatchObject({ mean: 60, peak: 60, meanVsBaselinePercent: 120, peakUtilisationPercent: 60, headroom: 40 });
});

test('rising: 10, 20, 30 on days 0-2 is 10 a day, and reaches 100 on day 9', () => {
  // x̄ = 1, ȳ = 20, Sxy = (−1)(−10) + 0 + (1)(10) = 20, Sxx = 2 → slope 10/day, intercept 10;
  // 10 + 10x = 100 → x = 9 → 2026-11-10.
  const figures = capacityFigures(action, points(10, 20, 30));
  expect(figures.trend).toEqual({ slopePerDay: 10, direction: 'rising', reachesCapacityAt: '2026-11-10T00:00:00.000Z' });
  expect(figures).toMatchObject({ mean: 20, peak: 30, peakAt: at(2), peakUtilisationPercent: 30, headroom: 70, headroomPercent: 70, meanVsBaselinePercent: 40, overCapacity: false });
});

test('rising with noise: 2, 4, 3, 7 on days 0-3', () => {
  // x̄ = 1.5, ȳ = 4; Sxy = (−1.5)(−2) + (−0.5)(0) + (0.5)(−1) + (1.5)(3) = 7; Sxx = 5 → slope 1.4/day,
  // intercept 4 − 1.4 × 1.5 = 1.9; capacity 10 → x = 8.1/1.4 = 5.7857 days → 2026-11-06T18:51:25.714Z.
  const figures = capacityFigures({ baseline: 5, capacity: 10 }, points(2, 4, 3, 7));
  expect(figures.trend.slopePerDay).toBe(1.4);
  expect(figures.trend.reachesCapacityAt).toBe('2026-11-06T18:51:25.714Z');
  expect(figures.mean).toBe(4);
});

test('falling: negative slope, no forecast', () => {
  const figures = capacityFigures(action, points(90, 80, 70));
  expect(figures.trend).toEqual({ slopePerDay: -10, direction: 'falling' });
  expect(figures.overCapacity).toBe(false);
});

test('already over capacity: the peak is over, headroom negative, the trend crossed in the past', () => {
  // 80, 100, 120 → slope 20/day, intercept 80; 80 + 20x = 100 → x = 1 (day 1, before the last point).
  const figures = capacityFigures(action, points(80, 100, 120));
  expect(figures).toMatchObject({ peak: 120, peakUtilisationPercent: 120, headroom: -20, headroomPercent: -20, overCapacity: true });
  expect(figures.trend).toEqual({ slopePerDay: 20, direction: 'rising', reachesCapacityAt: at(1) });
});

test('several measurements at one instant draw no trend', () => {
  expect(leastSquares([{ at: at(0), value: 1 }, { at: at(0), value: 5 }])).toBeUndefined();
});

test('half-day spacing is measured in days', () => {
  const fit = leastSquares([{ at: '2026-11-01T00:00:00Z', value: 0 }, { at: '2026-11-01T12:00:00Z', value: 5 }]);
  expect(fit?.slopePerDay).toBe(10);
});
