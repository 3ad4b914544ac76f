import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { acknowledge, createIncident, updateIncident, type IncidentDeps } from '../../src/modules/incidents/app/incident-use-cases';
import { checkSlaClocks, type SlaCheckResult, type SlaDeps } from '../../src/modules/incidents/app/sla-use-cases';
import type { Caller } from '../../src/kernel/domain/access-policy';
import { clientSettingsSchema } from '../../src/config/client-settings-schema';
import { slaRunSchema } from '../../src/modules/incidents/schemas/sla-schemas';
import { LocalSns, type OutboxMessage } from '../../local/local-sns';
import { runLocalExecution } from '../../local/local-step-functions';
import { stateMachinesOf, type TemplateStateMachine } from '../../local/template-model';
import { createTestTables, type TestTables } from '../support/test-tables';
import { aService, seedServices } from './support-catalogue';
import { exampleSettings, exampleTemplate } from './support-handler';
import { outboxDrain, type OutboxDrain } from './support-outbox';
import { DynamoDbOutbox } from '../../src/modules/outbox/adapters';
import { createOutboxConsumer } from '../../src/modules/outbox/functions/outbox-consumer';
import { DynamoDbPagingSource } from '../../src/modules/oncall/adapters';
import { createPolicy, type PolicyDeps } from '../../src/modules/oncall/app/policy-use-cases';
import { createOverride, createSchedule, type ScheduleDeps } from '../../src/modules/oncall/app/schedule-use-cases';
import { createPerson, type PeopleDeps } from '../../src/modules/oncall/app/people-use-cases';
import { defaultPolicyFromContacts } from '../../src/modules/oncall/domain';
import { personRecords, policyRecords, scheduleRecords } from '../../src/modules/oncall/adapters/dynamodb-versioned-records';
import { createCallCentreWebhook } from '../../src/modules/oncall/functions';
import { createObservability } from '../../src/kernel/runtime/observability-factory';
import { LOCAL_STAND_IN_ENV, registerLocalStandIns } from '../../local/stand-ins/register-stand-ins';
import { OUTBOX_PARTITION } from '../../src/modules/outbox/adapters';
import { CallCentreFake } from '../support/call-centre-fake';
import { scanAll } from './support-incidents';
import { localSnsNotifier, slaTestDeps } from './support-sla';

/**
 * Paging by escalation policy, run the way the SLA workflow runs it: the template's state machine
 * (aws-local-stepfunctions), its task the SLA check over DynamoDB Local, pages delivered by the
 * outbox consumer to the real SNS client (LocalSns). A virtual clock jumps to each Wait's
 * timestamp, so a night of paging runs in milliseconds; the desk's actions (acknowledge, an
 * override) happen at their virtual instants between wake-ups. An escalation step's webhook target
 * is a fake call centre (test/support/call-centre-fake.ts), reached by the real signed sender the
 * outbox functions build, through the local runtime's allow-list of fake call centres.
 */

const settings = clientSettingsSchema.parse(exampleSettings());
const agent: Caller = { id: 'sub-alice', name: 'alice.agent', roles: ['agent'] };
const SATURDAY_0200 = Date.parse('2026-11-28T02:00:00.000Z'); // Europe/London is on UTC in November
const minutes = (n: number) => n * 60_000;

let tables: TestTables;
let sns: LocalSns;
let dir: string;
let machine: TemplateStateMachine;
let notices: OutboxDrain;
let now = SATURDAY_0200;
const clock = { now: () => new Date(now) };
let paymentsRota: string;
let incidentDeps: IncidentDeps;
let slaDeps: SlaDeps;
let scheduleDeps: ScheduleDeps;
let callCentre: CallCentreFake;
let undoStandIns: () => void;
const observability = createObservability('sla-paging-test');

