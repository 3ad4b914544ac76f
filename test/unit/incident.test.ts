import { DomainError, IllegalTransitionError, InvalidInputError } from '../../src/kernel/domain/domain-errors';
import { thrownAs, thrownBy } from '../support/thrown-by';
import {
  autoClose,
  changeIncident,
  confirmResolution,
  escalateIncident,
  MAX_ESCALATIONS,
  openIncident,
  rejectResolution,
  resolveAutomatically,
  type Actor,
  type Incident,
  type IncidentChange,
  type IncidentChanges,
  type NewIncidentInput,
} from '../../src/modules/incidents/domain/incident';
import { INCIDENT_STATES, ON_HOLD_REASONS, type IncidentState } from '../../src/modules/incidents/domain/incident-lifecycle';
import type { TimelineEntry, TimelineEntryType } from '../../src/modules/incidents/domain/incident-timeline';
import { DEFAULT_PRIORITY_MATRIX, type Priority, type PriorityMatrix } from '../../src/kernel/domain/priority';
import {
  DEFAULT_CONCURRENT_INCIDENT_THRESHOLDS,
  DEFAULT_USERS_AFFECTED_THRESHOLDS,
  type PriorityRules,
} from '../../src/kernel/domain/priority-rules';

const NOW = '2026-03-10T12:00:00.000Z';
const LATER = '2026-03-10T13:30:00.000Z';
const NEXT_DAY = '2026-03-11T08:00:00.000Z';
const MINUTE = 60_000;
const at = (offsetMs: number) => new Date(Date.parse(NOW) + offsetMs).toISOString();

const recorder: Actor = { id: 'sub-recorder-1', name: 'alice.agent' };
const editor: Actor = { id: 'sub-editor-2', name: 'bob.engineer' };
const reporter: Actor = { id: 'sub-reporter-3', name: 'carol.user' };
const owner: Actor = { id: 'sub-owner-4', name: 'olga.owner' };

const RULES: PriorityRules = {
  matrix: DEFAULT_PRIORITY_MATRIX,
  usersAffected: DEFAULT_USERS_AFFECTED_THRESHOLDS,
  concurrentIncidents: DEFAULT_CONCURRENT_INCIDENT_THRESHOLDS,
};
const MATRIX_ONLY: PriorityRules = { matrix: DEFAULT_PRIORITY_MATRIX, usersAffected: [], concurrentIncidents: [] };

const input: NewIncidentInput = {
  shortDescription: 'Email not delivered',
  description: 'Outbound mail queues on the relay since 11:40',
  impact: 2,
  urgency: 1,
  service: 'email',
  category: 'messaging',
  channel: 'phone',
  reportedBy: 'carol.user',
  detectedAt: '2026-03-10T11:45:00.000Z',
};

const RESOLVE: IncidentChanges = {
  state: 'Resolved',
  resolutionCode: 'Solved (permanently)',
  resolutionNotes: 'Restarted the relay',
};

function opened(overrides: Partial<NewIncidentInput> = {}, options: { rules?: PriorityRules; openOnService?: number } = {}): IncidentChange {
  return openIncident({
    id: 'inc-1',
    number: 'INC0000001',
    input: { ...input, ...overrides },
    rules: options.rules ?? RULES,
    ...(options.openOnService !== undefined && { openOnService: options.openOnService }),
    recordedBy: recorder,
    now: NOW,
  });
}

function open(overrides: Partial<NewIncidentInput> = {}, options: { rules?: PriorityRules; openOnService?: number } = {}): Incident {
  return opened(overrides, options).incident;
}

function changed(
  incident: Incident,
  changes: IncidentChanges,
  options: { rules?: PriorityRules; actor?: Actor; now?: string; disasterRecoveryPlan?: string } = {},
): IncidentChange {
  return changeIncident({
    incident,
    changes,
    rules: options.rules ?? RULES,
    actor: options.actor ?? editor,
    now: options.now ?? LATER,
    ...(options.disasterRecoveryPlan !== undefined && { disasterRecovery: { plan: options.disasterRecoveryPlan, source: 'client' as const } }),
  });
}

function change(incident: Incident, changes: IncidentChanges, options: Parameters<typeof changed>[2] = {}): Incident {
  return changed(incident, changes, options).incident;
}

const invalidInput = (fn: () => unknown): InvalidInputError => thrownAs(fn, InvalidInputError);
const illegalTransition = (fn: () => unknown): IllegalTransitionError => thrownAs(fn, IllegalTransitionError);

/** Freezes an object graph so any write to it (in strict-mode code) throws. */
function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const key of Reflect.ownKeys(value)) deepFreeze((value as Record<PropertyKey, unknown>)[key]);
    Object.freeze(value);
  }
  return value;
}

/** An incident already in the given state, built with the domain functions themselves. */
function incidentIn(state: IncidentState): Incident {
  const fresh = open();
  const inProgress = () => change(fresh, { state: 'In Progress' });
  const resolved = () => change(inProgress(), RESOLVE);
  switch (state) {
    case 'New':
      return fresh;
    case 'In Progress':
      return inProgress();
    case 'On Hold':
      return change(inProgress(), { state: 'On Hold', onHoldReason: 'awaiting vendor' });
    case 'Resolved':
      return resolved();
    case 'Closed':
      return confirmResolution(resolved(), reporter, NEXT_DAY).incident;
    case 'Canceled':
      return change(fresh, { state: 'Canceled' });
  }
}

const EDITABLE_OPEN: IncidentState[] = ['New', 'In Progress', 'On Hold'];
const FINAL: IncidentState[] = ['Closed', 'Canceled'];

