import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDbCatalogueRepository } from '../../src/modules/catalogue/adapters/dynamodb-catalogue-repository';
import { newService } from '../../src/modules/catalogue/domain/service-catalogue';
import { createServiceBodySchema } from '../../src/modules/catalogue/schemas/catalogue-schemas';
import { createTestTables, type TestTables } from '../support/test-tables';
import { apiEvent, callers, invoke, lambdaContext, type ProxyHandler } from './support-events';
import { exampleSettings, localFunctionEnv, muteEmptyMetricsWarning, setEnv } from './support-handler';
import { LOCAL_STAND_IN_ENV, registerLocalStandIns } from '../../local/stand-ins/register-stand-ins';
import { functionSettingsEnv } from '../support/function-settings';

/**
 * Capacity from a metric named in config, through the reports function as the local runtime loads
 * it: the metric's datapoints come from the file the local stand-in reads (registerLocalStandIns) (there is
 * no CloudWatch locally), measurements recorded through the API from DynamoDB Local.
 */
let tables: TestTables;
let handler: ProxyHandler;
let restore: () => void;
let dir: string;
let file: string;

const owner = callers.serviceOwner; // oscar.owner owns `shop`
const capacity = {
  actions: [
    {
      service: 'shop', id: 'orders', name: 'Orders processed per hour', unit: 'orders/hour', baseline: 50, capacity: 100,
      metric: { namespace: 'Shop', metricName: 'Orders', dimensions: { Environment: 'production' }, statistic: 'Sum', periodSeconds: 60, unitScale: 60 },
    },
    { service: 'shop', id: 'logins', name: 'Logins per hour', unit: 'logins/hour', baseline: 10, capacity: 40 },
  ],
};
const day = (d: number) => `2026-11-0${d}T00:00:00.000Z`;

beforeAll(async () => {
  tables = await createTestTables();
  dir = mkdtempSync(join(tmpdir(), 'itsm-capacity-metrics-'));
  file = join(dir, 'capacity-metrics.json');
  restore = setEnv({
    ...localFunctionEnv(tables),
    ...functionSettingsEnv({ ...exampleSettings(), capacity }),
  });
  muteEmptyMetricsWarning();
  // As the local Lambda worker does: the stand-ins are registered before the handler is loaded.
  const unregister = registerLocalStandIns({ [LOCAL_STAND_IN_ENV.capacityMetricsFile]: file });
  try {
    jest.isolateModules(() => {
      handler = (require('../../src/modules/reports/functions/reports-handler') as { handler: ProxyHandler }).handler;
    });
  } finally {
    unregister();
  }
  const catalogue = new DynamoDbCatalogueRepository(tables.documents, tables.names.catalogue);
  const input = createServiceBodySchema.parse({
    id: 'shop', name: 'shop', description: 'The shop', status: 'live', owner: { username: owner.username, name: owner.username, email: 'o@example.com' }, commencementDate: '2024-01-01', sla: { reference: 'MSA' },
  });
  await catalogue.createService(newService(input, { name: 'setup' } as never, '2026-01-01T00:00:00.000Z'));
});
afterAll(async () => {
  restore?.();
  await tables?.destroy();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const report = (headers?: Record<string, string>) => invoke(handler, 'GET', { path: '/reports/capacity', query: { service: 'shop', from: day(1), to: day(5) }, caller: callers.agent, ...(headers && { headers }) });

test('no file yet: the metric is read and has no datapoints', async () => {
  const response = await report();
  expect(response.status).toBe(200);
  expect(response.body.actions[0]).toMatchObject({ action: 'orders', sources: { api: 0, metric: 0 }, metricSource: 'available', measurements: 0 });
  expect(response.body.actions[1]).not.toHaveProperty('metricSource');
});

test('datapoints of the metric (scaled by unitScale) and a recorded measurement, which wins its instant', async () => {
  // Per-minute sums; × 60 → orders per hour: 0.5 → 30, 1 → 60, 1.5 → 90. Day 6 is outside the period.
  writeFileSync(file, JSON.stringify({ 'shop/orders': [{ at: day(1), value: 0.5 }, { at: day(2), value: 1 }, { at: day(3), value: 1.5 }, { at: day(6), value: 9 }] }));
  const recorded = await invoke(handler, 'POST', { path: '/services/shop/capacity', resource: '/services/{id}/capacity', pathParameters: { id: 'shop' }, body: { action: 'orders', at: day(2), value: 40 }, caller: owner });
  expect(recorded.status).toBe(201);
  const response = await report();
  // 30 (metric), 40 (recorded, not the metric's 60), 90 (metric): mean 53.33, peak 90 on day 3, slope 30/day.
  expect(response.body.actions[0]).toMatchObject({
    sources: { api: 1, metric: 2 }, metricSource: 'available', measurements: 3, mean: 53.33, peak: 90, peakAt: day(3), peakUtilisationPercent: 90, headroom: 10,
    trend: { slopePerDay: 30, direction: 'rising' },
  });
});

test('a file that cannot be read: the report still answers, with the recorded measurements, and flags the metric unavailable', async () => {
  writeFileSync(file, '{ not json');
  const response = await report();
  expect(response.status).toBe(200);
  expect(response.body.actions[0]).toMatchObject({ sources: { api: 1, metric: 0 }, metricSource: 'unavailable', measurements: 1, peak: 40 });
  const csv = await handler(
    apiEvent('GET', { path: '/reports/capacity', query: { service: 'shop', from: day(1), to: day(5) }, caller: callers.agent, headers: { Accept: 'text/csv' } }),
    lambdaContext('rowe-itsm-example-reports'),
  );
  expect(csv.body).toContain('\r\nactions.0.metricSource,unavailable\r\n');
  expect(csv.body).toContain('\r\nactions.0.sources.api,1\r\n');
});
