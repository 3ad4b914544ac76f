import { nearestRank, slaPolicyOf, slaView } from '../../src/modules/incidents/app/sla-use-cases';
import { TWENTY_FOUR_SEVEN } from '../../src/kernel/domain/business-calendar';
import { openIncident, type Actor, type Incident } from '../../src/modules/incidents/domain/incident';
import { acknowledgeIncident, recordSlaFacts, targetMs, type SlaPolicy } from '../../src/modules/incidents/domain/incident-sla';
import { changeIncident } from '../../src/modules/incidents/domain/incident';
import { parseIsoDuration, targetDurationMs } from '../../src/kernel/domain/iso-duration';
import { DEFAULT_PRIORITY_MATRIX } from '../../src/kernel/domain/priority';
import { clientSettingsSchema, DEFAULT_SLA_TARGETS, slaPolicySchema } from '../../src/config/client-settings-schema';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const BUSINESS_DAY = 8 * HOUR + 30 * MINUTE;

const DEFAULT_PARSED = {
  businessHours: { days: [1, 2, 3, 4, 5], opens: '09:00', closes: '17:30', holidays: [] },
  calendars: { P1: '24x7', P2: '24x7', P3: 'business-hours', P4: 'business-hours', P5: 'business-hours' },
  warningShare: 0.75,
  pausingReasons: ['awaiting caller', 'awaiting vendor'],
  escalation: {
    levels: [
      { notify: 'nominated-1', after: 'PT0M' },
      { notify: 'nominated-2', after: 'PT30M' },
      { notify: 'nominated-3', after: 'PT1H' },
      { notify: 'service-owner', after: 'PT2H' },
    ],
    repeatLast: { times: 2, every: 'PT4H' },
    targets: ['acknowledge', 'resolve'],
  },
};

const LEVELS = DEFAULT_PARSED.escalation.levels;
const withEscalation = (escalation: Record<string, unknown>) => ({ escalation: { levels: LEVELS, repeatLast: { times: 2, every: 'PT4H' }, ...escalation } });

/** The issues of a refused input, as [path, message]. */
function refusal(input: unknown): [string, string][] {
  const result = slaPolicySchema.safeParse(input);
  expect(result.success).toBe(false);
  return result.error!.issues.map((i) => [i.path.join('.'), i.message]);
}

// =================================================================================================
// slaPolicySchema
// =================================================================================================