describe('openIncident', () => {
  test('builds a New incident at version 1 from the input, with a public created entry', () => {
    expect(opened()).toEqual({
      incident: {
        id: 'inc-1',
        number: 'INC0000001',
        shortDescription: 'Email not delivered',
        description: 'Outbound mail queues on the relay since 11:40',
        impact: 2,
        urgency: 1,
        priority: 'P2',
        priorityReasons: ['impact 2 × urgency 1 → P2 (priority matrix)'],
        service: 'email',
        category: 'messaging',
        channel: 'phone',
        reportedBy: 'carol.user',
        recordedBy: 'alice.agent',
        detectedAt: '2026-03-10T11:45:00.000Z',
        state: 'New',
        major: false,
        escalationLevel: 0,
        escalations: [],
        reopenCount: 0,
        createdAt: NOW,
        updatedAt: NOW,
        updatedBy: 'alice.agent',
        version: 1,
      },
      entries: [{ type: 'created', at: NOW, actor: 'alice.agent', visibility: 'public', text: 'Logged via phone as P2' }],
    });
  });

  test('recordedBy and updatedBy are the actor name, not the id', () => {
    const incident = open();
    expect(incident.recordedBy).toBe(recorder.name);
    expect(incident.updatedBy).toBe(recorder.name);
    expect(incident.recordedBy).not.toBe(recorder.id);
  });

  test('sets none of the later-lifecycle fields', () => {
    const incident = open();
    for (const field of ['onHoldReason', 'resolutionCode', 'resolutionNotes', 'resolvedAt', 'resolvedBy', 'closedAt', 'closedBy', 'closureReason', 'duplicateOf', 'majorReason', 'disasterRecoveryPlan']) {
      expect(incident).not.toHaveProperty(field);
    }
  });

  test.each([
    [1, 1, 'P1'],
    [1, 3, 'P3'],
    [3, 3, 'P5'],
  ] as const)('impact %i / urgency %i → priority %s from the default matrix', (impact, urgency, priority) => {
    const { incident, entries } = opened({ impact, urgency });
    expect(incident.priority).toBe(priority);
    expect(entries[0]!.text).toBe(`Logged via phone as ${priority}`);
  });

  test('the priority comes from the matrix in the rules it is given', () => {
    const allP4: PriorityMatrix = {
      '1': { '1': 'P4', '2': 'P4', '3': 'P4' },
      '2': { '1': 'P4', '2': 'P4', '3': 'P4' },
      '3': { '1': 'P4', '2': 'P4', '3': 'P4' },
    };
    expect(open({ impact: 1, urgency: 1 }, { rules: { ...MATRIX_ONLY, matrix: allP4 } }).priority).toBe('P4');
  });

  test('usersAffected raises the matrix priority and says why', () => {
    const incident = open({ impact: 3, urgency: 3, usersAffected: 60 });
    expect(incident.usersAffected).toBe(60);
    expect(incident.priority).toBe('P2');
    expect(incident.priorityReasons).toEqual([
      'impact 3 × urgency 3 → P5 (priority matrix)',
      '60 users affected (≥ 50) → raised to P2',
    ]);
  });

  test.each<[number | undefined, Priority]>([
    [undefined, 'P5'],
    [0, 'P5'],
    [1, 'P5'],
    [2, 'P3'], // 3 open counting this one
    [3, 'P3'],
    [4, 'P2'], // 5 open counting this one
    [20, 'P2'],
  ])('openOnService %p (not counting the new one) → %s for a 3/3 incident', (openOnService, priority) => {
    const incident = open({ impact: 3, urgency: 3 }, openOnService === undefined ? {} : { openOnService });
    expect(incident.priority).toBe(priority);
  });

  test('a concurrency raise names the count including the new incident', () => {
    expect(open({ impact: 3, urgency: 3 }, { openOnService: 2 }).priorityReasons).toEqual([
      'impact 3 × urgency 3 → P5 (priority matrix)',
      '3 open incidents on the service (≥ 3) → raised to P3',
    ]);
  });

  test('thresholds are those of the rules given: none configured, no raise', () => {
    expect(open({ impact: 3, urgency: 3, usersAffected: 5000 }, { rules: MATRIX_ONLY, openOnService: 50 }).priority).toBe('P5');
  });

  test('keeps optional assignment fields', () => {
    const incident = open({ assignmentGroup: 'messaging-team', assignee: 'dave' });
    expect(incident.assignmentGroup).toBe('messaging-team');
    expect(incident.assignee).toBe('dave');
  });

  test('does not mutate its (frozen) input or rules', () => {
    const frozenInput = deepFreeze({ ...input, usersAffected: 300 });
    const frozenRules = deepFreeze(structuredClone(RULES));
    const result = openIncident({ id: 'inc-9', number: 'INC0000009', input: frozenInput, rules: frozenRules, openOnService: 7, recordedBy: recorder, now: NOW });
    expect(result.incident.priority).toBe('P1');
    expect(frozenRules).toEqual(RULES);
  });

  test.each([
    ['in the past', at(-3 * 60 * MINUTE)],
    ['equal to now', NOW],
    ['within the 5 minute clock skew', at(4 * MINUTE)],
    ['exactly 5 minutes ahead', at(5 * MINUTE)],
  ])('accepts detectedAt %s', (_label, detectedAt) => {
    expect(open({ detectedAt }).detectedAt).toBe(detectedAt);
  });

  test.each([
    ['just beyond the 5 minute skew', at(5 * MINUTE + 1000)],
    ['an hour ahead', at(60 * MINUTE)],
    ['next year', '2027-03-10T12:00:00.000Z'],
  ])('refuses detectedAt %s with InvalidInputError naming detectedAt', (_label, detectedAt) => {
    const error = invalidInput(() => open({ detectedAt }));
    expect(error.issues).toEqual([{ field: 'detectedAt', message: 'must not be in the future' }]);
    expect(error.subject).toBe('detectedAt');
  });

  test('compares instants, not strings (a time-zone offset counts)', () => {
    // 14:00+02:00 is 12:00Z: not in the future.
    expect(open({ detectedAt: '2026-03-10T14:00:00+02:00' }).state).toBe('New');
    // 12:00-02:00 is 14:00Z: two hours ahead.
    expect(() => open({ detectedAt: '2026-03-10T12:00:00-02:00' })).toThrow(InvalidInputError);
  });
});

describe('changeIncident: stamps and versions', () => {
  test('increments the version and stamps updatedAt / updatedBy', () => {
    const before = open();
    const after = change(before, { assignee: 'dave' });
    expect(after.version).toBe(2);
    expect(after.updatedAt).toBe(LATER);
    expect(after.updatedBy).toBe('bob.engineer');
    expect(after.assignee).toBe('dave');
    expect(after.createdAt).toBe(NOW);
    expect(after.recordedBy).toBe('alice.agent');
    expect(change(after, { assignee: 'erin' }).version).toBe(3);
  });

  test('leaves unchanged fields alone and records one internal field-change entry', () => {
    const before = open({ assignmentGroup: 'messaging-team' });
    expect(changed(before, { shortDescription: 'Email delayed' })).toEqual({
      incident: { ...before, shortDescription: 'Email delayed', updatedAt: LATER, updatedBy: 'bob.engineer', version: 2 },
      entries: [
        { type: 'field-change', at: LATER, actor: 'bob.engineer', visibility: 'internal', field: 'shortDescription', from: 'Email not delivered', to: 'Email delayed' },
      ],
    });
  });

  test.each<[string, IncidentChanges]>([
    ['the same shortDescription', { shortDescription: 'Email not delivered' }],
    ['the same impact and urgency', { impact: 2, urgency: 1 }],
    ['the same service and category', { service: 'email', category: 'messaging' }],
    ['the current state', { state: 'New' }],
    ['nothing at all', {}],
  ])('a change that sends %s changes nothing and is refused, naming body', (_label, changes) => {
    const error = invalidInput(() => change(open(), changes));
    expect(error.issues).toEqual([{ field: 'body', message: 'changes nothing: every field already has the value sent' }]);
  });

  test('re-sending the current assignee changes nothing', () => {
    const assigned = change(open(), { assignee: 'dave' });
    expect(invalidInput(() => change(assigned, { assignee: 'dave' })).issues.map((i) => i.field)).toEqual(['body']);
  });

  test('re-sending a value alongside a real change records only the real change', () => {
    const { entries } = changed(open(), { shortDescription: 'Email not delivered', description: 'Relay down' });
    expect(entries.map((e) => e.field)).toEqual(['description']);
  });

  test('a refused change leaves the incident untouched', () => {
    const before = deepFreeze(incidentIn('In Progress'));
    const snapshot = structuredClone(before);
    expect(() => change(before, { state: 'On Hold', impact: 1 })).toThrow(InvalidInputError);
    expect(before).toEqual(snapshot);
  });
});

const DEFAULT_RULES_FOR_CONCURRENCY = {
  matrix: DEFAULT_PRIORITY_MATRIX,
  usersAffected: [],
  concurrentIncidents: [
    { atLeast: 3, raiseTo: 'P3' as const },
    { atLeast: 5, raiseTo: 'P2' as const },
  ],
};

