/**
 * Reports over a busy client's year (issue "Promises kept", item 4): 50,000 incidents on 20
 * services, seeded through the use cases into DynamoDB Local (the stack's own table definitions),
 * each on its own virtual clock over 2025: created, acknowledged (explicitly or by taking it on),
 * some held for a pausing reason, resolved (some late: breached), some reopened by the reporter and
 * resolved again, some canceled, some left open and checked by the SLA workflow's use case (which
 * records their breaches). The aggregates are whatever those writes left, nothing written by hand.
 * Then times, sequentially, the every-service 365-day service report with its SLA section, the
 * SLA report alone, and the availability report of one service, beside a bare GetItem.
 *
 * `BENCH_ONLY=reports npm run bench` runs it alone; BENCH_REPORT_INCIDENTS (default 50,000) and
 * BENCH_SEED_CONCURRENCY (default 32) scale it.
 */
import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../src/kernel/adapters/document-client';
import { DynamoDbAuditTrail } from '../src/kernel/adapters/dynamodb-audit-trail';
import { DynamoDbIncidentRepository } from '../src/modules/incidents/adapters/dynamodb-incident-repository';
import { DynamoDbReportAggregates } from '../src/modules/incidents/adapters/report-aggregates';
import { DynamoDbCatalogueRepository } from '../src/modules/catalogue/adapters/dynamodb-catalogue-repository';
import { CachedServiceCatalogue } from '../src/modules/catalogue/adapters/cached-service-catalogue';
import { acknowledge, createIncident, rejectIncidentResolution, updateIncident, type IncidentDeps } from '../src/modules/incidents/app/incident-use-cases';
import { checkSlaClocks, slaPolicyOf, slaReport } from '../src/modules/incidents/app/sla-use-cases';
import { availabilityReport, serviceReport } from '../src/modules/reports/app/report-use-cases';
import { clientSettingsSchema } from '../src/config/client-settings-schema';
import type { Caller } from '../src/kernel/domain/access-policy';
import { seededRandom } from '../test/support/seeded-random';

interface Figures { p50: number; p99: number; mean: number; requests: number; concurrency: number }

const YEAR_START = Date.UTC(2025, 0, 1);
const DAY = 86_400_000;
const MINUTE = 60_000;

