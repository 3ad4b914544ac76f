import type { APIGatewayProxyEvent } from 'aws-lambda';
import { callerFromEvent, parseGroups } from '../../src/kernel/http/caller-from-claims';

type ClaimsEvent = Pick<APIGatewayProxyEvent, 'requestContext'>;

const withClaims = (claims: Record<string, unknown> | undefined): ClaimsEvent =>
  ({ requestContext: { authorizer: claims === undefined ? {} : { claims } } }) as unknown as ClaimsEvent;

const user = (groups: unknown, extra: Record<string, unknown> = {}) => ({
  sub: '11111111-2222-3333-4444-555555555555',
  'cognito:username': 'alice',
  ...(groups !== undefined && { 'cognito:groups': groups }),
  ...extra,
});

describe('callerFromEvent: users', () => {
  test('REST API: comma-separated groups', () => {
    expect(callerFromEvent(withClaims(user('agent,service-owner')))).toEqual({
      id: '11111111-2222-3333-4444-555555555555',
      name: 'alice',
      roles: ['agent', 'service-owner'],
    });
  });

  test('HTTP API: bracketed, space-separated groups', () => {
    expect(callerFromEvent(withClaims(user('[agent service-owner]')))?.roles).toEqual(['agent', 'service-owner']);
  });

  test('groups as an array', () => {
    expect(callerFromEvent(withClaims(user(['engineer', 'auditor'])))?.roles).toEqual(['engineer', 'auditor']);
  });

  test('a single group', () => {
    expect(callerFromEvent(withClaims(user('requester')))?.roles).toEqual(['requester']);
  });

  test('unknown groups are dropped', () => {
    expect(callerFromEvent(withClaims(user('agent,superuser,Admins,admin')))?.roles).toEqual(['agent', 'admin']);
  });

  test('no groups claim → no roles, but still a caller', () => {
    expect(callerFromEvent(withClaims(user(undefined)))).toEqual({
      id: '11111111-2222-3333-4444-555555555555',
      name: 'alice',
      roles: [],
    });
  });

  test('falls back to the username claim (access tokens)', () => {
    const claims = { sub: 'sub-9', username: 'bob', 'cognito:groups': 'auditor' };
    expect(callerFromEvent(withClaims(claims))).toEqual({ id: 'sub-9', name: 'bob', roles: ['auditor'] });
  });

  test('cognito:username wins over username', () => {
    const claims = { sub: 'sub-9', 'cognito:username': 'alice', username: 'bob' };
    expect(callerFromEvent(withClaims(claims))?.name).toBe('alice');
  });

  test('id is the sub, name the username', () => {
    const caller = callerFromEvent(withClaims(user('agent')));
    expect(caller?.id).toBe('11111111-2222-3333-4444-555555555555');
    expect(caller?.name).toBe('alice');
  });
});

describe('callerFromEvent: no caller', () => {
  test('missing sub → undefined', () => {
    expect(callerFromEvent(withClaims({ 'cognito:username': 'alice', 'cognito:groups': 'admin' }))).toBeUndefined();
  });

  test('non-string sub → undefined', () => {
    expect(callerFromEvent(withClaims({ sub: 42, 'cognito:username': 'alice' }))).toBeUndefined();
  });

  test('no claims → undefined', () => {
    expect(callerFromEvent(withClaims(undefined))).toBeUndefined();
  });

  test('no authorizer → undefined', () => {
    expect(callerFromEvent({ requestContext: {} } as unknown as ClaimsEvent)).toBeUndefined();
  });

  test('a sub with an empty username and no client_id → undefined', () => {
    expect(callerFromEvent(withClaims({ sub: 'sub-1', 'cognito:username': '' }))).toBeUndefined();
  });
});

describe('callerFromEvent: machine clients (client credentials)', () => {
  test('client_id with an itsm/ scope → integration role', () => {
    const claims = { sub: 'abc123client', client_id: 'abc123client', scope: 'itsm/incidents.write' };
    expect(callerFromEvent(withClaims(claims))).toEqual({
      id: 'abc123client',
      name: 'client:abc123client',
      roles: ['integration'],
    });
  });

  test('an itsm/ scope among several', () => {
    const claims = { sub: 'c1', client_id: 'c1', scope: 'other/read itsm/incidents.read' };
    expect(callerFromEvent(withClaims(claims))?.roles).toEqual(['integration']);
  });

  test.each(['other/incidents.write', 'openid email', 'xitsm/incidents.write', ''])(
    'scope %j without itsm/ → undefined',
    (scope) => {
      expect(callerFromEvent(withClaims({ sub: 'c1', client_id: 'c1', scope }))).toBeUndefined();
    },
  );

  test('no scope → undefined', () => {
    expect(callerFromEvent(withClaims({ sub: 'c1', client_id: 'c1' }))).toBeUndefined();
  });

  test('no client_id → undefined', () => {
    expect(callerFromEvent(withClaims({ sub: 'c1', scope: 'itsm/incidents.write' }))).toBeUndefined();
  });

  test('groups on a client token grant nothing', () => {
    const claims = { sub: 'c1', client_id: 'c1', scope: 'itsm/incidents.write', 'cognito:groups': 'admin' };
    expect(callerFromEvent(withClaims(claims))?.roles).toEqual(['integration']);
  });
});

describe('parseGroups', () => {
  test.each<[unknown, string[]]>([
    ['agent,service-owner', ['agent', 'service-owner']],
    ['agent, service-owner', ['agent', 'service-owner']],
    ['[agent service-owner]', ['agent', 'service-owner']],
    ['[agent]', ['agent']],
    ['[]', []],
    ['', []],
    [['admin', 'auditor'], ['admin', 'auditor']],
    [[' admin '], ['admin']],
    [['admin', 7], ['admin']],
    ['agent,unknown,engineer', ['agent', 'engineer']],
    ['AGENT', []],
    [undefined, []],
    [null, []],
    [42, []],
    [{ agent: true }, []],
  ])('%j → %j', (value, roles) => {
    expect(parseGroups(value)).toEqual(roles);
  });
});
