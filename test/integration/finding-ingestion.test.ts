import { randomUUID } from 'node:crypto';
import type { LocalSns } from '../../local/local-sns';
import type { TestTables } from '../support/test-tables';
import { scanAll } from './support-incidents';
import { exampleSettings, loadIngestionHandler, startFunctionEnvironment, TOPICS, type FunctionEnvironment } from './support-handler';
import { loadOutboxConsumer, outboxDrain, type OutboxDrain } from './support-outbox';
import guardDuty from '../fixtures/eventbridge/guardduty-finding.json';
import inspector from '../fixtures/eventbridge/inspector2-finding.json';

/**
 * Security findings through the event-ingestion Lambda over DynamoDB Local and LocalSns: one
 * incident per finding, exactly once per event id, the security contact told through the security topic.
 */
type Handler = (event: unknown, context: unknown) => Promise<any>;

let environment: FunctionEnvironment;
let tables: TestTables;
let sns: LocalSns;
let handler: Handler;
/** The stack's outbox consumer on the incidents table's stream: it sends the security notices and starts the SLA workflows. */
let effects: OutboxDrain;
const context = { functionName: 'event-ingestion', awsRequestId: 'test', getRemainingTimeInMillis: () => 30_000 };

const loadHandler = (settings: Record<string, unknown>) => loadIngestionHandler(settings) as Handler;

beforeAll(async () => {
  environment = await startFunctionEnvironment({ sns: true });
  ({ tables } = environment);
  sns = environment.sns!;
  handler = loadHandler(exampleSettings());
  effects = await outboxDrain(tables, loadOutboxConsumer());
});
afterAll(async () => {
  await effects?.stop();
  await environment?.close();
});

const scan = (table: string) => scanAll(tables.documents, table) as Promise<Record<string, any>[]>;

async function stateOf(findingId: string) {
  const items = await scan(tables.names.incidents);
  const incidents = items.filter((i) => i['sk'] === 'INCIDENT' && i['findingId'] === findingId);
  const ids = new Set(incidents.map((i) => i['id']));
  const entries = items.filter((i) => typeof i['sk'] === 'string' && i['sk'].startsWith('TL#') && ids.has(String(i['pk']).slice('INCIDENT#'.length)));
  const lock = items.find((i) => i['pk'] === `FINDING#${findingId}`);
  const events = (await scan(tables.names.events)).filter((e) => e['resource'] === findingId);
  return { incidents, entries, lock, events };
}

const now = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

function guardDutyEvent(findingId: string, severity = 8, count = 1, updatedAt = new Date().toISOString()) {
  return {
    ...guardDuty,
    id: randomUUID(),
    time: now(),
    detail: { ...guardDuty.detail, id: findingId, severity, updatedAt, service: { ...guardDuty.detail.service, count } },
  };
}

function inspectorEvent(findingArn: string, severity = 'HIGH', status = 'ACTIVE') {
  return { ...inspector, id: randomUUID(), time: now(), detail: { ...inspector.detail, findingArn, severity, status } };
}

/** The security notices about `text`, once the effects stored so far are delivered. */
const securityMessagesAbout = async (text: string) => {
  await effects.drain();
  expect(effects.failed).toEqual([]);
  return sns.messages().filter((m) => m.topicArn === TOPICS.security && JSON.stringify(m.message).includes(text));
};

