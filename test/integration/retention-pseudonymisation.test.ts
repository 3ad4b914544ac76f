import { randomUUID } from 'node:crypto';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDbAuditTrail } from '../../src/kernel/adapters/dynamodb-audit-trail';
import { DEFAULT_RETENTION_DAYS } from '../../src/kernel/domain/retention';
import { DynamoDbIncidentRepository } from '../../src/modules/incidents/adapters/dynamodb-incident-repository';
import { DynamoDbChangeRepository } from '../../src/modules/changes/adapters/dynamodb-change-repository';
import type { ServiceRequest } from '../../src/modules/changes/domain/service-request';
import { pseudonymiseClosedRecords } from '../../src/modules/privacy/app';
import { closedRecordStores } from '../../src/modules/privacy/functions/closed-record-stores';
import { createTestTables, type TestTables } from '../support/test-tables';
import { aChange, anEntry, anIncident } from './support-incidents';
import { lambdaContext } from './support-events';
import { exampleFunctionEnv, exampleSettings, muteEmptyMetricsWarning, setEnv } from './support-handler';

/**
 * The end of a closed record's retention against DynamoDB Local: incidents and requests closed
 * longer ago than the client's retention are found by an index Query, every person in them is
 * replaced (each by a pseudonym of their own, the incident's timeline too), they are marked and
 * never picked again; open and recently closed records keep their people; each run is audited with
 * counts only, and bounded.
 */

const DAY = 86_400_000;
const ago = (days: number) => new Date(Date.now() - days * DAY).toISOString();
const PEOPLE = ['rita.requester', 'rita-sub-0001', 'bob.engineer', 'alice.agent'];

let tables: TestTables;
let trail: DynamoDbAuditTrail;
beforeAll(async () => {
  tables = await createTestTables();
  trail = new DynamoDbAuditTrail(tables.documents, tables.names.audit, { clock: { now: () => new Date() }, ids: { newId: () => randomUUID() } });
});
afterAll(() => tables?.destroy());

