import { InvalidInputError, LifecycleError } from '../../src/kernel/domain/domain-errors';
import {
  allowedNextServiceStatuses,
  assertServiceAcceptsIncidents,
  changeService,
  escalationContacts,
  newService,
  providerContacts,
  retireService,
  serviceSummary,
  type DefaultContacts,
  type Service,
  type ServiceInput,
} from '../../src/modules/catalogue/domain/service-catalogue';

const actor = { id: 'sub-1', name: 'olga' };
const NOW = '2026-11-25T10:00:00.000Z';
const LATER = '2026-11-26T10:00:00.000Z';

const input = (overrides: Partial<ServiceInput> = {}): ServiceInput => ({
  id: 'email',
  name: 'Email',
  description: 'Mail for everyone',
  owner: { username: 'olga', name: 'Olga Byrne', email: 'olga@example.com' },
  sla: { reference: 'MSA-2026 schedule 2' },
  links: [],
  contacts: { nominated: [] },
  ...overrides,
});

const person = (name: string) => ({ name, email: `${name.toLowerCase()}@example.com` });
const defaults: DefaultContacts = {
  nominated: [person('Default1'), person('Default2'), person('Default3')],
  serviceOwner: person('DefaultOwner'),
  providerNamed: person('DefaultNamed'),
  providerBackup: person('DefaultBackup'),
};

describe('newService', () => {
  test('starts in the pipeline at version 1, stamped by the actor', () => {
    expect(newService(input(), actor, NOW)).toMatchObject({ status: 'pipeline', version: 1, createdBy: 'olga', createdAt: NOW, updatedAt: NOW });
  });

  test('a live service needs its commencement date', () => {
    expect(() => newService(input({ status: 'live' }), actor, NOW)).toThrow(InvalidInputError);
    expect(newService(input({ status: 'live', commencementDate: '2026-01-01' }), actor, NOW).status).toBe('live');
  });

  test('retirement cannot come before commencement', () => {
    try {
      newService(input({ commencementDate: '2026-05-01', retirementDate: '2026-04-30' }), actor, NOW);
      throw new Error('not refused');
    } catch (error) {
      expect((error as InvalidInputError).issues).toEqual([{ field: 'retirementDate', message: expect.stringContaining('2026-05-01') }]);
    }
  });

  test('at most three nominated contacts', () => {
    const nominated = [person('A'), person('B'), person('C'), person('D')];
    expect(() => newService(input({ contacts: { nominated } }), actor, NOW)).toThrow(/at most three/);
  });
});

describe('lifecycle', () => {
  const pipeline = () => newService(input(), actor, NOW);

  test('allowed next statuses', () => {
    expect(allowedNextServiceStatuses('pipeline')).toEqual(['live', 'retired']);
    expect(allowedNextServiceStatuses('live')).toEqual(['retired']);
    expect(allowedNextServiceStatuses('retired')).toEqual([]);
  });

  test('pipeline → live with a commencement date; the version moves on', () => {
    const live = changeService(pipeline(), { status: 'live', commencementDate: '2026-12-01' }, { id: 'x', name: 'admin' }, LATER);
    expect(live).toMatchObject({ status: 'live', version: 2, updatedBy: 'admin', updatedAt: LATER, createdAt: NOW });
  });

  test('changing fields keeps the rest', () => {
    const changed = changeService(pipeline(), { name: 'Mail' }, actor, LATER);
    expect(changed).toMatchObject({ name: 'Mail', description: 'Mail for everyone', status: 'pipeline' });
  });

  test('retire: from pipeline or live, with a reason; the date defaults to today', () => {
    const retired = retireService(pipeline(), { reason: 'Replaced by Teams' }, actor, LATER);
    expect(retired).toMatchObject({ status: 'retired', retirementDate: '2026-11-26', retirementReason: 'Replaced by Teams', version: 2 });
    const live = newService(input({ status: 'live', commencementDate: '2025-01-01' }), actor, NOW);
    expect(retireService(live, { reason: 'r', retirementDate: '2026-12-31' }, actor, LATER).retirementDate).toBe('2026-12-31');
  });

  test('a retired service is final: no change, no second retirement', () => {
    const retired = retireService(pipeline(), { reason: 'gone' }, actor, LATER);
    expect(() => changeService(retired, { name: 'again' }, actor, LATER)).toThrow(LifecycleError);
    expect(() => retireService(retired, { reason: 'twice' }, actor, LATER)).toThrow(/already retired/);
  });

  test('retiring before commencement is refused', () => {
    const live = newService(input({ status: 'live', commencementDate: '2026-06-01' }), actor, NOW);
    expect(() => retireService(live, { reason: 'r', retirementDate: '2026-05-01' }, actor, LATER)).toThrow(InvalidInputError);
  });
});

