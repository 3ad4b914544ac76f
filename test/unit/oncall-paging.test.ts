import { duePaging, nextFiringAt, type PagingRecord, type ScheduleDefinition } from '../../src/modules/oncall/domain';
import { choosePaging } from '../../src/modules/incidents/app/sla-paging';
import type { PagingSource } from '../../src/modules/incidents/app/ports';
import type { Incident } from '../../src/modules/incidents/domain/incident';

/** Paging's pure rules (src/modules/oncall/domain/paging.ts) and the choice of policy (sla-paging.ts). */
const rota: ScheduleDefinition = {
  name: 'Rota', timeZone: 'UTC', overrides: [],
  // Ana from Friday 02:30, Ben from Saturday 02:30.
  layers: [{ name: 'days', start: '2026-11-27T02:30:00Z', turn: 'P1D', participants: ['ana', 'ben'] }],
};
const record = (over: Partial<PagingRecord> = {}): PagingRecord => ({
  policyId: 'p1', policyName: 'P1', forPriority: 'P1', startedAt: '2026-11-28T02:00:00.000Z', firings: [], rotation: 0,
  policy: {
    repeat: 1,
    steps: [
      { delayMinutes: 15, mode: 'all', targets: [{ kind: 'schedule', scheduleId: 'rota' }] },
      { delayMinutes: 30, mode: 'round-robin', targets: [{ kind: 'person', username: 'lee' }, { kind: 'person', username: 'max' }] },
    ],
  },
  ...over,
});
const at = (hhmm: string) => new Date(`2026-11-28T${hhmm}:00.000Z`);

test('a late check fires every step that fell due, each resolved at its own instant, and says when the next falls due', () => {
  const { fired, nextAt } = duePaging(record(), at('03:00'), { schedules: { rota } }, false);
  expect(fired.map((f) => [f.step, f.round, f.at, f.pages.map((p) => ('username' in p ? p.username : p.kind))])).toEqual([
    [0, 0, '2026-11-28T02:00:00.000Z', ['ana']],
    [1, 0, '2026-11-28T02:15:00.000Z', ['lee']],
    // The hand-off at 02:30 came between the rounds.
    [0, 1, '2026-11-28T02:45:00.000Z', ['ben']],
    // Round-robin: the second round pages the next target.
    [1, 1, '2026-11-28T03:00:00.000Z', ['max']],
  ]);
  expect(nextAt).toBeUndefined();
});

test('stopped (acknowledged): nothing fires', () => {
  expect(duePaging(record(), at('03:00'), { schedules: { rota } }, true)).toEqual({ fired: [] });
});

test('a step that paged nobody hands on at once; one that paged someone waits its delay', () => {
  const gap = duePaging(record(), at('02:00'), { schedules: {} }, false);
  expect(gap.fired.map((f) => [f.step, f.at, f.pages[0]!.kind])).toEqual([[0, '2026-11-28T02:00:00.000Z', 'nobody'], [1, '2026-11-28T02:00:00.000Z', 'person']]);
  expect(gap.nextAt?.toISOString()).toBe('2026-11-28T02:30:00.000Z');
  const first = duePaging(record(), at('02:00'), { schedules: { rota } }, false);
  expect(first.fired).toHaveLength(1);
  expect(nextFiringAt({ ...record(), firings: first.fired })?.toISOString()).toBe('2026-11-28T02:15:00.000Z');
});

describe('choosing the policy', () => {
  const policies = [
    { id: 'p1', name: 'P1 everywhere', priorities: ['P1' as const], repeat: 0, steps: record().policy!.steps, version: 1, createdAt: '', createdBy: '', updatedAt: '', updatedBy: '' },
  ];
  const source: PagingSource = { policies: async () => policies, schedule: async () => undefined, person: async () => undefined };
  const incident = (over: Partial<Incident> & { sla?: Incident['sla'] }): Incident =>
    ({ id: 'i', number: 'INC0000007', priority: 'P3', service: 'email', state: 'New', createdAt: '2026-11-28T01:00:00.000Z', ...over }) as Incident;
  const now = at('02:00');

  test('none applies to a new P3: nothing is recorded (the contacts escalate on breaches)', async () => {
    expect(await choosePaging(source, incident({}), now)).toBeUndefined();
  });

  test('a new P1: its policy, from when the incident was logged, rotation from its number', async () => {
    expect(await choosePaging(source, incident({ priority: 'P1' }), now)).toMatchObject({ policyId: 'p1', startedAt: '2026-11-28T01:00:00.000Z', rotation: 7, forPriority: 'P1' });
  });

  test('raised to P1 before anyone acknowledged: paging starts from the change', async () => {
    const watched = incident({ priority: 'P1', sla: { generation: 2, history: [], notices: ['acknowledge:warning'], paging: { ...record(), policyId: 'default', policyName: 'Default', policy: undefined, forPriority: 'P3' } } as never });
    expect(await choosePaging(source, watched, now)).toMatchObject({ policyId: 'p1', startedAt: now.toISOString(), firings: [] });
  });

  test('an incident the workflow already sent notices for, and an acknowledged one, are not paged', async () => {
    expect(await choosePaging(source, incident({ priority: 'P1', sla: { generation: 1, history: [], notices: ['acknowledge:warning'] } }), now)).toBeUndefined();
    expect(await choosePaging(source, incident({ priority: 'P1', sla: { generation: 1, history: [], notices: [], acknowledgedAt: '2026-11-28T01:05:00.000Z' } }), now)).toBeUndefined();
  });
});
