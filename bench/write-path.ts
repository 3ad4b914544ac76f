/**
 * The incident write path (issue #17, items 4–6), measured in one run on one local runtime:
 * - `POST /incidents` p50 at concurrency 1 and 16, each request with its own Idempotency-Key (the
 *   path a client retrying safely takes), beside the bare PutItem to the same engine in the same
 *   run, as ratios;
 * - write units of a create and of a state change (ReturnConsumedCapacity INDEXES, summed over
 *   every call, outbox items and audit record included) — `measureCapacity` of run-bench.ts;
 * - the outbox's delivery lag under the 16-client load: from the incident's `createdAt` (taken
 *   before its number and transaction, so the lag is counted from slightly before the commit) to
 *   the start of its SLA workflow execution by the outbox consumer (the local Step Functions'
 *   `startDate`), for every incident created in the c16 run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent } from 'node:http';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { httpCall } from './http-call';
import { incidentUseCaseDeps, printCapacity, type OperationUnits } from './incident-capacity';
import { startLocalRuntime } from '../local/local-runtime';
import { CachedServiceCatalogue } from '../src/modules/catalogue/adapters/cached-service-catalogue';
import { issueToken } from '../local/local-tokens';

interface Figures { p50: number; p99: number; mean: number; requests: number; concurrency: number }

export async function measureWritePath(options: {
  readonly requests: number;
  readonly measureCapacity: (endpoint: string, tableNames: Readonly<Record<string, string>>) => Promise<Record<string, OperationUnits>>;
}) {
  const localDir = mkdtempSync(join(tmpdir(), 'itsm-bench-wp-'));
  const runtime = await startLocalRuntime({ port: 0, localDir, inMemory: true });
  const loadBefore = loadavg()[0];
  try {
    // The desk's create quota (intake.createQuotas.desk, 600 an hour) counts per person: the load is
    // spread over 32 bench agents, as a desk's is over its people, so the quota's counter stays in the measured path.
    const tokens = await Promise.all(Array.from({ length: 32 }, (_, n) => issueToken(localDir, { roles: ['agent'], user: `bench-${n}` })));
    let turn = 0;
    const headersOf = () => ({ Authorization: `Bearer ${tokens[turn++ % tokens.length]}`, 'Content-Type': 'application/json' });
    const admin = await issueToken(localDir, { roles: ['admin'], user: 'bench-admin' });
    const service = { id: 'bench', name: 'Benchmark', description: 'Incidents created by npm run bench', status: 'live', commencementDate: '2026-01-01',
      owner: { username: 'bench-admin', name: 'Bench', email: 'bench@example.com' }, sla: { reference: 'bench' } };
    const agent = new Agent({ keepAlive: true, maxSockets: 32 });
    const created = await httpCall(agent, runtime.url, 'POST', '/services', { Authorization: `Bearer ${admin}`, 'Content-Type': 'application/json' }, JSON.stringify(service));
    if (created.status !== 201) throw new Error(`POST /services answered ${created.status}: ${created.body}`);
    const body = JSON.stringify({ shortDescription: 'Benchmark incident', description: 'Created by npm run bench', impact: 2, urgency: 2, service: 'bench', category: 'software' });
    const createdAt = new Map<string, number>();
    let recording = false;
    const post = async () => {
      const r = await httpCall(agent, runtime.url, 'POST', '/incidents', { ...headersOf(), 'Idempotency-Key': `bench-${randomUUID()}` }, body);
      if (r.status !== 201) throw new Error(`POST answered ${r.status}: ${r.body}`);
      const incident = JSON.parse(r.body) as { id: string; createdAt: string };
      if (recording) createdAt.set(incident.id, Date.parse(incident.createdAt));
    };
    for (let i = 0; i < 50; i++) await post();

    const db = DynamoDBDocumentClient.from(
      new DynamoDBClient({ endpoint: runtime.dynamoDbEndpoint, region: 'eu-west-2', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }),
    );
    const table = Object.values(runtime.tableNames).find((n) => n.startsWith('DataIncidentsTable'))!;
    const put = (i: number) => db.send(new PutCommand({ TableName: table, Item: { pk: `BENCH#${i}`, sk: 'BENCH', payload: body } })).then(() => undefined);
    for (let i = 0; i < 50; i++) await put(i);

    const latency: Record<string, Figures> = {};
    for (const concurrency of [1, 16]) {
      recording = concurrency === 16;
      latency[`POST /incidents c${concurrency}`] = await measure(() => post(), concurrency, options.requests);
      recording = false;
      latency[`bare PutItem c${concurrency}`] = await measure((i) => put(i), concurrency, options.requests);
    }
    // Where a create's time goes at concurrency 1: the same create run in this process through the
    // use case and the DynamoDB adapters (number, then the transaction with its marker and quota
    // counter: no HTTP, no function host, no middy), and of that, the time spent in its DynamoDB calls.
    const inProcess = await measureCreateInProcess(runtime.dynamoDbEndpoint, runtime.tableNames, options.requests);
    latency['create in-process c1'] = inProcess.total;
    latency['its DynamoDB calls c1'] = inProcess.engine;
    const ratio = (c: number) => +(latency[`POST /incidents c${c}`]!.p50 / latency[`bare PutItem c${c}`]!.p50).toFixed(2);
    const toPut = (name: string) => +(latency[name]!.p50 / latency['bare PutItem c1']!.p50).toFixed(2);
    const ratios = {
      'POST p50 / bare PutItem p50 (c1)': ratio(1),
      'POST p50 / bare PutItem p50 (c16)': ratio(16),
      'create in-process p50 / bare PutItem p50 (c1)': toPut('create in-process c1'),
      'its DynamoDB calls p50 / bare PutItem p50 (c1)': toPut('its DynamoDB calls c1'),
    };

    // Every incident of the c16 run has its SLA workflow started by the outbox consumer.
    const deadline = Date.now() + 120_000;
    const started = new Map<string, number>();
    while (Date.now() < deadline) {
      for (const execution of runtime.stepFunctions.list()) {
        const id = execution.name.replace(/-g\d+$/, '');
        if (createdAt.has(id) && !started.has(id)) started.set(id, Date.parse(execution.startDate));
      }
      if (started.size >= createdAt.size) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const lags = [...started].map(([id, at]) => at - createdAt.get(id)!).sort((a, b) => a - b);
    const pct = (p: number) => lags[Math.min(lags.length - 1, Math.ceil((p / 100) * lags.length) - 1)] ?? NaN;
    const outboxLag = { p50Ms: pct(50), p99Ms: pct(99), delivered: started.size, created: createdAt.size };

    const capacity = await options.measureCapacity(runtime.dynamoDbEndpoint, runtime.tableNames);
    db.destroy();
    agent.destroy();
    const figures = {
      measuredAt: new Date().toISOString(),
      machine: { cpus: cpus().length, loadAverage1mBefore: +loadBefore!.toFixed(2), loadAverage1mAfter: +loadavg()[0]!.toFixed(2) },
      latency,
      ratios,
      writeUnits: Object.fromEntries(Object.entries(capacity).map(([name, units]) => [name, units.write])),
      capacity,
      outboxLag,
    };
    for (const [name, f] of Object.entries(latency)) console.log(`  ${name.padEnd(22)} p50 ${f.p50.toFixed(2).padStart(7)} ms   p99 ${f.p99.toFixed(2).padStart(7)} ms`);
    for (const [name, value] of Object.entries(ratios)) console.log(`  ${name.padEnd(48)} ${value}×`);
    printCapacity(capacity);
    console.log(`  outbox lag (createdAt → SLA execution started), c16: p50 ${outboxLag.p50Ms} ms  p99 ${outboxLag.p99Ms} ms  (${outboxLag.delivered}/${outboxLag.created})`);
    console.log(`  load average (1 min) before ${figures.machine.loadAverage1mBefore}, after ${figures.machine.loadAverage1mAfter}, ${cpus().length} CPUs`);
    return figures;
  } finally {
    await runtime.stop();
    rmSync(localDir, { recursive: true, force: true });
  }
}

async function measure(op: (i: number) => Promise<void>, concurrency: number, requests: number): Promise<Figures> {
  const samples: number[] = [];
  let next = 0;
  const worker = async () => {
    while (next < requests) {
      const i = next++;
      const start = performance.now();
      await op(i);
      samples.push(performance.now() - start);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return figuresOf(samples, concurrency);
}

/**
 * A create with an Idempotency-Key run `requests` times in this process, one at a time, through the
 * incident use case and the DynamoDB adapters (as the incidents function runs it, less HTTP, the
 * function host, middy and the create quota), timing each whole create and the part of it spent
 * waiting on its DynamoDB calls (SDK marshalling included, as in the bare PutItem).
 */
