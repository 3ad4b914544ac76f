import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import { SnsNotifier } from '../../src/kernel/adapters/sns-notifier';
import { SfnSlaScheduler } from '../../src/modules/incidents/adapters/sfn-sla-scheduler';
import { DynamoDbOutbox, OUTBOX_PARTITION } from '../../src/modules/outbox/adapters';
import { DynamoDbOpenSlaClocks } from '../../src/modules/outbox/adapters/dynamodb-open-sla-clocks';
import { SfnSlaExecutions } from '../../src/modules/outbox/adapters/sfn-sla-executions';
import { RECONCILE_SETTINGS, reconcileEffects, type ReconcileDeps } from '../../src/modules/outbox/app/reconcile-effects';
import { callers, type ApiResponse } from './support-events';
import { incidentRoutes, startIncidentsApi, TOPICS, validIncidentBody, type IncidentsApi } from './support-handler';
import { scanAll } from './support-incidents';

/**
 * The outbox reconciler's use case with the real adapters on the real engines: the incidents
 * table on DynamoDB Local (outbox items, the byState index), LocalStepFunctions running the
 * stack's SLA state machine (DescribeExecution, StartExecution), LocalSns. Only the clock is
 * moved, past the reconciler's grace.
 */

let api: IncidentsApi;
const routes = incidentRoutes(() => api.handler);
const local = { region: 'eu-west-2', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };

beforeAll(async () => {
  api = await startIncidentsApi();
});
afterAll(async () => {
  await api?.close();
});

const later = (ms: number) => ({ now: () => new Date(Date.now() + ms) });
const PAST_GRACE = RECONCILE_SETTINGS.graceMs + 60_000;

function reconcilerDeps(clock: { now(): Date }): ReconcileDeps & { starts: string[]; published: number } {
  const sfn = new SFNClient({ ...local, endpoint: api.workflows.endpoint });
  const machineArn = api.workflows.arnOf(api.workflows.machines[0]!);
  const scheduler = new SfnSlaScheduler(sfn, machineArn);
  const notifier = new SnsNotifier(new SNSClient({ ...local, endpoint: api.sns.endpoint }), {
    'major-incident': TOPICS.majorIncident,
    escalation: TOPICS.escalation,
    security: TOPICS.security,
  });
  const deps = {
    starts: [] as string[],
    published: 0,
    outbox: new DynamoDbOutbox(api.tables.documents, api.tables.names.incidents),
    clocks: new DynamoDbOpenSlaClocks(api.tables.documents, api.tables.names.incidents),
    executions: new SfnSlaExecutions(sfn, machineArn),
    slaScheduler: { start: async (run: { incidentId: string; generation: number }) => (deps.starts.push(`${run.incidentId}-g${run.generation}`), scheduler.start(run)) },
    notifier: { notify: async (n: Parameters<SnsNotifier['notify']>[0]) => (deps.published++, notifier.notify(n)) },
    clock,
  };
  return deps;
}

const outboxItems = async () => (await scanAll(api.tables.documents, api.tables.names.incidents)).filter((i) => i['pk'] === OUTBOX_PARTITION);
const executionsOf = (incidentId: string) => api.workflows.list().filter((e) => e.name.startsWith(`${incidentId}-g`));
const escalationsOf = (number: string) => api.sns.messages().filter((m) => m.topicArn === TOPICS.escalation && (m.subject ?? '').includes(`${number} escalated`));

async function logged(body = validIncidentBody()): Promise<Record<string, any>> {
  const response: ApiResponse = await routes.create(body, { as: callers.agent });
  expect(response.status).toBe(201);
  return response.body as Record<string, any>;
}

