import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import type { Notification, Notifier } from '../../src/kernel/app/ports';
import { SnsNotifier } from '../../src/kernel/adapters/sns-notifier';
import { SfnSlaScheduler } from '../../src/modules/incidents/adapters/sfn-sla-scheduler';
import { DynamoDbOutbox, OUTBOX_PARTITION } from '../../src/modules/outbox/adapters';
import { GuardDutyClient } from '@aws-sdk/client-guardduty';
import { createOutboxConsumer } from '../../src/modules/outbox/functions/outbox-consumer';
import { DynamoDbIncidentRepository } from '../../src/modules/incidents/adapters/dynamodb-incident-repository';
import { GuardDutyFindingArchiver } from '../../src/modules/incidents/adapters/guardduty-finding-archiver';
import { RECONCILE_SETTINGS, reconcileEffects } from '../../src/modules/outbox/app/reconcile-effects';
import type { Incident } from '../../src/modules/incidents/domain/incident';
import { GuardDutyFake } from '../support/guardduty-fake';
import { callers, type ApiResponse } from './support-events';
import { exampleSettings, exampleTemplate, incidentRoutes, setEnv, startIncidentsApi, TOPICS, validIncidentBody, type IncidentsApi } from './support-handler';
import { aChange, anIncident, scanAll } from './support-incidents';
import { loadOutboxConsumer, outboxDrain, type OutboxDrain, type StreamConsumer } from './support-outbox';
import { functionSettingsEnv } from '../support/function-settings';

/**
 * Fault tests of the outbox: requests through the incidents handler store their effects with
 * their changes; the incidents table's real stream on DynamoDB Local is read by the local poller
 * with the template's event source mapping settings and handed to the real consumer. Only the
 * external services' adapters are wrapped, by stateful fakes that fail on cue and otherwise call
 * the local stand-ins (LocalStepFunctions running the stack's SLA state machine, LocalSns).
 */

let api: IncidentsApi;
const routes = incidentRoutes(() => api.handler);

beforeAll(async () => {
  api = await startIncidentsApi();
});
afterAll(async () => {
  await api?.close();
});

const local = { region: 'eu-west-2', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };

/** Fails the first `failures` starts, then starts for real. */
class FlakyScheduler {
  calls = 0;
  private readonly real: SfnSlaScheduler;
  constructor(private failures: number) {
    this.real = new SfnSlaScheduler(new SFNClient({ ...local, endpoint: api.workflows.endpoint }), api.workflows.arnOf(api.workflows.machines[0]!));
  }
  async start(run: { readonly incidentId: string; readonly generation: number }): Promise<void> {
    this.calls++;
    if (this.failures > 0) {
      this.failures--;
      throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    }
    await this.real.start(run);
  }
}

/** Publishes to LocalSns, except while `failing(call)` says the service is down (or the function dies). */
class FaultyNotifier implements Notifier {
  calls = 0;
  private readonly real = new SnsNotifier(new SNSClient({ ...local, endpoint: api.sns.endpoint }), {
    'major-incident': TOPICS.majorIncident,
    escalation: TOPICS.escalation,
    security: TOPICS.security,
  });
  constructor(private readonly failing: (call: number) => Error | undefined) {}
  async notify(notification: Notification): Promise<void> {
    this.calls++;
    const error = this.failing(this.calls);
    if (error) throw error;
    await this.real.notify(notification);
  }
}

let drain: OutboxDrain | undefined;
afterEach(async () => {
  await drain?.stop();
  drain = undefined;
});

/** Drains everything stored so far through a healthy consumer, so each test starts from an empty outbox. */
async function settleEarlierEffects(): Promise<void> {
  const healthy = await outboxDrain(api.tables, consumerWith(new FlakyScheduler(0), new FaultyNotifier(() => undefined)));
  await healthy.drain();
  await healthy.stop();
}

function consumerWith(scheduler: FlakyScheduler, notifier: Notifier): StreamConsumer {
  return createOutboxConsumer({ outbox: new DynamoDbOutbox(api.tables.documents, api.tables.names.incidents), slaScheduler: scheduler, notifier });
}

const outboxItems = async () => (await scanAll(api.tables.documents, api.tables.names.incidents)).filter((i) => i['pk'] === OUTBOX_PARTITION);
const executionsOf = (incidentId: string) => api.workflows.list().filter((e) => e.name.startsWith(`${incidentId}-g`));
const escalationsOf = (number: string) => api.sns.messages().filter((m) => m.topicArn === TOPICS.escalation && (m.subject ?? '').includes(`${number} escalated`));

