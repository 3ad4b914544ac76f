import { slaPolicyOf } from '../../src/modules/incidents/app/sla-use-cases';
import { TWENTY_FOUR_SEVEN, standardBusinessHours } from '../../src/kernel/domain/business-calendar';
import { InvalidInputError } from '../../src/kernel/domain/domain-errors';
import {
  changeIncident,
  confirmResolution,
  openIncident,
  rejectResolution,
  type Actor,
  type Incident,
  type IncidentChanges,
  type NewIncidentInput,
} from '../../src/modules/incidents/domain/incident';
import {
  INITIAL_SLA,
  acknowledgeIncident,
  applySlaNotices,
  escalationSteps,
  recordResponse,
  recordSlaFacts,
  slaClocksOf,
  slaDecision,
  slaOf,
  targetMs,
  type EscalationContact,
  type IncidentSla,
  type SlaNotice,
  type SlaPolicy,
} from '../../src/modules/incidents/domain/incident-sla';
import type { Impact, Urgency } from '../../src/kernel/domain/priority';
import { DEFAULT_PRIORITY_MATRIX } from '../../src/kernel/domain/priority';
import type { PriorityRules } from '../../src/kernel/domain/priority-rules';
import type { SlaClock } from '../../src/modules/incidents/domain/sla-clock';
import { DEFAULT_SLA_TARGETS, slaPolicySchema } from '../../src/config/client-settings-schema';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const d = (iso: string) => new Date(iso);
const iso = (date: Date | undefined) => date?.toISOString();

const RULES: PriorityRules = { matrix: DEFAULT_PRIORITY_MATRIX, usersAffected: [], concurrentIncidents: [] };
const desk: Actor = { id: 'sub-desk-1', name: 'dora.desk' };
const caller: Actor = { id: 'sub-caller-2', name: 'carl.caller' };

/** Default SLA settings of a client in `timeZone`, optionally with holidays. */
function policyFor(timeZone: string, holidays: string[] = []): SlaPolicy {
  return slaPolicyOf({ timeZone, slaTargets: DEFAULT_SLA_TARGETS, sla: slaPolicySchema.parse({ businessHours: { ...DEFAULT_BUSINESS_HOURS, holidays } }) });
}
const DEFAULT_BUSINESS_HOURS = { days: [1, 2, 3, 4, 5], opens: '09:00', closes: '17:30' };
const LONDON = policyFor('Europe/London', ['2026-12-25', '2026-12-28']);
const NEW_YORK = policyFor('America/New_York');

const PRIORITY_OF: Record<'P1' | 'P2' | 'P3' | 'P4' | 'P5', { impact: Impact; urgency: Urgency }> = {
  P1: { impact: 1, urgency: 1 },
  P2: { impact: 1, urgency: 2 },
  P3: { impact: 2, urgency: 2 },
  P4: { impact: 2, urgency: 3 },
  P5: { impact: 3, urgency: 3 },
};

/** An incident logged at `at` with the given priority, its SLA facts recorded as the use case does. */
function logged(priority: keyof typeof PRIORITY_OF, at: string): Incident {
  const input: NewIncidentInput = {
    shortDescription: 'Payroll export fails',
    description: 'The nightly export stops with a timeout',
    ...PRIORITY_OF[priority],
    service: 'payroll',
    category: 'software',
    channel: 'phone',
    reportedBy: 'carl.caller',
    detectedAt: at,
  };
  const change = openIncident({ id: 'inc-1', number: 'INC0000001', input, rules: RULES, recordedBy: desk, now: at });
  const incident = recordSlaFacts(undefined, change.incident, at, false);
  expect(incident.priority).toBe(priority);
  return incident;
}

/** A change through the domain, then its SLA facts, as the use cases do. */
function step(incident: Incident, changes: IncidentChanges, at: string, deskAction = true, actor: Actor = desk): Incident {
  const after = changeIncident({ incident, changes, rules: RULES, actor, now: at }).incident;
  return recordSlaFacts(incident, after, at, deskAction);
}
const RESOLVE: IncidentChanges = { state: 'Resolved', resolutionCode: 'Solved (permanently)', resolutionNotes: 'Restarted the export job' };
const toPriority = (p: keyof typeof PRIORITY_OF): IncidentChanges => ({ ...PRIORITY_OF[p], reason: `now ${p}` });

function reopened(incident: Incident, at: string): Incident {
  return recordSlaFacts(incident, rejectResolution(incident, caller, 'still failing', at).incident, at, false);
}

/** The observable outcome of a clock: every field present so an unexpected value fails. */
function summary(clock: SlaClock) {
  return {
    state: clock.state,
    elapsed: clock.elapsedBusinessMs,
    paused: clock.pausedMs,
    remaining: clock.remainingMs,
    durationMs: clock.durationMs,
    calendar: clock.calendar.kind,
    dueAt: iso(clock.dueAt),
    warningAt: iso(clock.warningAt),
    breachedAt: iso(clock.breachedAt),
    achievedAt: iso(clock.achievedAt),
  };
}
type Summary = ReturnType<typeof summary>;
function expected(e: Partial<Summary> & Pick<Summary, 'state' | 'elapsed' | 'paused' | 'remaining' | 'durationMs' | 'calendar'>): Summary {
  return { dueAt: undefined, warningAt: undefined, breachedAt: undefined, achievedAt: undefined, ...e };
}

// =================================================================================================
// recordSlaFacts
// =================================================================================================

