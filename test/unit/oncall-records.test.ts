import { addOverride, changeSchedule, escapeText, foldLine, MAX_OVERRIDES, newSchedule, removeOverride, renderPersonCalendar, type Schedule } from '../../src/modules/oncall/domain';
import { mayUseOnCall, ROLES, type Role } from '../../src/kernel/domain/access-policy';
import { InvalidInputError, NotFoundError } from '../../src/kernel/domain/domain-errors';

const now = new Date('2026-12-01T10:00:00Z');
let counter = 0;
const nextId = () => `id-${++counter}`;
const input = { name: 'Desk', timeZone: 'Europe/London', layers: [{ name: 'weekly', start: '2026-11-02T09:00:00Z', turn: 'P7D', participants: ['ana', 'ben'] }] };

describe('schedule records', () => {
  test('a new schedule is version 1, its overrides get ids and who added them', () => {
    const schedule = newSchedule({ ...input, overrides: [{ from: '2026-12-02T00:00:00Z', to: '2026-12-03T00:00:00Z', person: 'cy' }] }, 's1', nextId, 'alice', now);
    expect(schedule).toMatchObject({ id: 's1', version: 1, createdBy: 'alice', updatedAt: now.toISOString() });
    expect(schedule.overrides).toEqual([{ id: expect.stringMatching(/^id-/), from: '2026-12-02T00:00:00Z', to: '2026-12-03T00:00:00Z', person: 'cy', createdBy: 'alice', createdAt: now.toISOString() }]);
  });

  test('an unusable schedule is refused with every problem, by field', () => {
    expect(() => newSchedule({ ...input, timeZone: 'Nowhere/Else' }, 's1', nextId, 'alice', now)).toThrow(InvalidInputError);
    const current = newSchedule(input, 's1', nextId, 'alice', now);
    try {
      changeSchedule(current, { layers: [{ ...input.layers[0]!, turn: 'PT5M' }] }, 'bob', now);
      throw new Error('not refused');
    } catch (error) {
      expect((error as InvalidInputError).issues).toEqual([{ field: 'layers.0.turn', message: 'must be at least PT1H' }]);
    }
  });

  test('changes keep what is not named and move the version on', () => {
    const current = newSchedule(input, 's1', nextId, 'alice', now);
    const next = changeSchedule(current, { name: 'Messaging', timeZone: undefined }, 'bob', new Date('2026-12-02T00:00:00Z'));
    expect(next).toMatchObject({ name: 'Messaging', timeZone: 'Europe/London', version: 2, updatedBy: 'bob', createdBy: 'alice' });
  });

  test('overrides: added with checks, removed by id, 404 for an unknown one', () => {
    const current = newSchedule(input, 's1', nextId, 'alice', now);
    expect(() => addOverride(current, { from: '2026-12-03T00:00:00Z', to: '2026-12-02T00:00:00Z', person: 'cy' }, 'o1', 'bob', now)).toThrow(InvalidInputError);
    const added = addOverride(current, { from: '2026-12-02T00:00:00Z', to: '2026-12-03T00:00:00Z', person: 'cy', covering: 'ana' }, 'o1', 'bob', now);
    expect(added.overrides.map((o) => [o.id, o.covering, o.createdBy])).toEqual([['o1', 'ana', 'bob']]);
    expect(removeOverride(added, 'o1', 'bob', now).overrides).toEqual([]);
    expect(() => removeOverride(added, 'o2', 'bob', now)).toThrow(NotFoundError);
  });

  test('past the limit, overrides that ended over 93 days ago are dropped; current ones never are', () => {
    const old = Array.from({ length: MAX_OVERRIDES }, (_, i) => ({ id: `old-${i}`, from: '2026-01-01T00:00:00Z', to: '2026-01-02T00:00:00Z', person: 'cy', createdBy: 'a', createdAt: '2026-01-01T00:00:00Z' }));
    const full: Schedule = { ...newSchedule(input, 's1', nextId, 'alice', now), overrides: old };
    const added = addOverride(full, { from: '2026-12-02T00:00:00Z', to: '2026-12-03T00:00:00Z', person: 'dee' }, 'new', 'bob', now);
    expect(added.overrides.map((o) => o.id)).toEqual(['new']);
    const current = { ...full, overrides: old.map((o) => ({ ...o, to: '2026-12-31T00:00:00Z' })) };
    expect(() => addOverride(current, { from: '2026-12-02T00:00:00Z', to: '2026-12-03T00:00:00Z', person: 'dee' }, 'new', 'bob', now)).toThrow(/remove some first/);
  });
});

describe('iCalendar', () => {
  test('folds at 75 octets without splitting a character, continuation lines start with a space', () => {
    const line = `SUMMARY:${'é'.repeat(100)}`;
    const folded = foldLine(line).split('\r\n');
    expect(folded.length).toBeGreaterThan(1);
    expect(folded.every((part) => Buffer.byteLength(part) <= 75)).toBe(true);
    expect(folded.slice(1).every((part) => part.startsWith(' '))).toBe(true);
    expect(folded.map((part, i) => (i === 0 ? part : part.slice(1))).join('')).toBe(line);
    expect(foldLine('SHORT:x')).toBe('SHORT:x');
  });

  test('escapes TEXT values', () => {
    expect(escapeText('a,b;c\\d\ne')).toBe('a\\,b\\;c\\\\d\\ne');
  });

  test('one VEVENT per shift, UTC times, a stamp, stable UIDs, CRLF everywhere', () => {
    const text = renderPersonCalendar({
      scheduleId: 's1',
      scheduleName: 'Desk, London',
      person: 'ana',
      shifts: [{ start: '2026-12-01T09:00:00.000Z', end: '2026-12-08T09:00:00.000Z' }],
      stampedAt: now,
      domain: 'example.rowe-itsm',
    });
    expect(text.split('\r\n')).toEqual([
      'BEGIN:VCALENDAR',
      'VERSION:2.0',
      'PRODID:-//rowe-itsm//on call//EN',
      'CALSCALE:GREGORIAN',
      'METHOD:PUBLISH',
      'X-WR-CALNAME:On call: Desk\\, London (ana)',
      'BEGIN:VEVENT',
      'UID:s1-ana-20261201T090000Z@example.rowe-itsm',
      'DTSTAMP:20261201T100000Z',
      'DTSTART:20261201T090000Z',
      'DTEND:20261208T090000Z',
      'SUMMARY:On call: Desk\\, London',
      'TRANSP:OPAQUE',
      'END:VEVENT',
      'END:VCALENDAR',
      '',
    ]);
  });
});

describe('access to on call', () => {
  // Written out, not computed from the policy: a change to it must be made twice on purpose.
  const READ: readonly Role[] = ['agent', 'engineer', 'service-owner', 'change-manager', 'auditor', 'admin'];
  const MANAGE: readonly Role[] = ['agent', 'engineer', 'service-owner', 'change-manager', 'admin'];
  test.each(ROLES)('%s', (role) => {
    const caller = { id: role, name: role, roles: [role] };
    expect([mayUseOnCall(caller, 'oncall:read'), mayUseOnCall(caller, 'oncall:manage')]).toEqual([READ.includes(role), MANAGE.includes(role)]);
  });
});
