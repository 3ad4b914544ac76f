import { aggregateTransactItems } from '../../src/modules/incidents/adapters/report-aggregates';
import { CHANNELS, type Incident } from '../../src/modules/incidents/domain/incident';
import { MAX_CATEGORIES, MAX_CATEGORY_LENGTH } from '../../src/modules/incidents/domain/intake-policy';
import { PRIORITIES } from '../../src/kernel/domain/priority';
import { intakeSettingsSchema } from '../../src/config/client-settings-schema';
import { SLA_TIME_BUCKETS, slaCounterNames, slaTimeBucket } from '../../src/modules/incidents/domain/incident-aggregates';
import { SLA_TARGETS } from '../../src/modules/incidents/domain/sla-clock';

/**
 * Issue 20, "unbounded counter attributes": every aggregate item written with an incident change
 * must stay below DynamoDB's 400 KB item limit whatever callers send. At the configured maximum
 * (100 categories of 40 characters, every channel and priority, every event) and with a thousand
 * services, each item's size is computed the way DynamoDB counts it (UTF-8 name + value bytes).
 */
const ITEM_LIMIT = 400 * 1024;
const base: Incident = {
  id: 'i', number: 'INC0000001', shortDescription: 's', description: 'd', impact: 1, urgency: 1, priority: 'P1', priorityReasons: [],
  service: 'svc', category: 'c', channel: 'api', reportedBy: 'r', recordedBy: 'r', detectedAt: '2026-03-01T09:00:00.000Z',
  state: 'New', major: false, escalationLevel: 0, escalations: [], reopenCount: 0,
  createdAt: '2026-03-01T10:00:00.000Z', updatedAt: '2026-03-01T10:00:00.000Z', updatedBy: 'r', version: 1,
};

/** The attributes each item would hold after all the updates, by item key. */
function itemsAfter(changes: readonly [Incident | undefined, Incident][]): Map<string, Map<string, unknown>> {
  const items = new Map<string, Map<string, unknown>>();
  for (const [before, after] of changes) {
    for (const item of aggregateTransactItems('t', before, after) as { Update?: any; Put?: any }[]) {
      const key = JSON.stringify(item.Update?.Key ?? { pk: item.Put.Item.pk, sk: item.Put.Item.sk });
      const attributes = items.get(key) ?? new Map<string, unknown>([['pk', ''], ['sk', '']]);
      if (item.Put) for (const [name, value] of Object.entries(item.Put.Item)) attributes.set(name, value);
      for (const name of Object.values<string>(item.Update?.ExpressionAttributeNames ?? {})) attributes.set(name, 12345678901);
      items.set(key, attributes);
    }
  }
  return items;
}
const sizeOf = (key: string, attributes: Map<string, unknown>) =>
  Buffer.byteLength(key) + [...attributes].reduce((n, [name, value]) => n + Buffer.byteLength(name) + Buffer.byteLength(JSON.stringify(value)), 0);

test('the config accepts at most 100 categories of at most 40 characters (and 1,200 characters in all, for the functions\' environment): the attribute names have a ceiling', () => {
  const category = (n: number, length: number) => `c${String(n).padStart(length - 1, '0')}`;
  expect(intakeSettingsSchema.safeParse({ categories: Array.from({ length: MAX_CATEGORIES }, (_, n) => category(n, 8)) }).success).toBe(true);
  expect(intakeSettingsSchema.safeParse({ categories: Array.from({ length: MAX_CATEGORIES + 1 }, (_, n) => category(n, 4)) }).success).toBe(false);
  expect(intakeSettingsSchema.safeParse({ categories: [`x${'y'.repeat(MAX_CATEGORY_LENGTH)}`] }).success).toBe(false);
  expect(intakeSettingsSchema.safeParse({ categories: Array.from({ length: 30 }, (_, n) => category(n, MAX_CATEGORY_LENGTH)) }).success).toBe(false);
});