describe('changeIncident: priority', () => {
  test.each([
    [{ impact: 1 }, 'P1'],
    [{ urgency: 3 }, 'P4'],
    [{ impact: 3, urgency: 3 }, 'P5'],
    [{ impact: 1, urgency: 1 }, 'P1'],
  ] as const)('recomputes priority for %j (from impact 2 / urgency 1) when a reason is given', (changes, priority) => {
    const after = change(open(), { ...changes, reason: 'reassessed with the caller' });
    expect(after.priority).toBe(priority);
  });

  test('a priority change requires a reason, naming both priorities', () => {
    const error = invalidInput(() => change(open(), { impact: 1 }));
    expect(error.issues).toEqual([{ field: 'reason', message: 'is required when the priority changes (P2 → P1)' }]);
  });

  test.each(['', '   ', '\t\n'])('a blank reason %j does not explain a priority change', (reason) => {
    expect(invalidInput(() => change(open(), { impact: 1, reason })).issues.map((i) => i.field)).toEqual(['reason']);
  });

  test('a reason is refused when the priority does not change', () => {
    // impact 1 / urgency 2 is P2, like impact 2 / urgency 1.
    const error = invalidInput(() => change(open(), { impact: 1, urgency: 2, reason: 'just because' }));
    expect(error.issues).toEqual([{ field: 'reason', message: 'is only used to explain a priority change, and the priority does not change' }]);
    expect(invalidInput(() => change(open(), { assignee: 'dave', reason: 'x' })).issues.map((i) => i.field)).toEqual(['reason']);
  });

  test('impact and urgency that keep the priority need no reason', () => {
    const after = change(open(), { impact: 1, urgency: 2 });
    expect(after).toMatchObject({ impact: 1, urgency: 2, priority: 'P2' });
    // The reasons follow the facts even when the priority stays the same.
    expect(after.priorityReasons).toEqual(['impact 1 × urgency 2 → P2 (priority matrix)']);
  });

  test('a raise from concurrent incidents at logging survives later changes to impact or urgency', () => {
    const logged = openIncident({
      id: 'i-conc',
      number: 'INC0000099',
      input: { ...input, impact: 3, urgency: 3 },
      rules: DEFAULT_RULES_FOR_CONCURRENCY,
      openOnService: 4,
      recordedBy: { id: 'a', name: 'alice' },
      now: '2026-11-25T10:00:00.000Z',
    }).incident;
    expect(logged).toMatchObject({ priority: 'P2', concurrentIncidentsAtLogging: 5 });
    const next = changeIncident({ incident: logged, changes: { impact: 2 }, rules: DEFAULT_RULES_FOR_CONCURRENCY, actor: { id: 'a', name: 'alice' }, now: '2026-11-25T10:05:00.000Z' });
    expect(next.incident.priority).toBe('P2');
    expect(next.incident.priorityReasons.join(' | ')).toMatch(/5 open incidents on the service/);
  });

  test('keeps impact and urgency that are not changed', () => {
    const after = change(open(), { urgency: 2, reason: 'workaround in place' });
    expect(after.impact).toBe(2);
    expect(after.urgency).toBe(2);
    expect(after.priority).toBe('P3');
  });

  test('records the trimmed reason on a public priority-change entry and in priorityReasons', () => {
    const { incident, entries } = changed(open(), { impact: 1, reason: '  whole office affected  ' });
    expect(entries).toEqual([
      { type: 'field-change', at: LATER, actor: 'bob.engineer', visibility: 'internal', field: 'impact', from: 2, to: 1 },
      { type: 'priority-change', at: LATER, actor: 'bob.engineer', visibility: 'public', from: 'P2', to: 'P1', reason: 'whole office affected' },
    ]);
    expect(incident.priorityReasons).toEqual([
      'impact 1 × urgency 1 → P1 (priority matrix)',
      'changed by bob.engineer: whole office affected',
    ]);
  });

  test('usersAffected raises the priority through the thresholds', () => {
    const low = open({ impact: 3, urgency: 3 });
    const { incident, entries } = changed(low, { usersAffected: 300, reason: 'site-wide outage' });
    expect(incident.priority).toBe('P1');
    expect(incident.usersAffected).toBe(300);
    expect(incident.priorityReasons).toEqual([
      'impact 3 × urgency 3 → P5 (priority matrix)',
      '300 users affected (≥ 250) → raised to P1',
      'changed by bob.engineer: site-wide outage',
    ]);
    expect(entries.map((e) => e.type)).toEqual(['field-change', 'priority-change']);
    expect(entries[0]).toMatchObject({ field: 'usersAffected', to: 300, visibility: 'internal' });
  });

  test('a usersAffected raise is kept when impact or urgency change later', () => {
    const raised = change(open({ impact: 3, urgency: 3 }), { usersAffected: 60, reason: 'many users' });
    expect(raised.priority).toBe('P2');
    // 3/2 is P4 on the matrix, but the 60 users still raise it to P2.
    const after = change(raised, { urgency: 2 });
    expect(after.priority).toBe('P2');
  });

  test('a raise made at logging time from concurrent incidents is kept when other fields change', () => {
    const raised = open({ impact: 3, urgency: 3 }, { openOnService: 4 });
    expect(raised.priority).toBe('P2');
    const after = change(raised, { assignee: 'dave', description: 'More detail' });
    expect(after.priority).toBe('P2');
    expect(after.priorityReasons).toEqual(raised.priorityReasons);
  });

  test('uses the matrix in the rules it is given', () => {
    const custom: PriorityMatrix = {
      '1': { '1': 'P1', '2': 'P1', '3': 'P1' },
      '2': { '1': 'P2', '2': 'P2', '3': 'P2' },
      '3': { '1': 'P5', '2': 'P5', '3': 'P5' },
    };
    const rules = { ...MATRIX_ONLY, matrix: custom };
    const base = open({}, { rules });
    expect(change(base, { impact: 3, reason: 'r' }, { rules }).priority).toBe('P5');
    expect(change(base, { urgency: 3 }, { rules }).priority).toBe('P2');
  });
});

describe('changeIncident: On Hold', () => {
  test('putting an incident On Hold requires onHoldReason', () => {
    const error = invalidInput(() => change(incidentIn('In Progress'), { state: 'On Hold' }));
    expect(error.issues).toEqual([{ field: 'onHoldReason', message: 'is required to put an incident On Hold' }]);
  });

  test.each(ON_HOLD_REASONS.map((r) => [r]))('On Hold "%s" keeps the reason and shows it on the public state-change entry', (reason) => {
    const { incident, entries } = changed(incidentIn('In Progress'), { state: 'On Hold', onHoldReason: reason });
    expect(incident.state).toBe('On Hold');
    expect(incident.onHoldReason).toBe(reason);
    expect(entries).toEqual([
      { type: 'state-change', at: LATER, actor: 'bob.engineer', visibility: 'public', from: 'In Progress', to: 'On Hold', reason },
    ]);
  });

  test('the reason of an On Hold incident may be changed without changing the state, and the change is recorded', () => {
    const { incident, entries } = changed(incidentIn('On Hold'), { onHoldReason: 'awaiting change' });
    expect(incident.state).toBe('On Hold');
    expect(incident.onHoldReason).toBe('awaiting change');
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ field: 'onHoldReason', from: 'awaiting vendor', to: 'awaiting change', at: LATER, actor: 'bob.engineer' });
  });

  test('re-sending the current On Hold reason changes nothing', () => {
    expect(invalidInput(() => change(incidentIn('On Hold'), { onHoldReason: 'awaiting vendor' })).issues.map((i) => i.field)).toEqual(['body']);
  });

  test.each<IncidentState>(['New', 'In Progress', 'Resolved'])('onHoldReason is refused on a %s incident', (state) => {
    const error = invalidInput(() => change(incidentIn(state), { onHoldReason: 'awaiting vendor' }));
    expect(error.issues[0]).toEqual({ field: 'onHoldReason', message: 'may only be set when the state is "On Hold"' });
  });

  test('onHoldReason is refused when leaving On Hold', () => {
    const error = invalidInput(() => change(incidentIn('On Hold'), { state: 'In Progress', onHoldReason: 'awaiting vendor' }));
    expect(error.issues.map((i) => i.field)).toEqual(['onHoldReason']);
  });

  test('leaving On Hold clears the reason', () => {
    const after = change(incidentIn('On Hold'), { state: 'In Progress' });
    expect(after.state).toBe('In Progress');
    expect(after).not.toHaveProperty('onHoldReason');
  });

  test('canceling an On Hold incident clears the reason', () => {
    const after = change(incidentIn('On Hold'), { state: 'Canceled' });
    expect(after.state).toBe('Canceled');
    expect(after).not.toHaveProperty('onHoldReason');
  });
});

