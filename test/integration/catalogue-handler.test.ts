import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { ciKey } from '../../src/modules/catalogue/adapters/catalogue-table-keys';
import type { TestTables } from '../support/test-tables';
import { callers, invoke, type ApiResponse, type ProxyHandler, type RequestOptions, type TestCaller } from './support-events';
import { expectProblem, startFunctionEnvironment, validIncidentBody, type FunctionEnvironment } from './support-handler';
import { scanAll } from './support-incidents';

/**
 * The catalogue function over DynamoDB Local, with a realistic catalogue: 24 services and 209
 * configuration items (shared hypervisor hosts and database clusters, a certificate supplier,
 * application servers with their OpenSSL versions, personas and devices). The incidents function
 * runs on the same tables for the service check.
 */
let environment: FunctionEnvironment;
let tables: TestTables;
let catalogue: ProxyHandler;
let incidents: ProxyHandler;

beforeAll(async () => {
  environment = await startFunctionEnvironment();
  tables = environment.tables;
  jest.isolateModules(() => {
    catalogue = require('../../src/modules/catalogue/functions/catalogue-handler').handler;
    incidents = require('../../src/modules/incidents/functions/incidents-handler').handler;
  });
  await buildFixture();
});
afterAll(async () => {
  await environment?.close();
});

// ---------------------------------------------------------------------------------------------
// Requests

const { admin, agent, requester, serviceOwner, auditor, engineer, changeManager } = callers;
const otherOwner: TestCaller = { sub: '0b7c1c1e-0000-4000-8000-0000000000aa', username: 'olga.owner', groups: 'service-owner' };

const send = (method: string, path: string, resource: string, options: Partial<RequestOptions> & { as: TestCaller | undefined; ifMatch?: string }) =>
  invoke(catalogue, method, {
    path,
    resource,
    ...(options.pathParameters && { pathParameters: options.pathParameters }),
    ...(options.query && { query: options.query }),
    ...(options.body !== undefined && { body: options.body }),
    caller: options.as,
    headers: { ...(options.ifMatch !== undefined && { 'If-Match': options.ifMatch }) },
  });

const api = {
  createService: (body: unknown, as: TestCaller = admin) => send('POST', '/services', '/services', { as, body }),
  getService: (id: string, as: TestCaller = agent) => send('GET', `/services/${id}`, '/services/{id}', { as, pathParameters: { id } }),
  listServices: (query: Record<string, string>, as: TestCaller = agent) => send('GET', '/services', '/services', { as, query }),
  patchService: (id: string, body: unknown, as: TestCaller, ifMatch?: string) =>
    send('PATCH', `/services/${id}`, '/services/{id}', { as, body, pathParameters: { id }, ...(ifMatch !== undefined && { ifMatch }) }),
  retire: (id: string, body: unknown, as: TestCaller, ifMatch?: string) =>
    send('POST', `/services/${id}/retire`, '/services/{id}/retire', { as, body, pathParameters: { id }, ...(ifMatch !== undefined && { ifMatch }) }),
  serviceCis: (id: string, query: Record<string, string> = {}, as: TestCaller = agent) =>
    send('GET', `/services/${id}/cis`, '/services/{id}/cis', { as, pathParameters: { id }, query }),
  createCi: (body: unknown, as: TestCaller = admin) => send('POST', '/cis', '/cis', { as, body }),
  getCi: (id: string, as: TestCaller = agent) => send('GET', `/cis/${id}`, '/cis/{id}', { as, pathParameters: { id } }),
  listCis: (query: Record<string, string>, as: TestCaller = agent) => send('GET', '/cis', '/cis', { as, query }),
  patchCi: (id: string, body: unknown, as: TestCaller, ifMatch?: string) =>
    send('PATCH', `/cis/${id}`, '/cis/{id}', { as, body, pathParameters: { id }, ...(ifMatch !== undefined && { ifMatch }) }),
  history: (id: string, query: Record<string, string> = {}, as: TestCaller = agent) =>
    send('GET', `/cis/${id}/history`, '/cis/{id}/history', { as, pathParameters: { id }, query }),
  shared: (query: Record<string, string> = {}, as: TestCaller = agent) => send('GET', '/catalogue/shared-platforms', '/catalogue/shared-platforms', { as, query }),
  software: (query: Record<string, string>, as: TestCaller = agent) => send('GET', '/catalogue/software', '/catalogue/software', { as, query }),
};

