import { deliverBatch, orderingKeyOf, type EffectDeliveryDeps, type OutboxRecord } from '../../src/modules/outbox/app/deliver-effects';
import type { StoredOutboxItem } from '../../src/modules/outbox/app/ports';

/**
 * How a batch is delivered (the consumer's use case, over a stateful outbox that deletes what is
 * delivered): which records wait for which, and which one the partial batch response names. The
 * same consumer through DynamoDB Local and the local stream: test/integration/outbox.test.ts.
 */
const key = (incident: string, effect: string) => ({ pk: 'OUTBOX', sk: `2026-12-07T10:00:00.000Z#${incident}#v1#${effect}` });

/**
 * A stateful outbox of SLA starts (read, deleted once delivered) and the consumer's deps over it,
 * with `start` as the scheduler; `record` stores an item and gives its stream record.
 */
function outboxOfSlaStarts(start: EffectDeliveryDeps['slaScheduler']['start']) {
  const items = new Map<string, StoredOutboxItem>();
  const record = (sequenceNumber: string, incident: string, generation: number): OutboxRecord => {
    const k = key(incident, `sla-start#g${generation}`);
    items.set(k.sk, { key: k, createdAt: '2026-12-07T10:00:00.000Z', effectId: `${incident}#v1#sla-start#g${generation}`, effect: { kind: 'sla-start', incidentId: incident, generation } });
    return { sequenceNumber, key: k };
  };
  const deps: EffectDeliveryDeps = {
    outbox: { get: async (k) => items.get(k['sk']!), markDelivered: async (k) => void items.delete(k['sk']!), undeliveredBefore: async () => [] },
    slaScheduler: { start },
    notifier: { notify: async () => undefined },
  };
  const undelivered = () => [...items.values()].map((i) => i.effectId).sort();
  return { record, deps, undelivered };
}

test('the ordering key is the resource the effect belongs to; every site rebuild shares one', () => {
  expect(orderingKeyOf(key('inc-1', 'notify#escalation'))).toBe('inc-1');
  expect(orderingKeyOf(key('inc-1', 'sla-start#g2'))).toBe('inc-1');
  expect(orderingKeyOf(key('art-7', 'publish-site'))).toBe('publish-site');
  expect(orderingKeyOf(key('inc-2', 'publish-site'))).toBe('publish-site');
});

test('after a failure no delivery starts, and the response names the lowest failed sequence number (as a number, not as text)', async () => {
  const started: string[] = [];
  const { record, deps, undelivered } = outboxOfSlaStarts(async ({ incidentId, generation }) => {
    started.push(`${incidentId}/g${generation}`);
    // The failures come back first; the good call is still under way when they do.
    await new Promise((resolve) => setTimeout(resolve, incidentId === 'ok' ? 30 : 5));
    if (incidentId !== 'ok') throw new Error('Rate exceeded');
  });
  const batch = [record('98', 'ok', 1), record('99', 'a', 1), record('100', 'b', 1), record('101', 'a', 2), record('102', 'ok', 2)];

  const outcome = await deliverBatch(deps, batch);

  // 'a' and 'b' failed side by side; '99' < '100' as numbers (not as text, where '100' sorts first).
  expect(outcome).toEqual({ failed: ['99'], delivered: 1, alreadyDelivered: 0 });
  // a/g2 waited for a/g1, which failed; ok/g1 finished, and ok/g2 did not start: the batch had stopped.
  expect(started.sort()).toEqual(['a/g1', 'b/g1', 'ok/g1']);
  // What was delivered is gone; the rest stays for the retry from '99'.
  expect(undelivered()).toEqual(['a#v1#sla-start#g1', 'a#v1#sla-start#g2', 'b#v1#sla-start#g1', 'ok#v1#sla-start#g2']);
});

test("a resource's record left unstarted below the failure is the one reported: the stream never moves past it", async () => {
  const { record, deps, undelivered } = outboxOfSlaStarts(async ({ incidentId }) => {
    // slow/g1 succeeds after fast/g1 has failed; slow/g2 (sequence 2) then never starts.
    await new Promise((resolve) => setTimeout(resolve, incidentId === 'slow' ? 30 : 5));
    if (incidentId === 'fast') throw new Error('Rate exceeded');
  });
  const outcome = await deliverBatch(deps, [record('1', 'slow', 1), record('2', 'slow', 2), record('3', 'fast', 1)]);
  expect(outcome).toEqual({ failed: ['2'], delivered: 1, alreadyDelivered: 0 });
  expect(undelivered()).toEqual(['fast#v1#sla-start#g1', 'slow#v1#sla-start#g2']);
});
