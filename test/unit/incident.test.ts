import { IllegalTransitionError, InvalidInputError } from '../../lambdas/domain/domain-errors';
import {
  changeIncident,
  openIncident,
  type Actor,
  type Incident,
  type IncidentChanges,
  type NewIncidentInput,
} from '../../lambdas/domain/incident';
import { INCIDENT_STATES, type IncidentState } from '../../lambdas/domain/incident-lifecycle';
import { DEFAULT_PRIORITY_MATRIX, type PriorityMatrix } from '../../lambdas/domain/priority';

const NOW = '2026-03-10T12:00:00.000Z';
const LATER = '2026-03-10T13:30:00.000Z';
const MINUTE = 60_000;
const at = (offsetMs: number) => new Date(Date.parse(NOW) + offsetMs).toISOString();

const recorder: Actor = { id: 'sub-recorder-1', name: 'alice.agent' };
const editor: Actor = { id: 'sub-editor-2', name: 'bob.engineer' };

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

function open(overrides: Partial<NewIncidentInput> = {}, matrix: PriorityMatrix = DEFAULT_PRIORITY_MATRIX): Incident {
  return openIncident({ id: 'inc-1', number: 'INC0000001', input: { ...input, ...overrides }, matrix, recordedBy: recorder, now: NOW });
}

function change(incident: Incident, changes: IncidentChanges, matrix: PriorityMatrix = DEFAULT_PRIORITY_MATRIX): Incident {
  return changeIncident({ incident, changes, matrix, actor: editor, now: LATER });
}

/** Captures what a call throws, so several properties can be checked. */
function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to throw');
}

function invalidInput(fn: () => unknown): InvalidInputError {
  const error = thrownBy(fn);
  expect(error).toBeInstanceOf(InvalidInputError);
  return error as InvalidInputError;
}

/** An incident already in the given state, built with the domain functions themselves. */
function incidentIn(state: IncidentState): Incident {
  const fresh = open();
  const inProgress = () => change(fresh, { state: 'In Progress' });
  const resolved = () =>
    change(inProgress(), { state: 'Resolved', resolutionCode: 'Solved (permanently)', resolutionNotes: 'Restarted the relay' });
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
      return change(resolved(), { state: 'Closed' });
    case 'Canceled':
      return change(fresh, { state: 'Canceled' });
  }
}

