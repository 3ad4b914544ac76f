import { measureCapacity, printCapacity, type OperationUnits } from '../../bench/incident-capacity';
import { createTestTables, type TestTables } from '../support/test-tables';

/**
 * Write units of the incident write path through the real engine (DynamoDB Local, tables from the
 * synthesized template, ReturnConsumedCapacity INDEXES): the budgets of issue 17, outbox items,
 * audit record, aggregates and the Idempotency-Key marker included. An index projecting every
 * attribute of the incident or of the audit record again breaks them (each costs 4 more units a
 * create and is rewritten on every change). `WRITE_UNITS_DETAIL=1` prints where the units go.
 */
let tables: TestTables;
let figures: Record<string, OperationUnits>;

beforeAll(async () => {
  tables = await createTestTables();
  figures = await measureCapacity(tables.endpoint, tables.names);
  if (process.env['WRITE_UNITS_DETAIL']) printCapacity(figures);
});
afterAll(() => tables?.destroy());

test('logging an incident costs at most 25 write units, with or without an Idempotency-Key', () => {
  expect(figures['create incident']!.write).toBeLessThanOrEqual(25);
  expect(figures['create incident (Idempotency-Key)']!.write).toBeLessThanOrEqual(25);
});

test('a state change costs at most 18 write units', () => {
  expect(figures['update incident (state change)']!.write).toBeLessThanOrEqual(18);
});

test('a state change writes no list index but the state queue (their entries hold no attribute it changes)', () => {
  const incidents = figures['update incident (state change)']!.writeByTable['incidents'] ?? {};
  expect(Object.keys(incidents).filter((part) => part !== 'table').sort()).toEqual(['byStateBrief']);
});

test('the figures add up: every unit is accounted to a table or an index', () => {
  for (const units of Object.values(figures)) {
    const accounted = Object.values(units.writeByTable).flatMap((parts) => Object.values(parts)).reduce((a, b) => a + b, 0);
    if (Object.keys(units.writeByTable).length > 0) expect(accounted).toBe(units.write);
  }
});
