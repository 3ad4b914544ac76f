import { randomUUID } from 'node:crypto';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDbIncidentRepository } from '../../src/modules/incidents/adapters/dynamodb-incident-repository';
import { DynamoDbAuditTrail } from '../../src/kernel/adapters/dynamodb-audit-trail';
import { DynamoDbCatalogueRepository } from '../../src/modules/catalogue/adapters/dynamodb-catalogue-repository';
import { aggregateTransactItems, DynamoDbReportAggregates } from '../../src/modules/incidents/adapters/report-aggregates';
import { serviceReport } from '../../src/modules/reports/app/report-use-cases';
import { anIncident } from './support-incidents';
import { acknowledge, addTimelineEntry, createIncident, rejectIncidentResolution, updateIncident, type IncidentDeps } from '../../src/modules/incidents/app/incident-use-cases';
import { checkSlaClocks, slaPolicyOf, slaReport, slaReportFromIncidents, type SlaDeps, type SlaReport } from '../../src/modules/incidents/app/sla-use-cases';
import { slaTimeBucket, slaTimeOfBucket, withSlaCounted } from '../../src/modules/incidents/domain/incident-aggregates';
import { DomainError } from '../../src/kernel/domain/domain-errors';
import type { Caller } from '../../src/kernel/domain/access-policy';
import { clientSettingsSchema } from '../../src/config/client-settings-schema';
import { seededRandom } from '../support/seeded-random';
import { createTestTables, type TestTables } from '../support/test-tables';
import { aService, seedServices } from './support-catalogue';
import { exampleSettings } from './support-handler';

/**
 * GET /reports/sla from the SLA counters kept in the write path (incident-aggregates.ts) against
 * the same report read incident by incident (what it answered before), on the same incidents in
 * DynamoDB Local, written through the use cases and the SLA check: acknowledged, answered, held for
 * a pausing reason, re-prioritised, resolved, reopened, canceled, breached (also after midnight),
 * on the client's terms and on a service's own.
 */
const settings = clientSettingsSchema.parse(exampleSettings());
const policy = slaPolicyOf(settings);
const agent: Caller = { id: 'sub-alice', name: 'alice.agent', roles: ['agent'] };
const reporter: Caller = { id: 'sub-rita', name: 'rita.requester', roles: ['requester'] };
const reader: Caller = { id: 'sub-olga', name: 'olga.owner', roles: ['service-owner'] };
const DAY = 86_400_000;
const D0 = Date.parse('2026-10-05T00:00:00.000Z'); // a Monday

let tables: TestTables;
let now = D0;
const clock = { now: () => new Date(now) };
let incidentDeps: IncidentDeps;
let slaDeps: SlaDeps;
let reportDeps: Parameters<typeof slaReport>[0];
let audit: DynamoDbAuditTrail;

beforeAll(async () => {
  tables = await createTestTables();
  await seedServices(tables.documents, tables.names.catalogue, [
    aService('gold', { sla: { reference: 'Gold', overrides: { P2: { acknowledge: 'PT5M', resolve: 'PT1H' }, P3: { respond: 'PT10M' } } } }),
    'vpn',
    'printing',
  ]);
  audit = new DynamoDbAuditTrail(tables.documents, tables.names.audit, { clock, ids: { newId: () => randomUUID() } });
  const incidents = new DynamoDbIncidentRepository(tables.documents, tables.names.incidents, audit, undefined, policy);
  const catalogue = new DynamoDbCatalogueRepository(tables.documents, tables.names.catalogue);
  incidentDeps = {
    incidents,
    audit,
    services: catalogue,
    clock,
    ids: { newId: () => randomUUID() },
    rules: { matrix: settings.priorityMatrix, ...settings.priorityThresholds },
    settings: { clientId: settings.id, autoCloseAfter: settings.autoCloseAfter, contacts: settings.contacts },
  };
  slaDeps = { incidents, clock, policy, clientId: settings.id, contacts: settings.contacts, services: catalogue };
  reportDeps = { incidents, clock, policy, aggregates: new DynamoDbReportAggregates(tables.documents, tables.names.incidents) };
});
afterAll(() => tables?.destroy());

const body = (service: string, impact: number, urgency: number) =>
  ({ shortDescription: 'Something broke', description: 'Details', impact, urgency, service, category: 'software', reportedBy: reporter.name }) as never;

/** The per-incident report with each median and 90th percentile in the bucket the aggregates keep. */
function bucketed(report: SlaReport): SlaReport {
  const toBucket = (ms: number | undefined) => (ms === undefined ? {} : slaTimeOfBucket(slaTimeBucket(ms)));
  return {
    ...report,
    rows: report.rows.map((row) => ({
      ...row,
      targets: row.targets.map(({ medianMs, p90Ms, ...t }) => ({
        ...t,
        ...(medianMs !== undefined && { medianMs: toBucket(medianMs) as number, p90Ms: toBucket(p90Ms) as number }),
      })),
    })),
  };
}