describe('slaPolicySchema', () => {
  test('an empty policy takes every default', () => {
    expect(slaPolicySchema.parse({})).toEqual(DEFAULT_PARSED);
  });

  test('the client settings default their sla to the same policy', () => {
    const contact = { name: 'Nina One', email: 'nina@example.com' };
    const settings = clientSettingsSchema.parse({
      id: 'acme',
      timeZone: 'Europe/London',
      contacts: { nominated: [contact], serviceOwner: contact, providerNamed: contact, providerBackup: contact },
    });
    expect(settings.sla).toEqual(DEFAULT_PARSED);
  });

  // zod 4 copies a `.default(value)` one level deep only; the schema uses factories so that no
  // two parsed policies share the arrays and objects nested in the defaults.
  test('nested defaults are fresh copies for each parse', () => {
    const [first, second] = [slaPolicySchema.parse({}), slaPolicySchema.parse({})];
    expect([
      first.businessHours === second.businessHours,
      first.businessHours.holidays === second.businessHours.holidays,
      first.businessHours.days === second.businessHours.days,
      first.escalation.levels === second.escalation.levels,
      first.escalation.targets === second.escalation.targets,
      first.pausingReasons === second.pausingReasons,
    ]).toEqual([false, false, false, false, false, false]);
    first.businessHours.holidays.push('2026-12-25');
    expect(slaPolicySchema.parse({}).businessHours.holidays).toEqual([]);
  });

  test('a partial escalation keeps the default targets', () => {
    expect(slaPolicySchema.parse(withEscalation({})).escalation.targets).toEqual(['acknowledge', 'resolve']);
  });

  test("zero delay 'PT0M' (and other zero spellings) are accepted for a level", () => {
    for (const after of ['PT0M', 'PT0H', 'PT0S', 'P0D', 'PT00M']) {
      expect(slaPolicySchema.safeParse(withEscalation({ levels: [{ notify: 'nominated-1', after }] })).success).toBe(true);
    }
  });

  test('levels out of order are refused on the after of the level that goes back', () => {
    const levels = [
      { notify: 'nominated-1', after: 'PT0M' },
      { notify: 'nominated-2', after: 'PT1H' },
      { notify: 'nominated-3', after: 'PT30M' },
      { notify: 'service-owner', after: 'PT2H' },
    ];
    expect(refusal(withEscalation({ levels }))).toEqual([['escalation.levels.2.after', 'levels must be in order: each after the one before']]);
  });

  test('two levels at the same delay are in order', () => {
    const levels = [
      { notify: 'nominated-1', after: 'PT30M' },
      { notify: 'nominated-2', after: 'PT30M' },
    ];
    expect(slaPolicySchema.parse(withEscalation({ levels })).escalation.levels).toEqual(levels);
  });

  test('a negative or non-duration delay is refused', () => {
    expect(refusal(withEscalation({ levels: [{ notify: 'nominated-1', after: '30m' }] }))).toEqual([
      ['escalation.levels.0.after', 'must be an ISO 8601 duration such as PT0M, PT30M or PT2H'],
    ]);
  });

  test('an unknown contact is refused on notify', () => {
    const issues = refusal(withEscalation({ levels: [{ notify: 'nominated-4', after: 'PT0M' }] }));
    expect(issues.map(([path]) => path)).toEqual(['escalation.levels.0.notify']);
  });

  test('no level, or more than 8, is refused', () => {
    expect(refusal(withEscalation({ levels: [] })).map(([path]) => path)).toEqual(['escalation.levels']);
    const nine = Array.from({ length: 9 }, () => ({ notify: 'nominated-1', after: 'PT1H' }));
    expect(refusal(withEscalation({ levels: nine })).map(([path]) => path)).toEqual(['escalation.levels']);
  });

  test.each([0, 1, -0.1, 1.5])('warningShare %p is refused', (warningShare) => {
    expect(refusal({ warningShare }).map(([path]) => path)).toEqual(['warningShare']);
  });

  test.each([0.01, 0.5, 0.99])('warningShare %p is accepted', (warningShare) => {
    expect(slaPolicySchema.parse({ warningShare }).warningShare).toBe(warningShare);
  });

  test('a target escalated twice is refused', () => {
    expect(refusal(withEscalation({ targets: ['acknowledge', 'resolve', 'acknowledge'] }))).toEqual([['escalation.targets', 'each target may appear once']]);
  });

  test('an unknown or empty list of escalated targets is refused', () => {
    expect(refusal(withEscalation({ targets: ['fix'] })).map(([path]) => path)).toEqual(['escalation.targets.0']);
    expect(refusal(withEscalation({ targets: [] })).map(([path]) => path)).toEqual(['escalation.targets']);
  });

  test('repeatLast: 0 to 5 times, every a positive duration', () => {
    expect(slaPolicySchema.parse(withEscalation({ repeatLast: { times: 0, every: 'PT1H' } })).escalation.repeatLast).toEqual({ times: 0, every: 'PT1H' });
    expect(refusal(withEscalation({ repeatLast: { times: 6, every: 'PT1H' } })).map(([path]) => path)).toEqual(['escalation.repeatLast.times']);
    expect(refusal(withEscalation({ repeatLast: { times: 1, every: 'PT0M' } })).map(([path]) => path)).toEqual(['escalation.repeatLast.every']);
  });

  test.each([
    ['17:00', '09:00'],
    ['09:00', '09:00'],
  ])('business hours opening %s and closing %s are refused on closes', (opens, closes) => {
    expect(refusal({ businessHours: { days: [1, 2, 3, 4, 5], opens, closes } })).toEqual([['businessHours.closes', 'closes must be after opens']]);
  });

  test('business hours closing at 24:00 are accepted', () => {
    expect(slaPolicySchema.parse({ businessHours: { days: [6, 7], opens: '08:00', closes: '24:00' } }).businessHours).toEqual({ days: [6, 7], opens: '08:00', closes: '24:00', holidays: [] });
  });

  test('bad times, days and holidays are refused', () => {
    expect(refusal({ businessHours: { days: [1], opens: '9:00', closes: '17:30' } }).map(([path]) => path)).toEqual(['businessHours.opens', 'businessHours.closes']);
    expect(refusal({ businessHours: { days: [0, 8], opens: '09:00', closes: '17:30' } }).map(([path]) => path)).toEqual(['businessHours.days.0', 'businessHours.days.1']);
    expect(refusal({ businessHours: { days: [1], opens: '09:00', closes: '17:30', holidays: ['2026-02-30'] } }).map(([path]) => path)).toEqual(['businessHours.holidays.0']);
  });

  test('unknown keys and unknown pausing reasons are refused', () => {
    expect(refusal({ warningShares: 0.5 }).map(([path]) => path)).toEqual(['']);
    expect(refusal({ pausingReasons: ['awaiting lunch'] }).map(([path]) => path)).toEqual(['pausingReasons.0']);
  });
});

