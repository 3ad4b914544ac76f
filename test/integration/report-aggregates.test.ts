import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DynamoDbIncidentRepository } from '../../src/modules/incidents/adapters/dynamodb-incident-repository';
import { DynamoDbReportAggregates } from '../../src/modules/incidents/adapters/report-aggregates';
import { availabilityReport, serviceReport } from '../../src/modules/reports/app/report-use-cases';
import { VersionConflictError } from '../../src/kernel/domain/domain-errors';
import type { Incident } from '../../src/modules/incidents/domain/incident';
import { ALL_SERVICES, dayOf, outageOf } from '../../src/modules/incidents/domain/incident-aggregates';
import type { TimelineEntry } from '../../src/modules/incidents/domain/incident-timeline';
import { createTestTables, type TestTables } from '../support/test-tables';
import { aChange, anIncident, scanAll } from './support-incidents';

/**
 * The aggregates kept in the write path against DynamoDB Local: right after create, resolve and
 * reopen; unchanged by a replayed or duplicated write; equal to a recount from the raw records
 * after a randomised mix of writes with replays; and the reports read from them.
 */
let tables: TestTables;
let repo: DynamoDbIncidentRepository;
let aggregates: DynamoDbReportAggregates;
const agent = { id: 'a-1', name: 'alice.agent', roles: ['agent'] as const };

beforeAll(async () => {
  tables = await createTestTables();
  repo = new DynamoDbIncidentRepository(tables.documents, tables.names.incidents);
  aggregates = new DynamoDbReportAggregates(tables.documents, tables.names.incidents);
});
afterAll(() => tables?.destroy());

let serviceSequence = 0;
const freshService = () => `svc-${Date.now().toString(36)}-${++serviceSequence}`;

function transition(current: Incident, to: Incident['state'], at: string, extra: Partial<Incident> = {}) {
  const incident: Incident = {
    ...current,
    ...extra,
    state: to,
    ...(to === 'Resolved' && { resolvedAt: at, resolvedBy: 'alice.agent', resolutionCode: 'Solved (permanently)' as const, resolutionNotes: 'fixed' }),
    updatedAt: at,
    version: current.version + 1,
  };
  const entries: TimelineEntry[] = current.state === to ? [] : [{ type: 'state-change', at, actor: 'alice.agent', visibility: 'public', from: current.state, to }];
  return aChange(incident, entries);
}