type Action = { readonly at: number; readonly run: () => Promise<unknown> };

/** Current version of an incident (each action reads it, as a client would with ETags). */
const versionOf = async (id: string) => (await incidentDeps.incidents.get(id))!.version;

test('on a randomised mix of 48 incidents over four days, the aggregates answer what the incidents do (per-incident percentiles in their 9 % bucket)', async () => {
  const random = seededRandom(20261005);
  const pick = <T,>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;
  const minutes = (n: number) => n * 60_000;
  const ids: string[] = [];
  const actions: Action[] = [];
  for (let n = 0; n < 48; n++) {
    const createdAt = D0 + Math.floor(random() * 4 * DAY);
    const service = pick(['gold', 'vpn', 'printing']);
    const [impact, urgency] = [1 + Math.floor(random() * 3), 1 + Math.floor(random() * 3)];
    const fate = random();
    const ackAfter = minutes(1 + random() * 60);
    const resolveAfter = minutes(10 + random() * 600);
    actions.push({
      at: createdAt,
      run: async () => {
        const incident = await createIncident(incidentDeps, agent, body(service, impact, urgency));
        ids.push(incident.id);
        const id = incident.id;
        const later: Action[] = [];
        if (fate > 0.15) later.push({ at: createdAt + ackAfter, run: async () => acknowledge(incidentDeps, agent, id) });
        if (fate > 0.3 && fate < 0.45) {
          later.push({ at: createdAt + ackAfter + minutes(5), run: async () => addTimelineEntry(incidentDeps, agent, id, { type: 'comment', visibility: 'public', text: 'Looking into it' } as never) });
        }
        if (fate > 0.45 && fate < 0.55) {
          later.push({
            at: createdAt + minutes(2),
            run: async () => {
              const current = (await incidentDeps.incidents.get(id))!;
              if (current.state === 'New') await updateIncident(incidentDeps, agent, id, { state: 'In Progress' }, current.version);
              await updateIncident(incidentDeps, agent, id, { state: 'On Hold', onHoldReason: 'awaiting caller' }, await versionOf(id));
            },
          });
          // Half stay on hold: their clocks are paused, neither met nor breached.
          if (fate < 0.5) later.push({ at: createdAt + minutes(2) + resolveAfter / 2, run: async () => updateIncident(incidentDeps, agent, id, { state: 'In Progress' }, await versionOf(id)) });
        }
        if (fate > 0.55 && fate < 0.62) later.push({ at: createdAt + minutes(3), run: async () => updateIncident(incidentDeps, agent, id, { impact: 1, urgency: 1 }, await versionOf(id)) });
        if (fate > 0.62 && fate < 0.67) later.push({ at: createdAt + minutes(4), run: async () => updateIncident(incidentDeps, agent, id, { state: 'Canceled', closureReason: 'Duplicate' } as never, await versionOf(id)) });
        if (fate > 0.2 && (fate < 0.5 || fate > 0.55) && (fate < 0.62 || fate > 0.67) && fate < 0.9) {
          const resolveAt = createdAt + ackAfter + resolveAfter;
          later.push({
            at: resolveAt,
            run: async () => {
              const current = (await incidentDeps.incidents.get(id))!;
              if (current.state === 'New' || current.state === 'On Hold') await updateIncident(incidentDeps, agent, id, { state: 'In Progress' }, current.version);
              await updateIncident(incidentDeps, agent, id, { state: 'Resolved', resolutionCode: 'Solved (permanently)', resolutionNotes: 'Fixed' } as never, await versionOf(id));
            },
          });
          // Some fixes are rejected by the reporter: the resolve target runs on.
          if (fate > 0.8) later.push({ at: resolveAt + minutes(30), run: async () => rejectIncidentResolution(incidentDeps, reporter, id, 'Still broken', await versionOf(id)) });
        }
        // The SLA workflow's checks record warnings and breaches as they fall due.
        for (const after of [minutes(45), minutes(300)]) later.push({ at: createdAt + after, run: async () => checkSlaClocks(slaDeps, { incidentId: id, generation: (await incidentDeps.incidents.get(id))!.sla!.generation }) });
        // A random mix asks for steps the lifecycle refuses (acknowledging a canceled incident): refused, nothing written.
        actions.push(...later.map((a) => ({ at: a.at, run: () => a.run().catch((error: unknown) => { if (!(error instanceof DomainError)) throw error; }) })));
        actions.sort((a, b) => a.at - b.at);
      },
    });
  }
  // Played in time order; actions scheduled by a create join the queue.
  actions.sort((a, b) => a.at - b.at);
  while (actions.length > 0) {
    const action = actions.shift()!;
    now = Math.max(now, action.at);
    await action.run();
  }
  expect(ids).toHaveLength(48);
  // Each incident's last check, now: whatever has fallen due since is recorded.
  for (const id of ids) await checkSlaClocks(slaDeps, { incidentId: id, generation: (await incidentDeps.incidents.get(id))!.sla!.generation });

  const whole = { from: new Date(D0).toISOString(), to: new Date(D0 + 4 * DAY).toISOString() };
  const fromAggregates = await slaReport(reportDeps, reader, whole);
  const fromIncidents = await slaReportFromIncidents(slaDeps, reader, whole);
  expect(fromAggregates).toEqual(bucketed(fromIncidents));
  // The mix exercises every outcome.
  const all = fromAggregates.rows.flatMap((r) => r.targets);
  expect(all.some((t) => t.breached > 0) && all.some((t) => t.achieved > 0) && all.some((t) => t.pending > 0)).toBe(true);
  expect(fromAggregates.rows.length).toBeGreaterThanOrEqual(3);

  // A period starting and ending mid-day: whole days from the aggregates, the part-days incident by incident.
  const ragged = { from: new Date(D0 + 7 * 3_600_000).toISOString(), to: new Date(D0 + 3 * DAY + 15 * 3_600_000).toISOString() };
  expect(await slaReport(reportDeps, reader, ragged)).toEqual(bucketed(await slaReportFromIncidents(slaDeps, reader, ragged)));
});