// =================================================================================================
// slaPolicyOf
// =================================================================================================

describe('slaPolicyOf', () => {
  const settings = (timeZone: string, sla: unknown) => ({ timeZone, slaTargets: DEFAULT_SLA_TARGETS, sla: slaPolicySchema.parse(sla) });

  test('the default policy of a client in New York with a holiday', () => {
    const policy = slaPolicyOf(settings('America/New_York', { businessHours: { days: [1, 2, 3, 4, 5], opens: '09:00', closes: '17:30', holidays: ['2026-07-03'] } }));
    const businessHours = { kind: 'business-hours', timeZone: 'America/New_York', days: [1, 2, 3, 4, 5], opens: '09:00', closes: '17:30', holidays: ['2026-07-03'] };
    expect(policy).toEqual({
      targets: DEFAULT_SLA_TARGETS,
      calendars: { P1: TWENTY_FOUR_SEVEN, P2: TWENTY_FOUR_SEVEN, P3: businessHours, P4: businessHours, P5: businessHours },
      warningShare: 0.75,
      pausingReasons: ['awaiting caller', 'awaiting vendor'],
      levels: [
        { notify: 'nominated-1', afterMs: 0 },
        { notify: 'nominated-2', afterMs: 30 * MINUTE },
        { notify: 'nominated-3', afterMs: HOUR },
        { notify: 'service-owner', afterMs: 2 * HOUR },
      ],
      repeatLast: { times: 2, everyMs: 4 * HOUR },
      escalateTargets: ['acknowledge', 'resolve'],
    });
  });

  test("the client's own hours, calendars and escalation", () => {
    const policy = slaPolicyOf(
      settings('Asia/Tokyo', {
        businessHours: { days: [1, 2, 3, 4, 5, 6], opens: '08:00', closes: '20:00', holidays: ['2026-01-01'] },
        calendars: { P1: '24x7', P2: 'business-hours', P3: 'business-hours', P4: 'business-hours', P5: '24x7' },
        warningShare: 0.5,
        pausingReasons: ['awaiting change'],
        escalation: { levels: [{ notify: 'service-owner', after: 'P0D' }], repeatLast: { times: 0, every: 'PT1H' }, targets: ['respond'] },
      }),
    );
    const hours = { kind: 'business-hours', timeZone: 'Asia/Tokyo', days: [1, 2, 3, 4, 5, 6], opens: '08:00', closes: '20:00', holidays: ['2026-01-01'] };
    expect(policy.calendars).toEqual({ P1: TWENTY_FOUR_SEVEN, P2: hours, P3: hours, P4: hours, P5: TWENTY_FOUR_SEVEN });
    expect([policy.warningShare, policy.pausingReasons, policy.levels, policy.repeatLast, policy.escalateTargets]).toEqual([
      0.5,
      ['awaiting change'],
      [{ notify: 'service-owner', afterMs: 0 }],
      { times: 0, everyMs: HOUR },
      ['respond'],
    ]);
    // Days are business days of this calendar: 12 h.
    expect(targetMs(policy, 'P2', 'resolve')).toBe(8 * HOUR);
    expect(targetMs(policy, 'P4', 'resolve')).toBe(5 * 12 * HOUR);
    expect(targetMs(policy, 'P5', 'resolve')).toBe(10 * 24 * HOUR);
  });
});

// =================================================================================================
// targetDurationMs and targetMs
// =================================================================================================