test('an outbox item older than the grace is delivered once by the reconciler, then deleted; a second run repairs nothing', async () => {
  await api.deliverEffects();
  // Its SLA start and its escalation notice are stored, and the stream never delivers them.
  const incident = await logged(validIncidentBody({ shortDescription: 'Reconciler: lost effects' }));
  const escalation = await routes.escalate(incident['id'], { kind: 'functional', to: 'network-team', reason: 'Reconciler test' }, { as: callers.serviceOwner, ifMatch: `"${incident['version']}"` });
  expect(escalation.status).toBe(200);
  const stored = (await outboxItems()).map((i) => i['effectId']).sort();
  expect(stored).toEqual([`${incident['id']}#v1#sla-start#g1`, `${incident['id']}#v2#notify#escalation`].sort());

  // Within the grace the reconciler leaves them to the consumer.
  const early = reconcilerDeps(later(0));
  expect((await reconcileEffects(early)).repaired).toEqual({});
  expect(early.starts).toEqual([]);
  expect(await outboxItems()).toHaveLength(stored.length);

  const deps = reconcilerDeps(later(PAST_GRACE));
  const first = await reconcileEffects(deps);
  expect(first).toMatchObject({ repaired: { 'sla-start': 1, notify: 1 }, failed: 0 });
  expect(await outboxItems()).toEqual([]);
  expect(executionsOf(incident['id']).map((e) => e.name)).toEqual([`${incident['id']}-g1`]);
  expect(escalationsOf(incident['number'])).toHaveLength(1);

  const second = await reconcileEffects(deps);
  expect(second).toMatchObject({ repaired: {}, failed: 0 });
  expect(deps.published).toBe(1);
  expect(executionsOf(incident['id'])).toHaveLength(1);
  expect(escalationsOf(incident['number'])).toHaveLength(1);
  // The stream handing the same (deleted) items over later sends nothing again.
  await api.deliverEffects();
  expect(escalationsOf(incident['number'])).toHaveLength(1);
});

test('an open incident whose clock generation has no execution gets exactly one; incidents with theirs get none', async () => {
  await api.deliverEffects();
  const healthy = await logged(validIncidentBody({ shortDescription: 'Reconciler: healthy' }));
  await api.deliverEffects();
  expect(executionsOf(healthy['id'])).toHaveLength(1);
  // Its SLA start lost before it reached the outbox consumer (deleted by hand, as an old bug would have).
  const lost = await logged(validIncidentBody({ shortDescription: 'Reconciler: lost clock' }));
  for (const item of await outboxItems()) {
    if (String(item['effectId']).startsWith(lost['id'])) {
      await api.tables.documents.send(new DeleteCommand({ TableName: api.tables.names.incidents, Key: { pk: item['pk'], sk: item['sk'] } }));
    }
  }
  expect(executionsOf(lost['id'])).toEqual([]);

  const deps = reconcilerDeps(later(PAST_GRACE));
  const first = await reconcileEffects(deps);
  expect(first).toMatchObject({ repaired: { 'sla-execution': 1 }, failed: 0 });
  expect(first.incidentsChecked).toBeGreaterThanOrEqual(2);
  expect(deps.starts).toEqual([`${lost['id']}-g1`]);
  expect(executionsOf(lost['id']).map((e) => ({ name: e.name, input: JSON.parse(e.input) }))).toEqual([
    { name: `${lost['id']}-g1`, input: { incidentId: lost['id'], generation: 1 } },
  ]);
  expect(executionsOf(healthy['id'])).toHaveLength(1);

  const second = await reconcileEffects(deps);
  expect(second).toMatchObject({ repaired: {}, failed: 0 });
  expect(deps.starts).toHaveLength(1);
  expect(executionsOf(lost['id'])).toHaveLength(1);
});

test('the open incidents are read by a bounded Query per open state: the limit stops the run and says so', async () => {
  const clocks = new DynamoDbOpenSlaClocks(api.tables.documents, api.tables.names.incidents);
  const all = await clocks.changedBefore(new Date(Date.now() + PAST_GRACE).toISOString(), 1_000);
  expect(all.truncated).toBe(false);
  expect(all.clocks.length).toBeGreaterThanOrEqual(3);
  const bounded = await clocks.changedBefore(new Date(Date.now() + PAST_GRACE).toISOString(), 2);
  expect(bounded).toEqual({ clocks: all.clocks.slice(0, 2), truncated: true });
});
