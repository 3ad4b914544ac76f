import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDbReportAggregates } from '../../src/modules/incidents/adapters/report-aggregates';
import { DynamoDbCatalogueRepository } from '../../src/modules/catalogue/adapters/dynamodb-catalogue-repository';
import { aService, seedServices } from './support-catalogue';
import { SfnSlaScheduler } from '../../src/modules/incidents/adapters/sfn-sla-scheduler';
import { acknowledge, addTimelineEntry, createIncident, updateIncident, type IncidentDeps } from '../../src/modules/incidents/app/incident-use-cases';
import { alarmTrackingPolicyOf, checkSlaClocks, slaPolicyOf, slaReport, slaView, type SlaDeps } from '../../src/modules/incidents/app/sla-use-cases';
import { parseIsoDuration } from '../../src/kernel/domain/iso-duration';
import { startTracking, trackAlarmState } from '../../src/modules/incidents/domain/alarm-tracking';
import { openIncident } from '../../src/modules/incidents/domain/incident';
import { recordSlaFacts } from '../../src/modules/incidents/domain/incident-sla';
import type { Caller } from '../../src/kernel/domain/access-policy';
import { clientSettingsSchema } from '../../src/config/client-settings-schema';
import { slaRunSchema } from '../../src/modules/incidents/schemas/sla-schemas';
import { SLA_WORKFLOW_STATES } from '../../src/modules/incidents/infra/itsm-sla-workflow';
import { LocalSns, type OutboxMessage } from '../../local/local-sns';
import { LocalStepFunctions, runLocalExecution } from '../../local/local-step-functions';
import { functionsOf, localReferences, stateMachinesOf, type TemplateStateMachine } from '../../local/template-model';
import { createTestTables, type TestTables } from '../support/test-tables';
import { exampleSettings, exampleTemplate, TOPICS } from './support-handler';
import { outboxDrain, type OutboxDrain } from './support-outbox';
import { localSnsNotifier, slaTestDeps } from './support-sla';
import { DynamoDbOutbox } from '../../src/modules/outbox/adapters';
import { createOutboxConsumer } from '../../src/modules/outbox/functions/outbox-consumer';

/**
 * The SLA workflow exactly as deployed: the state machine definition from the synthesized
 * template, executed by aws-local-stepfunctions, its task played by the SLA check use case over
 * DynamoDB Local and the real SNS client (LocalSns outbox). Waits are overridden: a virtual clock
 * jumps to each Wait's timestamp, so hours of SLA time run in milliseconds, deterministically.
 */

const settings = clientSettingsSchema.parse(exampleSettings());
const policy = slaPolicyOf(settings);
const agent: Caller = { id: 'sub-alice', name: 'alice.agent', roles: ['agent'] };
const T0 = Date.parse('2026-11-24T10:00:00.000Z'); // a Tuesday

let tables: TestTables;
let sns: LocalSns;
let dir: string;
let machine: TemplateStateMachine;
let now = T0;
/**
 * The notices each check stores are delivered from the incidents table's stream by the outbox
 * consumer (to LocalSns); `startWorkflow` plays the SLA starts, which most tests here run themselves.
 */
let notices: OutboxDrain;
let startWorkflow: (run: { incidentId: string; generation: number }) => Promise<void> = async () => undefined;
const clock = { now: () => new Date(now) };
const at = (offset: string) => T0 + durationMs(offset);

function durationMs(text: string): number {
  const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(text)!;
  return (Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0)) * 1000;
}