describe('recordSlaFacts', () => {
  const T0 = '2026-01-12T09:00:00.000Z';

  test('creation: generation 1, no history, not acknowledged even when logged by the desk', () => {
    const created = openIncident({
      id: 'inc-9',
      number: 'INC0000009',
      input: { shortDescription: 's', description: 'd', impact: 1, urgency: 1, service: 'x', category: 'c', channel: 'api', reportedBy: 'r', detectedAt: T0 },
      rules: RULES,
      recordedBy: desk,
      now: T0,
    }).incident;
    expect(recordSlaFacts(undefined, created, T0, true).sla).toEqual({ generation: 1, history: [], notices: [] });
    expect(recordSlaFacts(undefined, created, T0, false).sla).toEqual({ generation: 1, history: [], notices: [] });
  });

  test('hold, hold-reason change, release, priority change each bump the generation; their facts are recorded', () => {
    let inc = logged('P3', T0);
    inc = step(inc, { state: 'In Progress' }, '2026-01-12T09:05:00.000Z');
    expect(slaOf(inc).generation).toBe(1);
    inc = step(inc, { state: 'On Hold', onHoldReason: 'awaiting caller' }, '2026-01-12T10:00:00.000Z');
    expect(slaOf(inc).generation).toBe(2);
    inc = step(inc, { onHoldReason: 'awaiting change' }, '2026-01-12T11:00:00.000Z');
    expect(slaOf(inc).generation).toBe(3);
    inc = step(inc, { state: 'In Progress' }, '2026-01-12T12:00:00.000Z');
    expect(slaOf(inc).generation).toBe(4);
    inc = step(inc, toPriority('P2'), '2026-01-12T13:00:00.000Z');
    expect(slaOf(inc).generation).toBe(5);
    // A change that moves no deadline (assignment) keeps the generation.
    inc = step(inc, { assignee: 'ed.engineer' }, '2026-01-12T13:30:00.000Z');
    expect(slaOf(inc).generation).toBe(5);
    expect(slaOf(inc).history).toEqual([
      { at: '2026-01-12T10:00:00.000Z', kind: 'hold', reason: 'awaiting caller' },
      { at: '2026-01-12T11:00:00.000Z', kind: 'hold', reason: 'awaiting change' },
      { at: '2026-01-12T12:00:00.000Z', kind: 'release' },
      { at: '2026-01-12T13:00:00.000Z', kind: 'priority', from: 'P3', to: 'P2' },
    ]);
  });

  test('resolve and close do not bump the generation; reopen does', () => {
    let inc = step(logged('P1', T0), { state: 'In Progress' }, '2026-01-12T09:05:00.000Z');
    inc = step(inc, RESOLVE, '2026-01-12T10:00:00.000Z');
    expect(slaOf(inc).generation).toBe(1);
    inc = reopened(inc, '2026-01-12T11:00:00.000Z');
    expect(slaOf(inc).generation).toBe(2);
    inc = step(inc, RESOLVE, '2026-01-12T12:00:00.000Z');
    expect(slaOf(inc).generation).toBe(2);
    const closed = recordSlaFacts(inc, confirmResolution(inc, caller, '2026-01-12T13:00:00.000Z').incident, '2026-01-12T13:00:00.000Z', false);
    expect(slaOf(closed)).toEqual({
      generation: 2,
      acknowledgedAt: '2026-01-12T09:05:00.000Z',
      respondedAt: '2026-01-12T10:00:00.000Z',
      history: [
        { at: '2026-01-12T10:00:00.000Z', kind: 'resolved' },
        { at: '2026-01-12T11:00:00.000Z', kind: 'reopened' },
        { at: '2026-01-12T12:00:00.000Z', kind: 'resolved' },
      ],
      notices: [],
    });
  });

  test('cancel records the fact without bumping the generation', () => {
    const inc = step(logged('P1', T0), { state: 'Canceled' }, '2026-01-12T09:30:00.000Z');
    expect(slaOf(inc)).toEqual({ generation: 1, acknowledgedAt: '2026-01-12T09:30:00.000Z', history: [{ at: '2026-01-12T09:30:00.000Z', kind: 'canceled' }], notices: [] });
  });

  test('a new pausing reason while On Hold bumps the generation and keeps the clocks paused', () => {
    let inc = step(logged('P1', T0), { state: 'In Progress' }, '2026-01-12T09:01:00.000Z');
    inc = step(inc, { state: 'On Hold', onHoldReason: 'awaiting caller' }, '2026-01-12T09:02:00.000Z');
    inc = step(inc, { onHoldReason: 'awaiting vendor' }, '2026-01-12T10:00:00.000Z');
    expect(slaOf(inc).generation).toBe(3);
    const resolve = slaClocksOf(inc, LONDON, d('2026-01-12T11:02:00Z')).resolve;
    expect([resolve.state, resolve.elapsedBusinessMs, resolve.pausedMs]).toEqual(['paused', 2 * MINUTE, 2 * HOUR]);
  });

  test('cancel from On Hold records a release then the cancel, at the same instant (and so bumps the generation)', () => {
    let inc = step(logged('P1', T0), { state: 'In Progress' }, '2026-01-12T09:01:00.000Z');
    inc = step(inc, { state: 'On Hold', onHoldReason: 'awaiting caller' }, '2026-01-12T09:02:00.000Z');
    inc = step(inc, { state: 'Canceled' }, '2026-01-12T09:30:00.000Z');
    expect(slaOf(inc).history).toEqual([
      { at: '2026-01-12T09:02:00.000Z', kind: 'hold', reason: 'awaiting caller' },
      { at: '2026-01-12T09:30:00.000Z', kind: 'release' },
      { at: '2026-01-12T09:30:00.000Z', kind: 'canceled' },
    ]);
    // Questionable (see the report): the release counts as a moved deadline although the clocks stop.
    expect(slaOf(inc).generation).toBe(3);
  });

  test('acknowledgedAt: set by the first desk action only, kept on later actions', () => {
    let inc = logged('P3', T0);
    inc = step(inc, { description: 'more detail from the caller' }, '2026-01-12T09:10:00.000Z', false, caller);
    expect(slaOf(inc).acknowledgedAt).toBeUndefined();
    inc = step(inc, { assignee: 'ed.engineer' }, '2026-01-12T09:20:00.000Z', true);
    expect(slaOf(inc).acknowledgedAt).toBe('2026-01-12T09:20:00.000Z');
    inc = step(inc, { state: 'In Progress' }, '2026-01-12T09:40:00.000Z', true);
    expect(slaOf(inc).acknowledgedAt).toBe('2026-01-12T09:20:00.000Z');
    expect(slaOf(inc).generation).toBe(1);
  });

  test('respondedAt: set at resolution when nobody answered before (and acknowledges too, even by a system)', () => {
    let inc = step(logged('P2', T0), { state: 'In Progress' }, '2026-01-12T09:05:00.000Z', false);
    expect(slaOf(inc).acknowledgedAt).toBeUndefined();
    inc = step(inc, RESOLVE, '2026-01-12T09:50:00.000Z', false);
    expect(slaOf(inc).acknowledgedAt).toBe('2026-01-12T09:50:00.000Z');
    expect(slaOf(inc).respondedAt).toBe('2026-01-12T09:50:00.000Z');
  });

  test('respondedAt already set is kept at resolution', () => {
    let inc = step(logged('P2', T0), { state: 'In Progress' }, '2026-01-12T09:05:00.000Z');
    inc = recordResponse(inc, '2026-01-12T09:20:00.000Z')!;
    inc = step(inc, RESOLVE, '2026-01-12T09:50:00.000Z');
    expect(slaOf(inc).respondedAt).toBe('2026-01-12T09:20:00.000Z');
  });

  test('legacy incidents without sla: slaOf gives generation 1; the first change builds on it', () => {
    const { sla: _sla, ...legacy } = step(logged('P3', T0), { state: 'In Progress' }, '2026-01-12T09:05:00.000Z', false);
    expect(legacy).not.toHaveProperty('sla');
    expect(slaOf(legacy as Incident)).toEqual({ generation: 1, history: [], notices: [] });
    expect(slaOf(legacy as Incident)).toBe(INITIAL_SLA);
    const held = step(legacy as Incident, { state: 'On Hold', onHoldReason: 'awaiting vendor' }, '2026-01-12T10:00:00.000Z', true);
    expect(held.sla).toEqual({
      generation: 2,
      acknowledgedAt: '2026-01-12T10:00:00.000Z',
      history: [{ at: '2026-01-12T10:00:00.000Z', kind: 'hold', reason: 'awaiting vendor' }],
      notices: [],
    });
    // The legacy incident's clocks replay from no history.
    expect(slaClocksOf(legacy as Incident, LONDON, d('2026-01-12T10:00:00Z')).acknowledge.elapsedBusinessMs).toBe(HOUR);
  });
});

// =================================================================================================
// slaClocksOf
// =================================================================================================

