import { changeImprovement, currentPeriod, improvementProgress, newImprovement, type ImprovementInput } from '../../src/modules/reports/domain/improvement';

/** Hand-worked examples of the register's rules and computed progress (README "Continual improvement"). */
const now = new Date('2026-07-01T00:00:00Z');
const input: ImprovementInput = {
  title: 'Faster restores',
  service: 'email',
  metric: 'mtrsMinutes',
  baseline: { from: '2026-01-01T00:00:00Z', to: '2026-04-01T00:00:00Z' },
  target: { value: 30, direction: 'decrease', deadline: '2026-10-01T00:00:00Z' },
  owner: 'olga',
};

describe('progress', () => {
  // Baseline end 2026-04-01, deadline 2026-10-01 (183 days); now 2026-07-01 is 91 days in: 49.7 % expected.
  test('decreasing MTRS from 60 to 45 toward 30: 50 % of the way, 49.7 % expected, on track', () => {
    expect(improvementProgress(input, { baselineValue: 60, currentValue: 45 }, now)).toEqual({
      // The baseline is 90 days (Jan–Mar): the current period is the 90 days up to now.
      baselineValue: 60, currentValue: 45, currentPeriod: { from: '2026-04-02T00:00:00.000Z', to: '2026-07-01T00:00:00.000Z' },
      progressPercent: 50, expectedPercent: 49.7, achieved: false, onTrack: true,
    });
  });

  test('behind plan: 60 → 50 is 33.3 %, not on track', () => {
    expect(improvementProgress(input, { baselineValue: 60, currentValue: 50 }, now)).toMatchObject({ progressPercent: 33.3, onTrack: false, achieved: false });
  });

  test('worse than the baseline: negative progress', () => {
    expect(improvementProgress(input, { baselineValue: 60, currentValue: 66 }, now).progressPercent).toBe(-20);
  });

  test('achieved: at or past the target, whatever the date', () => {
    const late = new Date('2027-01-01T00:00:00Z');
    expect(improvementProgress(input, { baselineValue: 60, currentValue: 30 }, late)).toMatchObject({ progressPercent: 100, achieved: true, onTrack: true, expectedPercent: 100 });
  });

  test('deadline passed without reaching the target: not on track', () => {
    expect(improvementProgress(input, { baselineValue: 60, currentValue: 31 }, new Date('2026-10-02T00:00:00Z'))).toMatchObject({ achieved: false, onTrack: false });
  });

  test('increase: availability 99.0 → 99.5 toward 99.9 is 55.6 %', () => {
    const up = { ...input, target: { value: 99.9, direction: 'increase' as const, deadline: input.target.deadline } };
    expect(improvementProgress(up, { baselineValue: 99, currentValue: 99.5 }, now)).toMatchObject({ progressPercent: 55.6, achieved: false, onTrack: true });
  });

  test('a missing figure (no failure: no MTRS) gives no progress and says why', () => {
    const p = improvementProgress(input, { baselineValue: 60 }, now);
    expect(p).toMatchObject({ achieved: false, note: expect.stringMatching(/no current value/) });
    expect(p.progressPercent).toBeUndefined();
    expect(p.onTrack).toBeUndefined();
  });

  test('the current period is as long as the baseline and ends now', () => {
    expect(currentPeriod({ from: '2026-01-01T00:00:00Z', to: '2026-01-08T00:00:00Z' }, now)).toEqual({ from: '2026-06-24T00:00:00.000Z', to: '2026-07-01T00:00:00.000Z' });
  });
});

describe('rules', () => {
  test('a new item is proposed, version 1', () => {
    expect(newImprovement(input, 'id-1', 'olga', now)).toMatchObject({ id: 'id-1', status: 'proposed', version: 1, createdBy: 'olga' });
  });

  test.each([
    [{ service: undefined }, 'service'],
    [{ baseline: { from: '2026-04-01T00:00:00Z', to: '2026-01-01T00:00:00Z' } }, 'baseline.to'],
    [{ baseline: { from: '2026-06-01T00:00:00Z', to: '2026-08-01T00:00:00Z' } }, 'baseline.to'],
    [{ baseline: { from: '2024-01-01T00:00:00Z', to: '2026-01-01T00:00:00Z' } }, 'baseline.to'],
    [{ target: { ...input.target, deadline: '2026-03-01T00:00:00Z' } }, 'target.deadline'],
    [{ metric: 'slaAchievedShare' as const, service: undefined }, 'priority'],
    [{ priority: 'P1' }, 'priority'],
  ])('%j is refused naming %s', (change, field) => {
    expect(() => newImprovement({ ...input, ...change } as ImprovementInput, 'x', 'olga', now)).toThrow(expect.objectContaining({ issues: expect.arrayContaining([expect.objectContaining({ field })]) }));
  });

  test('status moves proposed → approved → in progress → achieved; no skipping, nothing after a final status', () => {
    const item = newImprovement(input, 'x', 'olga', now);
    expect(() => changeImprovement(item, { status: 'in progress' }, 'olga', now)).toThrow(/cannot become in progress/);
    const approved = changeImprovement(item, { status: 'approved' }, 'ada', now);
    expect(approved).toMatchObject({ status: 'approved', version: 2, updatedBy: 'ada' });
    const abandoned = changeImprovement(approved, { status: 'abandoned' }, 'ada', now);
    expect(() => changeImprovement(abandoned, { title: 'Again' }, 'ada', now)).toThrow(/abandoned cannot change/);
  });

  test('what is measured is fixed once approved', () => {
    const item = newImprovement(input, 'x', 'olga', now);
    expect(changeImprovement(item, { metric: 'mtbfMinutes' }, 'olga', now).metric).toBe('mtbfMinutes');
    const approved = changeImprovement(item, { status: 'approved' }, 'olga', now);
    expect(() => changeImprovement(approved, { baseline: { from: '2026-02-01T00:00:00Z', to: '2026-03-01T00:00:00Z' } }, 'olga', now)).toThrow(/baseline is fixed/);
  });
});