export async function measureReportsYear(options: {
  readonly endpoint: string;
  readonly tableNames: Readonly<Record<string, string>>;
  readonly clientSettings: Record<string, unknown>;
  readonly incidents?: number;
  readonly concurrency?: number;
  readonly calls?: number;
}) {
  const total = options.incidents ?? 50_000;
  const concurrency = options.concurrency ?? 32;
  const calls = options.calls ?? 50;
  const client = new DynamoDBClient({ endpoint: options.endpoint, region: 'eu-west-2', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 10 });
  let conflicts = 0;
  client.middlewareStack.add(
    (next) => async (args) => {
      try {
        return await next(args);
      } catch (error) {
        if ((error as Error).name === 'TransactionCanceledException') conflicts++;
        throw error;
      }
    },
    { step: 'initialize', name: 'benchConflicts' },
  );
  const documents = createDocumentClient(client);
  const table = (prefix: string) => Object.values(options.tableNames).find((n) => n.startsWith(prefix))!;
  const settings = clientSettingsSchema.parse(options.clientSettings);
  const policy = slaPolicyOf(settings);

  const catalogue = new DynamoDbCatalogueRepository(documents, table('DataCatalogueTable'));
  const owner = { username: 'bench', name: 'Bench', email: 'bench@example.com' };
  const services = Array.from({ length: 20 }, (_, i) => `year-svc-${i}`);
  const stamp = new Date(YEAR_START - DAY).toISOString();
  for (const [i, id] of services.entries()) {
    // A quarter of the services have their own SLA terms (shorter P2/P3 targets).
    const sla = i % 4 === 0 ? { reference: 'Gold', overrides: { P2: { acknowledge: 'PT10M', resolve: 'PT2H' }, P3: { respond: 'PT30M' } } } : { reference: 'Standard' };
    await catalogue.createService({ id, name: id, description: 'Reports benchmark', owner, status: 'live', commencementDate: '2024-01-01', sla, links: [], contacts: { nominated: [] },
      createdAt: stamp, createdBy: 'bench', updatedAt: stamp, updatedBy: 'bench', version: 1 } as never);
  }

  const incidentsTable = table('DataIncidentsTable');
  const ids = { newId: () => randomUUID() };
  const audit = new DynamoDbAuditTrail(documents, table('DataAuditTable'), { clock: { now: () => new Date() }, ids });
  const incidents = new DynamoDbIncidentRepository(documents, incidentsTable, audit, undefined, policy);
  const cachedCatalogue = new CachedServiceCatalogue(catalogue);
  const agent: Caller = { id: 'bench-agent', name: 'bench.agent', roles: ['agent'] };
  const reporter: Caller = { id: 'bench-reporter', name: 'bench.reporter', roles: ['requester'] };
  /** The use cases' deps on the incident's own virtual clock. */
  const depsAt = (clock: { now(): Date }): IncidentDeps => ({
    incidents,
    services: cachedCatalogue,
    audit,
    clock,
    ids,
    rules: { matrix: settings.priorityMatrix, ...settings.priorityThresholds },
    settings: { clientId: settings.id, autoCloseAfter: settings.autoCloseAfter, contacts: settings.contacts },
  });
  const end = YEAR_START + 365 * DAY;
  const tally = { created: 0, acknowledged: 0, held: 0, resolved: 0, reopened: 0, canceled: 0, leftOpen: 0, checks: 0, writes: 0 };

  /** One incident's life, every step a use case on the incident's clock. */
  const live = async (n: number) => {
    const random = seededRandom(1_000_003 * (n + 1));
    let t = YEAR_START + Math.floor(((n + random()) / total) * 365 * DAY);
    const deps = depsAt({ now: () => new Date(t) });
    const service = services[Math.floor(random() * services.length)]!;
    const impact = 1 + Math.floor(random() * 3);
    const urgency = 1 + Math.floor(random() * 3);
    const created = await createIncident(deps, agent, { shortDescription: 'Year benchmark incident', description: 'Seeded by npm run bench', impact, urgency, service, category: 'software', reportedBy: reporter.name } as never);
    tally.created++;
    tally.writes++;
    const id = created.id;
    let version = created.version;
    const step = async (minutes: number, run: () => Promise<{ version: number }>) => {
      t = Math.min(end - 1, t + Math.round(minutes * MINUTE));
      version = (await run()).version;
      tally.writes++;
    };
    const fate = random();
    // Most are taken on within minutes; a tail late enough to breach acknowledge.
    const takeOn = random() < 0.9 ? 1 + random() * 20 : 20 + random() * 240;
    if (fate < 0.03) {
      await step(takeOn, () => updateIncident(deps, agent, id, { state: 'Canceled', closureReason: 'Duplicate' } as never, version));
      tally.canceled++;
      return;
    }
    if (fate < 0.25) {
      await step(takeOn, () => acknowledge(deps, agent, id));
      tally.acknowledged++;
      await step(5, () => updateIncident(deps, agent, id, { state: 'In Progress' }, version));
    } else {
      await step(takeOn, () => updateIncident(deps, agent, id, { state: 'In Progress' }, version));
    }
    if (fate > 0.9) {
      // Left open: the SLA workflow's check at the end of the year records what has breached.
      tally.leftOpen++;
      if (fate > 0.95) {
        await step(10, () => updateIncident(deps, agent, id, { state: 'On Hold', onHoldReason: 'awaiting caller' }, version));
        tally.held++;
      }
      t = end - 1;
      const current = (await incidents.get(id))!;
      await checkSlaClocks({ incidents, clock: { now: () => new Date(t) }, policy, clientId: settings.id, contacts: settings.contacts, services: cachedCatalogue }, { incidentId: id, generation: current.sla!.generation });
      tally.checks++;
      return;
    }
    if (fate < 0.37) {
      // Waiting on the caller for a while: the clocks pause.
      await step(15 + random() * 60, () => updateIncident(deps, agent, id, { state: 'On Hold', onHoldReason: 'awaiting caller' }, version));
      await step(60 + random() * 600, () => updateIncident(deps, agent, id, { state: 'In Progress' }, version));
      tally.held++;
    }
    // Resolution times spread over minutes to days: the longer tail breaches resolve.
    const work = random() < 0.85 ? 20 + random() * 180 : 240 + random() * 4000;
    const resolve = () => updateIncident(deps, agent, id, { state: 'Resolved', resolutionCode: 'Solved (permanently)', resolutionNotes: 'Fixed' } as never, version);
    await step(work, resolve);
    tally.resolved++;
    if (fate > 0.86) {
      await step(30 + random() * 120, () => rejectIncidentResolution(deps, reporter, id, 'Still failing', version));
      await step(30 + random() * 240, resolve);
      tally.reopened++;
    }
  };

  const seedStart = performance.now();
  let lastReport = seedStart;
  // Each worker lives through its own stretch of the year, as a desk's days follow one another:
  // concurrent writes meet on the backlog items, not all on the same day's.
  const stretch = Math.ceil(total / concurrency);
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      for (let n = worker * stretch; n < Math.min(total, (worker + 1) * stretch); n++) {
        await live(n);
        if (performance.now() - lastReport > 30_000) {
          lastReport = performance.now();
          console.log(`    … ${tally.created} incidents seeded (${((lastReport - seedStart) / 1000).toFixed(0)} s)`);
        }
      }
    }),
  );
  const seedSeconds = (performance.now() - seedStart) / 1000;
  if (process.env['BENCH_SEED_CPU']) console.log(`    node CPU during seeding: ${JSON.stringify(process.cpuUsage())}`);

  const aggregates = new DynamoDbReportAggregates(documents, incidentsTable);
  const now = new Date(end);
  const clock = { now: () => now };
  const reader: Caller = { id: 'bench-owner', name: 'bench.owner', roles: ['service-owner'] };
  const sla = (caller: Caller, period: { from: string; to: string }, readDays?: Parameters<typeof slaReport>[3]) => slaReport({ incidents, aggregates, clock, policy }, caller, period, readDays);
  const reportDeps = { aggregates, clock, slaReport: sla };
  const year = { from: new Date(YEAR_START).toISOString(), to: new Date(end).toISOString() };
  const time = async (call: () => Promise<unknown>): Promise<Figures> => {
    await call();
    const samples: number[] = [];
    for (let i = 0; i < calls; i++) {
      const t0 = performance.now();
      await call();
      samples.push(performance.now() - t0);
    }
    samples.sort((a, b) => a - b);
    const at = (q: number) => +samples[Math.min(samples.length - 1, Math.ceil(q * samples.length) - 1)]!.toFixed(2);
    return { p50: at(0.5), p99: at(0.99), mean: +(samples.reduce((a, b) => a + b, 0) / samples.length).toFixed(2), requests: calls, concurrency: 1 };
  };
  const report = (await serviceReport(reportDeps, reader, year)) as { opened: number; sla?: { rows: { priority: string; incidents: number; targets: { target: string; achieved: number; breached: number; pending: number; achievedShare?: number; medianMs?: number; p90Ms?: number }[] }[] } };
  if (!report.sla) throw new Error('The every-service report has no SLA section');
  const counted = report.sla.rows.reduce((n, r) => n + r.incidents, 0);
  if (report.opened !== total || counted !== total - tally.canceled) {
    throw new Error(`The report counts ${report.opened} opened and ${counted} in SLA rows; ${total} were seeded, ${tally.canceled} canceled`);
  }
  const latency = {
    'service report (every service, 365 days, with SLA)': await time(() => serviceReport(reportDeps, reader, year)),
    'SLA report (365 days)': await time(() => sla(reader, year)),
    'availability report (1 service, 365 days)': await time(() => availabilityReport({ aggregates, clock }, reader, { service: services[3]!, ...year })),
    'bare GetItem': await time(() => documents.send(new GetCommand({ TableName: incidentsTable, Key: { pk: 'AGG#*#0', sk: 'OPEN' } }))),
  };
  client.destroy();
  return {
    incidents: total,
    seedConcurrency: concurrency,
    seedSeconds: +seedSeconds.toFixed(1),
    incidentsPerSecond: +(total / seedSeconds).toFixed(0),
    lifecycle: tally,
    /** Transactions cancelled by a concurrent one on a shared aggregate item, and retried. */
    transactionConflicts: conflicts,
    latency,
    ratioToBareGetItem: +(latency['service report (every service, 365 days, with SLA)'].p50 / latency['bare GetItem'].p50).toFixed(1),
    slaRows: report.sla.rows,
  };
}