describe('slaClocksOf', () => {
  describe('P1 on 24×7 (15 min / 30 min / 4 h)', () => {
    const T0 = '2026-01-12T09:00:00.000Z';

    test('running: every clock with its due and warning instants', () => {
      const clocks = slaClocksOf(logged('P1', T0), LONDON, d('2026-01-12T09:10:00Z'));
      expect(summary(clocks.acknowledge)).toEqual(
        expected({ state: 'running', elapsed: 10 * MINUTE, paused: 0, remaining: 5 * MINUTE, durationMs: 15 * MINUTE, calendar: '24x7', dueAt: '2026-01-12T09:15:00.000Z', warningAt: '2026-01-12T09:11:15.000Z' }),
      );
      expect(summary(clocks.respond)).toEqual(
        expected({ state: 'running', elapsed: 10 * MINUTE, paused: 0, remaining: 20 * MINUTE, durationMs: 30 * MINUTE, calendar: '24x7', dueAt: '2026-01-12T09:30:00.000Z', warningAt: '2026-01-12T09:22:30.000Z' }),
      );
      expect(summary(clocks.resolve)).toEqual(
        expected({ state: 'running', elapsed: 10 * MINUTE, paused: 0, remaining: 230 * MINUTE, durationMs: 4 * HOUR, calendar: '24x7', dueAt: '2026-01-12T13:00:00.000Z', warningAt: '2026-01-12T12:00:00.000Z' }),
      );
    });

    test('achieved: acknowledged by a desk action, responded by a comment, resolved', () => {
      let inc = step(logged('P1', T0), { state: 'In Progress' }, '2026-01-12T09:12:00.000Z');
      inc = recordResponse(inc, '2026-01-12T09:25:00.000Z')!;
      inc = step(inc, RESOLVE, '2026-01-12T11:00:00.000Z');
      const clocks = slaClocksOf(inc, LONDON, d('2026-01-12T15:00:00Z'));
      expect(summary(clocks.acknowledge)).toEqual(
        expected({ state: 'achieved', elapsed: 12 * MINUTE, paused: 0, remaining: 3 * MINUTE, durationMs: 15 * MINUTE, calendar: '24x7', warningAt: '2026-01-12T09:11:15.000Z', achievedAt: '2026-01-12T09:12:00.000Z' }),
      );
      expect(summary(clocks.respond)).toEqual(
        expected({ state: 'achieved', elapsed: 25 * MINUTE, paused: 0, remaining: 5 * MINUTE, durationMs: 30 * MINUTE, calendar: '24x7', warningAt: '2026-01-12T09:22:30.000Z', achievedAt: '2026-01-12T09:25:00.000Z' }),
      );
      expect(summary(clocks.resolve)).toEqual(
        expected({ state: 'achieved', elapsed: 2 * HOUR, paused: 0, remaining: 2 * HOUR, durationMs: 4 * HOUR, calendar: '24x7', achievedAt: '2026-01-12T11:00:00.000Z' }),
      );
    });

    test('breached: nothing done for 5 hours', () => {
      const clocks = slaClocksOf(logged('P1', T0), LONDON, d('2026-01-12T14:00:00Z'));
      expect(summary(clocks.acknowledge)).toEqual(
        expected({ state: 'breached', elapsed: 5 * HOUR, paused: 0, remaining: 0, durationMs: 15 * MINUTE, calendar: '24x7', warningAt: '2026-01-12T09:11:15.000Z', breachedAt: '2026-01-12T09:15:00.000Z' }),
      );
      expect(clocks.respond.breachedAt).toEqual(d('2026-01-12T09:30:00Z'));
      expect(summary(clocks.resolve)).toEqual(
        expected({ state: 'breached', elapsed: 5 * HOUR, paused: 0, remaining: 0, durationMs: 4 * HOUR, calendar: '24x7', warningAt: '2026-01-12T12:00:00.000Z', breachedAt: '2026-01-12T13:00:00.000Z' }),
      );
    });

    test('acknowledged after the breach stays breached, with the instant it was achieved', () => {
      const inc = acknowledgeIncident(logged('P1', T0), desk, '2026-01-12T09:40:00.000Z')!.incident;
      const ack = slaClocksOf(inc, LONDON, d('2026-01-12T10:00:00Z')).acknowledge;
      expect([ack.state, iso(ack.breachedAt), iso(ack.achievedAt)]).toEqual(['breached', '2026-01-12T09:15:00.000Z', '2026-01-12T09:40:00.000Z']);
    });
  });

  describe('P3 on business hours, Europe/London (PT2H / PT4H / P3D; Mon–Fri 09:00–17:30)', () => {
    test('logged Friday 16:00 GMT: acknowledge due Monday 09:30, respond Monday 11:30', () => {
      const clocks = slaClocksOf(logged('P3', '2026-01-09T16:00:00.000Z'), LONDON, d('2026-01-10T12:00:00Z'));
      // Friday counts 16:00–17:30 (1 h 30); Saturday counts nothing.
      expect(summary(clocks.acknowledge)).toEqual(
        expected({ state: 'running', elapsed: 90 * MINUTE, paused: 0, remaining: 30 * MINUTE, durationMs: 2 * HOUR, calendar: 'business-hours', dueAt: '2026-01-12T09:30:00.000Z', warningAt: '2026-01-09T17:30:00.000Z' }),
      );
      expect(iso(clocks.respond.dueAt)).toBe('2026-01-12T11:30:00.000Z');
      expect(iso(clocks.respond.warningAt)).toBe('2026-01-12T10:30:00.000Z');
    });

    test('resolve P3D is 3 business days of 8 h 30: logged Friday 16:00, due Wednesday 16:00', () => {
      expect(targetMs(LONDON, 'P3', 'resolve')).toBe(3 * (8 * HOUR + 30 * MINUTE));
      const resolve = slaClocksOf(logged('P3', '2026-01-09T16:00:00.000Z'), LONDON, d('2026-01-09T16:00:00Z')).resolve;
      // Fri 1 h 30 + Mon 8 h 30 + Tue 8 h 30 = 18 h 30; 7 h more on Wed: 16:00. Warning at 19 h 07 min 30 s: Wed 09:37:30.
      expect(summary(resolve)).toEqual(
        expected({ state: 'running', elapsed: 0, paused: 0, remaining: 91_800_000, durationMs: 91_800_000, calendar: 'business-hours', dueAt: '2026-01-14T16:00:00.000Z', warningAt: '2026-01-14T09:37:30.000Z' }),
      );
    });

    test('across the UK clock change: logged Friday 2026-10-23 16:30 BST, due Monday 10:00 GMT', () => {
      const clocks = slaClocksOf(logged('P3', '2026-10-23T15:30:00.000Z'), LONDON, d('2026-10-25T12:00:00Z'));
      expect(summary(clocks.acknowledge)).toEqual(
        expected({ state: 'running', elapsed: HOUR, paused: 0, remaining: HOUR, durationMs: 2 * HOUR, calendar: 'business-hours', dueAt: '2026-10-26T10:00:00.000Z', warningAt: '2026-10-26T09:30:00.000Z' }),
      );
      // At Monday 09:45 GMT: 1 h on Friday + 45 min on Monday.
      const monday = slaClocksOf(logged('P3', '2026-10-23T15:30:00.000Z'), LONDON, d('2026-10-26T09:45:00Z')).acknowledge;
      expect([monday.elapsedBusinessMs, monday.remainingMs, iso(monday.dueAt)]).toEqual([105 * MINUTE, 15 * MINUTE, '2026-10-26T10:00:00.000Z']);
    });

    test('a public holiday is skipped: logged Thursday 2026-12-24 16:00, Friday 25th and Monday 28th are holidays', () => {
      const clocks = slaClocksOf(logged('P3', '2026-12-24T16:00:00.000Z'), LONDON, d('2026-12-28T12:00:00Z'));
      expect(summary(clocks.acknowledge)).toEqual(
        expected({ state: 'running', elapsed: 90 * MINUTE, paused: 0, remaining: 30 * MINUTE, durationMs: 2 * HOUR, calendar: 'business-hours', dueAt: '2026-12-29T09:30:00.000Z', warningAt: '2026-12-24T17:30:00.000Z' }),
      );
      // Without the holidays the same incident is due on Friday 25th at 09:30.
      expect(iso(slaClocksOf(logged('P3', '2026-12-24T16:00:00.000Z'), policyFor('Europe/London'), d('2026-12-24T17:00:00Z')).acknowledge.dueAt)).toBe('2026-12-25T09:30:00.000Z');
    });

    describe('On Hold from Friday 15:00 to Monday 11:00 (logged Friday 2026-01-09 10:00)', () => {
      const held = (reason: 'awaiting caller' | 'awaiting change') => {
        let inc = step(logged('P3', '2026-01-09T10:00:00.000Z'), { state: 'In Progress' }, '2026-01-09T10:00:00.000Z');
        inc = step(inc, { state: 'On Hold', onHoldReason: reason }, '2026-01-09T15:00:00.000Z');
        return step(inc, { state: 'In Progress' }, '2026-01-12T11:00:00.000Z');
      };

      test("'awaiting caller' pauses: the night, the weekend and Monday morning do not count", () => {
        const resolve = slaClocksOf(held('awaiting caller'), LONDON, d('2026-01-12T12:00:00Z')).resolve;
        // Counted: Fri 10:00–15:00 (5 h) + Mon 11:00–12:00 (1 h). Paused calendar time: Fri 15:00–17:30 + Mon 09:00–11:00.
        // Left 19 h 30: Mon 12:00–17:30 (5 h 30), Tue 8 h 30, Wed 09:00 + 5 h 30 = 14:30.
        expect(summary(resolve)).toEqual(
          expected({ state: 'running', elapsed: 6 * HOUR, paused: 4.5 * HOUR, remaining: 19.5 * HOUR, durationMs: 25.5 * HOUR, calendar: 'business-hours', dueAt: '2026-01-14T14:30:00.000Z', warningAt: '2026-01-13T16:37:30.000Z' }),
        );
      });

      test('while still On Hold the clock is paused and has no due instant', () => {
        let inc = step(logged('P3', '2026-01-09T10:00:00.000Z'), { state: 'In Progress' }, '2026-01-09T10:00:00.000Z');
        inc = step(inc, { state: 'On Hold', onHoldReason: 'awaiting caller' }, '2026-01-09T15:00:00.000Z');
        const resolve = slaClocksOf(inc, LONDON, d('2026-01-12T10:00:00Z')).resolve;
        expect(summary(resolve)).toEqual(
          expected({ state: 'paused', elapsed: 5 * HOUR, paused: 3.5 * HOUR, remaining: 20.5 * HOUR, durationMs: 25.5 * HOUR, calendar: 'business-hours' }),
        );
      });

      test("'awaiting change' does not pause: business hours count as usual", () => {
        const resolve = slaClocksOf(held('awaiting change'), LONDON, d('2026-01-12T12:00:00Z')).resolve;
        // Counted: Fri 10:00–17:30 (7 h 30) + Mon 09:00–12:00 (3 h). Left 15 h: Mon 5 h 30, Tue 8 h 30, Wed 09:00 + 1 h.
        expect(summary(resolve)).toEqual(
          expected({ state: 'running', elapsed: 10.5 * HOUR, paused: 0, remaining: 15 * HOUR, durationMs: 25.5 * HOUR, calendar: 'business-hours', dueAt: '2026-01-14T10:00:00.000Z', warningAt: '2026-01-13T12:07:30.000Z' }),
        );
      });

      test('changing the reason while On Hold pauses and resumes', () => {
        let inc = step(logged('P3', '2026-01-09T10:00:00.000Z'), { state: 'In Progress' }, '2026-01-09T10:00:00.000Z');
        inc = step(inc, { state: 'On Hold', onHoldReason: 'awaiting change' }, '2026-01-09T11:00:00.000Z');
        inc = step(inc, { onHoldReason: 'awaiting vendor' }, '2026-01-09T12:00:00.000Z');
        inc = step(inc, { onHoldReason: 'awaiting problem' }, '2026-01-09T14:00:00.000Z');
        const resolve = slaClocksOf(inc, LONDON, d('2026-01-09T15:00:00Z')).resolve;
        // Counted 10:00–12:00 and 14:00–15:00; paused 12:00–14:00.
        expect([resolve.state, resolve.elapsedBusinessMs, resolve.pausedMs]).toEqual(['running', 3 * HOUR, 2 * HOUR]);
        expect(slaOf(inc).generation).toBe(4);
      });
    });
  });

  describe('P3 on business hours, America/New_York', () => {
    test('spring forward: logged Friday 2026-03-06 16:00 EST, due Monday 09:30 EDT', () => {
      const ack = slaClocksOf(logged('P3', '2026-03-06T21:00:00.000Z'), NEW_YORK, d('2026-03-08T12:00:00Z')).acknowledge;
      expect(summary(ack)).toEqual(
        expected({ state: 'running', elapsed: 90 * MINUTE, paused: 0, remaining: 30 * MINUTE, durationMs: 2 * HOUR, calendar: 'business-hours', dueAt: '2026-03-09T13:30:00.000Z', warningAt: '2026-03-06T22:30:00.000Z' }),
      );
    });

    test('fall back: logged Friday 2026-10-30 16:00 EDT, due Monday 2026-11-02 09:30 EST', () => {
      const ack = slaClocksOf(logged('P3', '2026-10-30T20:00:00.000Z'), NEW_YORK, d('2026-11-01T12:00:00Z')).acknowledge;
      expect(summary(ack)).toEqual(
        expected({ state: 'running', elapsed: 90 * MINUTE, paused: 0, remaining: 30 * MINUTE, durationMs: 2 * HOUR, calendar: 'business-hours', dueAt: '2026-11-02T14:30:00.000Z', warningAt: '2026-10-30T21:30:00.000Z' }),
      );
    });
  });

  describe('priority change', () => {
    test('P3 → P1 on Monday 08:00 re-targets from the start: 30 min counted on Friday are kept, the rest runs 24×7', () => {
      // Logged Friday 2026-01-09 17:00 GMT as P3: Friday counts 17:00–17:30.
      const inc = step(logged('P3', '2026-01-09T17:00:00.000Z'), toPriority('P1'), '2026-01-12T08:00:00.000Z', false);
      const clocks = slaClocksOf(inc, LONDON, d('2026-01-12T09:00:00Z'));
      // Acknowledge P1 15 min and respond P1 30 min: already reached at the change: breached at that instant.
      expect(summary(clocks.acknowledge)).toEqual(
        expected({ state: 'breached', elapsed: 90 * MINUTE, paused: 0, remaining: 0, durationMs: 15 * MINUTE, calendar: '24x7', warningAt: '2026-01-12T08:00:00.000Z', breachedAt: '2026-01-12T08:00:00.000Z' }),
      );
      expect(summary(clocks.respond)).toEqual(
        expected({ state: 'breached', elapsed: 90 * MINUTE, paused: 0, remaining: 0, durationMs: 30 * MINUTE, calendar: '24x7', warningAt: '2026-01-12T08:00:00.000Z', breachedAt: '2026-01-12T08:00:00.000Z' }),
      );
      // Resolve P1 4 h: 30 min counted, 3 h 30 left from 08:00 on 24×7.
      expect(summary(clocks.resolve)).toEqual(
        expected({ state: 'running', elapsed: 90 * MINUTE, paused: 0, remaining: 150 * MINUTE, durationMs: 4 * HOUR, calendar: '24x7', dueAt: '2026-01-12T11:30:00.000Z', warningAt: '2026-01-12T10:30:00.000Z' }),
      );
      expect(slaOf(inc).generation).toBe(2);
    });

    test('P1 → P3 moves to business hours with the new, longer target', () => {
      const inc = step(logged('P1', '2026-01-12T09:00:00.000Z'), toPriority('P3'), '2026-01-12T09:10:00.000Z', false);
      const ack = slaClocksOf(inc, LONDON, d('2026-01-12T10:00:00Z')).acknowledge;
      expect(summary(ack)).toEqual(
        expected({ state: 'running', elapsed: HOUR, paused: 0, remaining: HOUR, durationMs: 2 * HOUR, calendar: 'business-hours', dueAt: '2026-01-12T11:00:00.000Z', warningAt: '2026-01-12T10:30:00.000Z' }),
      );
    });
  });

  describe('reopen after resolution', () => {
    const T0 = '2026-01-12T09:00:00.000Z';
    const build = () => {
      let inc = step(logged('P1', T0), { state: 'In Progress' }, '2026-01-12T09:05:00.000Z');
      inc = step(inc, RESOLVE, '2026-01-12T10:00:00.000Z');
      return reopened(inc, '2026-01-12T12:00:00.000Z');
    };

    test('the resolved period does not count for resolve; acknowledge and respond stop at the first resolution', () => {
      const clocks = slaClocksOf(build(), LONDON, d('2026-01-12T13:00:00Z'));
      expect(summary(clocks.resolve)).toEqual(
        expected({ state: 'running', elapsed: 2 * HOUR, paused: 2 * HOUR, remaining: 2 * HOUR, durationMs: 4 * HOUR, calendar: '24x7', dueAt: '2026-01-12T15:00:00.000Z', warningAt: '2026-01-12T14:00:00.000Z' }),
      );
      expect([clocks.acknowledge.state, iso(clocks.acknowledge.achievedAt)]).toEqual(['achieved', '2026-01-12T09:05:00.000Z']);
      // Nobody answered before the resolution at 10:00: respond (30 min) was breached at 09:30.
      expect([clocks.respond.state, iso(clocks.respond.breachedAt), iso(clocks.respond.achievedAt)]).toEqual(['breached', '2026-01-12T09:30:00.000Z', '2026-01-12T10:00:00.000Z']);
    });

    test('resolved again and closed: achieved at the second resolution', () => {
      let inc = step(build(), RESOLVE, '2026-01-12T14:30:00.000Z');
      inc = recordSlaFacts(inc, confirmResolution(inc, caller, '2026-01-13T09:00:00.000Z').incident, '2026-01-13T09:00:00.000Z', false);
      const resolve = slaClocksOf(inc, LONDON, d('2026-01-14T00:00:00Z')).resolve;
      expect(summary(resolve)).toEqual(
        expected({ state: 'achieved', elapsed: 3.5 * HOUR, paused: 2 * HOUR, remaining: 30 * MINUTE, durationMs: 4 * HOUR, calendar: '24x7', warningAt: '2026-01-12T14:00:00.000Z', achievedAt: '2026-01-12T14:30:00.000Z' }),
      );
    });

    test('reopened and left: breached at 15:00', () => {
      const resolve = slaClocksOf(build(), LONDON, d('2026-01-12T16:00:00Z')).resolve;
      expect([resolve.state, iso(resolve.breachedAt), resolve.elapsedBusinessMs]).toEqual(['breached', '2026-01-12T15:00:00.000Z', 5 * HOUR]);
    });
  });

  test('cancel stops the clocks; an acknowledgement before the cancel still counts for acknowledge', () => {
    let inc = step(logged('P1', '2026-01-12T09:00:00.000Z'), { assignee: 'ed.engineer' }, '2026-01-12T09:05:00.000Z');
    inc = step(inc, { state: 'Canceled' }, '2026-01-12T10:00:00.000Z');
    const clocks = slaClocksOf(inc, LONDON, d('2026-01-12T20:00:00Z'));
    expect(summary(clocks.acknowledge)).toEqual(
      expected({ state: 'achieved', elapsed: 5 * MINUTE, paused: 0, remaining: 10 * MINUTE, durationMs: 15 * MINUTE, calendar: '24x7', achievedAt: '2026-01-12T09:05:00.000Z' }),
    );
    // Nobody answered the reporter before the 30 min ran out: the breach stands, the clock stops at the cancel.
    expect(summary(clocks.respond)).toEqual(
      expected({ state: 'breached', elapsed: HOUR, paused: 0, remaining: 0, durationMs: 30 * MINUTE, calendar: '24x7', warningAt: '2026-01-12T09:22:30.000Z', breachedAt: '2026-01-12T09:30:00.000Z', achievedAt: '2026-01-12T10:00:00.000Z' }),
    );
    expect(summary(clocks.resolve)).toEqual(
      expected({ state: 'achieved', elapsed: HOUR, paused: 0, remaining: 3 * HOUR, durationMs: 4 * HOUR, calendar: '24x7', achievedAt: '2026-01-12T10:00:00.000Z' }),
    );
  });

  test('cancel while On Hold: the clocks stop at the cancel', () => {
    let inc = step(logged('P1', '2026-01-12T09:00:00.000Z'), { state: 'In Progress' }, '2026-01-12T09:05:00.000Z');
    inc = recordResponse(inc, '2026-01-12T09:06:00.000Z')!;
    inc = step(inc, { state: 'On Hold', onHoldReason: 'awaiting caller' }, '2026-01-12T09:30:00.000Z');
    inc = step(inc, { state: 'Canceled' }, '2026-01-12T11:00:00.000Z');
    const resolve = slaClocksOf(inc, LONDON, d('2026-01-12T20:00:00Z')).resolve;
    expect(summary(resolve)).toEqual(
      expected({ state: 'achieved', elapsed: 30 * MINUTE, paused: 90 * MINUTE, remaining: 210 * MINUTE, durationMs: 4 * HOUR, calendar: '24x7', achievedAt: '2026-01-12T11:00:00.000Z' }),
    );
  });
});