async function measureCreateInProcess(endpoint: string, tableNames: Readonly<Record<string, string>>, requests: number): Promise<{ total: Figures; engine: Figures }> {
  const client = new DynamoDBClient({ endpoint, region: 'eu-west-2', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  // Wall time with at least one call in flight: a create reads its service and takes its number at once.
  let engineMs = 0;
  let inFlight = 0;
  let since = 0;
  client.middlewareStack.add(
    (next) => async (args) => {
      if (inFlight++ === 0) since = performance.now();
      try {
        return await next(args);
      } finally {
        if (--inFlight === 0) engineMs += performance.now() - since;
      }
    },
    { step: 'initialize', name: 'benchEngineTime' },
  );
  try {
    const { deps: uncached, useCases } = await incidentUseCaseDeps(client, tableNames, 'bench-in-process');
    // The catalogue cached per container, as the incidents handler has it.
    const deps = { ...uncached, services: new CachedServiceCatalogue(uncached.services) };
    // Spread over 32 agents as the HTTP load is: the desk's create quota (600 an hour a person) stays
    // in the measured path without refusing a default run's 1,050 creates.
    const callers = Array.from({ length: 32 }, (_, n) => ({ id: `bench-in-process-${n}`, name: `bench-in-process-${n}`, roles: ['agent' as const] }));
    let turn = 0;
    const input = { shortDescription: 'Benchmark incident', description: 'Created by npm run bench', impact: 2 as const, urgency: 2 as const, service: 'bench-in-process', category: 'software' };
    const once = () =>
      useCases.createIncidentOnce(deps, callers[turn++ % callers.length]!, input, { id: randomUUID(), bodyHash: 'bench' }, (incident) => ({ status: 201, body: incident, headers: {} }));
    for (let i = 0; i < 50; i++) await once();
    const totals: number[] = [];
    const engine: number[] = [];
    for (let i = 0; i < requests; i++) {
      engineMs = 0;
      const start = performance.now();
      await once();
      totals.push(performance.now() - start);
      engine.push(engineMs);
    }
    return { total: figuresOf(totals, 1), engine: figuresOf(engine, 1) };
  } finally {
    client.destroy();
  }
}

function figuresOf(samples: number[], concurrency: number): Figures {
  samples.sort((a, b) => a - b);
  const pct = (p: number) => +samples[Math.min(samples.length - 1, Math.ceil((p / 100) * samples.length) - 1)]!.toFixed(3);
  return { p50: pct(50), p99: pct(99), mean: +(samples.reduce((a, b) => a + b, 0) / samples.length).toFixed(3), requests: samples.length, concurrency };
}
