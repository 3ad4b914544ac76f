import { catalogueScope, firstForbiddenServiceField, mayChangeService, ROLES, type Role } from '../../src/kernel/domain/access-policy';

const caller = (roles: Role[], name = 'someone') => ({ id: `sub-${name}`, name, roles });

test.each([
  //                read       create  change  ci:read ci:manage
  ['requester',      ['summary', 'none', 'none', 'none', 'none']],
  ['agent',          ['any', 'none', 'none', 'any', 'none']],
  ['engineer',       ['any', 'none', 'none', 'any', 'none']],
  ['service-owner',  ['any', 'own', 'own', 'any', 'none']],
  ['change-manager', ['any', 'none', 'none', 'any', 'none']],
  ['auditor',        ['any', 'none', 'none', 'any', 'none']],
  ['admin',          ['any', 'any', 'any', 'any', 'any']],
  ['integration',    ['summary', 'none', 'none', 'none', 'none']],
] as const)('%s', (role, expected) => {
  const c = caller([role]);
  expect((['service:read', 'service:create', 'service:change', 'ci:read', 'ci:manage'] as const).map((a) => catalogueScope(c, a))).toEqual(expected);
});

test('every role is in the matrix', () => {
  for (const role of ROLES) expect(catalogueScope(caller([role]), 'service:read')).not.toBe('none');
});

test('the widest of several roles wins', () => {
  expect(catalogueScope(caller(['requester', 'agent']), 'service:read')).toBe('any');
  expect(catalogueScope(caller(['service-owner', 'admin']), 'ci:manage')).toBe('any');
});

test('service owners change only the services they own; admins any', () => {
  const owned = { owner: { username: 'olga' } };
  expect(mayChangeService(caller(['service-owner'], 'olga'), 'service:change', owned)).toBe(true);
  expect(mayChangeService(caller(['service-owner'], 'sam'), 'service:change', owned)).toBe(false);
  expect(mayChangeService(caller(['admin'], 'ada'), 'service:change', owned)).toBe(true);
  expect(mayChangeService(caller(['agent'], 'olga'), 'service:change', owned)).toBe(false);
});

test('only admins hand a service to another owner', () => {
  expect(firstForbiddenServiceField(caller(['service-owner']), ['name', 'owner'])).toBe('owner');
  expect(firstForbiddenServiceField(caller(['service-owner']), ['name'])).toBeUndefined();
  expect(firstForbiddenServiceField(caller(['admin']), ['owner'])).toBeUndefined();
});
