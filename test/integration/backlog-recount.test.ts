import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { recountBacklog, type BacklogRecountDeps } from '../../src/modules/incidents/app/backlog-recount';
import { DynamoDbIncidentRepository, toItem } from '../../src/modules/incidents/adapters/dynamodb-incident-repository';
import { DynamoDbBacklogRecount, DynamoDbReportAggregates } from '../../src/modules/incidents/adapters/report-aggregates';
import type { Incident } from '../../src/modules/incidents/domain/incident';
import { createTestTables, type TestTables } from '../support/test-tables';
import { aChange, anIncident } from './support-incidents';

/**
 * The backlog recount through DynamoDB Local and the table from the template: a desk whose backlog
 * items missed incidents logged before the aggregates (and took them away at their resolution)
 * reads the right open counts afterwards, for the create's concurrent-incident rule and for the
 * backlog report alike; a change landing between its two counts leaves that item for the next run.
 */
let tables: TestTables;
let repo: DynamoDbIncidentRepository;
let store: DynamoDbBacklogRecount;
let reports: DynamoDbReportAggregates;
const noPause: BacklogRecountDeps['pause'] = async () => undefined;

beforeAll(async () => {
  tables = await createTestTables();
  repo = new DynamoDbIncidentRepository(tables.documents, tables.names.incidents);
  store = new DynamoDbBacklogRecount(tables.documents, tables.names.incidents);
  reports = new DynamoDbReportAggregates(tables.documents, tables.names.incidents);
});
afterAll(() => tables?.destroy());

/** An incident stored as a release before the aggregates stored it: the item only, no backlog counted. */
const storeUncounted = (incident: Incident) => tables.documents.send(new PutCommand({ TableName: tables.names.incidents, Item: toItem(incident) }));

const resolvedVersionOf = (incident: Incident): Incident => ({
  ...incident,
  state: 'Resolved',
  resolutionCode: 'Duplicate',
  resolutionNotes: 'x',
  resolvedAt: '2026-03-01T11:00:00.000Z',
  resolvedBy: 'alice.agent',
  updatedAt: '2026-03-01T11:00:00.000Z',
  version: incident.version + 1,
});

test('counts missed before the aggregates are corrected: the create rule and the backlog report read the truth', async () => {
  // crm: two counted, one uncounted, one uncounted and resolved since (its resolution took one away).
  const counted = [anIncident({ service: 'crm' }), anIncident({ service: 'crm', state: 'In Progress', impact: 1, urgency: 1, priority: 'P1' })];
  for (const incident of counted) await repo.create(aChange(incident));
  const old = anIncident({ service: 'crm', state: 'On Hold', onHoldReason: 'awaiting vendor', createdAt: '2025-06-01T08:00:00.000Z', updatedAt: '2025-06-01T08:00:00.000Z' });
  await storeUncounted(old);
  const oldResolved = anIncident({ service: 'crm', createdAt: '2025-07-01T08:00:00.000Z', updatedAt: '2025-07-01T08:00:00.000Z' });
  await storeUncounted(oldResolved);
  await repo.save(aChange(resolvedVersionOf(oldResolved)), 1, oldResolved);
  // erp: one uncounted only; hr: right already.
  await storeUncounted(anIncident({ service: 'erp' }));
  await repo.create(aChange(anIncident({ service: 'hr' })));

  expect(await repo.countOpenOnService('crm', 10)).toBe(1); // 2 − 1: the old resolution took one away
  expect(await repo.countOpenOnService('erp', 10)).toBe(0);
  const before = await reports.backlog('*');

  const outcome = await recountBacklog({ backlog: store, pause: noPause });

  expect(outcome).toMatchObject({ openIncidents: 5, unsettled: [], truncated: false });
  expect(outcome.corrected.map((c) => c.service).sort()).toEqual(['*', 'crm', 'erp']);
  expect(await repo.countOpenOnService('crm', 10)).toBe(3);
  expect(await repo.countOpenOnService('erp', 10)).toBe(1);
  expect(await repo.countOpenOnService('hr', 10)).toBe(1);
  const crm = await reports.backlog('crm');
  const seconds = (iso: string) => Math.floor(Date.parse(iso) / 1000);
  expect(crm).toMatchObject({ open: 3, 'open#P1': 1, 'open#P3': 2, 'openCreatedSec#P1': seconds(counted[1]!.createdAt) });
  expect(crm['openCreatedSec']).toBe([...counted, old].reduce((sum, incident) => sum + seconds(incident.createdAt), 0));
  const all = await reports.backlog('*');
  expect(all['open']).toBe(5);
  expect(all['open']! - (before['open'] ?? 0)).toBe(3); // the two missed open ones, and the one taken away

  // A second run finds nothing to correct.
  expect((await recountBacklog({ backlog: store, pause: noPause })).corrected).toEqual([]);
});

test("the logging time sums are corrected too: the backlog's mean age counts the old incidents", async () => {
  const old = anIncident({ service: 'ageing', createdAt: '2025-01-01T00:00:00.000Z', updatedAt: '2025-01-01T00:00:00.000Z' });
  const recent = anIncident({ service: 'ageing', createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z' });
  await storeUncounted(old);
  await repo.create(aChange(recent));
  await recountBacklog({ backlog: store, pause: noPause });
  const backlog = await reports.backlog('ageing');
  const seconds = (iso: string) => Math.floor(Date.parse(iso) / 1000);
  expect(backlog).toMatchObject({ open: 2, openCreatedSec: seconds(old.createdAt) + seconds(recent.createdAt) });
  expect(backlog[`openCreatedSec#${old.priority}`]).toBe(seconds(old.createdAt) + seconds(recent.createdAt));
});

test('a change between reading the index and reading the items leaves that item for the next run; the others are corrected', async () => {
  await storeUncounted(anIncident({ service: 'busy' }));
  await storeUncounted(anIncident({ service: 'quiet' }));
  // In the first count, an incident on busy lands after the index was read and before its item is
  // (the state index trailing the table): that count sees the item with it and the index without.
  let counts = 0;
  const trailing: BacklogRecountDeps['backlog'] = {
    openIncidents: (limit) => store.openIncidents(limit),
    storedBacklogs: async (services) => {
      if (counts++ === 0) await repo.create(aChange(anIncident({ service: 'busy' })));
      return store.storedBacklogs(services);
    },
    add: (service, add) => store.add(service, add),
  };
  const outcome = await recountBacklog({ backlog: trailing, pause: noPause });
  expect(outcome.corrected.map((c) => c.service)).toContain('quiet');
  expect(outcome.unsettled).toEqual(expect.arrayContaining(['busy', '*']));
  expect(await repo.countOpenOnService('quiet', 10)).toBe(1);
  expect(await repo.countOpenOnService('busy', 10)).toBe(1); // the new one only: not corrected yet
  // The next run, with nothing landing meanwhile, corrects it.
  const next = await recountBacklog({ backlog: store, pause: noPause });
  expect(next.unsettled).toEqual([]);
  expect(await repo.countOpenOnService('busy', 10)).toBe(2);
});

test('more open incidents than its limit: it corrects nothing and says so', async () => {
  await storeUncounted(anIncident({ service: 'limited' }));
  const outcome = await recountBacklog({ backlog: store, pause: noPause }, { limit: 3, settleMs: 0 });
  expect(outcome).toEqual({ openIncidents: 3, corrected: [], unsettled: [], truncated: true });
  expect(await repo.countOpenOnService('limited', 10)).toBe(0);
});