describe('GuardDuty findings', () => {
  test('the same finding event delivered 3×: one security incident, one event record, one notification', async () => {
    const findingId = randomUUID().replace(/-/g, '');
    const event = guardDutyEvent(findingId);
    const results = [];
    for (let i = 0; i < 3; i++) results.push(await handler(event, context));
    expect(results.map((r) => r.outcome)).toEqual(['opened', 'duplicate', 'duplicate']);
    const { incidents, lock, events } = await stateOf(findingId);
    expect(incidents).toHaveLength(1);
    expect(incidents[0]).toMatchObject({
      security: true,
      findingId,
      priority: 'P2',
      channel: 'monitoring',
      category: 'security',
      subcategory: 'guardduty',
      reportedBy: 'system:monitoring',
      state: 'New',
      occurrenceCount: 1,
      // Kept for archiving the finding when the incident closes (ArchiveFindings needs both).
      guardDutyDetectorId: guardDuty.detail.service.detectorId,
    });
    expect(lock).toMatchObject({ incidentId: incidents[0]!['id'] });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ eventId: event.id, outcome: 'opened' });
    const messages = await securityMessagesAbout(findingId);
    // contacts.security and contacts.informationSecurityManager of clients/example.json, one notice each.
    expect(messages.map((m) => (m.message as { recipients: { email: string }[] }).recipients.map((r) => r.email)).sort()).toEqual([['ism@rowe-msp.example'], ['soc@example.com']]);
    expect(messages.find((m) => m.attributes['audience'] === 'information-security-manager')!.subject).toContain('(example)');
    expect(messages[0]!.attributes).toMatchObject({ priority: 'P2', client: 'example' });
    expect(messages[0]!.subject).toContain(incidents[0]!['number']);
    // The incident's SLA workflow was started by the consumer, once.
    expect(environment.workflows.sfn.list().filter((e) => e.name === `${incidents[0]!['id']}-g1`)).toHaveLength(1);
  });

  test('the security notice and the SLA start are outbox items of the opening transaction; a redelivered batch sends and starts nothing again', async () => {
    const findingId = randomUUID().replace(/-/g, '');
    const before = effects.invocations.length;
    expect((await handler(guardDutyEvent(findingId), context)).outcome).toBe('opened');
    const { incidents } = await stateOf(findingId);
    const id = incidents[0]!['id'];
    // Stored with the incident, not sent by ingestion.
    const stored = (await scan(tables.names.incidents)).filter((i) => i['pk'] === 'OUTBOX' && String(i['effectId']).startsWith(`${id}#`));
    expect(stored.map((i) => i['effectId']).sort()).toEqual([`${id}#v1#notify#security-incident`, `${id}#v1#notify#security-ism`, `${id}#v1#sla-start#g1`]);
    expect(await securityMessagesAbout(findingId)).toHaveLength(2);
    const batches = effects.invocations.slice(before);
    expect(batches.length).toBeGreaterThan(0);
    const consumer = loadOutboxConsumer();
    for (const batch of batches) expect(await consumer(batch)).toEqual({ batchItemFailures: [] });
    expect(await securityMessagesAbout(findingId)).toHaveLength(2);
    expect(environment.workflows.sfn.list().filter((e) => e.name === `${id}-g1`)).toHaveLength(1);
  });

  test('the same finding event delivered 3× concurrently: one incident', async () => {
    const findingId = randomUUID().replace(/-/g, '');
    const event = guardDutyEvent(findingId, 5);
    const results = await Promise.all([1, 2, 3].map(() => handler(event, context)));
    expect(results.map((r) => r.outcome).sort()).toEqual(['duplicate', 'duplicate', 'opened']);
    const { incidents, events } = await stateOf(findingId);
    expect(incidents).toHaveLength(1);
    expect(incidents[0]).toMatchObject({ priority: 'P3' });
    expect(events).toHaveLength(1);
  });

  test('a re-published finding (higher count, new updatedAt) adds a timeline entry and raises the priority', async () => {
    const findingId = randomUUID().replace(/-/g, '');
    const opened = await handler(guardDutyEvent(findingId, 5, 1, '2026-01-01T10:00:00.000Z'), context);
    expect(opened.outcome).toBe('opened');
    const again = guardDutyEvent(findingId, 9.2, 4, '2026-01-01T11:00:00.000Z');
    expect(await handler(again, context)).toEqual({ outcome: 'attached', incidentId: opened.incidentId });
    expect(await handler(again, context)).toEqual({ outcome: 'duplicate' });
    const { incidents, entries, events } = await stateOf(findingId);
    expect(incidents).toHaveLength(1);
    expect(incidents[0]).toMatchObject({ priority: 'P1', occurrenceCount: 2, version: 2, security: true });
    expect(entries.map((e) => e['type']).sort()).toEqual(['priority-change', 'work-note']);
    expect(entries.find((e) => e['type'] === 'work-note')!['text']).toMatch(/count 4.*2026-01-01T11:00:00.000Z/);
    expect(entries.find((e) => e['type'] === 'priority-change')).toMatchObject({ from: 'P3', to: 'P1' });
    expect(events.map((e) => e['outcome']).sort()).toEqual(['attached', 'opened']);
  });

  test('a re-published finding with a lower severity never lowers the priority', async () => {
    const findingId = randomUUID().replace(/-/g, '');
    const opened = await handler(guardDutyEvent(findingId, 8, 1), context);
    expect(await handler(guardDutyEvent(findingId, 2, 2), context)).toEqual({ outcome: 'attached', incidentId: opened.incidentId });
    const { incidents, entries } = await stateOf(findingId);
    expect(incidents[0]).toMatchObject({ priority: 'P2', occurrenceCount: 2 });
    expect(entries.map((e) => e['type'])).toEqual(['work-note']);
  });

  test('the client maps severities to priorities; without contacts.security, nominated contact #1 is told', async () => {
    const base = exampleSettings();
    const { security: _security, ...contacts } = base['contacts'];
    const settings = { ...base, contacts, monitoring: { ...base['monitoring'], findingPriorities: { critical: 'P1', high: 'P1', medium: 'P2', low: 'P3' } } };
    const custom = loadHandler(settings);
    const findingId = randomUUID().replace(/-/g, '');
    await custom(guardDutyEvent(findingId, 7), context);
    expect((await stateOf(findingId)).incidents[0]).toMatchObject({ priority: 'P1' });
    const message = (await securityMessagesAbout(findingId)).find((m) => m.attributes['audience'] === undefined);
    expect(message!.message).toMatchObject({ recipients: [expect.objectContaining({ email: contacts.nominated[0].email })] });
  });
});

