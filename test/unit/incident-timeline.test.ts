import { TIMELINE_ENTRY_TYPES, isPublic, type TimelineEntry } from '../../src/modules/incidents/domain/incident-timeline';

const entry = (overrides: Partial<TimelineEntry>): TimelineEntry => ({
  type: 'comment',
  at: '2026-03-10T12:00:00.000Z',
  actor: 'bob.engineer',
  visibility: 'public',
  text: 'Looking into it',
  ...overrides,
});

describe('isPublic', () => {
  test.each(TIMELINE_ENTRY_TYPES.map((type) => [type]))('a public %s entry is public', (type) => {
    expect(isPublic(entry({ type, visibility: 'public' }))).toBe(true);
  });

  test.each(TIMELINE_ENTRY_TYPES.map((type) => [type]))('an internal %s entry is not public', (type) => {
    expect(isPublic(entry({ type, visibility: 'internal' }))).toBe(false);
  });

  test('decides on visibility alone, whatever the type suggests', () => {
    expect(isPublic(entry({ type: 'work-note', visibility: 'public' }))).toBe(true);
    expect(isPublic(entry({ type: 'comment', visibility: 'internal' }))).toBe(false);
  });

  test('accepts anything with a visibility', () => {
    expect(isPublic({ visibility: 'public' })).toBe(true);
    expect(isPublic({ visibility: 'internal' })).toBe(false);
  });

  test('filters a timeline down to what the reporter may see, keeping the order', () => {
    const timeline = [
      entry({ type: 'created', text: 'Logged' }),
      entry({ type: 'work-note', visibility: 'internal', text: 'Checked relay logs' }),
      entry({ type: 'comment', text: 'We are on it' }),
      entry({ type: 'assignment-change', visibility: 'internal', field: 'assignee', to: 'dave' }),
      entry({ type: 'state-change', from: 'New', to: 'In Progress' }),
    ];
    expect(timeline.filter(isPublic).map((e) => e.type)).toEqual(['created', 'comment', 'state-change']);
  });
});

test('TIMELINE_ENTRY_TYPES lists the seventeen entry types', () => {
  expect([...TIMELINE_ENTRY_TYPES].sort()).toEqual(
    [
      'acknowledged',
      'assignment-change',
      'closed',
      'comment',
      'communication',
      'created',
      'disaster-recovery',
      'escalation',
      'field-change',
      'major-incident',
      'priority-change',
      'reopened',
      'review',
      'sla-breach',
      'sla-warning',
      'state-change',
      'work-note',
    ].sort(),
  );
});
