import { createTestTables } from '../support/test-tables';
import { DynamoDbIncidentRepository } from '../../lambdas/adapters/dynamodb/dynamodb-incident-repository';
import { encodeCursor } from '../../lambdas/adapters/dynamodb/page-cursor';
import { anIncident } from './support-incidents';
test('probe', async () => {
  const t = await createTestTables();
  const repo = new DynamoDbIncidentRepository(t.documents, t.names.incidents);
  const a = anIncident({ reportedBy: 'rita' });
  const b = anIncident({ reportedBy: 'sam' });
  await repo.create(a); await repo.create(b);
  const shape = { index: 'byReporter', filter: { reportedBy: 'sam' } };
  const forged = encodeCursor({ pk: `INCIDENT#${a.id}`, sk: 'INCIDENT', gsi5pk: 'REPORTER#rita', gsi5sk: `${a.createdAt}#${a.id}` }, shape);
  try { console.log(await repo.list({ reportedBy: 'sam' }, { limit: 5, nextToken: forged })); } catch (e) { console.log('ERR', (e as Error).name, (e as Error).message); }
  const forged2 = encodeCursor({ foo: 'bar' }, shape);
  try { console.log(await repo.list({ reportedBy: 'sam' }, { limit: 5, nextToken: forged2 })); } catch (e) { console.log('ERR', (e as Error).name, (e as Error).message); }
  t.destroy();
});