describe('targetDurationMs', () => {
  test.each<[string, number | undefined, number | undefined]>([
    ['P3D', BUSINESS_DAY, 3 * BUSINESS_DAY],
    ['P3D', undefined, 3 * 24 * HOUR],
    ['P1W', BUSINESS_DAY, 5 * BUSINESS_DAY],
    ['P1W', undefined, 7 * 24 * HOUR],
    ['P1DT2H30M', BUSINESS_DAY, BUSINESS_DAY + 2.5 * HOUR],
    ['PT4H', BUSINESS_DAY, 4 * HOUR],
    ['PT90M', BUSINESS_DAY, 90 * MINUTE],
    ['PT1.5S', BUSINESS_DAY, 1500],
    ['PT0M', BUSINESS_DAY, undefined],
    ['P', BUSINESS_DAY, undefined],
    ['PT', undefined, undefined],
    ['P1M', BUSINESS_DAY, undefined],
    ['P1Y', undefined, undefined],
    ['3D', BUSINESS_DAY, undefined],
  ])('%s with a business day of %p ms is %p ms', (text, day, ms) => {
    expect(targetDurationMs(text, day)).toBe(ms);
  });

  test('parseIsoDuration: the plain length', () => {
    expect([parseIsoDuration('PT15M'), parseIsoDuration('P1D'), parseIsoDuration('PT0S')]).toEqual([15 * MINUTE, 24 * HOUR, undefined]);
  });
});

describe('targetMs', () => {
  const policy = slaPolicyOf({ timeZone: 'Europe/London', slaTargets: DEFAULT_SLA_TARGETS, sla: slaPolicySchema.parse({}) });

  test.each<[keyof typeof DEFAULT_SLA_TARGETS, 'acknowledge' | 'respond' | 'resolve', number]>([
    ['P1', 'acknowledge', 15 * MINUTE],
    ['P1', 'resolve', 4 * HOUR],
    ['P2', 'resolve', 8 * HOUR],
    ['P3', 'acknowledge', 2 * HOUR],
    ['P3', 'resolve', 3 * BUSINESS_DAY],
    ['P4', 'resolve', 5 * BUSINESS_DAY],
    ['P5', 'acknowledge', BUSINESS_DAY],
    ['P5', 'respond', 2 * BUSINESS_DAY],
    ['P5', 'resolve', 10 * BUSINESS_DAY],
  ])('%s %s is %p ms', (priority, target, ms) => {
    expect(targetMs(policy, priority, target)).toBe(ms);
  });

  test('a target that is not a positive duration is a RangeError naming it', () => {
    const broken: SlaPolicy = { ...policy, targets: { ...policy.targets, P2: { acknowledge: 'PT0M', respond: 'PT1H', resolve: 'PT8H' } } };
    expect(() => targetMs(broken, 'P2', 'acknowledge')).toThrow(new RangeError('The acknowledge target of P2 ("PT0M") is not a positive ISO 8601 duration'));
  });
});

// =================================================================================================
// nearestRank
// =================================================================================================

describe('nearestRank', () => {
  test.each<[number[], number, number]>([
    [[7], 0.5, 7],
    [[7], 0.9, 7],
    [[1, 2], 0.5, 1],
    [[1, 2], 0.9, 2],
    [[1, 2, 3], 0.5, 2],
    [[1, 2, 3, 4], 0.5, 2],
    [[1, 2, 3, 4], 0.9, 4],
    [[10, 20, 30, 40, 50], 0.5, 30],
    [[10, 20, 30, 40, 50], 0.9, 50],
    [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.5, 5],
    [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9, 9],
    [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], 0.9, 10],
    [[5, 5, 5, 100], 0.5, 5],
    [[1, 2, 3], 0, 1],
    [[1, 2, 3], 1, 3],
  ])('%j at %p is %p', (sorted, share, value) => {
    expect(nearestRank(sorted, share)).toBe(value);
  });

  test('always an observed value for 1 to 200 values', () => {
    for (let n = 1; n <= 200; n++) {
      const values = Array.from({ length: n }, (_, i) => (i + 1) * 10);
      // The nearest rank is ceil(p × n), computed here in integers.
      expect([n, nearestRank(values, 0.9)]).toEqual([n, Math.ceil((9 * n) / 10) * 10]);
      expect([n, nearestRank(values, 0.5)]).toEqual([n, Math.ceil(n / 2) * 10]);
    }
  });
});

// =================================================================================================
// slaView
// =================================================================================================