describe('changeIncident: resolving', () => {
  const resolve: IncidentChanges = {
    state: 'Resolved',
    resolutionCode: 'Solved (workaround)',
    resolutionNotes: 'Rerouted mail through the backup relay',
  };

  test('resolving with code and notes stamps resolvedAt and resolvedBy', () => {
    const { incident, entries } = changed(incidentIn('In Progress'), resolve);
    expect(incident.state).toBe('Resolved');
    expect(incident.resolutionCode).toBe('Solved (workaround)');
    expect(incident.resolutionNotes).toBe('Rerouted mail through the backup relay');
    expect(incident.resolvedAt).toBe(LATER);
    expect(incident.resolvedBy).toBe('bob.engineer');
    expect(incident).not.toHaveProperty('closedAt');
    expect(incident).not.toHaveProperty('closedBy');
    expect(entries).toEqual([
      { type: 'state-change', at: LATER, actor: 'bob.engineer', visibility: 'public', from: 'In Progress', to: 'Resolved', text: 'Rerouted mail through the backup relay' },
    ]);
  });

  test('resolving requires resolutionCode', () => {
    const error = invalidInput(() => change(incidentIn('In Progress'), { state: 'Resolved', resolutionNotes: 'Rerouted mail' }));
    expect(error.issues).toEqual([{ field: 'resolutionCode', message: 'is required to resolve an incident' }]);
  });

  test('resolving requires resolutionNotes', () => {
    const error = invalidInput(() => change(incidentIn('In Progress'), { state: 'Resolved', resolutionCode: 'Duplicate' }));
    expect(error.issues).toEqual([{ field: 'resolutionNotes', message: 'is required to resolve an incident and must not be blank' }]);
  });

  test.each(['', '   ', '\n\t '])('resolving refuses blank resolutionNotes %j', (notes) => {
    const error = invalidInput(() =>
      change(incidentIn('In Progress'), { state: 'Resolved', resolutionCode: 'Duplicate', resolutionNotes: notes }),
    );
    expect(error.issues.map((i) => i.field)).toEqual(['resolutionNotes']);
  });

  test('resolving without code or notes reports both fields', () => {
    const error = invalidInput(() => change(incidentIn('In Progress'), { state: 'Resolved' }));
    expect(error.issues.map((i) => i.field)).toEqual(['resolutionCode', 'resolutionNotes']);
    expect(error.message).toContain('resolutionCode: is required to resolve an incident');
  });

  test.each<[IncidentState, IncidentChanges, string]>([
    ['In Progress', { resolutionCode: 'Duplicate' }, 'resolutionCode'],
    ['In Progress', { resolutionNotes: 'Some notes' }, 'resolutionNotes'],
    ['New', { resolutionCode: 'Duplicate', resolutionNotes: 'x' }, 'resolutionCode'],
    ['On Hold', { state: 'In Progress', resolutionNotes: 'x' }, 'resolutionNotes'],
    ['On Hold', { resolutionCode: 'Duplicate' }, 'resolutionCode'],
    ['In Progress', { state: 'On Hold', onHoldReason: 'awaiting vendor', resolutionCode: 'Duplicate' }, 'resolutionCode'],
    ['In Progress', { state: 'Canceled', resolutionNotes: 'Not needed' }, 'resolutionNotes'],
    ['Resolved', { resolutionNotes: 'late notes' }, 'resolutionNotes'],
    ['Resolved', { resolutionCode: 'Remediated' }, 'resolutionCode'],
  ])('a %s incident refuses resolution fields when not resolving: %j', (state, changes, field) => {
    const error = invalidInput(() => change(incidentIn(state), changes));
    expect(error.issues[0]).toEqual({ field, message: 'may only be set when resolving the incident' });
  });

  test('a Resolved incident may still have plain fields corrected', () => {
    const after = change(incidentIn('Resolved'), { workaround: 'Use webmail' });
    expect(after.state).toBe('Resolved');
    expect(after.workaround).toBe('Use webmail');
    expect(after.resolutionCode).toBe('Solved (permanently)');
  });
});

describe('changeIncident: closing and reopening are not PATCH operations', () => {
  test.each<IncidentState>(['New', 'In Progress', 'On Hold', 'Resolved'])('%s → Closed is refused, pointing at confirm', (state) => {
    const error = invalidInput(() => change(incidentIn(state), { state: 'Closed' }));
    expect(error.issues).toHaveLength(1);
    expect(error.issues[0]!.field).toBe('state');
    expect(error.issues[0]!.message).toContain('/confirm');
  });

  test('Resolved → In Progress is refused, pointing at reject', () => {
    const error = invalidInput(() => change(incidentIn('Resolved'), { state: 'In Progress' }));
    expect(error.issues).toHaveLength(1);
    expect(error.issues[0]!.field).toBe('state');
    expect(error.issues[0]!.message).toContain('/reject');
  });
});

describe('changeIncident: closed and canceled incidents', () => {
  test.each<[IncidentState, IncidentChanges, string]>([
    ['Closed', { shortDescription: 'New text' }, 'shortDescription'],
    ['Closed', { impact: 1 }, 'impact'],
    ['Closed', { state: 'Closed', assignee: 'dave' }, 'state'],
    ['Closed', { state: 'In Progress' }, 'state'],
    ['Canceled', { assignee: 'dave' }, 'assignee'],
    ['Canceled', { description: 'More detail' }, 'description'],
    ['Canceled', {}, 'state'],
  ])('a %s incident refuses changes %j', (state, changes, field) => {
    const error = invalidInput(() => change(incidentIn(state), changes));
    expect(error.issues).toEqual([{ field, message: `cannot be changed while the incident is "${state}"` }]);
  });
});