// Beyond what the config accepts (100 names of 40 characters each): the domain's own ceiling.
test('at the maximum cardinality every aggregate item stays far below 400 KB, and none grows with the number of services', () => {
  const categories = Array.from({ length: MAX_CATEGORIES }, (_, n) => `c${String(n).padStart(MAX_CATEGORY_LENGTH - 1, '0')}`);
  const changes: [Incident | undefined, Incident][] = [];
  let n = 0;
  // 1,000 services, each logging an incident of every category × channel × priority combination's
  // share, then resolving, reopening, canceling and closing, all on one day, with ongoing outages.
  for (let s = 0; s < 1000; s++) {
    const service = `service-${String(s).padStart(56, '0')}`;
    const opened: Incident = {
      ...base, id: `i-${n++}`, service, category: categories[s % categories.length]!, channel: CHANNELS[s % CHANNELS.length]!, priority: PRIORITIES[s % PRIORITIES.length]!,
      outage: {}, sla: { generation: 1, history: [], notices: [], acknowledgedAt: '2026-03-01T10:05:00.000Z' },
    };
    const resolved: Incident = { ...opened, state: 'Resolved', resolvedAt: '2026-03-01T11:00:00.000Z', updatedAt: '2026-03-01T11:00:00.000Z', version: 2 };
    const reopened: Incident = { ...resolved, state: 'In Progress', updatedAt: '2026-03-01T12:00:00.000Z', version: 3 };
    const canceled: Incident = { ...reopened, state: 'Canceled', updatedAt: '2026-03-01T13:00:00.000Z', version: 4 };
    changes.push([undefined, opened], [opened, resolved], [resolved, reopened], [reopened, canceled]);
  }
  const items = itemsAfter(changes);
  const sizes = [...items].map(([key, attributes]) => ({ key, size: sizeOf(key, attributes), count: attributes.size }));
  const largest = sizes.reduce((a, b) => (b.size > a.size ? b : a));
  expect(largest.size).toBeLessThan(ITEM_LIMIT / 10);
  // The all-services items hold one attribute per listed category, channel and priority: the same
  // count whatever the number of services (here 1,000).
  const allServiceDays = sizes.filter((s) => s.key.includes('"AGG#*#') && s.key.includes('DAY#'));
  expect(allServiceDays.length).toBeGreaterThan(0);
  const ceiling = 2 + 1 + PRIORITIES.length + MAX_CATEGORIES + CHANNELS.length + 2 + PRIORITIES.length + 5;
  for (const item of allServiceDays) expect(item.count).toBeLessThanOrEqual(ceiling);
  // No item gained an attribute per service or per outage.
  for (const item of sizes) expect(item.count).toBeLessThanOrEqual(ceiling);
});

test('the SLA counters add a bounded set of attributes to the every-service day items: per priority, incidents, met and breached per target, and at most SLA_TIME_BUCKETS time buckets per target', () => {
  // Every bucket of every target of every priority, at once: the ceiling.
  const names = PRIORITIES.flatMap((p) => [
    slaCounterNames.incidents(p),
    ...SLA_TARGETS.flatMap((t) => [slaCounterNames.met(p, t), slaCounterNames.breached(p, t), ...Array.from({ length: SLA_TIME_BUCKETS }, (_, b) => slaCounterNames.time(p, t, b))]),
  ]);
  expect(new Set(names).size).toBe(PRIORITIES.length * (1 + SLA_TARGETS.length * (2 + SLA_TIME_BUCKETS)));
  const size = names.reduce((n, name) => n + Buffer.byteLength(name) + Buffer.byteLength(JSON.stringify(12345678901)), 0);
  expect(size).toBeLessThan(ITEM_LIMIT / 10);
  // Any time, however long, lands in one of the buckets.
  for (const ms of [0, 999, 1000, 60_000, 3_600_000, 86_400_000 * 400, Number.MAX_SAFE_INTEGER]) {
    expect(slaTimeBucket(ms)).toBeGreaterThanOrEqual(0);
    expect(slaTimeBucket(ms)).toBeLessThan(SLA_TIME_BUCKETS);
  }
  // The counters an incident adds are written to its creation day's every-service item only.
  const incident: Incident = { ...base, sla: { generation: 1, history: [], notices: [], counted: ['sla#P1', 'sla#P1#ack#met', 'sla#P1#ack@10'] } };
  const writes = aggregateTransactItems('t', undefined, incident) as { Update?: { Key: { pk: string; sk: string }; ExpressionAttributeNames: Record<string, string> } }[];
  const withSla = writes.filter((w) => Object.values(w.Update?.ExpressionAttributeNames ?? {}).some((n) => n.startsWith('sla#')));
  expect(withSla.map((w) => w.Update!.Key)).toEqual([{ pk: expect.stringMatching(/^AGG#\*#\d$/), sk: 'DAY#2026-03-01' }]);
});
