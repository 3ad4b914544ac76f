import { createTestTables, type TestTables } from '../support/test-tables';
import { DynamoDbIncidentRepository } from '../../lambdas/adapters/dynamodb/dynamodb-incident-repository';

let tables: TestTables;
beforeAll(async () => { tables = await createTestTables(); });
afterAll(() => tables.destroy());

test('allocates numbers', async () => {
  const repo = new DynamoDbIncidentRepository(tables.documents, tables.names.incidents);
  expect(await repo.allocateNumber()).toBe('INC0000001');
  expect(await repo.allocateNumber()).toBe('INC0000002');
});