describe('changeIncident: transitions', () => {
  const APPLIED: [IncidentState, IncidentState][] = [
    ['New', 'In Progress'],
    ['New', 'Canceled'],
    ['In Progress', 'On Hold'],
    ['In Progress', 'Resolved'],
    ['In Progress', 'Canceled'],
    ['On Hold', 'In Progress'],
    ['On Hold', 'Canceled'],
  ];
  const required: Partial<Record<IncidentState, IncidentChanges>> = {
    'On Hold': { onHoldReason: 'awaiting problem' },
    Resolved: { resolutionCode: 'Not solved (not reproducible)', resolutionNotes: 'Could not reproduce' },
  };

  type Outcome = 'applied' | 'illegal-transition' | 'invalid-input';
  /** What PATCH does for each move between distinct states, as specified. */
  function expectedOutcome(from: IncidentState, to: IncidentState): Outcome {
    if (FINAL.includes(from)) return 'invalid-input'; // nothing changes on a closed or canceled incident
    if (to === 'Closed') return 'invalid-input'; // confirm / auto-close
    if (from === 'Resolved' && to === 'In Progress') return 'invalid-input'; // reject
    return APPLIED.some(([f, t]) => f === from && t === to) ? 'applied' : 'illegal-transition';
  }
  const PAIRS = INCIDENT_STATES.flatMap((from) =>
    INCIDENT_STATES.filter((to) => to !== from).map((to): [IncidentState, IncidentState, Outcome] => [from, to, expectedOutcome(from, to)]),
  );

  test('the 30 moves split into 7 applied, 8 illegal and 15 refused as invalid input', () => {
    const count = (outcome: Outcome) => PAIRS.filter(([, , o]) => o === outcome).length;
    expect(PAIRS).toHaveLength(30);
    expect([count('applied'), count('illegal-transition'), count('invalid-input')]).toEqual([7, 8, 15]);
  });

  test.each(PAIRS)('%s → %s: %s', (from, to, outcome) => {
    const before = incidentIn(from);
    const attempt = () => changed(before, { state: to, ...required[to] });
    if (outcome === 'applied') {
      const { incident, entries } = attempt();
      expect(incident.state).toBe(to);
      expect(incident.version).toBe(before.version + 1);
      expect(entries.filter((e) => e.type === 'state-change')).toEqual([
        expect.objectContaining({ from, to, visibility: 'public', at: LATER, actor: 'bob.engineer' }),
      ]);
    } else if (outcome === 'illegal-transition') {
      const error = illegalTransition(attempt);
      expect(error.from).toBe(from);
      expect(error.to).toBe(to);
    } else {
      invalidInput(attempt);
    }
  });

  test('the illegal transition is reported before missing fields', () => {
    // New → Resolved without resolution fields: the lifecycle error wins.
    expect(() => change(incidentIn('New'), { state: 'Resolved' })).toThrow(IllegalTransitionError);
  });

  test('naming the current state is not a transition', () => {
    const { incident, entries } = changed(incidentIn('In Progress'), { state: 'In Progress', assignee: 'dave' });
    expect(incident.state).toBe('In Progress');
    expect(incident.assignee).toBe('dave');
    expect(entries.map((e) => e.type)).toEqual(['assignment-change']);
  });

  test('canceling a New incident sets no resolution or close stamps', () => {
    const after = change(incidentIn('New'), { state: 'Canceled' });
    expect(after.state).toBe('Canceled');
    for (const field of ['resolvedAt', 'resolvedBy', 'closedAt', 'closedBy', 'duplicateOf']) expect(after).not.toHaveProperty(field);
  });

  test('a field change may accompany a transition', () => {
    const after = change(incidentIn('New'), { state: 'In Progress', assignee: 'dave', impact: 1, reason: 'office-wide' });
    expect(after).toMatchObject({ state: 'In Progress', assignee: 'dave', impact: 1, priority: 'P1' });
  });
});

describe('changeIncident: canceling as a duplicate', () => {
  test.each<IncidentState>(EDITABLE_OPEN)('a %s incident canceled with duplicateOf keeps the reference and says so publicly', (state) => {
    const before = incidentIn(state);
    const { incident, entries } = changed(before, { state: 'Canceled', duplicateOf: 'INC0000002' });
    expect(incident.state).toBe('Canceled');
    expect(incident.duplicateOf).toBe('INC0000002');
    expect(entries).toEqual([
      { type: 'state-change', at: LATER, actor: 'bob.engineer', visibility: 'public', from: state, to: 'Canceled', reason: 'duplicate of INC0000002' },
    ]);
  });

  test.each<[IncidentState, IncidentChanges]>([
    ['New', { duplicateOf: 'INC0000002' }],
    ['In Progress', { duplicateOf: 'INC0000002', assignee: 'dave' }],
    ['In Progress', { state: 'On Hold', onHoldReason: 'awaiting problem', duplicateOf: 'INC0000002' }],
    ['On Hold', { state: 'In Progress', duplicateOf: 'INC0000002' }],
    ['Resolved', { duplicateOf: 'INC0000002' }],
  ])('duplicateOf is refused when a %s incident is not being canceled: %j', (state, changes) => {
    const error = invalidInput(() => change(incidentIn(state), changes));
    expect(error.issues).toEqual([{ field: 'duplicateOf', message: 'may only be set when canceling the incident as a duplicate' }]);
  });

  test.each(['inc-1', 'INC0000001'])('an incident cannot be canceled as a duplicate of itself (%s)', (self) => {
    const error = invalidInput(() => change(incidentIn('In Progress'), { state: 'Canceled', duplicateOf: self }));
    expect(error.issues).toEqual([{ field: 'duplicateOf', message: 'an incident cannot duplicate itself' }]);
  });
});

describe('changeIncident: major incidents', () => {
  test('declaring major requires majorReason', () => {
    const error = invalidInput(() => change(incidentIn('In Progress'), { major: true }));
    expect(error.issues).toEqual([{ field: 'majorReason', message: 'is required to declare a major incident' }]);
  });

  test.each(['', '   '])('a blank majorReason %j does not declare a major incident', (majorReason) => {
    expect(invalidInput(() => change(incidentIn('In Progress'), { major: true, majorReason })).issues.map((i) => i.field)).toEqual(['majorReason']);
  });

  test('majorReason without major is refused', () => {
    const error = invalidInput(() => change(incidentIn('In Progress'), { majorReason: 'Payroll down' }));
    expect(error.issues).toEqual([{ field: 'majorReason', message: 'may only be given with "major": true' }]);
  });

  test('declaring major records the trimmed reason, the disaster-recovery plan and an internal major-incident entry', () => {
    const { incident, entries } = changed(
      incidentIn('In Progress'),
      { major: true, majorReason: '  Payroll cannot run  ' },
      { actor: owner, disasterRecoveryPlan: 'DRP-2026-01' },
    );
    expect(incident).toMatchObject({ major: true, majorReason: 'Payroll cannot run', disasterRecoveryPlan: 'DRP-2026-01', updatedBy: 'olga.owner' });
    expect(entries).toEqual([{ type: 'major-incident', at: LATER, actor: 'olga.owner', visibility: 'internal', reason: 'Payroll cannot run' }]);
  });

  test('without a disaster-recovery plan none is recorded', () => {
    const after = change(incidentIn('New'), { major: true, majorReason: 'Payroll cannot run' }, { actor: owner });
    expect(after.major).toBe(true);
    expect(after).not.toHaveProperty('disasterRecoveryPlan');
  });

  test('a major incident stays major', () => {
    const major = change(incidentIn('In Progress'), { major: true, majorReason: 'Payroll cannot run' }, { actor: owner });
    const error = invalidInput(() => change(major, { major: false }));
    expect(error.issues.map((i) => i.field)).toEqual(['major']);
  });

  test('declaring an already-major incident major again changes nothing', () => {
    const major = change(incidentIn('In Progress'), { major: true, majorReason: 'Payroll cannot run' }, { actor: owner });
    expect(invalidInput(() => change(major, { major: true }, { actor: owner })).issues.map((i) => i.field)).toEqual(['body']);
  });
});

