import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  changePolicy,
  defaultPolicyFromContacts,
  firingAt,
  firings,
  newPolicy,
  pagesFor,
  policyProblems,
  selectPolicy,
  type EscalationPolicyDefinition,
  type ScheduleDefinition,
} from '../../src/modules/oncall/domain';
import { clientSettingsSchema } from '../../src/config/client-settings-schema';
import { InvalidInputError } from '../../src/kernel/domain/domain-errors';

/** Weekends 24×7 by ana and ben in turn from Saturday 2026-12-05 09:00 London; dee covers Friday nights only. */
const weekend: ScheduleDefinition = {
  name: 'Weekend',
  timeZone: 'Europe/London',
  layers: [{ name: 'weekly', start: '2026-11-28T09:00:00Z', turn: 'P7D', participants: ['ana', 'ben'] }],
  overrides: [],
};
const schedules = { weekend, nights: { ...weekend, layers: [{ ...weekend.layers[0]!, restrictions: [{ kind: 'daily' as const, from: '22:00', to: '06:00' }] }] } };

const policy: EscalationPolicyDefinition = {
  name: 'Messaging P1',
  services: ['email'],
  priorities: ['P1'],
  steps: [
    { delayMinutes: 15, targets: [{ kind: 'schedule', scheduleId: 'weekend' }], mode: 'all' },
    { delayMinutes: 30, targets: [{ kind: 'person', username: 'lead' }, { kind: 'service-owner' }], mode: 'all' },
    { delayMinutes: 60, targets: [{ kind: 'client-contact', name: 'Priya Shah' }, { kind: 'external', phone: '+442071239999' }], mode: 'round-robin' },
  ],
  repeat: 1,
};

describe('when each step fires', () => {
  test('steps wait their delay, then the policy runs again `repeat` times, then stops', () => {
    expect(firings(policy)).toEqual([
      { step: 0, round: 0, atMinutes: 0 },
      { step: 1, round: 0, atMinutes: 15 },
      { step: 2, round: 0, atMinutes: 45 },
      { step: 0, round: 1, atMinutes: 105 },
      { step: 1, round: 1, atMinutes: 120 },
      { step: 2, round: 1, atMinutes: 150 },
    ]);
    expect(firingAt(policy, 0)).toEqual({ step: 0, round: 0, firedAtMinutes: 0 });
    expect(firingAt(policy, 14.9)).toEqual({ step: 0, round: 0, firedAtMinutes: 0 });
    expect(firingAt(policy, 44)).toEqual({ step: 1, round: 0, firedAtMinutes: 15 });
    expect(firingAt(policy, 104)).toEqual({ step: 2, round: 0, firedAtMinutes: 45 });
    expect(firingAt(policy, 106)).toEqual({ step: 0, round: 1, firedAtMinutes: 105 });
    expect(firingAt(policy, 209)).toEqual({ step: 2, round: 1, firedAtMinutes: 150 });
    expect(firingAt(policy, 210)).toBeUndefined();
    expect(firingAt(policy, -1)).toBeUndefined();
  });
});

describe('who is paged', () => {
  const saturday2am = new Date('2026-12-05T02:00:00Z');

  test('a P1 at 02:00 on a Saturday pages whoever the schedule has on call then', () => {
    // Saturday 02:00 is still the week from Saturday 28 November 09:00: ana's.
    expect(pagesFor(policy, 0, 0, saturday2am, { schedules })).toEqual([{ kind: 'person', username: 'ana', via: { scheduleId: 'weekend' } }]);
    // From 09:00 it is ben's week.
    expect(pagesFor(policy, 0, 0, new Date('2026-12-05T09:00:00Z'), { schedules })).toEqual([{ kind: 'person', username: 'ben', via: { scheduleId: 'weekend' } }]);
  });

  test('an override takes effect on the page', () => {
    const covered = { ...schedules, weekend: { ...weekend, overrides: [{ id: 'o', from: '2026-12-05T00:00:00Z', to: '2026-12-05T06:00:00Z', person: 'cy' }] } };
    expect(pagesFor(policy, 0, 0, saturday2am, { schedules: covered })).toEqual([{ kind: 'person', username: 'cy', via: { scheduleId: 'weekend' } }]);
  });

  test('a gap or an unknown schedule pages nobody, and says why', () => {
    const gapPolicy = { ...policy, steps: [{ ...policy.steps[0]!, targets: [{ kind: 'schedule' as const, scheduleId: 'nights' }, { kind: 'schedule' as const, scheduleId: 'gone' }] }] };
    const pages = pagesFor(gapPolicy, 0, 0, new Date('2026-12-05T12:00:00Z'), { schedules });
    expect(pages.map((p) => p.kind)).toEqual(['nobody', 'nobody']);
    expect(pages.map((p) => (p.kind === 'nobody' ? p.reason : ''))).toEqual([
      'nobody is on call on schedule nights at 2026-12-05T12:00:00.000Z',
      'schedule gone not found',
    ]);
  });

  test('`all` pages every target; the service owner is named when known', () => {
    expect(pagesFor(policy, 1, 0, saturday2am, { schedules, serviceOwner: 'olga' })).toEqual([
      { kind: 'person', username: 'lead' },
      { kind: 'service-owner', username: 'olga' },
    ]);
    expect(pagesFor(policy, 1, 0, saturday2am, { schedules })[1]).toEqual({ kind: 'service-owner' });
  });

  test('`round-robin` pages one target, the next one each round and for each rotation', () => {
    expect(pagesFor(policy, 2, 0, saturday2am, { schedules })).toEqual([{ kind: 'client-contact', name: 'Priya Shah' }]);
    expect(pagesFor(policy, 2, 1, saturday2am, { schedules })).toEqual([{ kind: 'external', phone: '+442071239999' }]);
    expect(pagesFor(policy, 2, 0, saturday2am, { schedules, rotation: 1 })).toEqual([{ kind: 'external', phone: '+442071239999' }]);
  });

  test('steps and rounds the policy does not have are refused', () => {
    expect(() => pagesFor(policy, 3, 0, saturday2am, { schedules })).toThrow(RangeError);
    expect(() => pagesFor(policy, 0, 2, saturday2am, { schedules })).toThrow(RangeError);
  });
});