describe('Inspector2 findings', () => {
  test('an active finding opens one security incident; CLOSED resolves it as Remediated', async () => {
    const arn = `arn:aws:inspector2:eu-central-1:123456789012:finding/${randomUUID()}`;
    const opened = await handler(inspectorEvent(arn, 'CRITICAL'), context);
    expect(opened.outcome).toBe('opened');
    expect(await handler(inspectorEvent(arn, 'CRITICAL'), context)).toEqual({ outcome: 'attached', incidentId: opened.incidentId });
    const closed = inspectorEvent(arn, 'CRITICAL', 'CLOSED');
    expect(await handler(closed, context)).toEqual({ outcome: 'resolved', incidentId: opened.incidentId });
    expect(await handler(closed, context)).toEqual({ outcome: 'duplicate' });
    const { incidents, events } = await stateOf(arn);
    expect(incidents).toHaveLength(1);
    expect(incidents[0]).toMatchObject({
      security: true,
      priority: 'P1',
      subcategory: 'inspector',
      state: 'Resolved',
      resolutionCode: 'Remediated',
      resolvedBy: 'system:monitoring',
    });
    expect(events.map((e) => e['outcome']).sort()).toEqual(['attached', 'opened', 'resolved']);
    // The client's security contact and the provider's ISM, once each.
    expect(await securityMessagesAbout(arn)).toHaveLength(2);
    // Active again after remediation: a new incident takes over the stale lock.
    const reopened = await handler(inspectorEvent(arn, 'HIGH'), context);
    expect(reopened.outcome).toBe('opened');
    expect(reopened.incidentId).not.toBe(opened.incidentId);
    expect((await stateOf(arn)).lock).toMatchObject({ incidentId: reopened.incidentId });
  });

  test.each([
    ['MEDIUM', 'P3'],
    ['LOW', 'P4'],
  ])('severity %s opens a %s incident', async (severity, priority) => {
    const arn = `arn:aws:inspector2:eu-central-1:123456789012:finding/${randomUUID()}`;
    await handler(inspectorEvent(arn, severity), context);
    expect((await stateOf(arn)).incidents[0]).toMatchObject({ priority });
  });

  test('SUPPRESSED records the event and opens nothing', async () => {
    const arn = `arn:aws:inspector2:eu-central-1:123456789012:finding/${randomUUID()}`;
    const event = inspectorEvent(arn, 'HIGH', 'SUPPRESSED');
    expect(await handler(event, context)).toMatchObject({ outcome: 'recorded' });
    expect(await handler(event, context)).toEqual({ outcome: 'duplicate' });
    const { incidents, lock, events } = await stateOf(arn);
    expect(incidents).toHaveLength(0);
    expect(lock).toBeUndefined();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ outcome: 'recorded', state: 'SUPPRESSED' });
    expect(await securityMessagesAbout(arn)).toHaveLength(0);
  });

  test.each(['INFORMATIONAL', 'UNTRIAGED'])('%s is recorded only', async (severity) => {
    const arn = `arn:aws:inspector2:eu-central-1:123456789012:finding/${randomUUID()}`;
    expect(await handler(inspectorEvent(arn, severity), context)).toMatchObject({ outcome: 'recorded' });
    const { incidents, events } = await stateOf(arn);
    expect(incidents).toHaveLength(0);
    expect(events).toHaveLength(1);
  });

  test('CLOSED without an open incident is recorded only', async () => {
    const arn = `arn:aws:inspector2:eu-central-1:123456789012:finding/${randomUUID()}`;
    expect(await handler(inspectorEvent(arn, 'HIGH', 'CLOSED'), context)).toMatchObject({ outcome: 'recorded' });
    expect((await stateOf(arn)).incidents).toHaveLength(0);
  });

  test('a malformed finding throws and writes nothing', async () => {
    const before = { incidents: (await scan(tables.names.incidents)).length, events: (await scan(tables.names.events)).length };
    await expect(handler({ ...inspectorEvent('arn:aws:inspector2:x'), detail: { status: 'ACTIVE' } }, context)).rejects.toThrow(/Malformed Inspector2/);
    await expect(handler({ ...guardDutyEvent('x'), detail: { id: 'x' } }, context)).rejects.toThrow(/Malformed GuardDuty/);
    expect({ incidents: (await scan(tables.names.incidents)).length, events: (await scan(tables.names.events)).length }).toEqual(before);
  });
});