describe('confirmResolution', () => {
  test('closes a Resolved incident in the name of the reporter, keeping the resolution', () => {
    const resolved = incidentIn('Resolved');
    const { incident, entries } = confirmResolution(resolved, reporter, NEXT_DAY);
    expect(incident).toEqual({
      ...resolved,
      state: 'Closed',
      closedAt: NEXT_DAY,
      closedBy: 'carol.user',
      closureReason: 'Resolution confirmed by the reporter',
      updatedAt: NEXT_DAY,
      updatedBy: 'carol.user',
      version: resolved.version + 1,
    });
    expect(incident.resolutionCode).toBe('Solved (permanently)');
    expect(entries).toEqual([
      { type: 'closed', at: NEXT_DAY, actor: 'carol.user', visibility: 'public', from: 'Resolved', to: 'Closed', reason: 'Resolution confirmed by the reporter' },
    ]);
  });

  test.each<IncidentState>(['New', 'In Progress', 'On Hold', 'Closed', 'Canceled'])('refuses a %s incident', (state) => {
    const before = deepFreeze(incidentIn(state));
    const error = thrownBy(() => confirmResolution(before, reporter, NEXT_DAY));
    expect(error).toBeInstanceOf(DomainError);
    expect(['illegal-transition', 'invalid-input']).toContain((error as DomainError).kind);
  });

  test('a Closed incident cannot be edited any more', () => {
    const closed = confirmResolution(incidentIn('Resolved'), reporter, NEXT_DAY).incident;
    expect(invalidInput(() => change(closed, { assignee: 'dave' })).issues[0]!.message).toContain('"Closed"');
  });
});

describe('rejectResolution', () => {
  test('reopens a Resolved incident: In Progress, reopen counted, resolution cleared', () => {
    const resolved = incidentIn('Resolved');
    const { incident, entries } = rejectResolution(resolved, reporter, 'Mail still bounces', NEXT_DAY);
    expect(incident.state).toBe('In Progress');
    expect(incident.reopenCount).toBe(1);
    expect(incident.version).toBe(resolved.version + 1);
    expect(incident.updatedAt).toBe(NEXT_DAY);
    expect(incident.updatedBy).toBe('carol.user');
    for (const field of ['resolutionCode', 'resolutionNotes', 'resolvedAt', 'resolvedBy', 'closedAt', 'closedBy']) {
      expect(incident).not.toHaveProperty(field);
    }
    expect(entries).toEqual([
      {
        type: 'reopened',
        at: NEXT_DAY,
        actor: 'carol.user',
        visibility: 'public',
        from: 'Resolved',
        to: 'In Progress',
        reason: 'Mail still bounces',
        text: 'Rejected resolution: Solved (permanently) — Restarted the relay',
      },
    ]);
  });

  test('each rejection is counted', () => {
    const first = rejectResolution(incidentIn('Resolved'), reporter, 'still broken', NEXT_DAY).incident;
    const again = change(first, { state: 'Resolved', resolutionCode: 'Remediated', resolutionNotes: 'Replaced the relay' });
    expect(again).toMatchObject({ state: 'Resolved', resolutionCode: 'Remediated', resolvedBy: 'bob.engineer', reopenCount: 1 });
    const second = rejectResolution(again, reporter, 'still broken', NEXT_DAY).incident;
    expect(second.reopenCount).toBe(2);
  });

  test.each<IncidentState>(['New', 'In Progress', 'On Hold', 'Closed', 'Canceled'])('refuses a %s incident', (state) => {
    const before = deepFreeze(incidentIn(state));
    const error = thrownBy(() => rejectResolution(before, reporter, 'nope', NEXT_DAY));
    expect(error).toBeInstanceOf(DomainError);
    expect(['illegal-transition', 'invalid-input']).toContain((error as DomainError).kind);
  });
});

describe('autoClose', () => {
  test('closes a Resolved incident as system:auto-close, saying which period passed', () => {
    const resolved = incidentIn('Resolved');
    const { incident, entries } = autoClose(resolved, '2026-03-17T14:00:00.000Z', 'P7D');
    expect(incident).toMatchObject({
      state: 'Closed',
      closedAt: '2026-03-17T14:00:00.000Z',
      closedBy: 'system:auto-close',
      updatedBy: 'system:auto-close',
      version: resolved.version + 1,
      resolutionCode: resolved.resolutionCode,
    });
    expect(incident.closureReason).toContain('P7D');
    expect(incident.closureReason).toMatch(/automatically/i);
    expect(entries).toEqual([
      expect.objectContaining({ type: 'closed', actor: 'system:auto-close', visibility: 'public', at: '2026-03-17T14:00:00.000Z', from: 'Resolved', to: 'Closed', reason: incident.closureReason }),
    ]);
  });

  test('the period in the reason is the one configured', () => {
    expect(autoClose(incidentIn('Resolved'), NEXT_DAY, 'PT36H').incident.closureReason).toContain('PT36H');
  });

  test.each<IncidentState>(['New', 'In Progress', 'On Hold', 'Closed', 'Canceled'])('refuses a %s incident', (state) => {
    illegalTransition(() => autoClose(incidentIn(state), NEXT_DAY, 'P7D'));
  });
});

describe('escalateIncident', () => {
  test('a functional escalation raises the level, records it, and moves the group', () => {
    const before = change(incidentIn('In Progress'), { assignmentGroup: 'service-desk' });
    const { incident, entries } = escalateIncident(
      before,
      { kind: 'functional', to: 'network-l3', reason: 'needs routing expertise', assignmentGroup: 'network-team' },
      editor,
      NEXT_DAY,
    );
    expect(incident).toEqual({
      ...before,
      assignmentGroup: 'network-team',
      escalationLevel: 1,
      escalations: [{ kind: 'functional', level: 1, to: 'network-l3', reason: 'needs routing expertise', at: NEXT_DAY, by: 'bob.engineer' }],
      updatedAt: NEXT_DAY,
      updatedBy: 'bob.engineer',
      version: before.version + 1,
    });
    expect(entries).toEqual([
      { type: 'escalation', at: NEXT_DAY, actor: 'bob.engineer', visibility: 'internal', to: 'functional → network-l3 (level 1)', reason: 'needs routing expertise' },
      { type: 'assignment-change', at: NEXT_DAY, actor: 'bob.engineer', visibility: 'internal', field: 'assignmentGroup', from: 'service-desk', to: 'network-team' },
    ]);
  });

  test('escalations accumulate and each raises the level by one', () => {
    const first = escalateIncident(incidentIn('In Progress'), { kind: 'functional', to: 'network-l3', reason: 'expertise' }, editor, LATER).incident;
    const second = escalateIncident(first, { kind: 'hierarchical', to: 'service-owner', reason: 'SLA at risk' }, owner, NEXT_DAY).incident;
    expect(second.escalationLevel).toBe(2);
    expect(second.escalations).toEqual([
      { kind: 'functional', level: 1, to: 'network-l3', reason: 'expertise', at: LATER, by: 'bob.engineer' },
      { kind: 'hierarchical', level: 2, to: 'service-owner', reason: 'SLA at risk', at: NEXT_DAY, by: 'olga.owner' },
    ]);
  });

  test('without an assignmentGroup the group is unchanged and only the escalation is recorded', () => {
    const before = change(incidentIn('In Progress'), { assignmentGroup: 'service-desk' });
    const { incident, entries } = escalateIncident(before, { kind: 'hierarchical', to: 'it-manager', reason: 'VIP' }, editor, NEXT_DAY);
    expect(incident.assignmentGroup).toBe('service-desk');
    expect(entries.map((e) => e.type)).toEqual(['escalation']);
  });

  test('naming the current group records no assignment change', () => {
    const before = change(incidentIn('In Progress'), { assignmentGroup: 'network-team' });
    const { entries } = escalateIncident(before, { kind: 'functional', to: 'network-l3', reason: 'r', assignmentGroup: 'network-team' }, editor, NEXT_DAY);
    expect(entries.map((e) => e.type)).toEqual(['escalation']);
  });

  test.each<IncidentState>(EDITABLE_OPEN)('a %s incident may be escalated', (state) => {
    expect(escalateIncident(incidentIn(state), { kind: 'functional', to: 'x', reason: 'r' }, editor, NEXT_DAY).incident.escalationLevel).toBe(1);
  });

  test.each<IncidentState>(['Resolved', 'Closed', 'Canceled'])('a %s incident cannot be escalated', (state) => {
    const error = invalidInput(() => escalateIncident(incidentIn(state), { kind: 'functional', to: 'x', reason: 'r' }, editor, NEXT_DAY));
    expect(error.issues).toEqual([{ field: 'state', message: `an incident that is "${state}" cannot be escalated` }]);
  });
});