beforeAll(async () => {
  tables = await createTestTables();
  dir = mkdtempSync(join(tmpdir(), 'itsm-sla-paging-'));
  sns = await LocalSns.start(join(dir, 'outbox.jsonl'));
  [machine] = stateMachinesOf(exampleTemplate(), 'eu-west-2') as [TemplateStateMachine];
  await seedServices(tables.documents, tables.names.catalogue, [aService('payments', { owner: { username: 'pat.owner', name: 'Pat Owner', email: 'pat.owner@example.com' } }), 'vpn', 'printing', 'telephony']);
  // The call centre signs with the key the local runtime supplies in place of Secrets Manager.
  callCentre = await CallCentreFake.start({ secret: 'call-centre-key', clock: () => new Date(now) });
  undoStandIns = registerLocalStandIns({ [LOCAL_STAND_IN_ENV.callCentreSecret]: 'call-centre-key', [LOCAL_STAND_IN_ENV.callCentreHosts]: callCentre.host });
  notices = await outboxDrain(
    tables,
    createOutboxConsumer({
      outbox: new DynamoDbOutbox(tables.documents, tables.names.incidents),
      slaScheduler: { start: async () => undefined },
      notifier: localSnsNotifier(sns),
      callCentre: createCallCentreWebhook({ settings, clock, observability })!,
    }),
  );
  const ids = { newId: () => randomUUID() };
  ({ incidentDeps, slaDeps } = slaTestDeps(tables, settings, clock, {
    paging: new DynamoDbPagingSource({ documents: tables.documents, tableName: tables.names.oncall }),
    callCentreWebhooks: true,
  }));
  const audit = incidentDeps.audit;

  // The rota, the policies and the directory, kept by the desk through the on-call use cases.
  const schedules = scheduleRecords(tables.documents, tables.names.oncall);
  scheduleDeps = { schedules, clock, ids, audit, calendarDomain: 'example.rowe-itsm' };
  const policyDeps: PolicyDeps = {
    policies: policyRecords(tables.documents, tables.names.oncall),
    schedules,
    clock,
    ids,
    audit,
    defaultPolicy: defaultPolicyFromContacts({ ...settings.sla.escalation, nominated: settings.contacts.nominated }),
  };
  const peopleDeps: PeopleDeps = { people: personRecords(tables.documents, tables.names.oncall), clock, audit };
  // Ana and Ben take weeks in turn from Monday 23 November; the weekday rota has nobody at weekends.
  paymentsRota = (await createSchedule(scheduleDeps, agent, {
    name: 'Payments', timeZone: 'Europe/London', layers: [{ name: 'weekly', start: '2026-11-23T09:00:00Z', turn: 'P7D', participants: ['ana', 'ben'] }],
  })).id;
  const weekdays = (await createSchedule(scheduleDeps, agent, {
    name: 'Network (weekdays)', timeZone: 'Europe/London',
    layers: [{ name: 'office hours', start: '2026-11-23T09:00:00Z', turn: 'P7D', participants: ['cy'], restrictions: [{ kind: 'weekly', days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '09:00', to: '17:00' }] }],
  })).id;
  await createPolicy(policyDeps, agent, {
    name: 'Payments P1', services: ['payments'], priorities: ['P1'], repeat: 1,
    steps: [
      { delayMinutes: 15, mode: 'all', targets: [{ kind: 'schedule', scheduleId: paymentsRota }] },
      { delayMinutes: 30, mode: 'all', targets: [{ kind: 'person', username: 'lee' }] },
    ],
  });
  await createPolicy(policyDeps, agent, {
    name: 'Network P1', services: ['vpn'], priorities: ['P1'], repeat: 0,
    steps: [
      { delayMinutes: 15, mode: 'all', targets: [{ kind: 'schedule', scheduleId: weekdays }] },
      { delayMinutes: 30, mode: 'all', targets: [{ kind: 'person', username: 'lee' }] },
    ],
  });
  await createPolicy(policyDeps, agent, {
    name: 'Telephony P1', services: ['telephony'], priorities: ['P1'], repeat: 0,
    steps: [
      { delayMinutes: 15, mode: 'all', targets: [{ kind: 'external', webhookUrl: `${callCentre.url}/pages` }, { kind: 'person', username: 'lee' }] },
      { delayMinutes: 30, mode: 'all', targets: [{ kind: 'person', username: 'ana' }] },
    ],
  });
  for (const [username, name] of [['ana', 'Ana Lopez'], ['ben', 'Ben Okafor'], ['dee', 'Dee Brown'], ['lee', 'Lee Chan']] as const) {
    await createPerson(peopleDeps, agent, username, { name, email: `${username}@provider.example`, phone: '+447700900123' });
  }
});
afterAll(async () => {
  await notices?.stop();
  undoStandIns?.();
  await callCentre?.close();
  await sns?.stop();
  await tables?.destroy();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

type Scheduled = { readonly at: number; readonly run: () => Promise<unknown> };

/** Runs one execution of the template's definition to its end, the desk's actions interleaved at their instants. */
async function execute(incidentId: string, actions: Scheduled[] = []): Promise<{ checks: SlaCheckResult[]; status: string }> {
  const checks: SlaCheckResult[] = [];
  let pendingWait: string | undefined;
  const execution = runLocalExecution({
    machine,
    input: { incidentId, generation: 1 },
    invoke: async (_functionId, payload) => {
      if (pendingWait) {
        const until = Date.parse(pendingWait);
        actions.sort((a, b) => a.at - b.at);
        while (actions.length > 0 && actions[0]!.at <= until) {
          const action = actions.shift()!;
          now = Math.max(now, action.at);
          await action.run();
        }
        now = Math.max(now, until);
      }
      pendingWait = undefined;
      const result = await checkSlaClocks(slaDeps, slaRunSchema.parse(payload));
      checks.push(result);
      return result;
    },
    waitMs: (timestamp) => {
      pendingWait = timestamp;
      return 0;
    },
  });
  const result = await execution.result;
  await notices.drain();
  expect(notices.failed).toEqual([]);
  return { checks, status: result.status };
}

const about = (number: string, kinds: readonly string[]) => sns.messages().filter((m) => (m.subject ?? '').includes(`${number}:`) && kinds.includes(m.attributes['kind']!));
const recipients = (m: OutboxMessage) => ((m.message as { recipients: { name: string }[] }).recipients ?? []).map((r) => r.name);
const timeOf = (m: OutboxMessage) => (m.message as { message: string }).message;
const pages = (number: string) => about(number, ['page']).map((m) => `step ${m.attributes['step']} round ${m.attributes['round']}: ${recipients(m).join(', ')}`);

async function p1(service: string, shortDescription: string) {
  const incident = await createIncident(incidentDeps, agent, { shortDescription, description: 'Every customer is affected', impact: 1, urgency: 1, service, category: 'software' } as never);
  expect(incident.priority).toBe('P1');
  return incident;
}

test('a P1 at 02:00 on a Saturday pages whoever is on call, then the next step; acknowledging stops the paging', async () => {
  now = SATURDAY_0200;
  const incident = await p1('payments', 'Card payments fail');
  const { status } = await execute(incident.id, [{ at: SATURDAY_0200 + minutes(20), run: () => acknowledge(incidentDeps, { ...agent, name: 'lee' }, incident.id) }]);
  expect(status).toBe('SUCCEEDED');

  // Ana is on call this week: paged at 02:00; Lee at 02:15; the acknowledgement at 02:20 stops round 2.
  expect(pages(incident.number)).toEqual(['step 1 round 1: Ana Lopez', 'step 2 round 1: Lee Chan']);
  const [first, second] = about(incident.number, ['page']);
  // The page names the person and how to acknowledge.
  expect(timeOf(first!)).toContain('Ana Lopez (ana)');
  expect(timeOf(first!)).toContain(`POST /incidents/${incident.id}/acknowledge`);
  expect(first!.message).toMatchObject({ recipients: [{ name: 'Ana Lopez', email: 'ana@provider.example', phone: '+447700900123', role: 'on call' }] });
  expect(second!.attributes).toMatchObject({ kind: 'page', policy: expect.any(String), step: '2', round: '1' });
  // The policy pages for the acknowledgement: the client's contacts are not called for the acknowledge breach.
  expect(about(incident.number, ['sla-escalation']).filter((m) => m.attributes['target'] === 'acknowledge')).toEqual([]);

  const stored = (await slaDeps.incidents.get(incident.id))!;
  expect(stored.sla!.paging).toMatchObject({
    policyName: 'Payments P1',
    startedAt: incident.createdAt,
    firings: [
      { step: 0, round: 0, at: '2026-11-28T02:00:00.000Z', pages: [{ kind: 'person', username: 'ana', via: { scheduleId: paymentsRota } }] },
      { step: 1, round: 0, at: '2026-11-28T02:15:00.000Z', pages: [{ kind: 'person', username: 'lee' }] },
    ],
    // Recorded at the workflow's first wake-up after it (the respond warning, 75 % of 30 minutes),
    // before round 2 would have fired at 02:45.
    stoppedAt: '2026-11-28T02:22:30.000Z',
    stoppedBecause: 'acknowledged at 2026-11-28T02:20:00.000Z',
  });
  const { items } = await slaDeps.incidents.timeline(incident.id, { limit: 100, publicOnly: false });
  expect(items.filter((e) => e.type === 'escalation').map((e) => e.to)).toEqual(
    expect.arrayContaining(['paged (step 1) → Ana Lopez (ana) (on call: schedule ' + paymentsRota + ')', 'paged (step 2) → Lee Chan (lee)', 'paging stopped (Payments P1)']),
  );
});

test('an override added while paging takes effect at the next firing; unacknowledged, the policy runs its repeat and stops', async () => {
  const start = SATURDAY_0200 + 7 * 86_400_000; // Saturday 5 December: Ben's week
  now = start;
  const incident = await p1('payments', 'Refunds fail');
  const { status } = await execute(incident.id, [
    {
      at: start + minutes(5),
      run: () => createOverride(scheduleDeps, agent, paymentsRota, { from: new Date(start + minutes(10)).toISOString(), to: new Date(start + minutes(240)).toISOString(), person: 'dee', covering: 'ben' }),
    },
    // Resolved at 04:00: the execution ends (nothing left to watch).
    {
      at: start + minutes(120),
      run: async () => {
        const current = (await slaDeps.incidents.get(incident.id))!;
        const working = await updateIncident(incidentDeps, agent, incident.id, { state: 'In Progress' }, current.version);
        return updateIncident(incidentDeps, agent, incident.id, { state: 'Resolved', resolutionCode: 'Solved (permanently)', resolutionNotes: 'Fixed' }, working.version);
      },
    },
  ]);
  expect(status).toBe('SUCCEEDED');
  expect(pages(incident.number)).toEqual(['step 1 round 1: Ben Okafor', 'step 2 round 1: Lee Chan', 'step 1 round 2: Dee Brown', 'step 2 round 2: Lee Chan']);
  const firings = (await slaDeps.incidents.get(incident.id))!.sla!.paging!.firings.map((f) => f.at);
  expect(firings).toEqual(['02:00', '02:15', '02:45', '03:00'].map((t) => `2026-12-05T${t}:00.000Z`));
});

test('a gap (nobody on call) raises the alarm to the provider and hands on to the next step at once', async () => {
  now = SATURDAY_0200 + 14 * 86_400_000;
  const incident = await p1('vpn', 'VPN down');
  const { checks, status } = await execute(incident.id, [{ at: now + minutes(10), run: () => acknowledge(incidentDeps, { ...agent, name: 'lee' }, incident.id) }]);
  expect(status).toBe('SUCCEEDED');
  const [gap] = about(incident.number, ['paging-gap']);
  expect(recipients(gap!)).toEqual(['Alex Green', 'Sam Patel']);
  expect(timeOf(gap!)).toMatch(/nobody is on call on schedule .* at 2026-12-12T02:00:00.000Z/);
  // The check counts it: the SLA function publishes PagingGaps, which is alarmed.
  expect(checks.reduce((sum, c) => sum + (c.pagingGaps ?? 0), 0)).toBe(1);
  // Step 2 did not wait the 15 minutes step 1 paged nobody for.
  expect(pages(incident.number)).toEqual(['step 2 round 1: Lee Chan']);
  expect((await slaDeps.incidents.get(incident.id))!.sla!.paging!.firings.map((f) => f.at)).toEqual(['2026-12-12T02:00:00.000Z', '2026-12-12T02:00:00.000Z']);
});

test('where no stored policy applies, the client contacts escalate on the breach as configured (the default policy)', async () => {
  now = SATURDAY_0200 + 21 * 86_400_000;
  const incident = await p1('printing', 'Printers down');
  await execute(incident.id, [{ at: now + minutes(20), run: () => acknowledge(incidentDeps, agent, incident.id) }]);
  const stored = (await slaDeps.incidents.get(incident.id))!;
  // Nothing recorded for paging: the incident's version moved for the SLA notices only.
  expect(stored.sla!.paging).toBeUndefined();
  expect(about(incident.number, ['page'])).toEqual([]);
  expect(about(incident.number, ['sla-escalation']).map((m) => `${m.attributes['target']} L${m.attributes['level']} ${recipients(m).join()}`)[0]).toBe('acknowledge L1 Priya Shah');
});

describe('a call centre as an escalation target', () => {
  const pagesFor = (incidentId: string) => callCentre.acceptedPages().filter((p) => p.body['incident']?.id === incidentId);
  const outboxItemsFor = async (incidentId: string) =>
    (await scanAll(tables.documents, tables.names.incidents)).filter((i) => i['pk'] === OUTBOX_PARTITION && String(i['effectId']).startsWith(incidentId));

  test('its webhook fails twice, then accepts: the outbox redelivers, and exactly one page is accepted per event id', async () => {
    const start = SATURDAY_0200 + 28 * 86_400_000;
    now = start;
    const incident = await p1('telephony', 'Phones down');
    callCentre.failNext(2, 503);
    const { status } = await execute(incident.id, [{ at: now + minutes(10), run: () => acknowledge(incidentDeps, { ...agent, name: 'lee' }, incident.id) }]);
    expect(status).toBe('SUCCEEDED');

    const [page, ...more] = pagesFor(incident.id);
    expect(more).toEqual([]);
    // The event id is the outbox effect's id, stored with the firing's version of the incident.
    expect(page!.eventId).toMatch(new RegExp(`^${incident.id}#v\\d+#page-webhook#r1s1#w1$`));
    expect(callCentre.requestsFor(page!.eventId).map((r) => r.status)).toEqual([503, 503, 200]);
    expect(page!.body).toMatchObject({
      eventId: page!.eventId,
      kind: 'page',
      incident: { id: incident.id, number: incident.number, priority: 'P1', shortDescription: 'Phones down', service: 'telephony' },
      policy: { name: 'Telephony P1' },
      step: 1,
      round: 1,
      alsoPaged: ['Lee Chan (lee)'],
      acknowledge: { method: 'POST', path: `/incidents/${incident.id}/acknowledge`, before: new Date(start + minutes(15)).toISOString() },
    });
    // Lee is paged by SNS at the same step; acknowledged, step 2 never fires.
    expect(pages(incident.number)).toEqual(['step 1 round 1: Lee Chan']);
    expect(await outboxItemsFor(incident.id)).toEqual([]);
  });

  test('a 400 from the call centre is counted and not retried', async () => {
    now = SATURDAY_0200 + 35 * 86_400_000;
    const incident = await p1('telephony', 'Voicemail down');
    callCentre.failNext(1, 400);
    observability.metrics.clearMetrics();
    await execute(incident.id, [{ at: now + minutes(10), run: () => acknowledge(incidentDeps, { ...agent, name: 'lee' }, incident.id) }]);

    const eventIds = callCentre.requests.map((r) => r.eventId).filter((id) => id?.startsWith(incident.id));
    expect(eventIds).toHaveLength(1);
    expect(callCentre.requestsFor(eventIds[0]!).map((r) => r.status)).toEqual([400]);
    expect(pagesFor(incident.id)).toEqual([]);
    expect(observability.metrics.serializeMetrics()).toMatchObject({ PageWebhookRefused: 1 });
    expect(await outboxItemsFor(incident.id)).toEqual([]);
  });
});