/** Every item of a paginated list, following nextToken; also checks no page is larger than asked. */
async function readAll(list: (query: Record<string, string>) => Promise<ApiResponse>, query: Record<string, string>, limit: number): Promise<{ items: any[]; pages: number }> {
  const items: any[] = [];
  let nextToken: string | undefined;
  let pages = 0;
  do {
    const page = await list({ ...query, limit: String(limit), ...(nextToken && { nextToken }) });
    expect(page.status).toBe(200);
    expect(page.body.items.length).toBeLessThanOrEqual(limit);
    items.push(...page.body.items);
    nextToken = page.body.nextToken;
    pages++;
  } while (nextToken && pages < 100);
  return { items, pages };
}

// ---------------------------------------------------------------------------------------------
// The fixture: 24 services, 209 CIs

const SERVICE_IDS = Array.from({ length: 24 }, (_, i) => `app-${String(i + 1).padStart(2, '0')}`);
/** Services 1–8 belong to oscar.owner, the rest to olga.owner; 19–21 stay in the pipeline; 22–24 are retired. */
const ownerOf = (i: number) => (i < 8 ? serviceOwner : otherOwner);
const OPENSSL_VERSIONS = ['3.0.13', '3.0.2', '1.1.1w', '3.1.4'] as const;
const APP_SERVERS_PER_SERVICE = 7;

const serviceBody = (id: string, i: number, overrides: Record<string, unknown> = {}) => ({
  id,
  name: `Application ${id.slice(4)}`,
  description: `Business application ${id}`,
  status: i >= 18 && i < 21 ? 'pipeline' : 'live',
  ...(!(i >= 18 && i < 21) && { commencementDate: '2025-01-01' }),
  owner: { username: ownerOf(i).username, name: ownerOf(i).username, email: `${ownerOf(i).username}@example.com` },
  sla: { reference: 'MSA-2026 schedule 2', ...(i % 5 === 0 && { overrides: { P1: { resolve: 'PT2H' } } }) },
  links: [{ kind: 'ticket-board', url: `https://boards.example.com/${id}` }],
  contacts: { nominated: [{ name: `Contact ${id}`, email: `contact.${id}@example.com` }] },
  ...overrides,
});

const fixture = {
  hosts: [] as { id: string; services: string[] }[],
  databases: [] as { id: string; services: string[] }[],
  supplier: { id: '', services: [] as string[] },
  appServers: [] as { id: string; service: string; openssl: string }[],
  personas: [] as string[],
  devices: [] as string[],
};
const etags = new Map<string, string>();

async function created(response: ApiResponse): Promise<string> {
  if (response.status !== 201) throw new Error(`expected 201, got ${response.status}: ${response.raw}`);
  etags.set(response.body.id, response.headers['etag']!);
  return response.body.id;
}

