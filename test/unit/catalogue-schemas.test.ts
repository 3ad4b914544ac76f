import {
  createCiBodySchema,
  createServiceBodySchema,
  listCisQuerySchema,
  serviceIdSchema,
  softwareQuerySchema,
  updateCiBodySchema,
  updateServiceBodySchema,
} from '../../src/modules/catalogue/schemas/catalogue-schemas';
import { buildOpenApiDocument } from '../../src/api/openapi-document';

const service = {
  id: 'web-shop',
  name: 'Web shop',
  description: 'The online shop',
  owner: { username: 'olga', name: 'Olga', email: 'olga@example.com' },
  sla: { reference: 'MSA-2026 schedule 2', overrides: { P1: { resolve: 'PT2H' } } },
};
const paths = (result: { success: boolean; error?: { issues: { path: PropertyKey[] }[] } }) => (result.error?.issues ?? []).map((i) => i.path.join('.'));

describe('services', () => {
  test('a minimal service gets its defaults', () => {
    expect(createServiceBodySchema.parse(service)).toMatchObject({ status: 'pipeline', links: [], contacts: { nominated: [] } });
  });

  test.each([
    ['id', { id: 'Web Shop' }],
    ['status', { status: 'retired' }],
    ['owner.email', { owner: { ...service.owner, email: 'not-mail' } }],
    ['sla.overrides.P1.resolve', { sla: { reference: 'x', overrides: { P1: { resolve: '2 hours' } } } }],
    ['links.0.url', { links: [{ kind: 'documentation', url: 'ftp://docs' }] }],
    ['contacts.nominated', { contacts: { nominated: [1, 2, 3, 4].map((n) => ({ name: `C${n}`, email: `c${n}@example.com` })) } }],
    ['commencementDate', { commencementDate: '01/12/2026' }],
    ['', { colour: 'red' }],
  ])('refuses a bad %s', (field, overrides) => {
    const result = createServiceBodySchema.safeParse({ ...service, ...overrides });
    expect(result.success).toBe(false);
    expect(paths(result)).toContain(field);
  });

  test('an update changes at least one field and cannot retire (that has its own route)', () => {
    expect(updateServiceBodySchema.safeParse({}).success).toBe(false);
    expect(updateServiceBodySchema.safeParse({ status: 'retired' }).success).toBe(false);
    expect(updateServiceBodySchema.safeParse({ status: 'live', commencementDate: '2026-12-01' }).success).toBe(true);
  });

  test('service ids are lowercase slugs', () => {
    for (const ok of ['email', 'web-shop', 'a', 'erp2']) expect(serviceIdSchema.safeParse(ok).success).toBe(true);
    for (const bad of ['Email', '-x', 'x-', 'e mail', 'INC0000001', '']) expect(serviceIdSchema.safeParse(bad).success).toBe(false);
  });
});

describe('configuration items: attributes per type', () => {
  test.each([
    ['hardware', { kind: 'cloud-instance', cloudProvider: 'aws', region: 'eu-west-2', instanceType: 'm7g.large', cpus: 2, memoryGiB: 8 }],
    ['software', { product: 'nginx', version: '1.24.0', os: { distribution: 'Ubuntu', version: '22.04' }, libraries: [{ name: 'OpenSSL', version: '3.0.13' }], securityPatchLevel: '2026-11' }],
    ['storage', { engine: 'PostgreSQL', engineVersion: '15.4', volumes: [{ name: 'data', sizeGiB: 500, encrypted: true }], backup: { strategy: 'PITR + nightly snapshot', retentionDays: 35 }, replication: 'Multi-AZ standby' }],
    ['persona', { role: 'Database administrator', team: 'Platform' }],
    ['device', { kind: 'laptop', model: 'ThinkPad T14', serialNumber: 'PF-123' }],
    ['supplier', { supplier: 'DigiCert', supplies: ['TLS certificates'], contractReference: 'PO-2026-77' }],
  ])('%s', (type, attributes) => {
    expect(createCiBodySchema.safeParse({ type, name: `${type} item`, attributes }).success).toBe(true);
  });

  test("attributes of another type are refused, naming the field", () => {
    const result = createCiBodySchema.safeParse({ type: 'hardware', name: 'x', attributes: { product: 'nginx', version: '1' } });
    expect(result.success).toBe(false);
    expect(paths(result)).toEqual(expect.arrayContaining(['attributes.kind']));
  });

  test('an unknown type is refused', () => {
    expect(createCiBodySchema.safeParse({ type: 'network', name: 'x', attributes: {} }).success).toBe(false);
  });

  test('relations name a kind and a CI id', () => {
    const base = { type: 'persona', name: 'DBA', attributes: { role: 'DBA' } };
    expect(createCiBodySchema.safeParse({ ...base, relations: [{ kind: 'depends-on', ci: '6f0c2a1e-8d4b-4c3e-9a7f-2b1d0e5c4a3f' }] }).success).toBe(true);
    expect(paths(createCiBodySchema.safeParse({ ...base, relations: [{ kind: 'uses', ci: 'x' }] }))).toEqual(expect.arrayContaining(['relations.0.kind', 'relations.0.ci']));
  });

  test('an update names the type, so the attributes are checked against it', () => {
    expect(updateCiBodySchema.safeParse({ type: 'software', attributes: { product: 'nginx', version: '1.25.0' } }).success).toBe(true);
    expect(updateCiBodySchema.safeParse({ type: 'software', attributes: { kind: 'laptop' } }).success).toBe(false);
    expect(updateCiBodySchema.safeParse({ name: 'no type' }).success).toBe(false);
  });

  test('properties hold at most 50 name/value pairs', () => {
    const properties = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`p${i}`, 'v']));
    expect(createCiBodySchema.safeParse({ type: 'persona', name: 'x', attributes: { role: 'r', properties } }).success).toBe(false);
  });
});

test('queries: a CI list needs a type; the software query takes a name and an optional version prefix', () => {
  expect(listCisQuerySchema.safeParse({}).success).toBe(false);
  expect(listCisQuerySchema.parse({ type: 'storage' })).toEqual({ type: 'storage', limit: 25 });
  expect(softwareQuerySchema.parse({ name: 'openssl', version: '3.0.x', limit: '10' })).toEqual({ name: 'openssl', version: '3.0.x', limit: 10 });
  expect(softwareQuerySchema.safeParse({ version: '3.0.x' }).success).toBe(false);
});

test('the OpenAPI description includes the catalogue routes', () => {
  const doc = buildOpenApiDocument() as { paths: Record<string, Record<string, { operationId: string }>> };
  for (const path of ['/services', '/services/{id}', '/services/{id}/retire', '/services/{id}/cis', '/cis', '/cis/{id}', '/cis/{id}/history', '/catalogue/shared-platforms', '/catalogue/software']) {
    expect(doc.paths[path]).toBeDefined();
  }
  expect(doc.paths['/cis']!['post']!.operationId).toBe('createConfigurationItem');
});