describe('the full lifecycle through the operations', () => {
  test('log → work → hold → resume → resolve → reject → resolve → confirm', () => {
    const steps: IncidentChange[] = [];
    const record = (step: IncidentChange) => {
      steps.push(step);
      return step.incident;
    };
    let incident = record(opened());
    incident = record(changed(incident, { state: 'In Progress', assignmentGroup: 'messaging-team', assignee: 'dave' }));
    incident = record(changed(incident, { state: 'On Hold', onHoldReason: 'awaiting vendor' }));
    incident = record(changed(incident, { state: 'In Progress' }));
    incident = record(escalateIncident(incident, { kind: 'functional', to: 'mail-vendor', reason: 'relay firmware' }, editor, LATER));
    incident = record(changed(incident, RESOLVE));
    incident = record(rejectResolution(incident, reporter, 'Still bouncing', NEXT_DAY));
    incident = record(changed(incident, { state: 'Resolved', resolutionCode: 'Remediated', resolutionNotes: 'Firmware updated' }, { now: NEXT_DAY }));
    incident = record(confirmResolution(incident, reporter, NEXT_DAY));

    expect(steps.map((s) => s.incident.state)).toEqual([
      'New', 'In Progress', 'On Hold', 'In Progress', 'In Progress', 'Resolved', 'In Progress', 'Resolved', 'Closed',
    ]);
    expect(steps.map((s) => s.incident.version)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(steps.flatMap((s) => s.entries.map((e) => e.type))).toEqual([
      'created',
      'assignment-change', 'assignment-change', 'state-change',
      'state-change',
      'state-change',
      'escalation',
      'state-change',
      'reopened',
      'state-change',
      'closed',
    ]);
    expect(incident).toMatchObject({
      state: 'Closed',
      closedBy: 'carol.user',
      resolutionCode: 'Remediated',
      resolutionNotes: 'Firmware updated',
      resolvedBy: 'bob.engineer',
      reopenCount: 1,
      escalationLevel: 1,
      assignmentGroup: 'messaging-team',
      assignee: 'dave',
    });
    expect(incident).not.toHaveProperty('onHoldReason');
  });
});

describe('timeline entries', () => {
  /** One change of each kind, with the type and visibility its entries must have. */
  const cases: [string, () => IncidentChange, TimelineEntryType, 'public' | 'internal'][] = [
    ['open', () => opened(), 'created', 'public'],
    ['state change', () => changed(incidentIn('New'), { state: 'In Progress' }), 'state-change', 'public'],
    ['resolve', () => changed(incidentIn('In Progress'), RESOLVE), 'state-change', 'public'],
    ['priority change', () => changed(open(), { urgency: 3, reason: 'can wait' }), 'priority-change', 'public'],
    ['major declaration', () => changed(open(), { major: true, majorReason: 'all mail down' }), 'major-incident', 'internal'],
    ['reject', () => rejectResolution(incidentIn('Resolved'), reporter, 'no', LATER), 'reopened', 'public'],
    ['confirm', () => confirmResolution(incidentIn('Resolved'), reporter, LATER), 'closed', 'public'],
    ['auto-close', () => autoClose(incidentIn('Resolved'), LATER, 'P7D'), 'closed', 'public'],
    ['assignee change', () => changed(open(), { assignee: 'dave' }), 'assignment-change', 'internal'],
    ['group change', () => changed(open(), { assignmentGroup: 'mail' }), 'assignment-change', 'internal'],
    ['description change', () => changed(open(), { description: 'More' }), 'field-change', 'internal'],
    ['impact change', () => changed(open(), { impact: 1, reason: 'r' }), 'field-change', 'internal'],
    ['workaround change', () => changed(open(), { workaround: 'Use webmail' }), 'field-change', 'internal'],
    ['escalation', () => escalateIncident(open(), { kind: 'functional', to: 'x', reason: 'r' }, editor, LATER), 'escalation', 'internal'],
  ];

  test.each(cases)('%s → a %s entry that is %s', (_label, run, type, visibility) => {
    const entries = run().entries.filter((e) => e.type === type);
    expect(entries.length).toBeGreaterThan(0);
    for (const entry of entries) expect(entry.visibility).toBe(visibility);
  });

  test('every entry is stamped with the actor name and the time of the operation', () => {
    const stamped: [IncidentChange, string, string][] = [
      [opened(), 'alice.agent', NOW],
      [changed(open(), { state: 'In Progress', assignee: 'dave', description: 'x', impact: 1, reason: 'r' }), 'bob.engineer', LATER],
      [changed(open(), { major: true, majorReason: 'm' }, { actor: owner, now: NEXT_DAY }), 'olga.owner', NEXT_DAY],
      [escalateIncident(open(), { kind: 'functional', to: 'x', reason: 'r', assignmentGroup: 'g' }, owner, NEXT_DAY), 'olga.owner', NEXT_DAY],
      [rejectResolution(incidentIn('Resolved'), reporter, 'no', NEXT_DAY), 'carol.user', NEXT_DAY],
      [confirmResolution(incidentIn('Resolved'), reporter, NEXT_DAY), 'carol.user', NEXT_DAY],
      [autoClose(incidentIn('Resolved'), NEXT_DAY, 'P7D'), 'system:auto-close', NEXT_DAY],
    ];
    for (const [{ entries }, actor, time] of stamped) {
      expect(entries.length).toBeGreaterThan(0);
      for (const entry of entries) expect(entry).toMatchObject<Partial<TimelineEntry>>({ actor, at: time });
    }
  });

  test('one PATCH touching several things records each, in a fixed order', () => {
    const { entries } = changed(open(), {
      state: 'In Progress',
      assignee: 'dave',
      description: 'Relay down',
      impact: 1,
      reason: 'whole office',
      major: true,
      majorReason: 'all mail down',
    });
    expect(entries.map((e) => [e.type, e.field])).toEqual([
      ['field-change', 'description'],
      ['field-change', 'impact'],
      ['priority-change', undefined],
      ['assignment-change', 'assignee'],
      ['state-change', undefined],
      ['major-incident', undefined],
    ]);
  });
});

describe('inputs are never mutated', () => {
  const frozen = (state: IncidentState) => deepFreeze(incidentIn(state));
  const frozenRules = deepFreeze(structuredClone(RULES));

  test.each<[string, () => Incident, (incident: Incident) => unknown]>([
    ['changeIncident (fields + priority)', () => frozen('In Progress'), (i) => changeIncident({ incident: i, changes: deepFreeze<IncidentChanges>({ impact: 1, assignee: 'dave', reason: 'r' }), rules: frozenRules, actor: editor, now: LATER })],
    ['changeIncident (resolve)', () => frozen('In Progress'), (i) => change(i, deepFreeze({ ...RESOLVE }))],
    ['changeIncident (leave On Hold)', () => frozen('On Hold'), (i) => change(i, { state: 'In Progress' })],
    ['changeIncident (declare major)', () => frozen('In Progress'), (i) => change(i, { major: true, majorReason: 'm' }, { disasterRecoveryPlan: 'DRP-1' })],
    ['confirmResolution', () => frozen('Resolved'), (i) => confirmResolution(i, reporter, NEXT_DAY)],
    ['rejectResolution', () => frozen('Resolved'), (i) => rejectResolution(i, reporter, 'no', NEXT_DAY)],
    ['autoClose', () => frozen('Resolved'), (i) => autoClose(i, NEXT_DAY, 'P7D')],
    ['escalateIncident', () => frozen('In Progress'), (i) => escalateIncident(i, deepFreeze({ kind: 'functional' as const, to: 'x', reason: 'r', assignmentGroup: 'g' }), editor, NEXT_DAY)],
  ])('%s leaves its deep-frozen input as it was', (_label, make, run) => {
    const before = make();
    const snapshot = structuredClone(before);
    const result = run(before) as IncidentChange;
    expect(result.incident).not.toBe(before);
    expect(before).toEqual(snapshot);
  });

  test('escalating twice from the same incident does not share the escalations array', () => {
    const base = frozen('In Progress');
    const a = escalateIncident(base, { kind: 'functional', to: 'a', reason: 'r' }, editor, LATER).incident;
    const b = escalateIncident(base, { kind: 'functional', to: 'b', reason: 'r' }, editor, LATER).incident;
    expect(base.escalations).toEqual([]);
    expect(a.escalations.map((e) => e.to)).toEqual(['a']);
    expect(b.escalations.map((e) => e.to)).toEqual(['b']);
  });
});

describe('resolveAutomatically', () => {
  const system: Actor = { id: 'system', name: 'system:monitoring' };
  test.each<[string, IncidentState]>([
    ['from New it starts work first', 'New'],
    ['from On Hold it resumes first', 'On Hold'],
    ['from In Progress it resolves directly', 'In Progress'],
  ])('%s', (_label, from) => {
    let incident = open();
    if (from !== 'New') incident = changed(incident, { state: 'In Progress' }).incident;
    if (from === 'On Hold') incident = changed(incident, { state: 'On Hold', onHoldReason: 'awaiting vendor' }).incident;
    const result = resolveAutomatically({ incident, resolutionCode: 'Cleared by monitoring', resolutionNotes: 'Alarm back to OK', rules: RULES, actor: system, now: LATER });
    expect(result.incident).toMatchObject({ state: 'Resolved', resolutionCode: 'Cleared by monitoring', resolvedBy: 'system:monitoring' });
    const stateSteps = result.entries.filter((e) => e.type === 'state-change').map((e) => `${String(e.from)}→${String(e.to)}`);
    expect(stateSteps).toEqual(from === 'In Progress' ? ['In Progress→Resolved'] : [`${from}→In Progress`, 'In Progress→Resolved']);
  });

  test('a closed incident cannot be resolved by a system either', () => {
    const closed = confirmResolution(changed(changed(open(), { state: 'In Progress' }).incident, RESOLVE).incident, reporter, LATER).incident;
    expect(() => resolveAutomatically({ incident: closed, resolutionCode: 'Remediated', resolutionNotes: 'x', rules: RULES, actor: system, now: LATER })).toThrow(InvalidInputError);
  });
});

describe("issue 20: a requester's report is a report", () => {
  const logged = (over: Partial<NewIncidentInput>, cap?: Priority, detectedNotBefore?: string) =>
    openIncident({ id: 'i-r', number: 'INC0000099', input: { ...input, ...over }, rules: RULES, recordedBy: reporter, now: NOW, ...(cap && { priorityCap: cap }), ...(detectedNotBefore && { detectedNotBefore }) }).incident;

  test('the priority it can give is capped; what was reported is kept beside it', () => {
    const incident = logged({ impact: 1, urgency: 1, usersAffected: 10_000_000 }, 'P3');
    expect(incident).toMatchObject({ priority: 'P3', impact: 1, urgency: 1, usersAffected: 10_000_000, reported: { impact: 1, urgency: 1, usersAffected: 10_000_000, priority: 'P1' } });
    expect(incident.priorityReasons.at(-1)).toMatch(/capped at P3 until the desk triages/);
    // Below the cap nothing moves, and the report is still kept.
    expect(logged({ impact: 3, urgency: 3 }, 'P3')).toMatchObject({ priority: 'P5', reported: { priority: 'P5' } });
    // Without a cap (the desk logging) neither.
    expect(logged({ impact: 1, urgency: 1 })).not.toHaveProperty('reported');
  });

  test('the desk triages by changing a priority fact with a reason: the cap is over', () => {
    const incident = logged({ impact: 1, urgency: 1 }, 'P3');
    const triaged = changeIncident({ incident, changes: { urgency: 1, reason: 'Confirmed: the whole floor' }, rules: RULES, actor: recorder, now: LATER }).incident;
    expect(triaged).toMatchObject({ priority: 'P1', reported: { priority: 'P1' } });
    // Other edits leave the capped priority alone.
    expect(changeIncident({ incident, changes: { description: 'More detail' }, rules: RULES, actor: recorder, now: LATER }).incident.priority).toBe('P3');
  });

  test('detectedAt may not lie before the window', () => {
    expect(thrownAs(() => logged({ detectedAt: '2026-01-01T00:00:00.000Z' }, undefined, '2026-02-08T12:00:00.000Z'), InvalidInputError).issues).toEqual([
      { field: 'detectedAt', message: expect.stringMatching(/must not be before 2026-02-08/) },
    ]);
    expect(logged({ detectedAt: '2026-02-09T00:00:00.000Z' }, undefined, '2026-02-08T12:00:00.000Z').detectedAt).toBe('2026-02-09T00:00:00.000Z');
  });
});

test('issue 20: an incident keeps at most MAX_ESCALATIONS escalations (its item cannot grow without bound)', () => {
  let incident = openIncident({ id: 'i-e', number: 'INC0000098', input, rules: RULES, recordedBy: recorder, now: NOW }).incident;
  for (let n = 0; n < MAX_ESCALATIONS; n++) incident = escalateIncident(incident, { kind: 'functional', to: `team-${n}`, reason: 'r'.repeat(2000) }, owner, NOW).incident;
  expect(thrownAs(() => escalateIncident(incident, { kind: 'functional', to: 'one-more', reason: 'x' }, owner, NOW), InvalidInputError).issues[0]?.field).toBe('kind');
  expect(Buffer.byteLength(JSON.stringify(incident))).toBeLessThan(400 * 1024 / 2);
});