async function logged(body = validIncidentBody()): Promise<Record<string, any>> {
  const response: ApiResponse = await routes.create(body, { as: callers.agent });
  expect(response.status).toBe(201);
  return response.body as Record<string, any>;
}

async function escalated(incident: Record<string, any>, reason: string): Promise<void> {
  const response = await routes.escalate(incident['id'], { kind: 'functional', to: 'network-team', reason }, { as: callers.serviceOwner, ifMatch: `"${incident['version']}"` });
  expect(response.status).toBe(200);
}

test('the request stores its effects and sends nothing: the SLA start and the notice wait in the outbox', async () => {
  await settleEarlierEffects();
  const incident = await logged();
  await escalated(incident, 'Needs the network team');
  expect(executionsOf(incident['id'])).toEqual([]);
  expect(escalationsOf(incident['number'])).toEqual([]);
  const waiting = await outboxItems();
  expect(waiting.map((i) => i['effectId']).sort()).toEqual([`${incident['id']}#v1#sla-start#g1`, `${incident['id']}#v2#notify#escalation`].sort());
  // Each carries the table's TTL attribute: one never delivered goes 30 days (retention.outboxItems) after it was stored.
  for (const item of waiting) expect(item['expiresAt']).toBe(Math.floor(Date.parse(String(item['createdAt'])) / 1000) + 30 * 86_400);
  await settleEarlierEffects();
  expect(await outboxItems()).toEqual([]);
  expect(executionsOf(incident['id'])).toHaveLength(1);
  expect(escalationsOf(incident['number'])).toHaveLength(1);
});

test('StartExecution fails twice, then succeeds: one execution of the generation, and its clock runs', async () => {
  await settleEarlierEffects();
  const scheduler = new FlakyScheduler(2);
  const consumer = consumerWith(scheduler, new FaultyNotifier(() => undefined));
  drain = await outboxDrain(api.tables, consumer, { from: 'now' });
  const incident = await logged(validIncidentBody({ impact: 1, urgency: 1 }));

  await drain.drain();

  expect(scheduler.calls).toBe(3);
  expect(drain.failed).toEqual([]);
  expect(drain.invocations).toHaveLength(3);
  const executions = executionsOf(incident['id']);
  expect(executions.map((e) => ({ name: e.name, status: e.status, input: JSON.parse(e.input) }))).toEqual([
    { name: `${incident['id']}-g1`, status: 'RUNNING', input: { incidentId: incident['id'], generation: 1 } },
  ]);
  expect(await outboxItems()).toEqual([]);

  // The same batch delivered again (at-least-once): nothing is started twice.
  for (const event of drain.invocations) expect(await consumer(event)).toEqual({ batchItemFailures: [] });
  expect(scheduler.calls).toBe(3);
  expect(executionsOf(incident['id'])).toHaveLength(1);
});

test('SNS fails for a stretch: after it recovers every notification is delivered once, none twice', async () => {
  await settleEarlierEffects();
  const outage = 5;
  const notifier = new FaultyNotifier((call) => (call <= outage ? Object.assign(new Error('Service Unavailable'), { name: 'InternalErrorException' }) : undefined));
  const scheduler = new FlakyScheduler(0);
  const consumer = consumerWith(scheduler, notifier);
  drain = await outboxDrain(api.tables, consumer, { from: 'now' });
  const incidents = [];
  for (let i = 0; i < 4; i++) incidents.push(await logged(validIncidentBody({ shortDescription: `Stretch ${i}` })));
  for (const incident of incidents) await escalated(incident, 'SNS stretch');

  await drain.drain();

  expect(drain.failed).toEqual([]);
  expect(notifier.calls).toBe(outage + incidents.length);
  for (const incident of incidents) {
    expect(escalationsOf(incident['number'])).toHaveLength(1);
    expect(executionsOf(incident['id'])).toHaveLength(1);
  }
  expect(await outboxItems()).toEqual([]);

  // Every batch handed over again: nothing is published again.
  for (const event of drain.invocations) await consumer(event);
  expect(notifier.calls).toBe(outage + incidents.length);
  for (const incident of incidents) expect(escalationsOf(incident['number'])).toHaveLength(1);
});