async function buildFixture(): Promise<void> {
  for (const [i, id] of SERVICE_IDS.entries()) await created(await api.createService(serviceBody(id, i)));
  for (const id of SERVICE_IDS.slice(21)) {
    const retired = await api.retire(id, { reason: 'Replaced', retirementDate: '2026-06-30' }, admin, '"1"');
    if (retired.status !== 200) throw new Error(retired.raw);
  }
  // Four hypervisor hosts, each shared by six services.
  for (let h = 0; h < 4; h++) {
    const services = SERVICE_IDS.slice(h * 6, h * 6 + 6);
    const id = await created(
      await api.createCi({ type: 'hardware', name: `hv-host-${h + 1}`, services, attributes: { kind: 'physical-server', cpus: 64, memoryGiB: 512, model: 'PowerEdge R760' } }),
    );
    fixture.hosts.push({ id, services });
  }
  // Two database clusters, shared by five services each.
  for (const [d, version] of ['15.4', '14.9'].entries()) {
    const services = SERVICE_IDS.slice(d * 5, d * 5 + 5);
    const id = await created(
      await api.createCi({
        type: 'storage',
        name: `pg-cluster-${d + 1}`,
        services,
        attributes: { engine: 'PostgreSQL', engineVersion: version, volumes: [{ name: 'data', sizeGiB: 2000, encrypted: true }], backup: { strategy: 'PITR + nightly snapshot', retentionDays: 35 }, replication: 'synchronous standby' },
      }),
    );
    fixture.databases.push({ id, services });
  }
  fixture.supplier.services = SERVICE_IDS.slice(0, 12);
  fixture.supplier.id = await created(
    await api.createCi({ type: 'supplier', name: 'DigiCert', services: fixture.supplier.services, attributes: { supplier: 'DigiCert', supplies: ['TLS certificates'], contractReference: 'PO-2026-77' } }),
  );
  // Seven application servers per service, each on its service's host.
  for (const [i, service] of SERVICE_IDS.entries()) {
    const host = fixture.hosts[Math.floor(i / 6)]!.id;
    for (let a = 0; a < APP_SERVERS_PER_SERVICE; a++) {
      const openssl = OPENSSL_VERSIONS[(i + a) % OPENSSL_VERSIONS.length]!;
      const id = await created(
        await api.createCi({
          type: 'software',
          name: `${service}-app-${a + 1}`,
          services: [service],
          relations: [{ kind: 'runs-on', ci: host }, ...(i < 10 ? [{ kind: 'depends-on', ci: fixture.databases[i < 5 ? 0 : 1]!.id }] : []), { kind: 'supplied-by', ci: fixture.supplier.id }],
          attributes: {
            product: 'nginx',
            version: '1.24.0',
            os: { distribution: 'Ubuntu', version: '22.04' },
            libraries: [{ name: 'OpenSSL', version: openssl }, { name: 'zlib', version: '1.3' }],
            securityPatchLevel: '2026-11',
            properties: { tlsKey: 'vault://kv/tls/app', adminPassword: 'arn:aws:secretsmanager:eu-west-2:111111111111:secret:app-admin-AbC123' },
          },
        }),
      );
      fixture.appServers.push({ id, service, openssl });
    }
  }
  for (const service of SERVICE_IDS) {
    fixture.personas.push(await created(await api.createCi({ type: 'persona', name: `DBA for ${service}`, services: [service], attributes: { role: 'Database administrator' } })));
  }
  for (let d = 0; d < 10; d++) {
    fixture.devices.push(await created(await api.createCi({ type: 'device', name: `laptop-${d}`, attributes: { kind: 'laptop', model: 'ThinkPad T14' } })));
  }
}

const allCiCount = () => fixture.hosts.length + fixture.databases.length + 1 + fixture.appServers.length + fixture.personas.length + fixture.devices.length;

test('the fixture is a realistic catalogue: at least 20 services and 200 CIs', () => {
  expect(SERVICE_IDS.length).toBeGreaterThanOrEqual(20);
  expect(allCiCount()).toBeGreaterThanOrEqual(200);
});

// ---------------------------------------------------------------------------------------------