describe('which policy applies', () => {
  const everything = { ...policy, name: 'everything', services: undefined, priorities: undefined };
  const p1 = { ...policy, name: 'P1 anywhere', services: undefined, priorities: ['P1' as const] };
  const email = { ...policy, name: 'email', services: ['email'], priorities: undefined };
  const emailP1 = { ...policy, name: 'email P1' };
  const all = [everything, p1, email, emailP1];

  test.each<[string | undefined, 'P1' | 'P3', string]>([
    ['email', 'P1', 'email P1'],
    ['email', 'P3', 'email'],
    ['erp', 'P1', 'P1 anywhere'],
    ['erp', 'P3', 'everything'],
    [undefined, 'P1', 'P1 anywhere'],
  ])('service %s, %s → %s', (service, priority, expected) => {
    expect(selectPolicy(all, service, priority)?.name).toBe(expected);
  });

  test('none applies: undefined, and the caller uses the default policy', () => {
    expect(selectPolicy([email], 'erp', 'P1')).toBeUndefined();
  });
});

describe("the default policy: an existing client's contacts #1–#3 and service owner", () => {
  test('from the shipped example config, unchanged: the configured levels in order, waits from their `after`, repeated repeatLast.times', () => {
    const config = JSON.parse(readFileSync(join(__dirname, '../../clients/example.json'), 'utf8'));
    const settings = clientSettingsSchema.parse({ id: config.id, timeZone: config.timeZone, contacts: config.contacts, ...(config.sla && { sla: config.sla }) });
    const fallback = defaultPolicyFromContacts({ ...settings.sla.escalation, nominated: settings.contacts.nominated });
    expect(policyProblems(fallback)).toEqual([]);
    // Levels at 0, 30 min, 1 h and 2 h (the defaults), the last reminded every 4 h twice.
    expect(fallback).toEqual({
      name: 'Default (client contacts)',
      steps: [
        { delayMinutes: 30, targets: [{ kind: 'client-contact', name: 'Priya Shah' }], mode: 'all' },
        { delayMinutes: 30, targets: [{ kind: 'client-contact', name: 'Tom Evans' }], mode: 'all' },
        { delayMinutes: 60, targets: [{ kind: 'client-contact', name: 'Mary Clarke' }], mode: 'all' },
        { delayMinutes: 240, targets: [{ kind: 'service-owner' }], mode: 'all' },
      ],
      repeat: 2,
    });
    expect(pagesFor(fallback, 0, 0, new Date(), { schedules: {} })).toEqual([{ kind: 'client-contact', name: 'Priya Shah' }]);
  });

  test('a client with one nominated contact: levels naming #2 and #3 are left out', () => {
    const fallback = defaultPolicyFromContacts({
      levels: [
        { notify: 'nominated-1', after: 'PT0M' },
        { notify: 'nominated-2', after: 'PT30M' },
        { notify: 'service-owner', after: 'PT1H' },
      ],
      repeatLast: { times: 0, every: 'PT4H' },
      nominated: [{ name: 'Only One' }],
    });
    expect(fallback.steps.map((s) => [s.targets[0], s.delayMinutes])).toEqual([
      [{ kind: 'client-contact', name: 'Only One' }, 60],
      [{ kind: 'service-owner' }, 240],
    ]);
  });
});

describe('policy records', () => {
  const now = new Date('2026-12-01T10:00:00Z');

  test('created at version 1, changed one version on; unusable ones refused by field', () => {
    const created = newPolicy(policy, 'p1', 'alice', now);
    expect(created).toMatchObject({ id: 'p1', version: 1, createdBy: 'alice', repeat: 1 });
    expect(changePolicy(created, { repeat: 3 }, 'bob', now)).toMatchObject({ version: 2, repeat: 3, updatedBy: 'bob', name: 'Messaging P1' });
    try {
      newPolicy({ ...policy, repeat: 10, steps: [{ delayMinutes: 0, targets: [], mode: 'all' }] }, 'p2', 'alice', now);
      throw new Error('not refused');
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidInputError);
      expect((error as InvalidInputError).issues.map((i) => i.field)).toEqual(['repeat', 'steps.0.targets', 'steps.0.delayMinutes']);
    }
  });
});