// =================================================================================================
// slaDecision
// =================================================================================================

const P1_START = '2026-01-12T09:00:00.000Z';
const CONTACTS: Record<EscalationContact, string | undefined> = {
  'nominated-1': 'Nina One',
  'nominated-2': 'Nico Two',
  'nominated-3': 'Nell Three',
  'service-owner': 'Sam Owner',
};
const contactOf = (notify: EscalationContact) => (CONTACTS[notify] ? { name: CONTACTS[notify]! } : undefined);

/** What one wake-up at `now` decides and records, as checkSlaClocks does. */
function check(incident: Incident, now: string, policy: SlaPolicy = LONDON): { incident: Incident; keys: string[]; next: string | undefined } {
  const decision = slaDecision(incident, policy, d(now));
  const next = iso(decision.nextCheckAt);
  if (decision.notices.length === 0) return { incident, keys: [], next };
  return { incident: applySlaNotices(incident, decision.notices, contactOf, now).incident, keys: decision.notices.map((n) => n.key), next };
}

describe('slaDecision (P1, default policy)', () => {
  test('escalation steps: four levels, then two reminders of the last, four hours apart', () => {
    expect(escalationSteps(LONDON)).toEqual([
      { level: 1, repeat: 0, notify: 'nominated-1', afterMs: 0 },
      { level: 2, repeat: 0, notify: 'nominated-2', afterMs: 30 * MINUTE },
      { level: 3, repeat: 0, notify: 'nominated-3', afterMs: HOUR },
      { level: 4, repeat: 0, notify: 'service-owner', afterMs: 2 * HOUR },
      { level: 4, repeat: 1, notify: 'service-owner', afterMs: 6 * HOUR },
      { level: 4, repeat: 2, notify: 'service-owner', afterMs: 10 * HOUR },
    ]);
  });

  test('walked through time with nobody acting: each instant, what is due and when to look again', () => {
    const walk: [now: string, keys: string[], next: string | undefined][] = [
      ['2026-01-12T09:00:00.000Z', [], '2026-01-12T09:11:15.000Z'],
      ['2026-01-12T09:11:14.999Z', [], '2026-01-12T09:11:15.000Z'],
      ['2026-01-12T09:11:15.000Z', ['acknowledge:warning'], '2026-01-12T09:15:00.000Z'],
      ['2026-01-12T09:15:00.000Z', ['acknowledge:breach', 'acknowledge:escalation:1'], '2026-01-12T09:22:30.000Z'],
      ['2026-01-12T09:22:30.000Z', ['respond:warning'], '2026-01-12T09:30:00.000Z'],
      ['2026-01-12T09:30:00.000Z', ['respond:breach'], '2026-01-12T09:45:00.000Z'],
      ['2026-01-12T09:45:00.000Z', ['acknowledge:escalation:2'], '2026-01-12T10:15:00.000Z'],
      ['2026-01-12T10:15:00.000Z', ['acknowledge:escalation:3'], '2026-01-12T11:15:00.000Z'],
      ['2026-01-12T11:15:00.000Z', ['acknowledge:escalation:4'], '2026-01-12T12:00:00.000Z'],
      ['2026-01-12T12:00:00.000Z', ['resolve:warning'], '2026-01-12T13:00:00.000Z'],
      ['2026-01-12T13:00:00.000Z', ['resolve:breach', 'resolve:escalation:1'], '2026-01-12T13:30:00.000Z'],
      ['2026-01-12T13:30:00.000Z', ['resolve:escalation:2'], '2026-01-12T14:00:00.000Z'],
      ['2026-01-12T14:00:00.000Z', ['resolve:escalation:3'], '2026-01-12T15:00:00.000Z'],
      ['2026-01-12T15:00:00.000Z', ['resolve:escalation:4'], '2026-01-12T15:15:00.000Z'],
      ['2026-01-12T15:15:00.000Z', ['acknowledge:escalation:4:repeat-1'], '2026-01-12T19:00:00.000Z'],
      ['2026-01-12T19:00:00.000Z', ['resolve:escalation:4:repeat-1'], '2026-01-12T19:15:00.000Z'],
      ['2026-01-12T19:15:00.000Z', ['acknowledge:escalation:4:repeat-2'], '2026-01-12T23:00:00.000Z'],
      ['2026-01-12T23:00:00.000Z', ['resolve:escalation:4:repeat-2'], undefined],
      ['2026-01-13T23:00:00.000Z', [], undefined],
      ['2026-02-12T23:00:00.000Z', [], undefined],
    ];
    let incident = logged('P1', P1_START);
    const seen: [string, string[], string | undefined][] = [];
    for (const [now] of walk) {
      const result = check(incident, now);
      incident = result.incident;
      seen.push([now, result.keys, result.next]);
    }
    expect(seen).toEqual(walk);
    // Bounded: levels + repeats per escalated target, each once.
    const notices = slaOf(incident).notices;
    expect(notices.filter((k) => k.startsWith('acknowledge:escalation'))).toHaveLength(6);
    expect(notices.filter((k) => k.startsWith('resolve:escalation'))).toHaveLength(6);
    expect(notices.filter((k) => k.startsWith('respond:'))).toEqual(['respond:warning', 'respond:breach']);
    expect(new Set(notices).size).toBe(notices.length);
    expect(incident.escalationLevel).toBe(4);
    expect(incident.escalations).toHaveLength(12);
  });

  test('the notices carry their details', () => {
    const { notices } = slaDecision(logged('P1', P1_START), LONDON, d('2026-01-12T09:25:00Z'));
    expect(notices).toEqual([
      // Missed by this late check: the warning still goes first, and names the instant the target was due.
      { key: 'acknowledge:warning', kind: 'warning', target: 'acknowledge', dueAt: d('2026-01-12T09:15:00Z') },
      { key: 'acknowledge:breach', kind: 'breach', target: 'acknowledge', breachedAt: d('2026-01-12T09:15:00Z') },
      { key: 'acknowledge:escalation:1', kind: 'escalation', target: 'acknowledge', level: 1, repeat: 0, notify: 'nominated-1', breachedAt: d('2026-01-12T09:15:00Z') },
      { key: 'respond:warning', kind: 'warning', target: 'respond', dueAt: d('2026-01-12T09:30:00Z') },
    ]);
    const warning = slaDecision(logged('P1', P1_START), LONDON, d('2026-01-12T09:12:00Z')).notices;
    expect(warning).toEqual([{ key: 'acknowledge:warning', kind: 'warning', target: 'acknowledge', dueAt: d('2026-01-12T09:15:00Z') }]);
  });

  test('a late check returns every missed step, in the order they fell due', () => {
    const decision = slaDecision(logged('P1', P1_START), LONDON, d('2026-01-12T14:10:00Z'));
    expect(decision.notices.map((n) => n.key)).toEqual([
      'acknowledge:warning', // 09:11:15
      'acknowledge:breach', // 09:15
      'acknowledge:escalation:1', // 09:15
      'respond:warning', // 09:22:30
      'respond:breach', // 09:30
      'acknowledge:escalation:2', // 09:45
      'acknowledge:escalation:3', // 10:15
      'acknowledge:escalation:4', // 11:15
      'resolve:warning', // 12:00
      'resolve:breach', // 13:00
      'resolve:escalation:1', // 13:00
      'resolve:escalation:2', // 13:30
      'resolve:escalation:3', // 14:00
    ]);
    expect(iso(decision.nextCheckAt)).toBe('2026-01-12T15:00:00.000Z');
  });

  test('a warning missed until the breach goes out with it, first; once the breach is recorded it never comes', () => {
    const decision = slaDecision(logged('P1', P1_START), LONDON, d('2026-01-12T09:15:00Z'));
    expect(decision.notices.map((n) => n.key)).toEqual(['acknowledge:warning', 'acknowledge:breach', 'acknowledge:escalation:1']);
    expect(iso(decision.nextCheckAt)).toBe('2026-01-12T09:22:30.000Z');
    const breachRecorded = { ...logged('P1', P1_START), sla: { ...INITIAL_SLA, notices: ['acknowledge:breach'] } };
    expect(slaDecision(breachRecorded, LONDON, d('2026-01-12T09:15:00Z')).notices.map((n) => n.key)).toEqual(['acknowledge:escalation:1']);
  });

  test('notices already recorded are not repeated', () => {
    const incident = { ...logged('P1', P1_START), sla: { ...INITIAL_SLA, notices: ['acknowledge:breach', 'acknowledge:escalation:1', 'acknowledge:escalation:2'] } };
    const decision = slaDecision(incident, LONDON, d('2026-01-12T10:20:00Z'));
    expect(decision.notices.map((n) => n.key)).toEqual(['respond:warning', 'respond:breach', 'acknowledge:escalation:3']);
    expect(iso(decision.nextCheckAt)).toBe('2026-01-12T11:15:00.000Z');
  });

  test('acknowledging after the breach stops the acknowledge ladder, not the resolve one', () => {
    let incident = logged('P1', P1_START);
    for (const now of ['2026-01-12T09:15:00.000Z', '2026-01-12T09:30:00.000Z', '2026-01-12T09:45:00.000Z']) incident = check(incident, now).incident;
    expect(slaOf(incident).notices).toEqual(['acknowledge:warning', 'acknowledge:breach', 'acknowledge:escalation:1', 'respond:warning', 'respond:breach', 'acknowledge:escalation:2']);
    incident = acknowledgeIncident(incident, desk, '2026-01-12T10:00:00.000Z')!.incident;

    const at10 = slaDecision(incident, LONDON, d('2026-01-12T10:00:00Z'));
    expect(at10.notices).toEqual([]);
    expect(iso(at10.nextCheckAt)).toBe('2026-01-12T12:00:00.000Z');
    // Later, nothing more for acknowledge; resolve climbs its own ladder.
    const late = slaDecision(incident, LONDON, d('2026-01-12T23:30:00Z'));
    expect(late.notices.map((n) => n.key)).toEqual([
      'resolve:warning',
      'resolve:breach',
      'resolve:escalation:1',
      'resolve:escalation:2',
      'resolve:escalation:3',
      'resolve:escalation:4',
      'resolve:escalation:4:repeat-1',
      'resolve:escalation:4:repeat-2',
    ]);
    expect(late.nextCheckAt).toBeUndefined();
  });

  test('the respond breach is notified once and never escalates', () => {
    let incident = step(logged('P1', P1_START), { state: 'In Progress' }, '2026-01-12T09:01:00.000Z');
    const at930 = check(incident, '2026-01-12T09:30:00.000Z');
    expect(at930.keys).toEqual(['respond:warning', 'respond:breach']);
    incident = at930.incident;
    expect(at930.next).toBe('2026-01-12T12:00:00.000Z');
    for (const now of ['2026-01-12T09:30:00.000Z', '2026-01-12T10:00:00.000Z', '2026-01-12T11:59:59.000Z']) {
      expect(slaDecision(incident, LONDON, d(now)).notices).toEqual([]);
    }
    const all = slaDecision(incident, LONDON, d('2026-01-13T12:00:00Z')).notices.map((n) => n.key);
    expect(all.filter((k) => k.startsWith('respond'))).toEqual([]);
  });

  test('resolving stops everything, even with steps still pending', () => {
    let incident = step(logged('P1', P1_START), { state: 'In Progress' }, '2026-01-12T09:01:00.000Z');
    incident = check(incident, '2026-01-12T13:00:00.000Z').incident;
    expect(slaOf(incident).notices).toEqual(['respond:warning', 'respond:breach', 'resolve:warning', 'resolve:breach', 'resolve:escalation:1']);
    incident = step(incident, RESOLVE, '2026-01-12T13:10:00.000Z');
    for (const now of ['2026-01-12T13:10:00.000Z', '2026-01-12T13:30:00.000Z', '2026-01-13T13:30:00.000Z']) {
      const decision = slaDecision(incident, LONDON, d(now));
      expect([decision.notices, decision.nextCheckAt]).toEqual([[], undefined]);
    }
  });

  test('no repeats: after the last level nothing more is scheduled for that target', () => {
    const short: SlaPolicy = { ...LONDON, levels: [{ notify: 'nominated-1', afterMs: 0 }, { notify: 'service-owner', afterMs: HOUR }], repeatLast: { times: 0, everyMs: HOUR }, escalateTargets: ['acknowledge'] };
    let incident = step(logged('P1', P1_START), { assignee: 'ed.engineer' }, '2026-01-12T09:01:00.000Z', false);
    const seen: [string[], string | undefined][] = [];
    for (const now of ['2026-01-12T09:15:00.000Z', '2026-01-12T09:30:00.000Z', '2026-01-12T10:15:00.000Z', '2026-01-12T12:00:00.000Z', '2026-01-12T13:00:00.000Z', '2026-01-13T13:00:00.000Z']) {
      const result = check(incident, now, short);
      incident = result.incident;
      seen.push([result.keys, result.next]);
    }
    expect(seen).toEqual([
      [['acknowledge:warning', 'acknowledge:breach', 'acknowledge:escalation:1'], '2026-01-12T09:22:30.000Z'],
      [['respond:warning', 'respond:breach'], '2026-01-12T10:15:00.000Z'],
      [['acknowledge:escalation:2'], '2026-01-12T12:00:00.000Z'],
      [['resolve:warning'], '2026-01-12T13:00:00.000Z'],
      // resolve is not escalated by this policy: its breach is recorded once, then nothing is left to watch.
      [['resolve:breach'], undefined],
      [[], undefined],
    ]);
  });

  test('resolved before any deadline: nothing, ever', () => {
    const incident = step(step(logged('P1', P1_START), { state: 'In Progress' }, '2026-01-12T09:01:00.000Z'), RESOLVE, '2026-01-12T09:05:00.000Z');
    const decision = slaDecision(incident, LONDON, d('2026-01-12T09:20:00Z'));
    expect([decision.notices, decision.nextCheckAt]).toEqual([[], undefined]);
    expect(Object.values(decision.clocks).map((c) => c.state)).toEqual(['achieved', 'achieved', 'achieved']);
  });

  test('canceled: no breach or escalation for the breached respond clock', () => {
    const incident = step(step(logged('P1', P1_START), { assignee: 'ed.engineer' }, '2026-01-12T09:05:00.000Z'), { state: 'Canceled' }, '2026-01-12T10:00:00.000Z');
    const decision = slaDecision(incident, LONDON, d('2026-01-12T11:00:00Z'));
    expect([decision.notices, decision.nextCheckAt]).toEqual([[], undefined]);
  });

  test('a paused clock schedules nothing; a warning reached before the pause is still due', () => {
    let incident = step(logged('P1', P1_START), { state: 'In Progress' }, '2026-01-12T09:01:00.000Z');
    incident = recordResponse(incident, '2026-01-12T09:02:00.000Z')!;
    incident = step(incident, { state: 'On Hold', onHoldReason: 'awaiting vendor' }, '2026-01-12T12:30:00.000Z');
    const decision = slaDecision(incident, LONDON, d('2026-01-12T14:00:00Z'));
    expect(decision.notices.map((n) => [n.key, n.kind])).toEqual([['resolve:warning', 'warning']]);
    expect(decision.nextCheckAt).toBeUndefined();
  });

  test('a priority change that leaves a clock breached: due at once, escalation counted from the change', () => {
    const inc = step(logged('P3', '2026-01-09T17:00:00.000Z'), toPriority('P1'), '2026-01-12T08:00:00.000Z', false);
    const decision = slaDecision(inc, LONDON, d('2026-01-12T08:00:00Z'));
    expect(decision.notices.map((n) => n.key)).toEqual(['acknowledge:warning', 'acknowledge:breach', 'acknowledge:escalation:1', 'respond:warning', 'respond:breach']);
    expect(decision.notices.slice(0, 2)).toEqual([
      { key: 'acknowledge:warning', kind: 'warning', target: 'acknowledge', dueAt: d('2026-01-12T08:00:00Z') },
      { key: 'acknowledge:breach', kind: 'breach', target: 'acknowledge', breachedAt: d('2026-01-12T08:00:00Z') },
    ]);
    expect(iso(decision.nextCheckAt)).toBe('2026-01-12T08:30:00.000Z');
  });
});