describe('the write path', () => {
  test('create, resolve and reopen move the day counters and the backlog; replays and duplicates count nothing', async () => {
    const service = freshService();
    const incident = anIncident({ service, createdAt: '2026-05-04T09:00:00.000Z', detectedAt: '2026-05-04T08:50:00.000Z', channel: 'email', category: 'network' });
    await repo.create(aChange(incident));
    // The same incident again (a duplicated create) is refused and counts nothing.
    await expect(repo.create(aChange(incident))).rejects.toBeInstanceOf(ConditionalCheckFailedException);
    expect(await aggregates.dayCounters(service, '2026-05-04', '2026-05-04')).toEqual({
      opened: 1, [`opened#${incident.priority}`]: 1, 'opened#category#network': 1, 'opened#channel#email': 1, [`opened#service#${service}`]: 1,
    });
    expect(await aggregates.backlog(service)).toMatchObject({ open: 1 });

    const resolve = transition(incident, 'Resolved', '2026-05-05T10:00:00.000Z');
    await repo.save(resolve, 1);
    // A retried save of the same change (same expected version) is refused whole.
    await expect(repo.save(resolve, 1)).rejects.toBeInstanceOf(VersionConflictError);
    await expect(repo.save(resolve, 1, incident)).rejects.toBeInstanceOf(VersionConflictError);
    expect(await aggregates.dayCounters(service, '2026-05-05', '2026-05-05')).toEqual({ resolved: 1, [`resolved#${incident.priority}`]: 1 });
    expect(await aggregates.backlog(service)).toMatchObject({ open: 0 });

    const reopen = transition(resolve.incident, 'In Progress', '2026-05-06T10:00:00.000Z', { reopenCount: 1 });
    await repo.save(reopen, 2, resolve.incident);
    expect(await aggregates.dayCounters(service, '2026-05-04', '2026-05-06')).toMatchObject({ opened: 1, resolved: 1, reopened: 1 });
    expect(await aggregates.backlog(service)).toMatchObject({ open: 1 });
  });

  test('of two writers with the same expected version, only the winner is counted', async () => {
    const service = freshService();
    const incident = anIncident({ service, createdAt: '2026-05-10T09:00:00.000Z' });
    await repo.create(aChange(incident));
    const results = await Promise.allSettled(
      Array.from({ length: 5 }, () => repo.save(transition(incident, 'Resolved', '2026-05-10T10:00:00.000Z'), 1, incident)),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect((await aggregates.dayCounters(service, '2026-05-10', '2026-05-10'))['resolved']).toBe(1);
  });

  test('concurrent creates on one service all land and are all counted (conflicts on the shared aggregate items are retried)', async () => {
    const service = freshService();
    const incidents = Array.from({ length: 16 }, () => anIncident({ service, createdAt: '2026-05-20T09:00:00.000Z' }));
    await Promise.all(incidents.map((incident) => repo.create(aChange(incident))));
    expect((await aggregates.dayCounters(service, '2026-05-20', '2026-05-20'))['opened']).toBe(16);
    expect((await aggregates.backlog(service))['open']).toBe(16);
  });

  test('an outage: ongoing on the backlog item, then one record when it ends, and the availability report reads both', async () => {
    const service = freshService();
    const incident = anIncident({ service, createdAt: '2026-06-01T10:05:00.000Z', detectedAt: '2026-06-01T10:00:00.000Z', usersAffected: 30, outage: {} });
    await repo.create(aChange(incident));
    const clock = { now: () => new Date('2026-06-01T11:00:00.000Z') };
    const during = await availabilityReport({ aggregates, clock }, agent, { service, from: '2026-06-01T00:00:00Z', to: '2026-06-02T00:00:00Z' });
    expect(during).toMatchObject({ outageMinutes: 60, failures: 1, userOutageMinutes: 1800, periodMinutes: 660 });

    const resolved = transition(incident, 'Resolved', '2026-06-01T12:00:00.000Z');
    await repo.save(resolved, 1);
    const later = { now: () => new Date('2026-07-01T00:00:00.000Z') };
    const report = await availabilityReport({ aggregates, clock: later }, agent, { service, from: '2026-06-01T00:00:00Z', to: '2026-06-02T00:00:00Z' });
    expect(report).toMatchObject({
      service, periodMinutes: 1440, outageMinutes: 120, failures: 1, mtrsMinutes: 120, mtbfMinutes: 1320, userOutageMinutes: 3600, availabilityPercent: 91.6667,
      outages: [{ incident: incident.number, start: '2026-06-01T10:00:00.000Z', end: '2026-06-01T12:00:00.000Z', usersAffected: 30 }],
    });
    // Reopened: the ended record is superseded and the outage is ongoing again (until now).
    const reopened = transition(resolved.incident, 'In Progress', '2026-06-01T13:00:00.000Z', { reopenCount: 1 });
    await repo.save(reopened, 2);
    const now = { now: () => new Date('2026-06-01T14:00:00.000Z') };
    const again = await availabilityReport({ aggregates, clock: now }, agent, { service, from: '2026-06-01T00:00:00Z', to: '2026-06-02T00:00:00Z' });
    expect(again.outages).toHaveLength(1);
    expect(again.outageMinutes).toBe(240);
    // A period before the outage reads none of it.
    expect((await availabilityReport({ aggregates, clock: later }, agent, { service, from: '2026-05-01T00:00:00Z', to: '2026-06-01T00:00:00Z' })).failures).toBe(0);
  });
});

describe('a randomised mix of writes with replays', () => {
  test('aggregates equal a recount from the raw records', async () => {
    const services = [freshService(), freshService(), freshService()];
    let seed = 42;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const pick = <T,>(values: readonly T[]) => values[Math.floor(random() * values.length)]!;
    const live = new Map<string, Incident>();
    // Every service together (`*`, sharded): what the mix adds to it must equal what it adds to its services.
    const allBefore = await aggregates.dayCounters(ALL_SERVICES, '2026-08-01', '2026-12-31');
    const allBacklogBefore = await aggregates.backlog(ALL_SERVICES);
    let minute = 0;
    const at = () => new Date(Date.UTC(2026, 7, 1) + (minute += 37 + Math.floor(random() * 600)) * 60_000).toISOString();

    for (let step = 0; step < 120; step++) {
      const incidents = [...live.values()];
      const roll = random();
      if (incidents.length < 3 || roll < 0.3) {
        const createdAt = at();
        const incident = anIncident({
          service: pick(services), createdAt, detectedAt: createdAt, updatedAt: createdAt,
          category: pick(['software', 'network', 'hardware']), channel: pick(['api', 'phone', 'email'] as const),
          ...(random() < 0.4 && { outage: {}, usersAffected: 1 + Math.floor(random() * 100) }),
        });
        await repo.create(aChange(incident));
        if (random() < 0.3) await expect(repo.create(aChange(incident))).rejects.toBeInstanceOf(ConditionalCheckFailedException);
        live.set(incident.id, incident);
        continue;
      }
      const current = pick(incidents);
      const when = at();
      let change;
      if (current.state === 'Resolved') change = random() < 0.5 ? transition(current, 'In Progress', when, { reopenCount: current.reopenCount + 1 }) : transition(current, 'Closed', when, { closedAt: when });
      else if (current.state === 'Closed' || current.state === 'Canceled') continue;
      else if (roll < 0.6) change = transition(current, 'Resolved', when);
      else if (roll < 0.7) change = transition(current, 'Canceled', when);
      else if (roll < 0.85) change = transition(current, current.state === 'New' ? 'In Progress' : current.state, when, { service: pick(services) });
      else change = transition(current, current.state === 'New' ? 'In Progress' : current.state, when, { outage: { start: current.detectedAt } });
      await repo.save(change, current.version, random() < 0.5 ? current : undefined);
      // Replays: the same change again, with or without the loaded incident, is refused and counts nothing.
      if (random() < 0.4) await expect(repo.save(change, current.version, random() < 0.5 ? current : undefined)).rejects.toBeInstanceOf(VersionConflictError);
      live.set(current.id, change.incident);
    }

    // Recount from the raw records: incidents and their timelines (verification may Scan).
    const items = await scanAll(tables.documents, tables.names.incidents);
    const stored = items.filter((i) => String(i['sk']) === 'INCIDENT' && live.has(String(i['id']))) as unknown as Incident[];
    expect(stored).toHaveLength(live.size);
    const mine = new Set(stored.map((i) => i.id));
    const entries = items.filter((i) => String(i['sk']).startsWith('TL#') && mine.has(String(i['pk']).slice('INCIDENT#'.length)));
    const from = '2026-08-01';
    const to = '2026-12-31';
    // Day counters summed over every service of the mix (services change, so compare totals and per created service).
    const totals: Record<string, number> = {};
    for (const service of services) {
      for (const [name, value] of Object.entries(await aggregates.dayCounters(service, from, to))) totals[name] = (totals[name] ?? 0) + value;
    }
    const stateChanges = entries.map((e) => ({ from: e['from'], to: e['to'] })).filter((e) => e.from !== e.to);
    expect(totals['opened']).toBe(stored.length);
    expect(totals['resolved'] ?? 0).toBe(stateChanges.filter((e) => e.to === 'Resolved').length);
    expect(totals['reopened'] ?? 0).toBe(stateChanges.filter((e) => e.from === 'Resolved' && e.to === 'In Progress').length);
    expect(totals['canceled'] ?? 0).toBe(stateChanges.filter((e) => e.to === 'Canceled').length);
    expect(totals['closed'] ?? 0).toBe(stateChanges.filter((e) => e.to === 'Closed').length);
    for (const service of services) {
      const open = stored.filter((i) => i.service === service && ['New', 'In Progress', 'On Hold'].includes(i.state));
      const backlog = await aggregates.backlog(service);
      expect({ service, open: backlog['open'] ?? 0 }).toEqual({ service, open: open.length });
      expect(backlog['openCreatedSec'] ?? 0).toBe(open.reduce((sum, i) => sum + Math.floor(Date.parse(i.createdAt) / 1000), 0));
      // Outages: exactly those of the raw incidents now on this service.
      const expected = stored.map(outageOf).filter((o) => o && o.service === service).map((o) => o!.incidentId).sort();
      const read = (await aggregates.outages(service, '2026-01-01T00:00:00Z', '2027-01-01T00:00:00Z')).map((o) => o.incidentId).sort();
      expect({ service, outages: read }).toEqual({ service, outages: expected });
    }
    // The `*` counters moved by exactly the services' totals, spread over shards, never on one hot item.
    const allAfter = await aggregates.dayCounters(ALL_SERVICES, from, to);
    for (const name of ['opened', 'resolved', 'reopened', 'canceled', 'closed']) {
      expect({ name, added: (allAfter[name] ?? 0) - (allBefore[name] ?? 0) }).toEqual({ name, added: totals[name] ?? 0 });
    }
    const allBacklog = await aggregates.backlog(ALL_SERVICES);
    const openNow = stored.filter((i) => ['New', 'In Progress', 'On Hold'].includes(i.state));
    expect((allBacklog['open'] ?? 0) - (allBacklogBefore['open'] ?? 0)).toBe(openNow.length);
    const shards = new Set(items.filter((i) => String(i['pk']).startsWith('AGG#*')).map((i) => String(i['pk'])));
    expect(shards.has('AGG#*')).toBe(false);
    expect(shards.size).toBeGreaterThan(5);
    // Opened per logging day and channel, recounted.
    const byDay = new Map<string, number>();
    for (const i of stored) byDay.set(dayOf(i.createdAt), (byDay.get(dayOf(i.createdAt)) ?? 0) + 1);
    const firstDay = [...byDay.keys()].sort()[0]!;
    let dayTotal = 0;
    for (const service of services) dayTotal += (await aggregates.dayCounters(service, firstDay, firstDay))['opened'] ?? 0;
    expect(dayTotal).toBe(byDay.get(firstDay));
  });
});

describe('the service report', () => {
  test('volume by priority, category, source and service, reopen rate, backlog and MTTA from the aggregates', async () => {
    const service = freshService();
    const first = anIncident({ service, createdAt: '2026-09-01T09:00:00.000Z', channel: 'phone', category: 'network' });
    const second = anIncident({ service, createdAt: '2026-09-01T10:00:00.000Z', channel: 'email', category: 'network' });
    await repo.create(aChange(first));
    await repo.create(aChange(second));
    const resolved = transition(first, 'Resolved', '2026-09-01T11:00:00.000Z');
    await repo.save(resolved, 1);
    await repo.save(transition(resolved.incident, 'In Progress', '2026-09-01T12:00:00.000Z', { reopenCount: 1 }), 2);
    const acked = { ...second, sla: { generation: 1, history: [], notices: [], acknowledgedAt: '2026-09-01T10:30:00.000Z' }, updatedAt: '2026-09-01T10:30:00.000Z', version: 2 };
    await repo.save(aChange(acked), 1);
    const clock = { now: () => new Date('2026-09-02T09:00:00.000Z') };
    const report = await serviceReport({ aggregates, clock }, agent, { service, from: '2026-09-01T00:00:00Z', to: '2026-09-02T00:00:00Z' });
    expect(report).toMatchObject({
      service, opened: 2, byCategory: { network: 2 }, bySource: { email: 1, phone: 1 }, byService: { [service]: 2 },
      resolved: 1, reopened: 1, reopenRate: 1, mttaMinutes: 30,
      backlog: { open: 2, meanAgeHours: 23.5 },
    });
    await expect(serviceReport({ aggregates, clock }, { id: 'r', name: 'rita', roles: ['requester'] }, { service, from: '2026-09-01T00:00:00Z', to: '2026-09-02T00:00:00Z' })).rejects.toMatchObject({ kind: 'forbidden' });
  });
});