describe('audit trail', () => {
  test('a finding opened, re-published and closed is recorded once per change, by system:monitoring, with each event id', async () => {
    const findingArn = `arn:aws:inspector2:eu-west-2:123456789012:finding/${randomUUID().replace(/-/g, '')}`;
    const opened = inspectorEvent(findingArn, 'MEDIUM');
    const raised = inspectorEvent(findingArn, 'CRITICAL');
    const closed = inspectorEvent(findingArn, 'CRITICAL', 'CLOSED');
    const first = await handler(opened, context);
    await handler(opened, context);
    expect((await handler(raised, context)).outcome).toBe('attached');
    expect((await handler(closed, context)).outcome).toBe('resolved');

    const records = (await scan(tables.names.audit))
      .filter((r) => String(r['pk']).startsWith('RECORD#') && r['resource']?.id === first.incidentId)
      .sort((a, b) => `${a['at']}#${a['id']}`.localeCompare(`${b['at']}#${b['id']}`));
    expect(records.map((r) => [r['action'], r['actor'], r['requestId']])).toEqual([
      ['incident:create', 'system:monitoring', opened.id],
      ['incident:finding-republished', 'system:monitoring', raised.id],
      ['incident:resolve', 'system:monitoring', closed.id],
    ]);
    expect(records[1]!['changes']).toContainEqual({ field: 'priority', before: 'P3', after: 'P1' });
    expect(records[2]!['changes']).toContainEqual({ field: 'resolutionCode', after: 'Remediated' });
  });
});