// =================================================================================================
// applySlaNotices
// =================================================================================================

describe('applySlaNotices', () => {
  const breachedAt = d('2026-01-12T09:15:00Z');
  const NOW = '2026-01-12T09:16:00.000Z';
  const notices: SlaNotice[] = [
    { key: 'respond:warning', kind: 'warning', target: 'respond', dueAt: d('2026-01-12T09:30:00Z') },
    { key: 'acknowledge:breach', kind: 'breach', target: 'acknowledge', breachedAt },
    { key: 'acknowledge:escalation:1', kind: 'escalation', target: 'acknowledge', level: 1, repeat: 0, notify: 'nominated-1', breachedAt },
    { key: 'acknowledge:escalation:2', kind: 'escalation', target: 'acknowledge', level: 2, repeat: 0, notify: 'nominated-2', breachedAt },
    { key: 'acknowledge:escalation:4:repeat-1', kind: 'escalation', target: 'acknowledge', level: 4, repeat: 1, notify: 'service-owner', breachedAt },
  ];
  const contacts = (notify: EscalationContact) => (notify === 'nominated-2' ? undefined : { name: notify === 'nominated-1' ? 'Nina One' : 'Sam Owner' });

  test('timeline entries, hierarchical escalations with the contact, a skipped level, keys recorded, version bumped', () => {
    const before = { ...logged('P1', P1_START), sla: { ...INITIAL_SLA, notices: ['acknowledge:warning'] } as IncidentSla };
    const { incident, entries } = applySlaNotices(before, notices, contacts, NOW);
    const reason = 'acknowledge target breached at 2026-01-12T09:15:00.000Z';
    expect(entries).toEqual([
      { type: 'sla-warning', at: NOW, actor: 'system:sla', visibility: 'internal', field: 'respond', text: 'respond target due at 2026-01-12T09:30:00.000Z' },
      { type: 'sla-breach', at: NOW, actor: 'system:sla', visibility: 'internal', field: 'acknowledge', text: reason },
      { type: 'escalation', at: NOW, actor: 'system:sla', visibility: 'internal', to: 'hierarchical → Nina One (level 1)', reason },
      { type: 'escalation', at: NOW, actor: 'system:sla', visibility: 'internal', to: 'nominated-2 (none on record: skipped)', reason },
      { type: 'escalation', at: NOW, actor: 'system:sla', visibility: 'internal', to: 'hierarchical → Sam Owner (level 4)', reason: `${reason} (reminder 1)` },
    ]);
    expect(incident.escalations).toEqual([
      { kind: 'hierarchical', level: 1, to: 'Nina One', reason, at: NOW, by: 'system:sla' },
      { kind: 'hierarchical', level: 4, to: 'Sam Owner', reason: `${reason} (reminder 1)`, at: NOW, by: 'system:sla' },
    ]);
    expect(incident.escalationLevel).toBe(4);
    expect(slaOf(incident).notices).toEqual([
      'acknowledge:warning',
      'respond:warning',
      'acknowledge:breach',
      'acknowledge:escalation:1',
      'acknowledge:escalation:2',
      'acknowledge:escalation:4:repeat-1',
    ]);
    expect(slaOf(incident).generation).toBe(1);
    expect([incident.version, incident.updatedAt, incident.updatedBy]).toEqual([before.version + 1, NOW, 'system:sla']);
  });

  test('a skipped level does not raise the escalation level; a lower level never lowers it', () => {
    const before = { ...logged('P1', P1_START), escalationLevel: 3 };
    const { incident } = applySlaNotices(before, [notices[2]!, notices[3]!], contacts, NOW);
    expect(incident.escalationLevel).toBe(3);
    const skippedOnly = applySlaNotices(logged('P1', P1_START), [notices[3]!], contacts, NOW).incident;
    expect([skippedOnly.escalationLevel, skippedOnly.escalations]).toEqual([0, []]);
  });

  test('legacy incident without sla: keys start a fresh list', () => {
    const { sla: _sla, ...legacy } = logged('P1', P1_START);
    const { incident } = applySlaNotices(legacy as Incident, [notices[1]!], contacts, NOW);
    expect(incident.sla).toEqual({ generation: 1, history: [], notices: ['acknowledge:breach'] });
  });
});