describe('incidents on a service', () => {
  test('unknown and retired services are refused, naming the service field', () => {
    for (const service of [undefined, { status: 'retired' as const, retirementDate: '2026-01-01' }]) {
      try {
        assertServiceAcceptsIncidents('mail', service);
        throw new Error('not refused');
      } catch (error) {
        expect(error).toBeInstanceOf(InvalidInputError);
        expect((error as InvalidInputError).issues[0]!.field).toBe('service');
      }
    }
  });

  test('pipeline and live services accept incidents (a pipeline service may be in early life support)', () => {
    expect(() => assertServiceAcceptsIncidents('mail', { status: 'live' })).not.toThrow();
    expect(() => assertServiceAcceptsIncidents('mail', { status: 'pipeline' })).not.toThrow();
  });
});

describe('escalation contacts', () => {
  const service = (nominated: ReturnType<typeof person>[]): Pick<Service, 'contacts' | 'owner'> => ({
    contacts: { nominated },
    owner: { username: 'olga', name: 'Olga', email: 'olga@example.com', phone: '+442071230009' },
  });

  test("the service's own contacts #1–#3, then its owner", () => {
    const levels = escalationContacts(service([person('S1'), person('S2'), person('S3')]), defaults);
    expect(levels.map((l) => [l.level, l.role, l.contact.name, l.source])).toEqual([
      [1, 'nominated-1', 'S1', 'service'],
      [2, 'nominated-2', 'S2', 'service'],
      [3, 'nominated-3', 'S3', 'service'],
      [4, 'service-owner', 'Olga', 'service'],
    ]);
    // The owner's login is not a contact detail.
    expect(levels[3]!.contact).toEqual({ name: 'Olga', email: 'olga@example.com', phone: '+442071230009' });
  });

  test("levels the service leaves empty fall back to the client's defaults, level by level", () => {
    const levels = escalationContacts(service([person('S1')]), defaults);
    expect(levels.map((l) => [l.contact.name, l.source])).toEqual([
      ['S1', 'service'],
      ['Default2', 'client-default'],
      ['Default3', 'client-default'],
      ['Olga', 'service'],
    ]);
  });

  test('without a service (not in the catalogue) everything comes from the defaults', () => {
    expect(escalationContacts(undefined, defaults).map((l) => l.contact.name)).toEqual(['Default1', 'Default2', 'Default3', 'DefaultOwner']);
  });

  test('a level neither fills is left out', () => {
    const levels = escalationContacts(service([]), { ...defaults, nominated: [person('OnlyOne')] });
    expect(levels.map((l) => l.level)).toEqual([1, 4]);
  });

  test("provider contacts come from the service, else the client's defaults", () => {
    expect(providerContacts(undefined, defaults)).toEqual({ named: defaults.providerNamed, backup: defaults.providerBackup });
    expect(providerContacts({ contacts: { nominated: [], providerNamed: person('PN') } }, defaults)).toEqual({ named: person('PN'), backup: defaults.providerBackup });
  });
});

test('what requesters see: id, name and status', () => {
  expect(serviceSummary(newService(input(), actor, NOW))).toEqual({ id: 'email', name: 'Email', status: 'pipeline' });
});

test('a service lists each request type once', () => {
  const typed = newService(input({ requestTypes: [{ type: 'access', name: 'VPN access' }, { type: 'feedback', name: 'Feedback' }] }), actor, NOW);
  expect(typed.requestTypes).toHaveLength(2);
  expect(serviceSummary(typed)).toEqual({ id: 'email', name: 'Email', status: 'pipeline', requestTypes: typed.requestTypes });
  expect(() => newService(input({ requestTypes: [{ type: 'access', name: 'VPN access' }, { type: 'access', name: 'Mailbox access' }] }), actor, NOW)).toThrow(
    expect.objectContaining({ issues: [{ field: 'requestTypes', message: 'lists "access" twice; one entry per request type' }] }),
  );
});