test('the consumer dies mid-batch: after the retries every effect is delivered exactly once', async () => {
  await settleEarlierEffects();
  // The function dies while sending the second notice: the first is sent and its item deleted,
  // nothing after runs, and the invocation's response never reaches the mapping (a function error).
  let died = false;
  const notifier = new FaultyNotifier((call) => {
    if (call !== 2) return undefined;
    died = true;
    return new Error('Runtime exited with error: signal: killed');
  });
  const scheduler = new FlakyScheduler(0);
  const real = consumerWith(scheduler, notifier);
  const dying: StreamConsumer = async (event) => {
    died = false;
    const response = await real(event);
    if (died) throw new Error('Runtime exited with error: signal: killed');
    return response;
  };
  drain = await outboxDrain(api.tables, dying, { from: 'now' });
  const incidents = [];
  for (let i = 0; i < 3; i++) incidents.push(await logged(validIncidentBody({ shortDescription: `Crash ${i}` })));
  for (const incident of incidents) await escalated(incident, 'Crash test');

  await drain.drain();

  expect(drain.failed).toEqual([]);
  // One batch of the six effects; after the crash the mapping bisected it and retried the halves.
  expect(drain.invocations[0]!.Records).toHaveLength(6);
  expect(drain.invocations.slice(1).map((e) => e.Records.length)).toEqual([3, 3]);
  for (const incident of incidents) {
    expect(escalationsOf(incident['number'])).toHaveLength(1);
    expect(executionsOf(incident['id'])).toHaveLength(1);
  }
  // Two sent before the crash and two after: the crashed notice was not published before dying.
  expect(notifier.calls).toBe(incidents.length + 1);
  expect(await outboxItems()).toEqual([]);
});

test("one batch: each incident's effects in stream order, different incidents' side by side", async () => {
  await settleEarlierEffects();
  // Every effect call takes 40 ms and says what it delivered, for which incident, and how many were under way.
  const delivered: { incident: string; effect: string }[] = [];
  let inFlight = 0;
  let mostInFlight = 0;
  const slowly = async (incident: string, effect: string, call: () => Promise<void>) => {
    mostInFlight = Math.max(mostInFlight, ++inFlight);
    await new Promise((resolve) => setTimeout(resolve, 40));
    await call();
    inFlight--;
    delivered.push({ incident, effect });
  };
  const scheduler = new FlakyScheduler(0);
  const notifier = new FaultyNotifier(() => undefined);
  const consumer = createOutboxConsumer({
    outbox: new DynamoDbOutbox(api.tables.documents, api.tables.names.incidents),
    slaScheduler: { start: (run) => slowly(run.incidentId, 'sla-start', () => scheduler.start(run)) },
    notifier: { notify: (notification) => slowly(incidents.find((i) => notification.subject.includes(i['number']))!['id'], 'notify', () => notifier.notify(notification)) },
  });
  drain = await outboxDrain(api.tables, consumer, { from: 'now' });
  const incidents: Record<string, any>[] = [];
  for (let i = 0; i < 3; i++) incidents.push(await logged(validIncidentBody({ shortDescription: `Side by side ${i}` })));
  for (const incident of incidents) await escalated(incident, 'Side by side');
  await drain.drain();

  expect(drain.invocations.map((e) => e.Records.length)).toEqual([6]);
  expect(drain.failed).toEqual([]);
  // Each incident's clock start before its escalation notice, as they were stored.
  for (const incident of incidents) expect(delivered.filter((d) => d.incident === incident['id']).map((d) => d.effect)).toEqual(['sla-start', 'notify']);
  // The three incidents' effects were under way together.
  expect(mostInFlight).toBe(3);
  expect(await outboxItems()).toEqual([]);
});

test('only outbox inserts reach the consumer: incident writes and deletions of delivered items are filtered out', async () => {
  await settleEarlierEffects();
  const consumer = consumerWith(new FlakyScheduler(0), new FaultyNotifier(() => undefined));
  drain = await outboxDrain(api.tables, consumer, { from: 'now' });
  await logged();
  await drain.drain();
  const records = drain.invocations.flatMap((e) => e.Records);
  expect(records.length).toBeGreaterThan(0);
  for (const record of records) {
    expect(record.eventName).toBe('INSERT');
    expect(record.dynamodb?.Keys?.['pk']).toEqual({ S: OUTBOX_PARTITION });
  }
  expect(drain.mapping).toMatchObject({ batchSize: 10, bisectBatchOnFunctionError: true, reportBatchItemFailures: true, maximumRetryAttempts: 8 });
});