// =================================================================================================
// acknowledgeIncident and recordResponse
// =================================================================================================

describe('acknowledgeIncident', () => {
  const NOW = '2026-01-12T09:07:00.000Z';

  test('records the acknowledgement, bumps the version, writes a public entry', () => {
    const before = logged('P1', P1_START);
    const change = acknowledgeIncident(before, desk, NOW)!;
    expect(change.incident).toEqual({ ...before, sla: { generation: 1, acknowledgedAt: NOW, history: [], notices: [] }, updatedAt: NOW, updatedBy: 'dora.desk', version: before.version + 1 });
    expect(change.entries).toEqual([{ type: 'acknowledged', at: NOW, actor: 'dora.desk', visibility: 'public', text: 'Acknowledged by dora.desk' }]);
    expect(slaClocksOf(change.incident, LONDON, d('2026-01-12T10:00:00Z')).acknowledge.state).toBe('achieved');
  });

  test('idempotent: undefined when already acknowledged (by the endpoint or by a desk action)', () => {
    const acknowledged = acknowledgeIncident(logged('P1', P1_START), desk, NOW)!.incident;
    expect(acknowledgeIncident(acknowledged, desk, '2026-01-12T09:10:00.000Z')).toBeUndefined();
    const worked = step(logged('P1', P1_START), { state: 'In Progress' }, '2026-01-12T09:03:00.000Z');
    expect(acknowledgeIncident(worked, desk, NOW)).toBeUndefined();
  });

  test('acknowledges a legacy incident without sla', () => {
    const { sla: _sla, ...legacy } = logged('P3', P1_START);
    expect(acknowledgeIncident(legacy as Incident, desk, NOW)!.incident.sla).toEqual({ generation: 1, acknowledgedAt: NOW, history: [], notices: [] });
  });

  test.each(['Resolved', 'Closed', 'Canceled'] as const)('refuses a %s incident with InvalidInputError naming state', (state) => {
    const incident = { ...logged('P1', P1_START), state };
    let error: unknown;
    try {
      acknowledgeIncident(incident, desk, NOW);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).issues).toEqual([{ field: 'state', message: `an incident that is "${state}" cannot be acknowledged` }]);
  });

  test.each(['New', 'In Progress', 'On Hold'] as const)('acknowledges a %s incident', (state) => {
    expect(acknowledgeIncident({ ...logged('P1', P1_START), state }, desk, NOW)?.incident.sla?.acknowledgedAt).toBe(NOW);
  });
});

