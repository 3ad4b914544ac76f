import { InvalidInputError } from '../../src/kernel/domain/domain-errors';
import {
  changeConfigurationItem,
  isSharedPlatform,
  newConfigurationItem,
  normalizeSoftwareName,
  softwareInstallations,
  versionPrefix,
} from '../../src/modules/catalogue/domain/configuration-item';

const actor = { id: 'sub-a', name: 'ada.admin' };
const NOW = '2026-11-25T10:00:00.000Z';
const server = () =>
  newConfigurationItem('ci-1', { type: 'software', name: 'erp-app-01', attributes: { product: 'SAP', version: '2023', libraries: [] }, services: ['erp', 'erp'] }, actor, NOW);

test('a new CI is version 1 with its services and relations de-duplicated', () => {
  const ci = newConfigurationItem(
    'ci-1',
    { type: 'hardware', name: 'host', attributes: { kind: 'virtual-machine' }, services: ['erp', 'erp', 'crm'], relations: [{ kind: 'runs-on', ci: 'ci-2' }, { kind: 'runs-on', ci: 'ci-2' }] },
    actor,
    NOW,
  );
  expect(ci).toMatchObject({ version: 1, services: ['erp', 'crm'], relations: [{ kind: 'runs-on', ci: 'ci-2' }], createdBy: 'ada.admin' });
});

test('a CI cannot relate to itself', () => {
  expect(() => newConfigurationItem('ci-1', { type: 'hardware', name: 'h', attributes: {}, relations: [{ kind: 'depends-on', ci: 'ci-1' }] }, actor, NOW)).toThrow(InvalidInputError);
});

test('a change makes the next version and keeps what it does not name', () => {
  const next = changeConfigurationItem(server(), { type: 'software', name: 'erp-app-1' }, { id: 'b', name: 'bob.admin' }, '2026-11-26T00:00:00.000Z');
  expect(next).toMatchObject({ version: 2, name: 'erp-app-1', services: ['erp'], updatedBy: 'bob.admin', createdAt: NOW });
});

test('the type never changes', () => {
  try {
    changeConfigurationItem(server(), { type: 'hardware', name: 'x' }, actor, NOW);
    throw new Error('not refused');
  } catch (error) {
    expect((error as InvalidInputError).issues[0]!.field).toBe('type');
  }
});

test('a shared platform is a CI used by more than one service', () => {
  expect(isSharedPlatform({ services: ['a'] })).toBe(false);
  expect(isSharedPlatform({ services: ['a', 'b'] })).toBe(true);
});

test('software installations: product, OS and libraries of software; the engine of storage; one per name and version', () => {
  expect(
    softwareInstallations({
      type: 'software',
      attributes: {
        product: 'nginx',
        version: '1.24.0',
        os: { distribution: 'Ubuntu', version: '22.04' },
        libraries: [{ name: 'OpenSSL', version: '3.0.13' }, { name: 'openssl', version: '3.0.13' }, { name: 'zlib', version: '1.3' }],
      },
    }),
  ).toEqual([
    { name: 'nginx', version: '1.24.0', source: 'product' },
    { name: 'Ubuntu', version: '22.04', source: 'os' },
    { name: 'OpenSSL', version: '3.0.13', source: 'library' },
    { name: 'zlib', version: '1.3', source: 'library' },
  ]);
  expect(softwareInstallations({ type: 'storage', attributes: { engine: 'PostgreSQL', engineVersion: '15.4' } })).toEqual([
    { name: 'PostgreSQL', version: '15.4', source: 'engine' },
  ]);
  expect(softwareInstallations({ type: 'hardware', attributes: { product: 'ignored', version: '1' } })).toEqual([]);
});

test('software names match regardless of case and spacing', () => {
  expect(normalizeSoftwareName('Open SSL')).toBe(normalizeSoftwareName('openssl'));
  expect(normalizeSoftwareName('MS_SQL')).toBe('mssql');
});

test.each([
  ['3.0.x', '3.0.'],
  ['3.0.*', '3.0.'],
  ['3.0.', '3.0.'],
  ['3.0.7', '3.0.7'],
  [' 1.x ', '1.'],
  ['22.04', '22.04'],
])('version query %j is the prefix %j', (query, prefix) => {
  expect(versionPrefix(query)).toBe(prefix);
});