describe('slaView', () => {
  const RULES = { matrix: DEFAULT_PRIORITY_MATRIX, usersAffected: [], concurrentIncidents: [] };
  const desk: Actor = { id: 'sub-desk', name: 'dora.desk' };
  const policy = slaPolicyOf({ timeZone: 'Europe/London', slaTargets: DEFAULT_SLA_TARGETS, sla: slaPolicySchema.parse({}) });
  const T0 = '2026-01-12T09:00:00.000Z'; // Monday, GMT

  function logged(impact: 1 | 2, urgency: 1 | 2): Incident {
    const input = { shortDescription: 's', description: 'd', impact, urgency, service: 'hr', category: 'c', channel: 'web' as const, reportedBy: 'r', detectedAt: T0 };
    return recordSlaFacts(undefined, openIncident({ id: 'inc-7', number: 'INC0000007', input, rules: RULES, recordedBy: desk, now: T0 }).incident, T0, false);
  }

  test('a P3 on business hours: achieved, running; fields of each target', () => {
    const incident = acknowledgeIncident(logged(2, 2), desk, '2026-01-12T09:30:00.000Z')!.incident;
    expect(slaView(incident, policy, new Date('2026-01-12T10:00:00Z'))).toEqual({
      incidentId: 'inc-7',
      number: 'INC0000007',
      priority: 'P3',
      // Logged before its service's terms were recorded: the client's.
      terms: { source: 'client', service: 'hr' },
      asOf: '2026-01-12T10:00:00.000Z',
      generation: 1,
      targets: [
        {
          target: 'acknowledge',
          state: 'achieved',
          calendar: 'business-hours',
          targetMs: 2 * HOUR,
          startedAt: T0,
          elapsedBusinessMs: 30 * MINUTE,
          pausedMs: 0,
          remainingMs: 90 * MINUTE,
          achievedAt: '2026-01-12T09:30:00.000Z',
        },
        {
          target: 'respond',
          state: 'running',
          calendar: 'business-hours',
          targetMs: 4 * HOUR,
          startedAt: T0,
          dueAt: '2026-01-12T13:00:00.000Z',
          warningAt: '2026-01-12T12:00:00.000Z',
          elapsedBusinessMs: HOUR,
          pausedMs: 0,
          remainingMs: 3 * HOUR,
        },
        {
          target: 'resolve',
          state: 'running',
          calendar: 'business-hours',
          targetMs: 3 * BUSINESS_DAY,
          startedAt: T0,
          // Mon, Tue, Wed full days: the target is reached at Wednesday's close.
          dueAt: '2026-01-14T17:30:00.000Z',
          warningAt: '2026-01-14T11:07:30.000Z',
          elapsedBusinessMs: HOUR,
          pausedMs: 0,
          remainingMs: 3 * BUSINESS_DAY - HOUR,
        },
      ],
    });
  });

  test('a P1 breached: breachedAt, no due or warning instants', () => {
    const view = slaView(logged(1, 1), policy, new Date('2026-01-12T09:20:00Z'));
    expect(view.targets[0]).toEqual({
      target: 'acknowledge',
      state: 'breached',
      calendar: '24x7',
      targetMs: 15 * MINUTE,
      startedAt: T0,
      elapsedBusinessMs: 20 * MINUTE,
      pausedMs: 0,
      remainingMs: 0,
      breachedAt: '2026-01-12T09:15:00.000Z',
    });
    expect(view.targets.map((t) => t.state)).toEqual(['breached', 'running', 'running']);
  });

  test('On Hold for a pausing reason: paused, with the new generation, no due or warning instants', () => {
    let incident = logged(1, 1);
    const started = changeIncident({ incident, changes: { state: 'In Progress' }, rules: RULES, actor: desk, now: '2026-01-12T09:05:00.000Z' }).incident;
    incident = recordSlaFacts(incident, started, '2026-01-12T09:05:00.000Z', true);
    const held = changeIncident({ incident, changes: { state: 'On Hold', onHoldReason: 'awaiting vendor' }, rules: RULES, actor: desk, now: '2026-01-12T09:10:00.000Z' }).incident;
    incident = recordSlaFacts(incident, held, '2026-01-12T09:10:00.000Z', true);
    const view = slaView(incident, policy, new Date('2026-01-12T11:10:00Z'));
    expect(view.generation).toBe(2);
    expect(view.targets[2]).toEqual({
      target: 'resolve',
      state: 'paused',
      calendar: '24x7',
      targetMs: 4 * HOUR,
      startedAt: T0,
      elapsedBusinessMs: 10 * MINUTE,
      pausedMs: 2 * HOUR,
      remainingMs: 4 * HOUR - 10 * MINUTE,
    });
  });
});