const partition = async (table: string, pk: string) =>
  (await tables.documents.send(new QueryCommand({ TableName: table, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': pk } }))).Items ?? [];
const namesAnyone = (items: readonly object[]) => PEOPLE.filter((person) => JSON.stringify(items).includes(person));

function aRequest(overrides: Partial<ServiceRequest>): ServiceRequest {
  const at = overrides.updatedAt ?? ago(1);
  return {
    id: randomUUID(), type: 'access', service: 'email', title: 'Mailbox access', description: 'Shared mailbox', state: 'Closed', needsApproval: false, fulfilmentDue: at,
    assignee: 'bob.engineer', comments: [{ by: 'rita.requester', at, text: 'Thanks' }],
    history: [{ at, by: 'bob.engineer', from: 'Fulfilled', to: 'Closed' }],
    requestedBy: 'rita.requester', requestedById: 'rita-sub-0001', createdAt: at, updatedAt: at, updatedBy: 'bob.engineer', version: 3, ...overrides,
  };
}

test('closed past retention: every person replaced, by the same pseudonym throughout the record, marked once; the rest untouched; runs audited and bounded', async () => {
  const incidents = new DynamoDbIncidentRepository(tables.documents, tables.names.incidents);
  const requests = new DynamoDbChangeRepository(tables.documents, tables.names.changes);
  const closedIncident = (createdDaysAgo: number, closedDaysAgo: number) =>
    anIncident({ createdAt: ago(createdDaysAgo), state: 'Closed', closedAt: ago(closedDaysAgo), reportedBy: 'rita.requester', reportedById: 'rita-sub-0001', assignee: 'bob.engineer', updatedBy: 'alice.agent', updatedAt: ago(closedDaysAgo) });
  const due = [closedIncident(900, 800), closedIncident(700, 500)];
  const recent = closedIncident(900, 100);
  const open = anIncident({ createdAt: ago(900), state: 'In Progress', reportedBy: 'rita.requester', assignee: 'bob.engineer' });
  for (const incident of [...due, recent, open]) {
    await incidents.create(aChange(incident, [
      anEntry({ type: 'comment', actor: 'rita.requester', at: incident.createdAt, visibility: 'public', text: 'Still down' }),
      anEntry({ type: 'field-change', actor: 'alice.agent', at: incident.createdAt, field: 'assignee', to: 'bob.engineer' }),
      anEntry({ type: 'closed', actor: 'bob.engineer', at: incident.updatedAt, from: 'Resolved', to: 'Closed' }),
    ]));
  }
  const oldRequest = aRequest({ updatedAt: ago(800), createdAt: ago(810) });
  const newRequest = aRequest({ updatedAt: ago(10) });
  for (const request of [oldRequest, newRequest]) await requests.createRequest(request);

  const deps = {
    stores: closedRecordStores(tables.documents, tables.names),
    retention: { ...DEFAULT_RETENTION_DAYS, incidents: 365, requests: 365 },
    clock: { now: () => new Date() },
    ids: { newId: () => randomUUID() },
    audit: trail,
  };
  // Bounded: one record this run, the oldest incident.
  expect(await pseudonymiseClosedRecords(deps, 1)).toEqual({ records: { incidents: 1 }, people: 4, complete: false });
  expect(await pseudonymiseClosedRecords(deps)).toEqual({ records: { incidents: 1, requests: 1, changes: 0, problems: 0 }, people: 7, complete: true });
  // Done once: nothing is picked again.
  expect(await pseudonymiseClosedRecords(deps)).toEqual({ records: { incidents: 0, requests: 0, changes: 0, problems: 0 }, people: 0, complete: true });

  for (const incident of due) {
    const items = await partition(tables.names.incidents, `INCIDENT#${incident.id}`);
    expect(items).toHaveLength(4);
    expect(namesAnyone(items)).toEqual([]);
    const main = items.find((i) => i['sk'] === 'INCIDENT')!;
    expect(main).toMatchObject({ state: 'Closed', version: 2, pseudonymisedAt: expect.any(String) });
    const reporter = String(main['reportedBy']);
    expect(reporter).toMatch(/^erased-/);
    // One pseudonym per person, the same in every item of the record (and in the index keys).
    expect(main['gsi5pk']).toBe(`REPORTER#${reporter}`);
    expect(main['assignee']).not.toBe(reporter);
    const timeline = items.filter((i) => String(i['sk']).startsWith('TL#'));
    expect(timeline.find((e) => e['type'] === 'comment')!['actor']).toBe(reporter);
    expect(timeline.find((e) => e['type'] === 'field-change')!['to']).toBe(main['assignee']);
    // A state's `to` is a state, not a person.
    expect(timeline.find((e) => e['type'] === 'closed')).toMatchObject({ from: 'Resolved', to: 'Closed', actor: main['assignee'] });
  }
  expect(namesAnyone(await partition(tables.names.incidents, `INCIDENT#${recent.id}`))).toEqual(PEOPLE);
  expect(namesAnyone(await partition(tables.names.incidents, `INCIDENT#${open.id}`))).toEqual(['rita.requester', 'bob.engineer', 'alice.agent']);
  const [oldStored] = await partition(tables.names.changes, `REQUEST#${oldRequest.id}`);
  expect(namesAnyone([oldStored!])).toEqual([]);
  expect(oldStored).toMatchObject({ state: 'Closed', version: 4, requestedBy: expect.stringMatching(/^erased-/), pseudonymisedAt: expect.any(String) });
  expect(namesAnyone(await partition(tables.names.changes, `REQUEST#${newRequest.id}`))).toEqual(['rita.requester', 'rita-sub-0001', 'bob.engineer']);

  // One audit record per run that changed anything, with counts and no one's name.
  const runs = (await trail.list({ resource: { type: 'retention', id: 'closed-records' } }, { limit: 10 })).items;
  expect(runs.map((r) => [r.action, r.actor])).toEqual([['retention:pseudonymise', 'system:retention'], ['retention:pseudonymise', 'system:retention']]);
  expect(runs[1]!.changes).toEqual([
    { field: 'records.incidents', after: 1 }, { field: 'records.requests', after: 1 }, { field: 'records.changes', after: 0 }, { field: 'records.problems', after: 0 },
    { field: 'people', after: 7 }, { field: 'complete', after: true },
  ]);
  expect(namesAnyone(runs)).toEqual([]);
});

test('the retention function, as the daily rule runs it: the client config retention, one run audited', async () => {
  const incidents = new DynamoDbIncidentRepository(tables.documents, tables.names.incidents);
  const incident = anIncident({ createdAt: ago(400), state: 'Closed', closedAt: ago(370), reportedBy: 'rita.requester', updatedBy: 'alice.agent', updatedAt: ago(370) });
  await incidents.create(aChange(incident));
  const runs = async () => (await trail.list({ resource: { type: 'retention', id: 'closed-records' } }, { limit: 10 })).items.length;
  const runsBefore = await runs();
  const restore = setEnv(exampleFunctionEnv(tables, { ...exampleSettings(), retention: { incidents: 365 } }));
  try {
    muteEmptyMetricsWarning();
    let handler!: (event: unknown, context: ReturnType<typeof lambdaContext>) => Promise<unknown>;
    jest.isolateModules(() => {
      handler = (require('../../src/modules/privacy/functions/retention-handler') as typeof import('../../src/modules/privacy/functions/retention-handler')).handler as unknown as typeof handler;
    });
    const scheduled = { version: '0', id: randomUUID(), 'detail-type': 'Scheduled Event', source: 'aws.events', account: '123456789012', time: new Date().toISOString(), region: 'eu-west-2', resources: [], detail: {} };
    expect(await handler(scheduled, lambdaContext('rowe-itsm-example-retention'))).toMatchObject({ records: { incidents: 1, requests: 0 }, people: 2, complete: true });
    expect(namesAnyone(await partition(tables.names.incidents, `INCIDENT#${incident.id}`))).toEqual([]);
    expect(await runs()).toBe(runsBefore + 1);
  } finally {
    restore();
  }
});