describe('openIncident', () => {
  test('builds a New incident at version 1 from the input', () => {
    expect(open()).toEqual({
      id: 'inc-1',
      number: 'INC0000001',
      shortDescription: 'Email not delivered',
      description: 'Outbound mail queues on the relay since 11:40',
      impact: 2,
      urgency: 1,
      priority: 'P2',
      service: 'email',
      category: 'messaging',
      channel: 'phone',
      reportedBy: 'carol.user',
      recordedBy: 'alice.agent',
      detectedAt: '2026-03-10T11:45:00.000Z',
      state: 'New',
      createdAt: NOW,
      updatedAt: NOW,
      updatedBy: 'alice.agent',
      version: 1,
    });
  });

  test('recordedBy and updatedBy are the actor name, not the id', () => {
    const incident = open();
    expect(incident.recordedBy).toBe(recorder.name);
    expect(incident.updatedBy).toBe(recorder.name);
    expect(incident.recordedBy).not.toBe(recorder.id);
  });

  test.each([
    [1, 1, 'P1'],
    [1, 3, 'P3'],
    [3, 3, 'P5'],
  ] as const)('impact %i / urgency %i → priority %s from the default matrix', (impact, urgency, priority) => {
    expect(open({ impact, urgency }).priority).toBe(priority);
  });

  test('the priority comes from the matrix it is given', () => {
    const allP4: PriorityMatrix = {
      '1': { '1': 'P4', '2': 'P4', '3': 'P4' },
      '2': { '1': 'P4', '2': 'P4', '3': 'P4' },
      '3': { '1': 'P4', '2': 'P4', '3': 'P4' },
    };
    expect(open({ impact: 1, urgency: 1 }, allP4).priority).toBe('P4');
  });

  test('keeps optional assignment fields', () => {
    const incident = open({ assignmentGroup: 'messaging-team', assignee: 'dave' });
    expect(incident.assignmentGroup).toBe('messaging-team');
    expect(incident.assignee).toBe('dave');
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

  test('leaves unchanged fields alone', () => {
    const before = open({ assignmentGroup: 'messaging-team' });
    const after = change(before, { shortDescription: 'Email delayed' });
    expect(after).toEqual({
      ...before,
      shortDescription: 'Email delayed',
      updatedAt: LATER,
      updatedBy: 'bob.engineer',
      version: 2,
    });
  });

  test('does not mutate the incident it is given', () => {
    const before = incidentIn('In Progress');
    const snapshot = structuredClone(before);
    change(before, { impact: 1, urgency: 1, assignee: 'dave' });
    change(before, { state: 'Resolved', resolutionCode: 'Duplicate', resolutionNotes: 'Same as INC0000002' });
    expect(before).toEqual(snapshot);
  });

  test('does not mutate a Resolved incident on reopen', () => {
    const before = incidentIn('Resolved');
    const snapshot = structuredClone(before);
    change(before, { state: 'In Progress' });
    expect(before).toEqual(snapshot);
  });

  test('a refused change leaves the incident untouched', () => {
    const before = incidentIn('In Progress');
    const snapshot = structuredClone(before);
    expect(() => change(before, { state: 'On Hold', impact: 1 })).toThrow(InvalidInputError);
    expect(before).toEqual(snapshot);
  });
});

describe('changeIncident: priority', () => {
  test.each([
    [{ impact: 1 }, 'P1'],
    [{ urgency: 3 }, 'P4'],
    [{ impact: 3, urgency: 3 }, 'P5'],
    [{ impact: 1, urgency: 1 }, 'P1'],
  ] as const)('recomputes priority for %j (from impact 2 / urgency 1)', (changes, priority) => {
    const after = change(open(), changes);
    expect(after.priority).toBe(priority);
  });

  test('keeps impact and urgency that are not changed', () => {
    const after = change(open(), { urgency: 2 });
    expect(after.impact).toBe(2);
    expect(after.urgency).toBe(2);
    expect(after.priority).toBe('P3');
  });

  test('uses the matrix it is given', () => {
    const custom: PriorityMatrix = {
      '1': { '1': 'P1', '2': 'P1', '3': 'P1' },
      '2': { '1': 'P2', '2': 'P2', '3': 'P2' },
      '3': { '1': 'P5', '2': 'P5', '3': 'P5' },
    };
    expect(change(open(), { impact: 3 }, custom).priority).toBe('P5');
    expect(change(open(), { urgency: 3 }, custom).priority).toBe('P2');
  });
});

describe('changeIncident: On Hold', () => {
  test('putting an incident On Hold requires onHoldReason', () => {
    const error = invalidInput(() => change(incidentIn('In Progress'), { state: 'On Hold' }));
    expect(error.issues).toEqual([{ field: 'onHoldReason', message: 'is required to put an incident On Hold' }]);
  });

  test('On Hold with a reason is accepted and keeps the reason', () => {
    const after = change(incidentIn('In Progress'), { state: 'On Hold', onHoldReason: 'awaiting caller' });
    expect(after.state).toBe('On Hold');
    expect(after.onHoldReason).toBe('awaiting caller');
  });

  test('the reason of an On Hold incident may be changed without changing the state', () => {
    const after = change(incidentIn('On Hold'), { onHoldReason: 'awaiting change' });
    expect(after.state).toBe('On Hold');
    expect(after.onHoldReason).toBe('awaiting change');
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

  test('resolving with code and notes stamps resolvedAt', () => {
    const after = change(incidentIn('In Progress'), resolve);
    expect(after.state).toBe('Resolved');
    expect(after.resolutionCode).toBe('Solved (workaround)');
    expect(after.resolutionNotes).toBe('Rerouted mail through the backup relay');
    expect(after.resolvedAt).toBe(LATER);
    expect(after).not.toHaveProperty('closedAt');
  });

  test('resolving requires resolutionCode', () => {
    const error = invalidInput(() =>
      change(incidentIn('In Progress'), { state: 'Resolved', resolutionNotes: 'Rerouted mail' }),
    );
    expect(error.issues).toEqual([{ field: 'resolutionCode', message: 'is required to resolve an incident' }]);
  });

  test('resolving requires resolutionNotes', () => {
    const error = invalidInput(() =>
      change(incidentIn('In Progress'), { state: 'Resolved', resolutionCode: 'Duplicate' }),
    );
    expect(error.issues).toEqual([
      { field: 'resolutionNotes', message: 'is required to resolve an incident and must not be blank' },
    ]);
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
    ['In Progress', { state: 'On Hold', onHoldReason: 'awaiting vendor', resolutionCode: 'Duplicate' }, 'resolutionCode'],
    ['Resolved', { state: 'Closed', resolutionNotes: 'late notes' }, 'resolutionNotes'],
    ['Resolved', { state: 'In Progress', resolutionCode: 'Duplicate' }, 'resolutionCode'],
  ])('a %s incident refuses resolution fields when not resolving: %j', (state, changes, field) => {
    const error = invalidInput(() => change(incidentIn(state), changes));
    expect(error.issues[0]).toEqual({ field, message: 'may only be set when resolving the incident' });
  });

  test('closing a Resolved incident stamps closedAt and keeps the resolution', () => {
    const resolved = incidentIn('Resolved');
    const closed = change(resolved, { state: 'Closed' });
    expect(closed.state).toBe('Closed');
    expect(closed.closedAt).toBe(LATER);
    expect(closed.resolvedAt).toBe(resolved.resolvedAt);
    expect(closed.resolutionCode).toBe('Solved (permanently)');
    expect(closed.resolutionNotes).toBe('Restarted the relay');
  });

  test('reopening (Resolved → In Progress) clears the resolution fields', () => {
    const reopened = change(incidentIn('Resolved'), { state: 'In Progress' });
    expect(reopened.state).toBe('In Progress');
    expect(reopened).not.toHaveProperty('resolutionCode');
    expect(reopened).not.toHaveProperty('resolutionNotes');
    expect(reopened).not.toHaveProperty('resolvedAt');
    expect(reopened.version).toBe(incidentIn('Resolved').version + 1);
  });

  test('a reopened incident can be resolved again with a new resolution', () => {
    const reopened = change(incidentIn('Resolved'), { state: 'In Progress' });
    const again = changeIncident({
      incident: reopened,
      changes: { state: 'Resolved', resolutionCode: 'Remediated', resolutionNotes: 'Replaced the relay' },
      matrix: DEFAULT_PRIORITY_MATRIX,
      actor: editor,
      now: '2026-03-11T08:00:00.000Z',
    });
    expect(again.resolutionCode).toBe('Remediated');
    expect(again.resolvedAt).toBe('2026-03-11T08:00:00.000Z');
  });
});

describe('changeIncident: closed and canceled incidents', () => {
  test.each<[IncidentState, IncidentChanges, string]>([
    ['Closed', { shortDescription: 'New text' }, 'shortDescription'],
    ['Closed', { impact: 1 }, 'impact'],
    ['Closed', { state: 'Closed', assignee: 'dave' }, 'assignee'],
    ['Canceled', { assignee: 'dave' }, 'assignee'],
    ['Canceled', { description: 'More detail' }, 'description'],
  ])('a %s incident refuses field changes %j', (state, changes, field) => {
    const error = invalidInput(() => change(incidentIn(state), changes));
    expect(error.issues).toEqual([{ field, message: `cannot be changed while the incident is "${state}"` }]);
  });
});

describe('changeIncident: transitions', () => {
  const LEGAL: [IncidentState, IncidentState][] = [
    ['New', 'In Progress'],
    ['New', 'Canceled'],
    ['In Progress', 'On Hold'],
    ['In Progress', 'Resolved'],
    ['In Progress', 'Canceled'],
    ['On Hold', 'In Progress'],
    ['On Hold', 'Canceled'],
    ['Resolved', 'Closed'],
    ['Resolved', 'In Progress'],
  ];
  const required: Partial<Record<IncidentState, IncidentChanges>> = {
    'On Hold': { onHoldReason: 'awaiting problem' },
    Resolved: { resolutionCode: 'Not solved (not reproducible)', resolutionNotes: 'Could not reproduce' },
  };

  test.each(LEGAL)('%s → %s is applied', (from, to) => {
    const after = change(incidentIn(from), { state: to, ...required[to] });
    expect(after.state).toBe(to);
  });

  const ILLEGAL = INCIDENT_STATES.flatMap((from) =>
    INCIDENT_STATES.filter((to) => to !== from && !LEGAL.some(([f, t]) => f === from && t === to)).map(
      (to): [IncidentState, IncidentState] => [from, to],
    ),
  );

  test('there are 21 illegal moves between distinct states', () => {
    expect(ILLEGAL).toHaveLength(21);
  });

  test.each(ILLEGAL)('%s → %s throws IllegalTransitionError', (from, to) => {
    const error = thrownBy(() => change(incidentIn(from), { state: to, ...required[to] }));
    expect(error).toBeInstanceOf(IllegalTransitionError);
    expect((error as IllegalTransitionError).from).toBe(from);
    expect((error as IllegalTransitionError).to).toBe(to);
  });

  test('the illegal transition is reported before missing fields', () => {
    // New → Resolved without resolution fields: the lifecycle error wins.
    expect(() => change(incidentIn('New'), { state: 'Resolved' })).toThrow(IllegalTransitionError);
  });

  test('naming the current state is not a transition', () => {
    const before = incidentIn('In Progress');
    const after = change(before, { state: 'In Progress', assignee: 'dave' });
    expect(after.state).toBe('In Progress');
    expect(after.assignee).toBe('dave');
  });

  test('canceling a New incident sets no resolution or close stamps', () => {
    const after = change(incidentIn('New'), { state: 'Canceled' });
    expect(after.state).toBe('Canceled');
    expect(after).not.toHaveProperty('resolvedAt');
    expect(after).not.toHaveProperty('closedAt');
  });

  test('a field change may accompany a transition', () => {
    const after = change(incidentIn('New'), { state: 'In Progress', assignee: 'dave', impact: 1 });
    expect(after).toMatchObject({ state: 'In Progress', assignee: 'dave', impact: 1, priority: 'P1' });
  });
});
