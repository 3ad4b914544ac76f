import { DEFAULT_PRIORITY_MATRIX } from '../../src/kernel/domain/priority';
import {
  DEFAULT_CONCURRENT_INCIDENT_THRESHOLDS,
  DEFAULT_USERS_AFFECTED_THRESHOLDS,
} from '../../src/kernel/domain/priority-rules';
import { DEFAULT_SLA_TARGETS, clientSettingsSchema } from '../../src/config/client-settings-schema';

const contact = (n: number) => ({ name: `Contact ${n}`, email: `contact${n}@example.com` });

/** The smallest valid settings: everything else takes its default. */
function minimal(): Record<string, any> {
  return {
    id: 'acme',
    timeZone: 'Europe/London',
    contacts: {
      nominated: [contact(1)],
      serviceOwner: { name: 'Olga Owner', email: 'olga@acme.example' },
      providerNamed: { name: 'Nina Named', email: 'nina@provider.example', phone: '+442071234567', role: 'Service manager' },
      providerBackup: { name: 'Ben Backup', email: 'ben@provider.example' },
    },
  };
}

/** Each issue as "dotted.path: message"; an empty list when the settings are accepted. */
function issues(settings: unknown): string[] {
  const result = clientSettingsSchema.safeParse(settings);
  return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

/** The dotted paths of the issues, for tables where the path is what matters. */
function paths(settings: unknown): string[] {
  const result = clientSettingsSchema.safeParse(settings);
  return result.success ? [] : result.error.issues.map((i) => i.path.join('.'));
}

function minimalWith(mutate: (settings: Record<string, any>) => void): Record<string, any> {
  const settings = minimal();
  mutate(settings);
  return settings;
}

describe('defaults', () => {
  const parsed = () => clientSettingsSchema.parse(minimal());

  test('the minimal settings are accepted', () => {
    expect(issues(minimal())).toEqual([]);
  });

  test('priorityMatrix defaults to the standard matrix', () => {
    expect(parsed().priorityMatrix).toEqual(DEFAULT_PRIORITY_MATRIX);
  });

  test('slaTargets default to the documented targets', () => {
    expect(parsed().slaTargets).toEqual(DEFAULT_SLA_TARGETS);
    expect(parsed().slaTargets.P1).toEqual({ acknowledge: 'PT15M', respond: 'PT30M', resolve: 'PT4H' });
  });

  test('priorityThresholds default to 10/50/250 users and 3/5 concurrent incidents', () => {
    expect(parsed().priorityThresholds).toEqual({
      usersAffected: [
        { atLeast: 10, raiseTo: 'P3' },
        { atLeast: 50, raiseTo: 'P2' },
        { atLeast: 250, raiseTo: 'P1' },
      ],
      concurrentIncidents: [
        { atLeast: 3, raiseTo: 'P3' },
        { atLeast: 5, raiseTo: 'P2' },
      ],
    });
    expect(parsed().priorityThresholds).toEqual({
      usersAffected: DEFAULT_USERS_AFFECTED_THRESHOLDS,
      concurrentIncidents: DEFAULT_CONCURRENT_INCIDENT_THRESHOLDS,
    });
  });

  test('a partial priorityThresholds keeps the default for the list left out', () => {
    const settings = clientSettingsSchema.parse(minimalWith((s) => (s['priorityThresholds'] = { usersAffected: [{ atLeast: 5, raiseTo: 'P2' }] })));
    expect(settings.priorityThresholds).toEqual({
      usersAffected: [{ atLeast: 5, raiseTo: 'P2' }],
      concurrentIncidents: DEFAULT_CONCURRENT_INCIDENT_THRESHOLDS,
    });
  });

  test('an empty threshold list switches that rule off', () => {
    const settings = clientSettingsSchema.parse(minimalWith((s) => (s['priorityThresholds'] = { usersAffected: [], concurrentIncidents: [] })));
    expect(settings.priorityThresholds).toEqual({ usersAffected: [], concurrentIncidents: [] });
  });

  test('autoCloseAfter defaults to P7D', () => {
    expect(parsed().autoCloseAfter).toBe('P7D');
  });

  test('disasterRecoveryPlan is optional and has no default', () => {
    expect(parsed()).not.toHaveProperty('disasterRecoveryPlan');
  });

  test('values given replace the defaults', () => {
    const settings = clientSettingsSchema.parse(
      minimalWith((s) => {
        s['autoCloseAfter'] = 'P3D';
        s['disasterRecoveryPlan'] = '  DRP-2026-01  ';
      }),
    );
    expect(settings.autoCloseAfter).toBe('P3D');
    expect(settings.disasterRecoveryPlan).toBe('DRP-2026-01');
  });
});

describe('autoCloseAfter', () => {
  test.each(['PT12H', 'P1D', 'P2W', 'P10DT4H'])('accepts %s', (autoCloseAfter) => {
    expect(issues(minimalWith((s) => (s['autoCloseAfter'] = autoCloseAfter)))).toEqual([]);
  });

  test.each(['7 days', 'P0D', 'PT0S', 'P1M', 'P', '', 7])('refuses %p', (autoCloseAfter) => {
    expect(paths(minimalWith((s) => (s['autoCloseAfter'] = autoCloseAfter)))).toEqual(['autoCloseAfter']);
  });
});

describe('disasterRecoveryPlan', () => {
  test.each([['blank', '   '], ['too long', 'x'.repeat(501)], ['not text', 42]])('refuses a %s reference', (_label, plan) => {
    expect(paths(minimalWith((s) => (s['disasterRecoveryPlan'] = plan)))).toEqual(['disasterRecoveryPlan']);
  });

  test('accepts 500 characters', () => {
    expect(issues(minimalWith((s) => (s['disasterRecoveryPlan'] = 'x'.repeat(500))))).toEqual([]);
  });
});

describe('contacts', () => {
  test('are required', () => {
    expect(paths(minimalWith((s) => delete s['contacts']))).toEqual(['contacts']);
  });

  test.each([1, 2, 3])('%i nominated contacts are accepted', (count) => {
    const settings = minimalWith((s) => (s['contacts'].nominated = Array.from({ length: count }, (_, i) => contact(i + 1))));
    expect(issues(settings)).toEqual([]);
    expect(clientSettingsSchema.parse(settings).contacts.nominated).toHaveLength(count);
  });

  test('no nominated contact is refused', () => {
    expect(issues(minimalWith((s) => (s['contacts'].nominated = [])))).toEqual(['contacts.nominated: must list at least nominated contact #1']);
  });

  test('four nominated contacts are refused', () => {
    const settings = minimalWith((s) => (s['contacts'].nominated = [1, 2, 3, 4].map(contact)));
    expect(issues(settings)).toEqual(['contacts.nominated: lists at most three nominated contacts (#1, #2, #3)']);
  });

  test.each(['nominated', 'serviceOwner', 'providerNamed', 'providerBackup'])('contacts.%s is required', (field) => {
    expect(paths(minimalWith((s) => delete s['contacts'][field]))).toEqual([`contacts.${field}`]);
  });

  test('a security contact is optional and accepted', () => {
    expect(issues(minimalWith((s) => (s['contacts'].security = { name: 'Sam Sec', email: 'soc@acme.example' })))).toEqual([]);
  });

  test.each(['not-an-email', 'carol@', '@example.com', 'carol example.com', ''])('a bad email %j is refused, naming the field', (email) => {
    expect(paths(minimalWith((s) => (s['contacts'].nominated[0].email = email)))).toEqual(['contacts.nominated.0.email']);
  });

  test.each(['+442071234567', '+12025550123', '+4912345', '+123456789012345'])('an E.164 phone %s is accepted', (phone) => {
    expect(issues(minimalWith((s) => (s['contacts'].providerBackup.phone = phone)))).toEqual([]);
  });

  test.each([
    ['a national number', '02071234567'],
    ['no plus sign', '442071234567'],
    ['a leading zero after +', '+02071234567'],
    ['spaces', '+44 20 7123 4567'],
    ['dashes', '+1-202-555-0123'],
    ['too short', '+441234'],
    ['more than 15 digits', '+1234567890123456'],
  ])('a phone number with %s (%s) is refused with an E.164 hint', (_label, phone) => {
    expect(issues(minimalWith((s) => (s['contacts'].serviceOwner.phone = phone)))).toEqual([
      'contacts.serviceOwner.phone: must be an E.164 number such as +442071234567',
    ]);
  });

  test('a blank contact name is refused', () => {
    expect(paths(minimalWith((s) => (s['contacts'].nominated[0].name = '   ')))).toEqual(['contacts.nominated.0.name']);
  });

  test('an unknown field in a contact is refused', () => {
    const result = clientSettingsSchema.safeParse(minimalWith((s) => (s['contacts'].serviceOwner.mail = 'x@example.com')));
    expect(result.success).toBe(false);
    expect(result.error!.issues).toEqual([expect.objectContaining({ code: 'unrecognized_keys', keys: ['mail'], path: ['contacts', 'serviceOwner'] })]);
  });

  test('an unknown kind of contact is refused', () => {
    const result = clientSettingsSchema.safeParse(minimalWith((s) => (s['contacts'].manager = contact(9))));
    expect(result.error!.issues).toEqual([expect.objectContaining({ code: 'unrecognized_keys', keys: ['manager'], path: ['contacts'] })]);
  });
});

describe('priorityThresholds', () => {
  const thresholds = (usersAffected: unknown) => minimalWith((s) => (s['priorityThresholds'] = { usersAffected }));

  test('a repeated atLeast is refused', () => {
    const settings = thresholds([
      { atLeast: 10, raiseTo: 'P3' },
      { atLeast: 10, raiseTo: 'P2' },
    ]);
    expect(issues(settings)).toEqual(['priorityThresholds.usersAffected: each atLeast value may appear once']);
  });

  test('a repeated atLeast is refused in concurrentIncidents too', () => {
    const settings = minimalWith((s) => (s['priorityThresholds'] = { concurrentIncidents: [{ atLeast: 3, raiseTo: 'P3' }, { atLeast: 3, raiseTo: 'P3' }] }));
    expect(issues(settings)).toEqual(['priorityThresholds.concurrentIncidents: each atLeast value may appear once']);
  });

  test('five thresholds are accepted, six refused', () => {
    const list = (n: number) => Array.from({ length: n }, (_, i) => ({ atLeast: (i + 1) * 10, raiseTo: 'P3' }));
    expect(issues(thresholds(list(5)))).toEqual([]);
    expect(paths(thresholds(list(6)))).toEqual(['priorityThresholds.usersAffected']);
  });

  test.each([
    ['atLeast 0', { atLeast: 0, raiseTo: 'P3' }, 'priorityThresholds.usersAffected.0.atLeast'],
    ['a fractional atLeast', { atLeast: 2.5, raiseTo: 'P3' }, 'priorityThresholds.usersAffected.0.atLeast'],
    ['an unknown priority', { atLeast: 10, raiseTo: 'P6' }, 'priorityThresholds.usersAffected.0.raiseTo'],
    ['a missing raiseTo', { atLeast: 10 }, 'priorityThresholds.usersAffected.0.raiseTo'],
  ])('%s is refused', (_label, threshold, path) => {
    expect(paths(thresholds([threshold]))).toEqual([path]);
  });

  test('an unknown rule is refused', () => {
    const settings = minimalWith((s) => (s['priorityThresholds'] = { vipCaller: [] }));
    expect(clientSettingsSchema.safeParse(settings).error!.issues).toEqual([
      expect.objectContaining({ code: 'unrecognized_keys', keys: ['vipCaller'], path: ['priorityThresholds'] }),
    ]);
  });
});

describe('priorityMatrix', () => {
  test('a consistent custom matrix is accepted', () => {
    const matrix = {
      '1': { '1': 'P1', '2': 'P1', '3': 'P2' },
      '2': { '1': 'P2', '2': 'P3', '3': 'P3' },
      '3': { '1': 'P3', '2': 'P4', '3': 'P5' },
    };
    expect(clientSettingsSchema.parse(minimalWith((s) => (s['priorityMatrix'] = matrix))).priorityMatrix).toEqual(matrix);
  });

  test('an inconsistent matrix is refused, naming the inverted cells', () => {
    const inverted = {
      '1': { '1': 'P1', '2': 'P2', '3': 'P3' },
      '2': { '1': 'P2', '2': 'P3', '3': 'P4' },
      '3': { '1': 'P3', '2': 'P4', '3': 'P1' },
    };
    const found = issues(minimalWith((s) => (s['priorityMatrix'] = inverted)));
    expect(found.length).toBeGreaterThan(0);
    for (const issue of found) expect(issue).toMatch(/^priorityMatrix: inconsistent matrix: /);
    expect(found).toEqual(expect.arrayContaining(['priorityMatrix: inconsistent matrix: 3/3 ranks above 2/3', 'priorityMatrix: inconsistent matrix: 3/3 ranks above 3/2']));
  });

  test('a missing cell is refused', () => {
    const matrix = structuredClone(DEFAULT_PRIORITY_MATRIX) as Record<string, Record<string, string>>;
    delete matrix['2']!['3'];
    expect(paths(minimalWith((s) => (s['priorityMatrix'] = matrix)))).toEqual(['priorityMatrix.2.3']);
  });
});

describe('the settings object', () => {
  test('an unknown top-level field is refused', () => {
    const result = clientSettingsSchema.safeParse(minimalWith((s) => (s['autoclose'] = 'P7D')));
    expect(result.success).toBe(false);
    expect(result.error!.issues).toEqual([expect.objectContaining({ code: 'unrecognized_keys', keys: ['autoclose'], path: [] })]);
  });

  test.each(['id', 'timeZone'])('%s is required', (field) => {
    expect(paths(minimalWith((s) => delete s[field]))).toEqual([field]);
  });

  test.each(['Acme', 'ac', 'acme-', '-acme', 'acme_us', 'a'.repeat(33)])('an id %j is refused', (id) => {
    expect(paths(minimalWith((s) => (s['id'] = id)))).toEqual(['id']);
  });

  test('an unknown time zone is refused', () => {
    expect(issues(minimalWith((s) => (s['timeZone'] = 'Mars/Olympus_Mons')))).toEqual(['timeZone: must be an IANA time zone such as Europe/London']);
  });
});