describe('outcomes that change after the day they were counted', () => {
  const dayOfTest = D0 + 10 * DAY;
  const day = (ms: number) => ({ from: new Date(ms).toISOString(), to: new Date(ms + DAY).toISOString() });
  const acknowledgeRow = async (ms: number) => (await slaReport(reportDeps, reader, day(ms))).rows.find((r) => r.priority === 'P1')?.targets.find((t) => t.target === 'acknowledge');

  test('a breach recorded after midnight moves the count of the day the incident was logged', async () => {
    now = dayOfTest + DAY - 5 * 60_000; // 23:55
    const incident = await createIncident(incidentDeps, agent, body('vpn', 1, 1));
    expect(await acknowledgeRow(dayOfTest)).toMatchObject({ achieved: 0, breached: 0, pending: 1 });
    now = dayOfTest + DAY + 20 * 60_000; // 00:20 the next day: the P1 acknowledge target (15 min) has passed
    await checkSlaClocks(slaDeps, { incidentId: incident.id, generation: 1 });
    expect(await acknowledgeRow(dayOfTest)).toMatchObject({ achieved: 0, breached: 1, pending: 0 });
    expect(await acknowledgeRow(dayOfTest + DAY)).toBeUndefined();
  });

  test('a reopened incident is pending again on its resolve target, then counted once when resolved again', async () => {
    const logged = dayOfTest + 3 * DAY + 9 * 3_600_000;
    now = logged;
    const incident = await createIncident(incidentDeps, agent, body('printing', 3, 3));
    now += 60_000;
    await updateIncident(incidentDeps, agent, incident.id, { state: 'In Progress' }, await versionOf(incident.id));
    await updateIncident(incidentDeps, agent, incident.id, { state: 'Resolved', resolutionCode: 'Solved (permanently)', resolutionNotes: 'Fixed' } as never, await versionOf(incident.id));
    const resolveRow = async () => (await slaReport(reportDeps, reader, day(dayOfTest + 3 * DAY))).rows.find((r) => r.priority === incident.priority)!.targets.find((t) => t.target === 'resolve');
    expect(await resolveRow()).toMatchObject({ achieved: 1, pending: 0 });
    now += 3_600_000;
    await rejectIncidentResolution(incidentDeps, reporter, incident.id, 'Still broken', await versionOf(incident.id));
    expect(await resolveRow()).toMatchObject({ achieved: 0, pending: 1 });
    expect((await resolveRow())!.medianMs).toBeUndefined();
    now += 3_600_000;
    await updateIncident(incidentDeps, agent, incident.id, { state: 'Resolved', resolutionCode: 'Solved (permanently)', resolutionNotes: 'Fixed now' } as never, await versionOf(incident.id));
    expect(await resolveRow()).toMatchObject({ achieved: 1, pending: 0 });
    const period = day(dayOfTest + 3 * DAY);
    expect(await slaReport(reportDeps, reader, period)).toEqual(bucketed(await slaReportFromIncidents(slaDeps, reader, period)));
  });

  test('an incident stored before the counters is left out of whole days until it is written again, then counted once', async () => {
    const logged = dayOfTest + 5 * DAY + 10 * 3_600_000;
    now = logged;
    const withoutCounters = new DynamoDbIncidentRepository(tables.documents, tables.names.incidents, audit);
    const incident = await createIncident({ ...incidentDeps, incidents: withoutCounters }, agent, body('vpn', 2, 2));
    const period = day(dayOfTest + 5 * DAY);
    expect((await slaReport(reportDeps, reader, period)).rows).toEqual([]);
    now += 10 * 60_000;
    await acknowledge(incidentDeps, agent, incident.id);
    const [row] = (await slaReport(reportDeps, reader, period)).rows;
    expect(row).toMatchObject({ priority: incident.priority, incidents: 1 });
    expect(row!.targets.find((t) => t.target === 'acknowledge')).toMatchObject({ achieved: 1 });
    expect(await slaReport(reportDeps, reader, period)).toEqual(bucketed(await slaReportFromIncidents(slaDeps, reader, period)));
  });
});