describe('recordResponse', () => {
  test('achieves respond and acknowledge when neither was achieved; no version or generation bump', () => {
    const before = logged('P1', P1_START);
    const after = recordResponse(before, '2026-01-12T09:08:00.000Z')!;
    expect(after).toEqual({ ...before, sla: { generation: 1, acknowledgedAt: '2026-01-12T09:08:00.000Z', respondedAt: '2026-01-12T09:08:00.000Z', history: [], notices: [] } });
    const clocks = slaClocksOf(after, LONDON, d('2026-01-12T10:00:00Z'));
    expect([clocks.acknowledge.state, clocks.respond.state, clocks.resolve.state]).toEqual(['achieved', 'achieved', 'running']);
  });

  test('keeps an earlier acknowledgement', () => {
    const acknowledged = acknowledgeIncident(logged('P1', P1_START), desk, '2026-01-12T09:02:00.000Z')!.incident;
    expect(slaOf(recordResponse(acknowledged, '2026-01-12T09:20:00.000Z')!)).toMatchObject({ acknowledgedAt: '2026-01-12T09:02:00.000Z', respondedAt: '2026-01-12T09:20:00.000Z' });
  });

  test('only the first response counts', () => {
    const once = recordResponse(logged('P1', P1_START), '2026-01-12T09:08:00.000Z')!;
    expect(recordResponse(once, '2026-01-12T09:40:00.000Z')).toBeUndefined();
  });

  test.each(['Resolved', 'Closed', 'Canceled'] as const)('nothing for a %s incident', (state) => {
    expect(recordResponse({ ...logged('P1', P1_START), state }, '2026-01-12T09:08:00.000Z')).toBeUndefined();
  });

  test('works on a legacy incident', () => {
    const { sla: _sla, ...legacy } = logged('P1', P1_START);
    expect(recordResponse(legacy as Incident, '2026-01-12T09:08:00.000Z')!.sla).toEqual({ generation: 1, acknowledgedAt: '2026-01-12T09:08:00.000Z', respondedAt: '2026-01-12T09:08:00.000Z', history: [], notices: [] });
  });
});

test('policy used here: P1/P2 24×7, P3–P5 business hours of the client', () => {
  expect(LONDON.calendars.P1).toBe(TWENTY_FOUR_SEVEN);
  expect(LONDON.calendars.P3).toEqual(standardBusinessHours('Europe/London', ['2026-12-25', '2026-12-28']));
});
