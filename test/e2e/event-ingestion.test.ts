import { randomUUID } from 'node:crypto';
import sample from '../fixtures/eventbridge/cloudwatch-alarm-state-change.json';
import { call, startRuntimeProcess, type RuntimeProcess } from '../support/local-runtime-process';

/**
 * EventBridge locally: the real AWS sample alarm event, posted to /_local/events, matches the
 * template's rule, reaches the ingestion function and becomes one incident, however often it is posted.
 */
let runtime: RuntimeProcess;
let agent: string;
beforeAll(async () => {
  runtime = await startRuntimeProcess();
  agent = await runtime.token('agent', 'alice');
});
afterAll(async () => {
  await runtime?.stop();
});

test('a CloudWatch alarm event becomes one incident, exactly once', async () => {
  const event = { ...sample, id: randomUUID(), time: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z') };
  const first = await call(runtime.url, 'POST', '/_local/events', { body: event });
  expect(first.status).toBe(200);
  expect(first.body.results).toEqual([{ eventId: event.id, matchedRules: [expect.stringMatching(/^CloudWatchAlarmStateChanges/)], errors: [] }]);

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