beforeAll(async () => {
  tables = await createTestTables();
  dir = mkdtempSync(join(tmpdir(), 'itsm-sla-workflow-'));
  sns = await LocalSns.start(join(dir, 'outbox.jsonl'));
  [machine] = stateMachinesOf(exampleTemplate(), 'eu-west-2') as [TemplateStateMachine];
  // payments names its own contact #2 and owner; the other levels fall back to the client's contacts.
  await seedServices(tables.documents, tables.names.catalogue, [
    aService('payments', {
      owner: { username: 'pat.owner', name: 'Pat Owner', email: 'pat.owner@example.com' },
      contacts: { nominated: [{ name: 'Client Ops #1', email: 'ops1@client.example' }, { name: 'Client Ops #2', email: 'ops2@client.example' }] },
    }),
    'vpn',
    'printing',
  ]);
  notices = await outboxDrain(
    tables,
    createOutboxConsumer({ outbox: new DynamoDbOutbox(tables.documents, tables.names.incidents), slaScheduler: { start: (run) => startWorkflow(run) }, notifier: localSnsNotifier(sns) }),
  );
});
afterAll(async () => {
  await notices?.stop();
  await sns?.stop();
  await tables?.destroy();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const deps = () => slaTestDeps(tables, settings, clock);

/** Actions the test performs at given instants, interleaved with the workflow's wake-ups. */
type Scheduled = { readonly at: number; readonly run: () => Promise<unknown> };

/** Moves the virtual clock to `until`, performing every scheduled action due before it, in order. */
async function advance(until: number, actions: Scheduled[]): Promise<void> {
  actions.sort((a, b) => a.at - b.at);
  while (actions.length > 0 && actions[0]!.at <= until) {
    const action = actions.shift()!;
    now = Math.max(now, action.at);
    await action.run();
  }
  now = Math.max(now, until);
}

/** Runs one execution of the template's definition to its end, the task being the SLA check. */
async function execute(input: { incidentId: string; generation: number }, slaDeps: SlaDeps, actions: Scheduled[] = []) {
  let pendingWait: string | undefined;
  const execution = runLocalExecution({
    machine,
    input,
    invoke: async (_functionId, payload) => {
      // The workflow woke up: first the actions due before this instant happen, then the check.
      if (pendingWait) await advance(Date.parse(pendingWait), actions);
      pendingWait = undefined;
      return checkSlaClocks(slaDeps, slaRunSchema.parse(payload));
    },
    waitMs: (timestamp) => {
      pendingWait = timestamp;
      return 0;
    },
  });
  const result = await execution.result;
  // What the checks stored is sent by the outbox consumer.
  await notices.drain();
  expect(notices.failed).toEqual([]);
  return result;
}

const notificationsAbout = (number: string): OutboxMessage[] => sns.messages().filter((m) => (m.subject ?? '').includes(`${number}:`));
const summary = (m: OutboxMessage) => {
  const a = m.attributes;
  return `${a['kind']} ${a['target']}${a['kind'] === 'sla-escalation' ? ` L${a['level']} ${a['contact']}` : ''}`;
};
const recipientsOf = (m: OutboxMessage) => ((m.message as { recipients: { name: string }[] }).recipients ?? []).map((r) => r.name);

test('the template holds the SLA workflow, its one task run by the SLA check function', () => {
  const fns = functionsOf(exampleTemplate());
  const taskFunctions = Object.entries(machine.taskFunctions);
  expect(taskFunctions.map(([state]) => state)).toEqual([SLA_WORKFLOW_STATES.check]);
  const [, functionId] = taskFunctions[0]!;
  expect(fns.find((f) => f.logicalId === functionId)?.entry).toBe('src/modules/incidents/functions/sla-clock-handler.ts');
  expect(machine.definition.StartAt).toBe(SLA_WORKFLOW_STATES.check);
});

test('an unacknowledged P1: warning, breach, then contacts #1 → #2 → #3 → service owner for acknowledge and resolve, bounded repeats, then the execution ends', async () => {
  now = T0;
  const { incidentDeps, slaDeps } = deps();
  const incident = await createIncident(incidentDeps, agent, {
    shortDescription: 'Payments API down', description: 'All card payments fail', impact: 1, urgency: 1, service: 'payments', category: 'software',
  } as never);
  expect(incident.priority).toBe('P1');

  const result = await execute({ incidentId: incident.id, generation: 1 }, slaDeps);
  expect(result.status).toBe('SUCCEEDED');
  expect(result.output).toMatchObject({ check: { done: true, reason: 'no clock left to watch' } });

  const sent = notificationsAbout(incident.number);
  expect(sent.map(summary)).toEqual([
    'sla-warning acknowledge',
    'sla-breach acknowledge',
    'sla-escalation acknowledge L1 nominated-1',
    'sla-warning respond',
    'sla-breach respond',
    'sla-escalation acknowledge L2 nominated-2',
    'sla-escalation acknowledge L3 nominated-3',
    'sla-escalation acknowledge L4 service-owner',
    'sla-warning resolve',
    'sla-breach resolve',
    'sla-escalation resolve L1 nominated-1',
    'sla-escalation resolve L2 nominated-2',
    'sla-escalation resolve L3 nominated-3',
    'sla-escalation resolve L4 service-owner',
    'sla-escalation acknowledge L4 service-owner', // reminder 1
    'sla-escalation resolve L4 service-owner', // reminder 1
    'sla-escalation acknowledge L4 service-owner', // reminder 2
    'sla-escalation resolve L4 service-owner', // reminder 2
  ]);
  const escalations = sent.filter((m) => m.attributes['kind'] === 'sla-escalation');
  // The service's own contacts #1 and #2 and owner; the client's contact #3 where the service names none.
  expect(escalations.slice(0, 4).map(recipientsOf)).toEqual([['Client Ops #1'], ['Client Ops #2'], ['Mary Clarke'], ['Pat Owner']]);
  expect(new Set(sent.map((m) => m.topicArn))).toEqual(new Set([TOPICS.escalation]));
  // The last step falls 4 h after the resolve target's last level: 4 h + 2 h + 2 × 4 h.
  expect(new Date(now).toISOString()).toBe(new Date(at('14h')).toISOString());

  const stored = await slaDeps.incidents.get(incident.id);
  expect(stored!.escalationLevel).toBe(4);
  expect(stored!.escalations.map((e) => `${e.level} ${e.to}`).slice(0, 4)).toEqual(['1 Client Ops #1', '2 Client Ops #2', '3 Mary Clarke', '4 Pat Owner']);
  expect(stored!.sla!.notices).toHaveLength(sent.length);
  // Each wake-up is Check → Choice → Wait: (wake-ups × 3) + the final Check and Choice and Succeed.
  expect(result.transitions).toBe(result.statesEntered.length);
  expect(result.statesEntered.at(-1)).toBe(SLA_WORKFLOW_STATES.done);
});

test('a check retried by Step Functions stores its notices once; the consumer sends each once, and a redelivered batch sends nothing again', async () => {
  now = T0 + 5 * 86_400_000;
  const { incidentDeps, slaDeps } = deps();
  const incident = await createIncident(incidentDeps, agent, {
    shortDescription: 'Card terminal offline', description: 'One shop', impact: 1, urgency: 1, service: 'payments', category: 'hardware',
  } as never);
  await notices.drain();
  // Past the acknowledge target's breach: one check owes the warning and the breach.
  now += durationMs('1h');
  const first = await checkSlaClocks(slaDeps, { incidentId: incident.id, generation: 1 });
  expect(first.sent.length).toBeGreaterThanOrEqual(2);
  // The task's retry (its answer lost): the notices are recorded, nothing more is stored.
  const retried = await checkSlaClocks(slaDeps, { incidentId: incident.id, generation: 1 });
  expect(retried.sent).toEqual([]);
  const stored = await new DynamoDbOutbox(tables.documents, tables.names.incidents).undeliveredBefore('9999', 1000);
  const mine = stored.filter((item) => item.effectId.startsWith(`${incident.id}#`));
  const version = (await slaDeps.incidents.get(incident.id))!.version;
  expect(mine.map((item) => item.effectId).sort()).toEqual(first.sent.map((key) => `${incident.id}#v${version}#notify#${key}`).sort());

  const before = notices.invocations.length;
  await notices.drain();
  expect(notices.failed).toEqual([]);
  expect(notificationsAbout(incident.number)).toHaveLength(first.sent.length);
  // The same batches handed to the consumer again (a redelivery): the items are gone, nothing is sent.
  const consumer = createOutboxConsumer({ outbox: new DynamoDbOutbox(tables.documents, tables.names.incidents), slaScheduler: { start: (run) => startWorkflow(run) }, notifier: localSnsNotifier(sns) });
  const redelivered = notices.invocations.slice(before);
  expect(redelivered.length).toBeGreaterThan(0);
  for (const batch of redelivered) expect(await consumer(batch)).toEqual({ batchItemFailures: [] });
  expect(notificationsAbout(incident.number)).toHaveLength(first.sent.length);
});

test('a P1 acknowledged, answered and resolved in time: no notification, and within 20 state transitions', async () => {
  now = T0 + 86_400_000;
  const start = now;
  const { incidentDeps, slaDeps } = deps();
  const incident = await createIncident(incidentDeps, agent, {
    shortDescription: 'VPN flapping', description: 'Users drop', impact: 1, urgency: 1, service: 'vpn', category: 'network',
  } as never);
  const actions: Scheduled[] = [
    { at: start + durationMs('5m'), run: () => acknowledge(incidentDeps, agent, incident.id) },
    { at: start + durationMs('10m'), run: () => addTimelineEntry(incidentDeps, agent, incident.id, { type: 'comment', text: 'On it: restarting the concentrator' }) },
    {
      at: start + durationMs('1h'),
      run: async () => {
        const current = (await slaDeps.incidents.get(incident.id))!;
        const started = await updateIncident(incidentDeps, agent, incident.id, { state: 'In Progress' }, current.version);
        return updateIncident(incidentDeps, agent, incident.id, { state: 'Resolved', resolutionCode: 'Solved (permanently)', resolutionNotes: 'Firmware fixed' }, started.version);
      },
    },
  ];
  const result = await execute({ incidentId: incident.id, generation: 1 }, slaDeps, actions);
  expect(result.status).toBe('SUCCEEDED');
  expect(actions).toEqual([]);
  expect(notificationsAbout(incident.number)).toEqual([]);
  expect(result.transitions).toBeLessThanOrEqual(20);
  const stored = (await slaDeps.incidents.get(incident.id))!;
  expect(stored.sla).toMatchObject({ acknowledgedAt: new Date(start + durationMs('5m')).toISOString(), respondedAt: new Date(start + durationMs('10m')).toISOString() });
});

test('On Hold for a pausing reason supersedes the running execution: the old one stops at its next wake-up, the new one ends while paused, release starts a third', async () => {
  const workflowsDir = mkdtempSync(join(dir, 'sfn-'));
  now = T0 + 2 * 86_400_000;
  const start = now;
  const { incidentDeps, slaDeps } = deps();
  const template = exampleTemplate();
  let effects: OutboxDrain | undefined;
  const sfn = await LocalStepFunctions.start({
    machines: [machine],
    region: 'eu-west-2',
    file: join(workflowsDir, 'executions.json'),
    now: clock.now,
    invoke: async (_fn, payload) => checkSlaClocks(slaDeps, slaRunSchema.parse(payload)),
    // Real half-second waits and a clock that stands still: an execution keeps waking up until
    // something supersedes it or it has nothing left to watch.
    waitMs: () => 500,
  });
  try {
    const scheduler = new SfnSlaScheduler(
      new SFNClient({ endpoint: sfn.endpoint, region: 'eu-west-2', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }),
      localReferences(template, 'eu-west-2')[machine.logicalId]!,
    );
    // The starts are stored with each change and delivered from the table's stream by the outbox consumer.
    startWorkflow = (run) => scheduler.start(run);
    effects = notices;
    const withScheduler: IncidentDeps = incidentDeps;
    const incident = await createIncident(withScheduler, agent, {
      shortDescription: 'Printer queue stuck', description: 'Floor 3', impact: 3, urgency: 3, service: 'printing', category: 'hardware',
    } as never);
    await effects.drain();
    const g1 = sfn.list().find((e) => e.name === `${incident.id}-g1`);
    expect(g1?.status).toBe('RUNNING');

    // Starting the same generation again is a no-op: one execution per generation.
    await scheduler.start({ incidentId: incident.id, generation: 1 });
    expect(sfn.list().filter((e) => e.name === `${incident.id}-g1`)).toHaveLength(1);

    const current = (await slaDeps.incidents.get(incident.id))!;
    const working = await updateIncident(withScheduler, agent, incident.id, { state: 'In Progress' }, current.version);
    await updateIncident(withScheduler, agent, incident.id, { state: 'On Hold', onHoldReason: 'awaiting caller' }, working.version);
    await effects.drain();
    await sfn.settled();
    const byName = (g: number) => sfn.list().find((e) => e.name === `${incident.id}-g${g}`)!;
    expect(JSON.parse(byName(1).output!).check.reason).toBe('superseded by generation 2');
    expect(JSON.parse(byName(2).output!).check).toMatchObject({ done: true, reason: 'no clock left to watch' });

    now = start + durationMs('2h');
    const held = (await slaDeps.incidents.get(incident.id))!;
    await updateIncident(withScheduler, agent, incident.id, { state: 'In Progress' }, held.version);
    await effects.drain();
    expect(effects.failed).toEqual([]);
    // Resumed: a third generation watches the clocks again.
    expect(byName(3).status).toBe('RUNNING');
    expect(sfn.list().map((e) => e.name).sort()).toEqual([1, 2, 3].map((g) => `${incident.id}-g${g}`).sort());
  } finally {
    startWorkflow = async () => undefined;
    await sfn.stop();
    rmSync(workflowsDir, { recursive: true, force: true });
  }
});

describe('warning alarms that persist are promoted by the same workflow', () => {
  const trackingPolicy = alarmTrackingPolicyOf(settings.monitoring);
  const promotion = { policy: trackingPolicy, after: settings.monitoring.warningPromotionAfter, rules: { matrix: settings.priorityMatrix, ...settings.priorityThresholds } };

  async function warningAlarmIncident() {
    const { slaDeps } = deps();
    const at = new Date(now).toISOString();
    const { incident } = openIncident({
      id: randomUUID(), number: `INC8${String(now).slice(-6)}`,
      input: { shortDescription: 'CloudWatch alarm disk-low is in ALARM', description: 'Disk 85 % full', impact: 2, urgency: 2, service: 'payments', category: 'monitoring', channel: 'monitoring', reportedBy: 'system:monitoring', detectedAt: at },
      rules: promotion.rules, recordedBy: { id: 'system:monitoring', name: 'system:monitoring' }, now: at,
    });
    const stored = recordSlaFacts(undefined, { ...incident, alarmArn: 'arn:aws:cloudwatch:eu-west-2:123456789012:alarm:disk-low', alarm: startTracking('warning', at) }, at, false);
    await slaDeps.incidents.create({ incident: stored, entries: [] });
    return { incident: stored, slaDeps: { ...slaDeps, promotion } };
  }

  test('still in ALARM after PT30M: urgency of an error, priority raised with a reason, escalated to the service owner, who is told', async () => {
    now = T0 + 4 * 86_400_000;
    const start = now;
    const { incident, slaDeps } = await warningAlarmIncident();
    expect(incident.priority).toBe('P3');
    // The desk acknowledges and answers, so only the promotion and the resolve clock remain.
    const actions: Scheduled[] = [
      { at: start + durationMs('5m'), run: () => acknowledge(deps().incidentDeps, agent, incident.id) },
      { at: start + durationMs('6m'), run: () => addTimelineEntry(deps().incidentDeps, agent, incident.id, { type: 'comment', text: 'Looking' }) },
    ];
    expect((await execute({ incidentId: incident.id, generation: 1 }, slaDeps, actions)).status).toBe('SUCCEEDED');
    const promoted = (await slaDeps.incidents.get(incident.id))!;
    expect(promoted).toMatchObject({ urgency: 1, priority: 'P2', alarm: { severity: 'error', promotedAt: new Date(start + durationMs('30m')).toISOString() } });
    expect(promoted.escalations[0]).toMatchObject({ kind: 'hierarchical', level: 1, to: 'Pat Owner', reason: 'Warning alarm still in ALARM after PT30M: promoted to error' });
    expect(promoted.priorityReasons.at(-1)).toContain('promoted to error');
    // The same execution went on driving the clocks (the promotion started no new generation).
    expect(promoted.sla!.generation).toBe(1);
    const told = notificationsAbout(incident.number).filter((m) => m.attributes['kind'] === 'alarm-promotion');
    expect(told.map(recipientsOf)).toEqual([['Pat Owner']]);
  });

  test('back to OK before PT30M: the promotion is cancelled', async () => {
    now = T0 + 5 * 86_400_000;
    const start = now;
    const { incident, slaDeps } = await warningAlarmIncident();
    const cleared = async () => {
      const current = (await slaDeps.incidents.get(incident.id))!;
      const alarm = trackAlarmState(current.alarm!, 'OK', new Date(now).toISOString(), promotion.policy).tracking;
      await slaDeps.incidents.save({ incident: { ...current, alarm, version: current.version + 1 }, entries: [] }, current.version);
    };
    const actions: Scheduled[] = [
      { at: start + durationMs('10m'), run: cleared },
      { at: start + durationMs('40m'), run: () => acknowledge(deps().incidentDeps, agent, incident.id) },
    ];
    await execute({ incidentId: incident.id, generation: 1 }, slaDeps, actions);
    const stored = (await slaDeps.incidents.get(incident.id))!;
    expect(stored.alarm).toMatchObject({ severity: 'warning', state: 'OK' });
    expect(stored.alarm!.promotedAt).toBeUndefined();
    expect(stored.priority).toBe('P3');
    expect(notificationsAbout(incident.number).filter((m) => m.attributes['kind'] === 'alarm-promotion')).toEqual([]);
  });
});

describe("a service's own SLA terms (sla.overrides)", () => {
  const reader: Caller = { id: 'sub-olga', name: 'olga.owner', roles: ['service-owner'] };
  const breachOf = (number: string, target: string) =>
    notificationsAbout(number).find((m) => m.attributes['kind'] === 'sla-breach' && m.attributes['target'] === target);
  const p1 = { shortDescription: 'Gold API down', description: 'Every call fails', impact: 1, urgency: 1, category: 'software' };

  test('the clocks, warnings, breaches, escalations and the report run on the service targets recorded when the clocks started; a later catalogue edit changes nothing', async () => {
    now = T0 + 6 * 86_400_000;
    const start = now;
    const { incidentDeps, slaDeps } = deps();
    const services = new DynamoDbCatalogueRepository(tables.documents, tables.names.catalogue);
    await services.createService(aService('gold', { sla: { reference: 'Gold schedule', overrides: { P1: { acknowledge: 'PT5M', resolve: 'PT1H' } } } }));
    const incident = await createIncident(incidentDeps, agent, { ...p1, service: 'gold' } as never);
    expect(incident.priority).toBe('P1');
    // The catalogue changes once the clocks run: the incident keeps the terms it started on.
    const gold = (await services.getService('gold'))!;
    await services.saveService({ ...gold, sla: { reference: 'Gold schedule v2', overrides: { P1: { acknowledge: 'PT2H' } } }, version: gold.version + 1 }, gold.version);

    // Acknowledged after 10 minutes: in time on the client's PT15M, late on the service's PT5M.
    const actions: Scheduled[] = [{ at: start + durationMs('10m'), run: () => acknowledge(deps().incidentDeps, agent, incident.id) }];
    expect((await execute({ incidentId: incident.id, generation: 1 }, slaDeps, actions)).status).toBe('SUCCEEDED');

    const iso = (ms: number) => new Date(ms).toISOString();
    expect(JSON.stringify(breachOf(incident.number, 'acknowledge')!.message)).toContain(`at ${iso(start + durationMs('5m'))}`);
    expect(JSON.stringify(breachOf(incident.number, 'resolve')!.message)).toContain(`at ${iso(start + durationMs('1h'))}`);
    // respond has no override: the client's P1 target.
    expect(JSON.stringify(breachOf(incident.number, 'respond')!.message)).toContain(`at ${iso(start + targetMsOf('P1', 'respond'))}`);
    const firstEscalation = notificationsAbout(incident.number).find((m) => m.attributes['kind'] === 'sla-escalation' && m.attributes['target'] === 'acknowledge');
    expect(firstEscalation?.attributes).toMatchObject({ level: '1', contact: 'nominated-1' });
    expect(JSON.stringify(firstEscalation!.message)).toContain(`at ${iso(start + durationMs('5m'))}`);

    const stored = (await slaDeps.incidents.get(incident.id))!;
    const view = slaView(stored, policy, new Date(now));
    expect(view.terms).toEqual({ source: 'service', service: 'gold', reference: 'Gold schedule', overrides: { P1: { acknowledge: 'PT5M', resolve: 'PT1H' } }, recordedAt: iso(start) });
    expect(view.targets.find((t) => t.target === 'acknowledge')).toMatchObject({ state: 'breached', targetMs: durationMs('5m') });

    const report = await slaReport({ ...slaDeps, aggregates: new DynamoDbReportAggregates(tables.documents, tables.names.incidents) }, reader, { from: iso(start), to: iso(start + 1) });
    expect(report.rows).toHaveLength(1);
    expect(report.rows[0]!.targets.find((t) => t.target === 'acknowledge')).toMatchObject({ achieved: 0, breached: 1 });
  });

  test('an incident opened without the catalogue at hand (by monitoring) has its service terms recorded by the first check, before any notice', async () => {
    now = T0 + 7 * 86_400_000;
    const start = now;
    const { slaDeps } = deps();
    await new DynamoDbCatalogueRepository(tables.documents, tables.names.catalogue).createService(
      aService('silver', { sla: { reference: 'Silver schedule', overrides: { P3: { acknowledge: 'PT3M' } } } }),
    );
    const at = new Date(now).toISOString();
    const { incident } = openIncident({
      id: randomUUID(), number: `INC9${String(now).slice(-6)}`,
      input: { shortDescription: 'CloudWatch alarm api-5xx is in ALARM', description: '5xx above 5 %', impact: 2, urgency: 2, service: 'silver', category: 'monitoring', channel: 'monitoring', reportedBy: 'system:monitoring', detectedAt: at },
      rules: { matrix: settings.priorityMatrix, ...settings.priorityThresholds }, recordedBy: { id: 'system:monitoring', name: 'system:monitoring' }, now: at,
    });
    await slaDeps.incidents.create({ incident: recordSlaFacts(undefined, incident, at, false), entries: [] });
    expect(incident.priority).toBe('P3');
    expect((await execute({ incidentId: incident.id, generation: 1 }, slaDeps)).status).toBe('SUCCEEDED');
    const stored = (await slaDeps.incidents.get(incident.id))!;
    expect(stored.sla!.terms).toMatchObject({ source: 'service', service: 'silver', overrides: { P3: { acknowledge: 'PT3M' } }, recordedAt: at });
    expect(JSON.stringify(breachOf(incident.number, 'acknowledge')!.message)).toContain(`at ${new Date(start + durationMs('3m')).toISOString()}`);
  });

  test('a service without overrides runs on the client targets, and the view says so', async () => {
    now = T0 + 8 * 86_400_000;
    const { incidentDeps, slaDeps } = deps();
    const incident = await createIncident(incidentDeps, agent, { ...p1, service: 'vpn' } as never);
    const view = slaView((await slaDeps.incidents.get(incident.id))!, policy, new Date(now));
    expect(view.terms).toMatchObject({ source: 'client', service: 'vpn', reference: 'MSA-2026 schedule 2' });
    expect(view.terms.overrides).toBeUndefined();
    expect(view.targets.find((t) => t.target === 'acknowledge')!.targetMs).toBe(targetMsOf('P1', 'acknowledge'));
  });
});

function targetMsOf(priority: 'P1' | 'P2', target: 'acknowledge' | 'respond' | 'resolve'): number {
  return parseIsoDuration(policy.targets[priority][target])!;
}