test('issue 20: a poison notification (refused by SNS every time) goes to the failure queue after the retries, the rest is delivered, and the failure alarm fires', async () => {
  await settleEarlierEffects();
  const healthy = await logged(validIncidentBody({ shortDescription: 'Healthy notice' }));
  const poisoned = await logged(validIncidentBody({ shortDescription: 'Poisoned notice' }));
  // SNS refuses this one notice whatever is tried (as it refused subjects with line breaks before snsSubject).
  const refuses = (notification: Notification) => notification.subject.includes(poisoned['number']);
  class PoisonNotifier extends FaultyNotifier {
    override async notify(notification: Notification): Promise<void> {
      if (refuses(notification)) throw Object.assign(new Error('Invalid parameter: Subject'), { name: 'InvalidParameterException' });
      await super.notify(notification);
    }
  }
  drain = await outboxDrain(api.tables, consumerWith(new FlakyScheduler(0), new PoisonNotifier(() => undefined)), { from: 'now' });
  await escalated(healthy, 'Healthy escalation');
  await escalated(poisoned, 'Poisoned escalation');
  await drain.drain();

  expect(escalationsOf(healthy['number'])).toHaveLength(1);
  expect(escalationsOf(poisoned['number'])).toHaveLength(0);
  // Bisected down to the poison record alone, which went to the on-failure destination (the OutboxFailures queue).
  expect(drain.failed).toHaveLength(1);
  expect(JSON.stringify(drain.failed[0])).not.toContain(healthy['id']);
  // Its outbox item is kept for the reconciler and for whoever reads the alarm.
  expect((await outboxItems()).length).toBeGreaterThanOrEqual(1);

  // The stack's alarm on that queue: its depth (one message per failed batch) breaches the threshold.
  const alarm = Object.values(exampleTemplate().Resources).find(
    (r) => r.Type === 'AWS::CloudWatch::Alarm' && String(r.Properties?.['AlarmName']).endsWith('OutboxFailures-depth'),
  )!;
  expect(alarm.Properties).toMatchObject({ MetricName: 'ApproximateNumberOfMessagesVisible', ComparisonOperator: 'GreaterThanThreshold' });
  expect(drain.failed.length).toBeGreaterThan(Number(alarm.Properties!['Threshold']));
});