test('a period is at most 366 days; the role must read reports', async () => {
  await expect(slaReport(reportDeps, reader, { from: '2025-01-01T00:00:00.000Z', to: '2026-01-03T00:00:00.000Z' })).rejects.toMatchObject({ issues: [{ field: 'to' }] });
  await expect(slaReport(reportDeps, reporter, { from: '2026-01-01T00:00:00.000Z', to: '2026-01-02T00:00:00.000Z' })).rejects.toMatchObject({ name: 'ForbiddenError' });
});

/**
 * Volume: a day of 5,001 incidents (the old report refused more than 5,000 in a period). What their
 * creates' transactions add to the counters (aggregateTransactItems, the write path's own, summed
 * per counter item) is stored; the incidents themselves are not: a whole day is answered from its
 * counters alone, and a report that read incidents for it would find none here and count 0. The
 * every-service report answers with its SLA section.
 */
test('a period of more than 5,000 incidents is answered, by GET /reports/sla and by the every-service report', async () => {
  const logged = D0 + 40 * DAY;
  const merged = new Map<string, { Key: Record<string, unknown>; add: Record<string, number> }>();
  for (let n = 0; n < 5001; n++) {
    const createdAt = new Date(logged + n * 10_000).toISOString();
    const opened = anIncident({ createdAt, detectedAt: createdAt, updatedAt: createdAt, impact: ([1, 2, 3] as const)[n % 3], urgency: 2, service: ['gold', 'vpn', 'printing'][n % 3]! });
    const resolvedAt = new Date(Date.parse(createdAt) + (n % 7) * 20 * 60_000).toISOString();
    const incident = withSlaCounted(undefined, n % 4 === 0 ? opened : { ...opened, state: 'Resolved', resolvedAt, updatedAt: resolvedAt }, policy);
    for (const write of aggregateTransactItems(tables.names.incidents, undefined, incident) as { Update?: { Key: Record<string, unknown>; ExpressionAttributeNames: Record<string, string>; ExpressionAttributeValues?: Record<string, number>; UpdateExpression: string } }[]) {
      if (!write.Update?.UpdateExpression.startsWith('ADD')) continue;
      const key = JSON.stringify(write.Update.Key);
      const entry = merged.get(key) ?? { Key: write.Update.Key, add: {} };
      for (const [alias, name] of Object.entries(write.Update.ExpressionAttributeNames)) entry.add[name] = (entry.add[name] ?? 0) + write.Update.ExpressionAttributeValues![`:v${alias.slice(2)}`]!;
      merged.set(key, entry);
    }
  }
  await Promise.all([...merged.values()].map(({ Key, add }) => {
    const names = Object.keys(add);
    return tables.documents.send(new UpdateCommand({
      TableName: tables.names.incidents, Key,
      UpdateExpression: `ADD ${names.map((_, i) => `#a${i} :v${i}`).join(', ')}`,
      ExpressionAttributeNames: Object.fromEntries(names.map((name, i) => [`#a${i}`, name])),
      ExpressionAttributeValues: Object.fromEntries(names.map((name, i) => [`:v${i}`, add[name]])),
    }));
  }));
  now = logged + 2 * DAY;
  const period = { from: new Date(logged).toISOString(), to: new Date(logged + DAY).toISOString() };
  const sla = await slaReport(reportDeps, reader, period);
  expect(sla.rows.reduce((n, r) => n + r.incidents, 0)).toBe(5001);
  const service = await serviceReport({ aggregates: new DynamoDbReportAggregates(tables.documents, tables.names.incidents), clock, slaReport: (caller, p, readDays) => slaReport(reportDeps, caller, p, readDays) }, reader, period);
  expect(service.opened).toBe(5001);
  expect(service.sla).toEqual(sla);
});