export function printReportsYear(figures: Awaited<ReturnType<typeof measureReportsYear>>): void {
  console.log(`  seeded ${figures.incidents} incidents through the use cases in ${figures.seedSeconds} s (${figures.incidentsPerSecond}/s at concurrency ${figures.seedConcurrency}; ${figures.lifecycle.writes} incident writes)`);
  console.log(`  lifecycle: ${JSON.stringify(figures.lifecycle)}; ${figures.transactionConflicts} transactions retried after a conflict`);
  for (const [name, f] of Object.entries(figures.latency)) {
    console.log(`  ${name.padEnd(52)} p50 ${f.p50.toFixed(2).padStart(8)} ms   p99 ${f.p99.toFixed(2).padStart(8)} ms   (${f.requests} sequential calls)`);
  }
  console.log(`  every-service report p50 / bare GetItem p50: ${figures.ratioToBareGetItem}×`);
  for (const row of figures.slaRows) {
    const targets = row.targets.map((t) => `${t.target} ${t.achieved}/${t.breached}/${t.pending}${t.achievedShare !== undefined ? ` (${(t.achievedShare * 100).toFixed(1)} %)` : ''}`).join(', ');
    console.log(`  SLA ${row.priority}: ${row.incidents} incidents; met/breached/pending: ${targets}`);
  }
}