describe('archive-finding: closing a GuardDuty incident archives its finding through the outbox (monitoring.archiveFindingsOnClose)', () => {
  let guardDuty: GuardDutyFake;
  let archivingRoutes: ReturnType<typeof incidentRoutes>;
  let consumer: StreamConsumer;
  let restoreEndpoint: (() => void) | undefined;
  const settings = () => ({ ...exampleSettings(), monitoring: { ...exampleSettings()['monitoring'], archiveFindingsOnClose: true } });

  beforeAll(async () => {
    guardDuty = await GuardDutyFake.start();
    const handler = api.loadHandler(settings());
    archivingRoutes = incidentRoutes(() => handler);
    // The consumer's own entry, with the client's settings as the stack gives them; GuardDuty's
    // endpoint stays in the environment, as a function's does (its client is made on the first archive).
    restoreEndpoint = setEnv({ AWS_ENDPOINT_URL_GUARDDUTY: guardDuty.url });
    consumer = loadOutboxConsumer(functionSettingsEnv(settings()));
  });
  afterAll(async () => {
    restoreEndpoint?.();
    await guardDuty?.close();
  });

  let findings = 0;
  /** A GuardDuty incident its reporter (rita.requester) may confirm, and its finding, active in GuardDuty. */
  async function resolvedFinding(detectorId = 'detector-1'): Promise<Incident> {
    const findingId = `gd-${++findings}-${Date.now()}`;
    guardDuty.addFinding(detectorId, findingId);
    const at = new Date().toISOString();
    const incident = anIncident({ state: 'Resolved', security: true, findingId, guardDutyDetectorId: detectorId, resolutionCode: 'Remediated', resolutionNotes: 'Key rotated', resolvedAt: at, resolvedBy: 'alice.agent', updatedAt: at, version: 3 });
    await new DynamoDbIncidentRepository(api.tables.documents, api.tables.names.incidents).create(aChange(incident));
    return incident;
  }
  async function confirmed(incident: Incident): Promise<void> {
    const response = await archivingRoutes.confirm(incident.id, { as: callers.requester, ifMatch: `"${incident.version}"` });
    expect(response.status).toBe(200);
  }
  const archiveItems = async () => (await outboxItems()).filter((i) => i['kind'] === 'archive-finding');

  test('the confirmation stores the archive and calls nothing; GuardDuty fails for a stretch, then the finding is archived once, and a redelivered batch calls it no more', async () => {
    await settleEarlierEffects();
    const incident = await resolvedFinding();
    drain = await outboxDrain(api.tables, consumer, { from: 'now' });
    // Down for the first delivery's every attempt (the SDK's three) and the retry's first.
    guardDuty.failNext(4, 500);
    const before = guardDuty.requests.length;
    await confirmed(incident);
    expect((await archiveItems()).map((i) => i['effectId'])).toEqual([`${incident.id}#v4#archive-finding`]);
    expect(guardDuty.requests.length).toBe(before);

    await drain.drain();

    expect(drain.failed.map((f) => f.error)).toEqual([]);
    expect(guardDuty.isArchived('detector-1', incident.findingId!)).toBe(true);
    expect(guardDuty.archiveCallsFor(incident.findingId!)).toBe(1);
    expect(guardDuty.requests.slice(before).map((r) => r.status)).toEqual([500, 500, 500, 500, 200]);
    expect(await archiveItems()).toEqual([]);

    for (const event of drain.invocations) expect(await consumer(event)).toEqual({ batchItemFailures: [] });
    expect(guardDuty.requests.length).toBe(before + 5);
  });

  test('GuardDuty refuses for good (a detector not this account\'s): reported, not retried, the close stands and the outbox moves on', async () => {
    await settleEarlierEffects();
    const foreign = await resolvedFinding('detector-1');
    const healthy = await resolvedFinding('detector-1');
    // The refused finding's detector is one GuardDuty does not know (a deleted detector).
    await new DynamoDbIncidentRepository(api.tables.documents, api.tables.names.incidents).save(
      { incident: { ...foreign, guardDutyDetectorId: 'detector-gone', version: foreign.version + 1 }, entries: [] },
      foreign.version,
    );
    drain = await outboxDrain(api.tables, consumer, { from: 'now' });
    const before = guardDuty.requests.length;
    await confirmed({ ...foreign, version: foreign.version + 1 });
    await confirmed(healthy);

    await drain.drain();

    expect(drain.failed).toEqual([]);
    // One call each (two incidents: delivered side by side, in either order); the refusal is not retried.
    expect(guardDuty.requests.slice(before).map((r) => [r.path, r.status]).sort()).toEqual([
      ['/detector/detector-1/findings/archive', 200],
      ['/detector/detector-gone/findings/archive', 400],
    ]);
    expect(guardDuty.isArchived('detector-1', healthy.findingId!)).toBe(true);
    expect((await new DynamoDbIncidentRepository(api.tables.documents, api.tables.names.incidents).get(foreign.id))?.state).toBe('Closed');
    expect(await archiveItems()).toEqual([]);
  });

  test('an archive the stream left behind (a lost record, a batch in the failure queue) is delivered by the reconciler, once', async () => {
    await settleEarlierEffects();
    const incident = await resolvedFinding();
    await confirmed(incident);
    expect(await archiveItems()).toHaveLength(1);
    const archiver = new GuardDutyFindingArchiver({ client: new GuardDutyClient({ ...local, endpoint: guardDuty.url }) });
    const deps = {
      outbox: new DynamoDbOutbox(api.tables.documents, api.tables.names.incidents),
      clocks: { changedBefore: async () => ({ clocks: [], truncated: false }) },
      executions: { exists: async () => true },
      slaScheduler: new FlakyScheduler(0),
      notifier: new FaultyNotifier(() => undefined),
      findingArchiver: archiver,
      clock: { now: () => new Date(Date.now() + RECONCILE_SETTINGS.graceMs + 60_000) },
    };
    const first = await reconcileEffects(deps);
    expect(first.repaired['archive-finding']).toBe(1);
    expect(guardDuty.isArchived('detector-1', incident.findingId!)).toBe(true);
    expect(await archiveItems()).toEqual([]);
    const again = await reconcileEffects(deps);
    expect(again.repaired['archive-finding']).toBeUndefined();
    expect(guardDuty.archiveCallsFor(incident.findingId!)).toBe(1);
  });
});