describe('services', () => {
  test('create answers 201 with Location and ETag; get returns it', async () => {
    const response = await api.createService(serviceBody('crm-new', 0));
    expect(response.status).toBe(201);
    expect(response.headers['location']).toBe('/v1/services/crm-new');
    expect(response.headers['etag']).toBe('"1"');
    expect(response.body).toMatchObject({ id: 'crm-new', status: 'live', version: 1, createdBy: 'ada.admin' });
    const read = await api.getService('crm-new');
    expect(read.status).toBe(200);
    expect(read.body).toEqual(response.body);
  });

  test('a taken id answers 409', async () => {
    expectProblem(await api.createService(serviceBody('app-01', 0)), 409, 'id');
  });

  test('bad input answers 400 naming the field, and nothing is written', async () => {
    expectProblem(await api.createService(serviceBody('bad-one', 0, { owner: { username: 'x', name: 'x', email: 'nope' } })), 400, 'owner.email');
    expectProblem(await api.createService(serviceBody('bad-two', 0, { commencementDate: undefined, status: 'live' })), 400, 'commencementDate');
    expectProblem(await api.createService(serviceBody('bad-three', 0, { description: `deploy key ${['AKIA', 'IOSFODNN7', 'EXAMPLE'].join('')}` })), 400, 'description');
    for (const id of ['bad-one', 'bad-two', 'bad-three']) expect((await api.getService(id)).status).toBe(404);
  });

  test('update needs If-Match: missing 428, stale 412, current 200 with the next ETag', async () => {
    await created(await api.createService(serviceBody('upd', 0)));
    expectProblem(await api.patchService('upd', { name: 'Renamed' }, admin), 428, 'If-Match');
    expectProblem(await api.patchService('upd', { name: 'Renamed' }, admin, '"7"'), 412, 'If-Match');
    const changed = await api.patchService('upd', { name: 'Renamed', contacts: { nominated: [{ name: 'N1', email: 'n1@example.com' }] } }, admin, '"1"');
    expect(changed.status).toBe(200);
    expect(changed.headers['etag']).toBe('"2"');
    expect(changed.body).toMatchObject({ name: 'Renamed', version: 2, updatedBy: 'ada.admin' });
    expectProblem(await api.patchService('upd', { name: 'Again' }, admin, '"1"'), 412);
  });

  test('twenty concurrent changes with the same If-Match: exactly one wins', async () => {
    await created(await api.createService(serviceBody('race', 0)));
    const answers = await Promise.all(Array.from({ length: 20 }, (_, n) => api.patchService('race', { name: `Race ${n}` }, admin, '"1"')));
    expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
    expect(answers.filter((a) => a.status === 412)).toHaveLength(19);
  });

  test('service owners change their own services only, and may not hand them over', async () => {
    expect((await api.patchService('app-01', { description: 'Owned by Oscar' }, serviceOwner, '"1"')).status).toBe(200);
    expectProblem(await api.patchService('app-09', { description: 'Not Oscar\'s' }, serviceOwner, '"1"'), 403, 'owner');
    expectProblem(await api.patchService('app-02', { owner: { username: 'sam', name: 'Sam', email: 'sam@example.com' } }, serviceOwner, '"1"'), 403, 'owner');
    // They create services only as their owner.
    expect((await api.createService(serviceBody('oscar-new', 0), serviceOwner)).status).toBe(201);
    expectProblem(await api.createService(serviceBody('oscar-for-olga', 9), serviceOwner), 403, 'owner.username');
  });

  test('pipeline → live through PATCH; retired through its own route, then final', async () => {
    await created(await api.createService(serviceBody('lifecycle', 19)));
    expect((await api.getService('lifecycle')).body.status).toBe('pipeline');
    const live = await api.patchService('lifecycle', { status: 'live', commencementDate: '2026-12-01' }, admin, '"1"');
    expect(live.body.status).toBe('live');
    expectProblem(await api.retire('lifecycle', { reason: 'gone' }, admin), 428);
    const retired = await api.retire('lifecycle', { reason: 'Replaced by app-02', retirementDate: '2026-12-31' }, admin, '"2"');
    expect(retired.status).toBe(200);
    expect(retired.body).toMatchObject({ status: 'retired', retirementDate: '2026-12-31', retirementReason: 'Replaced by app-02', version: 3 });
    expectProblem(await api.patchService('lifecycle', { name: 'Back' }, admin, '"3"'), 409, 'status');
    expectProblem(await api.retire('lifecycle', { reason: 'again' }, admin, '"3"'), 409, 'status');
  });

  test('there is no delete: a service is retired, never removed', async () => {
    const response = await send('DELETE', '/services/app-01', '/services/{id}', { as: admin, pathParameters: { id: 'app-01' } });
    expect(response.status).toBe(405);
  });

  test('list by status, by name, paginated', async () => {
    const live = await readAll((q) => api.listServices(q), { status: 'retired' }, 2);
    const retired = live.items.map((s) => s.id);
    expect(retired).toEqual(expect.arrayContaining(['app-22', 'app-23', 'app-24']));
    expect(live.items.every((s) => s.status === 'retired')).toBe(true);
    const pipeline = await readAll((q) => api.listServices(q), { status: 'pipeline' }, 2);
    expect(pipeline.items.map((s) => s.id)).toEqual(expect.arrayContaining(['app-19', 'app-20', 'app-21']));
    const names = pipeline.items.map((s) => s.name.toLowerCase());
    expect(names).toEqual([...names].sort());
  });

  test('list by owner (owner=me), with a status filter, paginated without repeats', async () => {
    const mine = await readAll((q) => api.listServices(q, serviceOwner), { owner: 'me' }, 3);
    const ids = mine.items.map((s) => s.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(expect.arrayContaining(SERVICE_IDS.slice(0, 8)));
    expect(ids.filter((id) => SERVICE_IDS.includes(id))).toHaveLength(8);
    expect(mine.items.every((s) => s.owner.username === serviceOwner.username)).toBe(true);
    const olgaRetired = await readAll((q) => api.listServices(q), { owner: 'olga.owner', status: 'retired' }, 10);
    expect(olgaRetired.items.every((s) => s.status === 'retired' && s.owner.username === 'olga.owner')).toBe(true);
    expect(olgaRetired.items.map((s) => s.id).filter((id) => SERVICE_IDS.includes(id)).sort()).toEqual(['app-22', 'app-23', 'app-24']);
  });

  test('every service, by name', async () => {
    const all = await readAll((q) => api.listServices(q), {}, 25);
    expect(all.items.map((s) => s.id)).toEqual(expect.arrayContaining(SERVICE_IDS));
  });

  test('a cursor is bound to its filter', async () => {
    const first = await api.listServices({ status: 'live', limit: '2' });
    expect(first.body.nextToken).toBeDefined();
    expectProblem(await api.listServices({ status: 'pipeline', limit: '2', nextToken: first.body.nextToken }), 400, 'nextToken');
  });

  test('requesters and machine clients see id, name and status only', async () => {
    const read = await api.getService('app-01', requester);
    expect(read.status).toBe(200);
    expect(read.body).toEqual({ id: 'app-01', name: 'Application 01', status: 'live' });
    const listed = await api.listServices({ status: 'retired', limit: '5' }, requester);
    for (const item of listed.body.items) expect(Object.keys(item).sort()).toEqual(['id', 'name', 'status']);
  });

  test('unknown service: 404', async () => {
    expectProblem(await api.getService('no-such-service'), 404, 'id');
  });
});

// ---------------------------------------------------------------------------------------------

describe('configuration items', () => {
  const software = (overrides: Record<string, unknown> = {}) => ({
    type: 'software',
    name: 'erp-app-x',
    services: ['app-03'],
    attributes: { product: 'SAP', version: '2023', libraries: [{ name: 'OpenSSL', version: '3.0.7' }] },
    ...overrides,
  });

  test('create (admins) answers 201 with Location and ETag; get returns it', async () => {
    const response = await api.createCi(software());
    expect(response.status).toBe(201);
    expect(response.headers['location']).toBe(`/v1/cis/${response.body.id}`);
    expect(response.headers['etag']).toBe('"1"');
    const read = await api.getCi(response.body.id);
    expect(read.body).toEqual(response.body);
  });

  test('Idempotency-Key: a retried creation returns the first CI instead of making a second', async () => {
    const body = software({ name: 'idempotent-ci' });
    const post = () => invoke(catalogue, 'POST', { path: '/cis', resource: '/cis', body, caller: admin, headers: { 'Idempotency-Key': 'ci-create-1' } });
    const first = await post();
    const replay = await post();
    expect(first.status).toBe(201);
    expect(replay.status).toBe(201);
    expect(replay.body.id).toBe(first.body.id);
    const named = (await readAll((q) => api.listCis(q), { type: 'software' }, 100)).items.filter((c) => c.name === 'idempotent-ci');
    expect(named).toHaveLength(1);
  });

  test('references must exist: services and related CIs', async () => {
    expectProblem(await api.createCi(software({ services: ['app-03', 'nowhere'] })), 400, 'services.1');
    expectProblem(await api.createCi(software({ relations: [{ kind: 'runs-on', ci: '00000000-0000-4000-8000-000000000000' }] })), 400, 'relations.0.ci');
  });

  test('secrets are refused naming the field, and nothing is written', async () => {
    const before = (await scanAll(tables.documents, tables.names.catalogue)).length;
    const cases: [Record<string, unknown>, string][] = [
      [{ attributes: { product: 'SAP', version: '1', properties: { dbPassword: 'Winter2026!' } } }, 'attributes.properties.dbPassword'],
      [{ description: ['-----BEGIN ', 'PRIVATE KEY-----\nMIIEv...'].join('') }, 'description'],
      [{ attributes: { product: 'SAP', version: '1', properties: { ci: ['ghp_', 'a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8'].join('') } } }, 'attributes.properties.ci'],
    ];
    for (const [overrides, field] of cases) expectProblem(await api.createCi(software(overrides)), 400, field);
    expect((await scanAll(tables.documents, tables.names.catalogue)).length).toBe(before);
  });

  test('every change keeps the previous version: history newest first, paginated', async () => {
    const id = await created(await api.createCi(software({ name: 'versioned' })));
    expectProblem(await api.patchCi(id, { type: 'software', name: 'versioned-2' }, admin), 428);
    expectProblem(await api.patchCi(id, { type: 'software', name: 'versioned-2' }, admin, '"9"'), 412);
    expectProblem(await api.patchCi(id, { type: 'hardware', name: 'versioned-2' }, admin, '"1"'), 400, 'type');
    const v2 = await api.patchCi(id, { type: 'software', name: 'versioned-2' }, admin, '"1"');
    expect(v2.status).toBe(200);
    expect(v2.headers['etag']).toBe('"2"');
    const v3 = await api.patchCi(id, { type: 'software', attributes: { product: 'SAP', version: '2024', libraries: [] } }, admin, '"2"');
    expect(v3.body).toMatchObject({ version: 3, name: 'versioned-2', attributes: { version: '2024' } });

    const history = await readAll((q) => api.history(id, q), {}, 1);
    expect(history.items.map((v) => [v.version, v.name, v.attributes.version])).toEqual([
      [3, 'versioned-2', '2024'],
      [2, 'versioned-2', '2023'],
      [1, 'versioned', '2023'],
    ]);
    expectProblem(await api.history('00000000-0000-4000-8000-000000000000'), 404, 'id');
  });

  test('every CI of a type, by name, paginated', async () => {
    const personas = await readAll((q) => api.listCis(q), { type: 'persona' }, 10);
    expect(personas.pages).toBeGreaterThanOrEqual(3);
    expect(personas.items.map((c) => c.id).sort()).toEqual([...fixture.personas].sort());
    const names = personas.items.map((c) => c.name.toLowerCase());
    expect(names).toEqual([...names].sort());
    const devices = await readAll((q) => api.listCis(q), { type: 'device' }, 4);
    expect(devices.items).toHaveLength(10);
    expectProblem(await api.listCis({}), 400, 'type');
  });

  test('services sharing a platform: CIs used by more than one service, most shared first, paginated', async () => {
    const shared = await readAll((q) => api.shared(q), {}, 2);
    const expected = [...fixture.hosts, ...fixture.databases, fixture.supplier].map((c) => c.id).sort();
    expect(shared.items.map((c) => c.id).sort()).toEqual(expected);
    expect(shared.items[0]).toMatchObject({ id: fixture.supplier.id, name: 'DigiCert', services: fixture.supplier.services });
    const counts = shared.items.map((c) => c.services.length);
    expect(counts).toEqual([...counts].sort((a, b) => b - a));
    // The hosts each carry their six services: a fault on one hits all six.
    for (const host of fixture.hosts) expect(shared.items.find((c) => c.id === host.id)!.services).toEqual(host.services);
  });

  test('which services run OpenSSL 3.0.x: a version prefix, paginated', async () => {
    const expectedCis = fixture.appServers.filter((a) => a.openssl.startsWith('3.0.'));
    const found = await readAll((q) => api.software(q), { name: 'openssl', version: '3.0.x' }, 25);
    expect(found.pages).toBeGreaterThan(1);
    const fixtureIds = new Set(fixture.appServers.map((a) => a.id));
    const fromFixture = found.items.filter((e) => fixtureIds.has(e.ci.id));
    expect(fromFixture.map((e) => e.ci.id).sort()).toEqual(expectedCis.map((a) => a.id).sort());
    expect(fromFixture.every((e) => e.name === 'OpenSSL' && e.version.startsWith('3.0.') && e.source === 'library')).toBe(true);
    const services = new Set(fromFixture.flatMap((e) => e.services));
    expect([...services].sort()).toEqual([...new Set(expectedCis.map((a) => a.service))].sort());

    // An exact version; case and spacing of the name do not matter.
    const exact = await readAll((q) => api.software(q), { name: 'Open SSL', version: '1.1.1w' }, 50);
    expect(exact.items.map((e) => e.ci.id).sort()).toEqual(fixture.appServers.filter((a) => a.openssl === '1.1.1w').map((a) => a.id).sort());
    // Every version of a database engine.
    const postgres = await readAll((q) => api.software(q), { name: 'postgresql' }, 50);
    expect(postgres.items.map((e) => e.version).sort()).toEqual(['14.9', '15.4']);
  });

  test('the inventory follows a CI change: the old version disappears, the new one appears', async () => {
    const target = fixture.appServers.find((a) => a.openssl === '3.0.2')!;
    const current = await api.getCi(target.id);
    const attributes = { ...current.body.attributes, libraries: [{ name: 'OpenSSL', version: '3.0.15' }, { name: 'zlib', version: '1.3' }] };
    const changed = await api.patchCi(target.id, { type: 'software', attributes }, admin, current.headers['etag']);
    expect(changed.status).toBe(200);
    const old = await readAll((q) => api.software(q), { name: 'openssl', version: '3.0.2' }, 100);
    expect(old.items.map((e) => e.ci.id)).not.toContain(target.id);
    const updated = await readAll((q) => api.software(q), { name: 'openssl', version: '3.0.15' }, 100);
    expect(updated.items.map((e) => e.ci.id)).toEqual([target.id]);
    target.openssl = '3.0.15';
    // Only the inventory entries of the current version remain under the CI.
    const stored = await tables.documents.send(
      new QueryCommand({ TableName: tables.names.catalogue, KeyConditionExpression: 'pk = :pk AND begins_with(sk, :sw)', ExpressionAttributeValues: { ':pk': ciKey(target.id).pk, ':sw': 'SOFTWARE#' } }),
    );
    expect((stored.Items ?? []).map((i) => i['sk']).sort()).toEqual(['SOFTWARE#nginx#1.24.0', 'SOFTWARE#openssl#3.0.15', 'SOFTWARE#ubuntu#22.04', 'SOFTWARE#zlib#1.3']);
  });

  test('the CIs of a service, with their dependencies, paginated', async () => {
    const service = 'app-02';
    const found = await readAll((q) => api.serviceCis(service, q), {}, 3);
    const expected = [
      fixture.hosts[0]!.id,
      fixture.databases[0]!.id,
      fixture.supplier.id,
      ...fixture.appServers.filter((a) => a.service === service).map((a) => a.id),
      fixture.personas[1]!,
    ];
    expect(found.items.map((c) => c.id).sort()).toEqual(expected.sort());
    const app = found.items.find((c) => c.type === 'software')!;
    expect(app.relations).toEqual([
      { kind: 'runs-on', ci: fixture.hosts[0]!.id },
      { kind: 'depends-on', ci: fixture.databases[0]!.id },
      { kind: 'supplied-by', ci: fixture.supplier.id },
    ]);
    expectProblem(await api.serviceCis('no-such-service'), 404, 'id');
  });

  test('moving a CI to other services moves it in the per-service lists and the shared platforms', async () => {
    const id = await created(await api.createCi({ type: 'hardware', name: 'mover', services: ['app-05'], attributes: { kind: 'virtual-machine' } }));
    const moved = await api.patchCi(id, { type: 'hardware', services: ['app-06', 'app-07'] }, admin, '"1"');
    expect(moved.status).toBe(200);
    expect((await readAll((q) => api.serviceCis('app-05', q), {}, 50)).items.map((c) => c.id)).not.toContain(id);
    expect((await readAll((q) => api.serviceCis('app-06', q), {}, 50)).items.map((c) => c.id)).toContain(id);
    expect((await readAll((q) => api.shared(q), {}, 50)).items.map((c) => c.id)).toContain(id);
  });
});

// ---------------------------------------------------------------------------------------------

describe('incidents name a service of the catalogue', () => {
  const logIncident = (body: unknown) => invoke(incidents, 'POST', { path: '/incidents', resource: '/incidents', body, caller: agent });

  test('a live or pipeline service is accepted', async () => {
    expect((await logIncident(validIncidentBody({ service: 'app-01' }))).status).toBe(201);
    expect((await logIncident(validIncidentBody({ service: 'app-19' }))).status).toBe(201);
  });

  test('an unknown or retired service is refused with 400 naming service, and nothing is written', async () => {
    const before = (await scanAll(tables.documents, tables.names.incidents)).length;
    const unknown = await logIncident(validIncidentBody({ service: 'no-such-service' }));
    expectProblem(unknown, 400, 'service');
    expect(unknown.body.detail).toMatch(/not a service in the catalogue/);
    const retired = await logIncident(validIncidentBody({ service: 'app-22' }));
    expectProblem(retired, 400, 'service');
    expect(retired.body.detail).toMatch(/retired on 2026-06-30/);
    expect((await scanAll(tables.documents, tables.names.incidents)).length).toBe(before);
  });

  test('moving an incident to an unknown service is refused as well', async () => {
    const logged = await logIncident(validIncidentBody({ service: 'app-02' }));
    const patch = (service: string) =>
      invoke(incidents, 'PATCH', {
        path: `/incidents/${logged.body.id}`,
        resource: '/incidents/{id}',
        pathParameters: { id: logged.body.id },
        body: { service },
        caller: agent,
        headers: { 'If-Match': '"1"' },
      });
    expectProblem(await patch('no-such-service'), 400, 'service');
    expect((await patch('app-03')).status).toBe(200);
  });
});

// ---------------------------------------------------------------------------------------------

describe('who may do what', () => {
  const roles: [string, TestCaller][] = [
    ['requester', requester],
    ['agent', agent],
    ['engineer', engineer],
    ['service-owner (not the owner)', otherOwner],
    ['change-manager', changeManager],
    ['auditor', auditor],
    ['admin', admin],
  ];
  // read service, list services, create service, change app-03 (oscar's), create CI, read CI, CI queries
  const expected: Record<string, number[]> = {
    requester: [200, 200, 403, 403, 403, 403, 403],
    agent: [200, 200, 403, 403, 403, 200, 200],
    engineer: [200, 200, 403, 403, 403, 200, 200],
    // A service owner may create a service they own (this one names them), not change another's.
    'service-owner (not the owner)': [200, 200, 201, 403, 403, 200, 200],
    'change-manager': [200, 200, 403, 403, 403, 200, 200],
    auditor: [200, 200, 403, 403, 403, 200, 200],
    admin: [200, 200, 201, 200, 201, 200, 200],
  };

  test.each(roles)('%s', async (role, as) => {
    const current = await api.getService('app-03', admin);
    const answers = [
      (await api.getService('app-03', as)).status,
      (await api.listServices({ status: 'live', limit: '1' }, as)).status,
      (await api.createService(serviceBody(`by-${as.username.replace('.', '-')}`, 9), as)).status,
      (await api.patchService('app-03', { description: `changed by ${as.username}` }, as, current.headers['etag'])).status,
      (await api.createCi({ type: 'persona', name: `by ${as.username}`, attributes: { role: 'r' } }, as)).status,
      (await api.getCi(fixture.personas[0]!, as)).status,
      (await api.software({ name: 'openssl', version: '3.0.x', limit: '1' }, as)).status,
    ];
    expect(answers).toEqual(expected[role]);
  });

  test('no token: 401', async () => {
    expectProblem(await send('GET', '/services', '/services', { as: undefined }), 401);
  });
});
