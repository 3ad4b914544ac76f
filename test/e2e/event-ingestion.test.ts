import { randomUUID } from 'node:crypto';
import sample from '../fixtures/eventbridge/cloudwatch-alarm-state-change.json';
import guardDuty from '../fixtures/eventbridge/guardduty-finding.json';
import inspector from '../fixtures/eventbridge/inspector2-finding.json';
import { call, effectsDelivered, RUNTIME_HOOK_TIMEOUT, sharedRuntime, type RuntimeProcess } from '../support/local-runtime-process';

/**
 * EventBridge locally: the real AWS sample alarm event, posted to /_local/events, matches the
 * template's rule, reaches the ingestion function and becomes one incident, however often it is posted.
 */
let runtime: RuntimeProcess;
let agent: string;
// The run's shared runtime: this file's events, alarms and findings are its own (fresh ids), and
// it is the only one posting events, so the dead-letter store holds its letters only.
beforeAll(async () => {
  runtime = await sharedRuntime();
  agent = await runtime.token('agent', 'alice');
}, RUNTIME_HOOK_TIMEOUT);

test('a CloudWatch alarm event becomes one incident, exactly once', async () => {
  const event = { ...sample, id: randomUUID(), time: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z') };
  const first = await call(runtime.url, 'POST', '/_local/events', { body: event });
  expect(first.status).toBe(200);
  expect(first.body.results).toEqual([{ eventId: event.id, matchedRules: [expect.stringMatching(/^MonitoringEvents/)], errors: [] }]);

  const listed = await call(runtime.url, 'GET', '/incidents?service=monitoring&limit=100', { token: agent });
  expect(listed.status).toBe(200);
  const ours = () => listed.body.items.filter((i: { shortDescription: string }) => i.shortDescription.includes(sample.detail.alarmName));
  expect(ours()).toHaveLength(1);
  expect(ours()[0]).toMatchObject({ channel: 'monitoring', reportedBy: 'system:monitoring', state: 'New' });

  // EventBridge delivers at least once: the same event again, alone and in a batch, changes nothing.
  const again = await call(runtime.url, 'POST', '/_local/events', { body: [event, event] });
  expect(again.body.results.map((r: { errors: unknown[] }) => r.errors)).toEqual([[], []]);
  const relisted = await call(runtime.url, 'GET', '/incidents?service=monitoring&limit=100', { token: agent });
  expect(relisted.body.items.filter((i: { shortDescription: string }) => i.shortDescription.includes(sample.detail.alarmName))).toHaveLength(1);
});

test('an event no rule matches reaches no function; a malformed alarm event ends in the dead-letter store', async () => {
  const unmatched = await call(runtime.url, 'POST', '/_local/events', { body: { ...sample, id: randomUUID(), source: 'aws.ec2' } });
  expect(unmatched.body.results).toEqual([{ eventId: expect.any(String), matchedRules: [], errors: [] }]);

  const id = randomUUID();
  const malformed = await call(runtime.url, 'POST', '/_local/events', { body: { ...sample, id, detail: { alarmName: 'x' } } });
  expect(malformed.body.results[0].matchedRules).toHaveLength(1);
  expect(malformed.body.results[0].errors).toEqual([expect.objectContaining({ error: expect.stringContaining('Malformed') })]);
  const dead = await call(runtime.url, 'GET', '/_local/dead-letters');
  expect(dead.body.items).toEqual([expect.objectContaining({ event: expect.objectContaining({ id }), attempts: 3 })]);
});

test('GuardDuty and Inspector2 findings become security incidents, once each, and the security contact is told', async () => {
  const findingId = randomUUID().replace(/-/g, '');
  const findingArn = `arn:aws:inspector2:eu-central-1:123456789012:finding/${randomUUID()}`;
  const gd = { ...guardDuty, id: randomUUID(), detail: { ...guardDuty.detail, id: findingId } };
  const insp = { ...inspector, id: randomUUID(), detail: { ...inspector.detail, findingArn } };
  const posted = await call(runtime.url, 'POST', '/_local/events', { body: [gd, insp, gd, insp] });
  expect(posted.status).toBe(200);
  expect(posted.body.results).toEqual([
    { eventId: gd.id, matchedRules: [expect.stringMatching(/^MonitoringEvents/)], errors: [] },
    { eventId: insp.id, matchedRules: [expect.stringMatching(/^MonitoringEvents/)], errors: [] },
    { eventId: gd.id, matchedRules: [expect.stringMatching(/^MonitoringEvents/)], errors: [] },
    { eventId: insp.id, matchedRules: [expect.stringMatching(/^MonitoringEvents/)], errors: [] },
  ]);

  const listed = await call(runtime.url, 'GET', '/incidents?service=monitoring&limit=100', { token: agent });
  expect(listed.status).toBe(200);
  const guardDutyIncidents = listed.body.items.filter((i: { findingId?: string }) => i.findingId === findingId);
  const inspectorIncidents = listed.body.items.filter((i: { findingId?: string }) => i.findingId === findingArn);
  expect(guardDutyIncidents).toEqual([expect.objectContaining({ security: true, priority: 'P2', category: 'security', channel: 'monitoring', state: 'New' })]);
  expect(inspectorIncidents).toEqual([expect.objectContaining({ security: true, priority: 'P2', category: 'security', state: 'New' })]);

  // The security notices are outbox effects, delivered by the runtime's stream consumer after the events are answered.
  await effectsDelivered(runtime.url);
  const notifications = await call(runtime.url, 'GET', '/_local/notifications');
  const about = (text: string) =>
    notifications.body.items.filter((m: { topicArn: string; message: unknown }) => /security/i.test(m.topicArn) && JSON.stringify(m.message).includes(text));
  // Each finding: one notice to the client's security contact, one to the provider's Information Security Manager.
  const audiences = (text: string) => about(text).map((m: { attributes?: Record<string, string> }) => m.attributes?.['audience'] ?? 'client-security-contact').sort();
  expect(audiences(findingId)).toEqual(['client-security-contact', 'information-security-manager']);
  expect(audiences(findingArn)).toEqual(['client-security-contact', 'information-security-manager']);

  // Inspector reports the finding closed: its incident is resolved as remediated.
  const closed = { ...insp, id: randomUUID(), detail: { ...insp.detail, status: 'CLOSED' } };
  expect((await call(runtime.url, 'POST', '/_local/events', { body: closed })).body.results[0].errors).toEqual([]);
  const after = await call(runtime.url, 'GET', `/incidents/${inspectorIncidents[0].number}`, { token: agent });
  expect(after.body).toMatchObject({ state: 'Resolved', resolutionCode: 'Remediated' });
});
