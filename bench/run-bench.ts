/**
 * `npm run bench`: prints the figures the issues ask for and writes bench/results.json.
 * Measured here, on this machine, in one run: bundle sizes from a real synth, handler module
 * load time in fresh Node processes, API latency through the local runtime, and the bare
 * DynamoDB round trip to the same engine for comparison.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent } from 'node:http';
import { httpCall } from './http-call';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { measureColdStarts, printColdStarts, synthBundles, type ColdStartFigures } from './cold-start';
import { startLocalRuntime } from '../local/local-runtime';
import { issueToken } from '../local/local-tokens';
import { runAlarmStorm } from './alarm-storm';
import { measureCapacity, pickSettings, printCapacity } from './incident-capacity';

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
const ROOT = resolve(__dirname, '..');
const REQUESTS = Number(process.env['BENCH_REQUESTS'] ?? 1000);
const LOAD_RUNS = Number(process.env['BENCH_LOAD_RUNS'] ?? 10);

interface LatencyFigures { p50: number; p99: number; mean: number; requests: number; concurrency: number }

async function main(): Promise<void> {
  // `BENCH_ONLY=capacity npm run bench`: the capacity units alone (deterministic, light on a shared
  // machine); prints them and writes nothing.
  if (process.env['BENCH_ONLY'] === 'capacity') {
    const runtime = await startLocalRuntime({ port: 0, localDir: mkdtempSync(join(tmpdir(), 'itsm-bench-')), inMemory: true });
    try {
      printCapacity(await measureCapacity(runtime.dynamoDbEndpoint, runtime.tableNames));
    } finally {
      await runtime.stop();
    }
    return;
  }
  // `BENCH_ONLY=writepath npm run bench`: POST /incidents beside the bare PutItem (c1, c16), write
  // units of create and state change, and the outbox's delivery lag (bench/write-path.ts); writes
  // them into results.json under `writePath`.
  if (process.env['BENCH_ONLY'] === 'writepath') {
    const { measureWritePath } = await import('./write-path');
    writeResults({ writePath: await measureWritePath({ requests: REQUESTS, measureCapacity }) });
    return;
  }
  // `BENCH_ONLY=anatomy npm run bench`: where a create's engine time goes, on DynamoDB Local with
  // and without the stream and the indexes (bench/create-anatomy.ts); writes it under `createAnatomy`.
  if (process.env['BENCH_ONLY'] === 'anatomy') {
    const { measureCreateAnatomy, printCreateAnatomy } = await import('./create-anatomy');
    console.log(`== Where a create's engine time goes (${Math.min(REQUESTS, 500)} creates per variant, one at a time) ==`);
    const anatomy = await measureCreateAnatomy(Math.min(REQUESTS, 500));
    printCreateAnatomy(anatomy);
    writeResults({ createAnatomy: { measuredAt: new Date().toISOString(), loadAverage1m: loadavg()[0], ...anatomy } });
    return;
  }
  // `BENCH_ONLY=reports npm run bench`: the year of 50,000 incidents and the reports over it
  // (bench/reports-year.ts); writes them into results.json under `reportsYear`.
  if (process.env['BENCH_ONLY'] === 'reports') {
    console.log('== Reports over a busy year: 50,000 incidents seeded through the use cases, then the every-service report with SLA ==');
    writeResults({ reportsYear: await reportsYearOnOwnEngine() });
    return;
  }
  // `BENCH_ONLY=servicenow npm run bench`: the ServiceNow exchange's sync lag both ways against the
  // stateful fake (bench/servicenow-sync.ts); writes it into results.json under `servicenowSync`.
  if (process.env['BENCH_ONLY'] === 'servicenow') {
    writeResults({ servicenowSync: await servicenowSync() });
    return;
  }
  // `BENCH_ONLY=selfhelp npm run bench`: the self-help site alone (pure generator and a folder);
  // writes it into results.json under `selfHelpSite`.
  if (process.env['BENCH_ONLY'] === 'selfhelp') {
    const { measureSelfHelpSite, printSelfHelpSite } = await import('./selfhelp-site');
    console.log('== Self-help site: 5,000 published articles (10% internal, left out), 20 services, 200 tags ==');
    const site = await measureSelfHelpSite();
    printSelfHelpSite(site);
    writeResults({ selfHelpSite: site });
    return;
  }
  // `BENCH_ONLY=clocks npm run bench`: the pure clock computations alone; writes them into results.json under `clockComputation`.
  if (process.env['BENCH_ONLY'] === 'clocks') {
    const { measureClockComputation, printClockComputation } = await import('./clock-computation');
    console.log('== Clock computations (pure, a fresh calendar each run) ==');
    const clocks = measureClockComputation();
    printClockComputation(clocks);
    writeResults({ clockComputation: clocks });
    return;
  }
  const results: Record<string, unknown> = {
    measuredAt: new Date().toISOString(),
    machine: { node: process.version, cpus: cpus().length, cpuModel: cpus()[0]?.model },
  };

  console.log(`== Function bundles (real cdk synth) and handler init in fresh Node processes (p50 of ${LOAD_RUNS}) ==`);
  Object.assign(results, await coldStarts(), { coldStartMeasuredAt: results['measuredAt'] });
  // `BENCH_ONLY=init npm run bench`: bundle sizes and init alone (no local runtime); writes them into
  // results.json, where the other figures keep their own measuredAt.
  if (process.env['BENCH_ONLY'] === 'init') {
    const { measuredAt: _measuredAt, ...coldStart } = results;
    writeResults(coldStart);
    return;
  }

  console.log(`\n== API latency through the local runtime (${REQUESTS} requests per run) ==`);
  const localDir = mkdtempSync(join(tmpdir(), 'itsm-bench-'));
  const runtime = await startLocalRuntime({ port: 0, localDir, inMemory: true });
  try {
    // The desk's create quota (intake.createQuotas.desk, 600 an hour) counts per person: the load is
    // spread over 32 bench agents, as a desk's is over its people, so the quota's counter stays in the measured path.
    const tokens = await Promise.all(Array.from({ length: 32 }, (_, n) => issueToken(localDir, { roles: ['agent'], user: `bench-${n}` })));
    let turn = 0;
    const headersOf = () => ({ Authorization: `Bearer ${tokens[turn++ % tokens.length]}`, 'Content-Type': 'application/json' });
    const headers = headersOf();
    // Incidents name a service of the catalogue: the benchmark's own is created first.
    const admin = await issueToken(localDir, { roles: ['admin'], user: 'bench-admin' });
    const service = { id: 'bench', name: 'Benchmark', description: 'Incidents created by npm run bench', status: 'live', commencementDate: '2026-01-01',
      owner: { username: 'bench-admin', name: 'Bench', email: 'bench@example.com' }, sla: { reference: 'bench' } };
    const created = await httpCall(new Agent(), runtime.url, 'POST', '/services', { Authorization: `Bearer ${admin}`, 'Content-Type': 'application/json' }, JSON.stringify(service));
    if (created.status !== 201) throw new Error(`POST /services answered ${created.status}: ${created.body}`);
    const body = JSON.stringify({ shortDescription: 'Benchmark incident', description: 'Created by npm run bench', impact: 2, urgency: 2, service: 'bench', category: 'software' });
    const ids: string[] = [];
    // node:http with keep-alive, the same transport the AWS SDK uses for the bare calls below.
    const agent = new Agent({ keepAlive: true, maxSockets: 32 });
    const post = async () => {
      const r = await httpCall(agent, runtime.url, 'POST', '/incidents', headersOf(), body);
      if (r.status !== 201) throw new Error(`POST answered ${r.status}: ${r.body}`);
      ids.push((JSON.parse(r.body) as { id: string }).id);
    };
    const get = async (i: number) => {
      const r = await httpCall(agent, runtime.url, 'GET', `/incidents/${ids[i % ids.length]}`, headers);
      if (r.status !== 200) throw new Error(`GET answered ${r.status}`);
    };
    await warmUp(post, get);

    const db = DynamoDBDocumentClient.from(
      new DynamoDBClient({ endpoint: runtime.dynamoDbEndpoint, region: 'eu-west-2', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }),
    );
    const table = Object.values(runtime.tableNames)[0]!;
    const item = (i: number) => ({ pk: `BENCH#${i}`, sk: 'BENCH', payload: body });
    const bare = {
      put: (i: number) => db.send(new PutCommand({ TableName: table, Item: item(i) })).then(() => undefined),
      get: (i: number) => db.send(new GetCommand({ TableName: table, Key: { pk: `BENCH#${i % 500}`, sk: 'BENCH' } })).then(() => undefined),
    };
    await bare.put(0);

    const latency: Record<string, LatencyFigures> = {};
    for (const concurrency of [1, 16]) {
      latency[`POST /incidents c${concurrency}`] = await measure(() => post(), concurrency);
      latency[`GET /incidents/{id} c${concurrency}`] = await measure((i) => get(i), concurrency);
      latency[`bare PutItem c${concurrency}`] = await measure((i) => bare.put(i), concurrency);
      latency[`bare GetItem c${concurrency}`] = await measure((i) => bare.get(i), concurrency);
    }
    for (const [name, f] of Object.entries(latency)) {
      console.log(`  ${name.padEnd(26)} p50 ${f.p50.toFixed(2).padStart(7)} ms   p99 ${f.p99.toFixed(2).padStart(7)} ms`);
    }
    const ratio = (a: string, b: string) => +(latency[a]!.p50 / latency[b]!.p50).toFixed(2);
    const ratios = {
      'GET p50 / bare GetItem p50 (c1)': ratio('GET /incidents/{id} c1', 'bare GetItem c1'),
      'POST p50 / bare PutItem p50 (c1)': ratio('POST /incidents c1', 'bare PutItem c1'),
      'GET p50 / bare GetItem p50 (c16)': ratio('GET /incidents/{id} c16', 'bare GetItem c16'),
      'POST p50 / bare PutItem p50 (c16)': ratio('POST /incidents c16', 'bare PutItem c16'),
    };
    console.log('\n== Overhead over the bare DynamoDB round trip (aim: GET ≤ 1.5×, POST ≤ 2.5×) ==');
    for (const [name, value] of Object.entries(ratios)) console.log(`  ${name.padEnd(36)} ${value}×`);
    results['latency'] = latency;
    results['overheadRatios'] = ratios;

    console.log(`\n== State change (PATCH In Progress ⇄ On Hold with If-Match), 16 concurrent clients, ${REQUESTS} requests ==`);
    const stateChange = await measureStateChanges(agent, runtime.url, headers, body);
    console.log(`  p50 ${stateChange.p50.toFixed(2)} ms   p99 ${stateChange.p99.toFixed(2)} ms`);
    results['stateChangeC16'] = stateChange;

    console.log('\n== DynamoDB capacity units per incident operation (ReturnConsumedCapacity) ==');
    const capacity = await measureCapacity(runtime.dynamoDbEndpoint, runtime.tableNames);
    printCapacity(capacity);
    results['capacityUnits'] = capacity;

    console.log('\n== SLA workflow: Step Functions state transitions per incident (the template\'s definition) ==');
    const { synthesizeClient } = await import('../local/synthesize-stack');
    const { measureSlaTransitions } = await import('./sla-transitions');
    const synthesized = synthesizeClient('example');
    const transitions = await measureSlaTransitions({
      template: synthesized.template,
      clientSettings: pickSettings(synthesized.config),
      endpoint: runtime.dynamoDbEndpoint,
      tableNames: runtime.tableNames,
    });
    for (const [name, figures] of Object.entries(transitions)) {
      console.log(`  ${name.padEnd(68)} ${String(figures.transitions).padStart(3)} transitions, ${figures.notifications} notifications`);
    }
    results['slaWorkflowTransitions'] = transitions;
    console.log('\n== Known-error and knowledge search: 5,000 articles, 1,000 known errors, 3-word queries ==');
    const { measureKnowledgeSearch } = await import('./knowledge-search');
    const search = await measureKnowledgeSearch(runtime, await issueToken(localDir, { roles: ['engineer'], user: 'bench-kedb' }));
    for (const [name, f] of Object.entries(search.latency)) console.log(`  ${name.padEnd(36)} p50 ${f.p50.toFixed(2)} ms   p99 ${f.p99.toFixed(2)} ms`);
    results['knowledgeSearch'] = search;
    console.log('\n== Self-help site: 5,000 published articles (10% internal, left out), 20 services, 200 tags ==');
    const { measureSelfHelpSite, printSelfHelpSite } = await import('./selfhelp-site');
    results['selfHelpSite'] = await measureSelfHelpSite();
    printSelfHelpSite(results['selfHelpSite'] as Awaited<ReturnType<typeof measureSelfHelpSite>>);
    console.log('\n== Clock computations (pure, a fresh calendar each run) ==');
    const { measureClockComputation, printClockComputation } = await import('./clock-computation');
    results['clockComputation'] = measureClockComputation();
    printClockComputation(results['clockComputation'] as ReturnType<typeof measureClockComputation>);
    db.destroy();
    agent.destroy();
  } finally {
    await runtime.stop();
    rmSync(localDir, { recursive: true, force: true });
  }

  // Its own runtime, so the outbox lag is that of the 16-client load alone (as BENCH_ONLY=writepath).
  console.log(`\n== The incident write path: POST /incidents beside a bare PutItem, write units, outbox lag (${REQUESTS} requests per run) ==`);
  const { measureWritePath } = await import('./write-path');
  results['writePath'] = await measureWritePath({ requests: REQUESTS, measureCapacity });

  console.log('\n== Reports over a busy year: 50,000 incidents seeded through the use cases, then the every-service report with SLA ==');
  results['reportsYear'] = await reportsYearOnOwnEngine();

  // Its own runtime, so the storm starts on empty tables (STORM_EVENTS=0 skips it and keeps the last figures).
  const stormEvents = Number(process.env['STORM_EVENTS'] ?? 10_000);
  if (stormEvents > 0) {
    console.log('');
    results['alarmStorm'] = await runAlarmStorm({ events: stormEvents, alarms: Number(process.env['STORM_ALARMS'] ?? 100) });
  }

  // Its own runtime, with the client's ServiceNow map enabled against the fake (SN_CHANGES=0 skips it).
  if (Number(process.env['SN_CHANGES'] ?? 1000) > 0) {
    console.log('');
    results['servicenowSync'] = await servicenowSync();
  }

  writeResults(results);
}

/**
 * The year of incidents on a DynamoDB Local of its own with the stack's tables, and no stream
 * consumers: the outbox items the writes store are the write path's cost, their delivery (50,000
 * SLA workflow starts) is not what this measures.
 */
async function reportsYearOnOwnEngine() {
  const { synthesizeClient } = await import('../local/synthesize-stack');
  const { startDynamoDbLocal, ensureTables } = await import('../local/dynamodb-engine');
  const { tablesOf } = await import('../local/template-model');
  const { measureReportsYear, printReportsYear } = await import('./reports-year');
  const synthesized = synthesizeClient('example');
  const engine = await startDynamoDbLocal();
  try {
    const tables = tablesOf(synthesized.template);
    const client = new DynamoDBClient({ endpoint: engine.endpoint, region: 'eu-west-2', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    await ensureTables(client, tables);
    client.destroy();
    const figures = await measureReportsYear({
      endpoint: engine.endpoint,
      tableNames: Object.fromEntries(tables.map((t) => [t.logicalId, t.logicalId])),
      clientSettings: pickSettings(synthesized.config),
      incidents: Number(process.env['BENCH_REPORT_INCIDENTS'] ?? 50_000),
      concurrency: Number(process.env['BENCH_SEED_CONCURRENCY'] ?? 32),
    });
    printReportsYear(figures);
    const { slaRows: _rows, ...kept } = figures;
    return kept;
  } finally {
    await engine.stop();
  }
}

/** The ServiceNow exchange's sync lag both ways (bench/servicenow-sync.ts): SN_CHANGES changes (1,000) at SN_CONCURRENCY (8). */
async function servicenowSync(): Promise<unknown> {
  const { measureServiceNowSync, printServiceNowSync } = await import('./servicenow-sync');
  const changes = Number(process.env['SN_CHANGES'] ?? 1000);
  const concurrency = Number(process.env['SN_CONCURRENCY'] ?? 8);
  console.log(`== ServiceNow sync lag against the stateful fake: ${changes} changes (half each way) at concurrency ${concurrency} ==`);
  const figures = await measureServiceNowSync({ changes, concurrency });
  printServiceNowSync(figures);
  return { measuredAt: new Date().toISOString(), ...figures };
}

function writeResults(results: Record<string, unknown>): void {
  const out = join(ROOT, 'bench/results.json');
  // Figures of the benches that run on their own (e.g. bench/alarm-storm.ts) are kept, not erased.
  const previous: Record<string, unknown> = existsSync(out) ? (JSON.parse(readFileSync(out, 'utf8')) as Record<string, unknown>) : {};
  writeFileSync(out, `${JSON.stringify({ ...previous, ...results }, null, 2)}\n`);
  console.log(`\nWrote ${out}`);
}

/** Bundle sizes, module load and first calls of every function (bench/cold-start.ts). */
async function coldStarts(): Promise<Record<string, unknown>> {
  const bundles = synthBundles();
  let figures: ColdStartFigures[];
  try {
    figures = await measureColdStarts(bundles, LOAD_RUNS);
  } finally {
    for (const b of bundles) rmSync(b.dir, { recursive: true, force: true });
  }
  printColdStarts(figures);
  return {
    bundles: figures.map(({ entry, functionId, bytes, kilobytes }) => ({ entry, functionId, bytes, kilobytes })),
    // Same shape as before (median = p50), plus the CPU time of the load and the first calls.
    moduleLoad: figures.map(({ entry, load, firstCalls }) => ({ entry, medianMs: load.p50Ms, minMs: load.minMs, maxMs: load.maxMs, cpuMedianMs: load.cpuP50Ms, runs: load.runs, firstCalls })),
  };
}

async function warmUp(post: () => Promise<void>, get: (i: number) => Promise<void>) {
  for (let i = 0; i < 50; i++) await post();
  for (let i = 0; i < 50; i++) await get(i);
}

async function measure(op: (i: number) => Promise<void>, concurrency: number): Promise<LatencyFigures> {
  const samples: number[] = [];
  let next = 0;
  const worker = async () => {
    while (next < REQUESTS) {
      const i = next++;
      const start = performance.now();
      await op(i);
      samples.push(performance.now() - start);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return summarize(samples, concurrency);
}

function summarize(samples: number[], concurrency: number): LatencyFigures {
  samples.sort((a, b) => a - b);
  const pct = (p: number) => +samples[Math.min(samples.length - 1, Math.ceil((p / 100) * samples.length) - 1)]!.toFixed(3);
  return { p50: pct(50), p99: pct(99), mean: +(samples.reduce((a, b) => a + b, 0) / samples.length).toFixed(3), requests: samples.length, concurrency };
}

/** 16 clients, each with its own incident, moving it In Progress ⇄ On Hold; every request names the version it read. */
async function measureStateChanges(agent: Agent, base: string, headers: Record<string, string>, body: string): Promise<LatencyFigures> {
  const clients = 16;
  const incidents = await Promise.all(
    Array.from({ length: clients }, async () => {
      const created = JSON.parse((await httpCall(agent, base, 'POST', '/incidents', headers, body)).body) as { id: string };
      const started = await httpCall(agent, base, 'PATCH', `/incidents/${created.id}`, { ...headers, 'If-Match': '"1"' }, JSON.stringify({ state: 'In Progress' }));
      if (started.status !== 200) throw new Error(`PATCH answered ${started.status}: ${started.body}`);
      return { id: created.id, version: 2, onHold: false };
    }),
  );
  // Each client works its own incident, so every If-Match is current: this measures the write path, not conflicts.
  const samples: number[] = [];
  let remaining = REQUESTS;
  await Promise.all(
    incidents.map(async (incident) => {
      while (remaining-- > 0) {
        const change = incident.onHold ? { state: 'In Progress' } : { state: 'On Hold', onHoldReason: 'awaiting caller' };
        const start = performance.now();
        const answer = await httpCall(agent, base, 'PATCH', `/incidents/${incident.id}`, { ...headers, 'If-Match': `"${incident.version}"` }, JSON.stringify(change));
        samples.push(performance.now() - start);
        if (answer.status !== 200) throw new Error(`state change answered ${answer.status}: ${answer.body}`);
        incident.version++;
        incident.onHold = !incident.onHold;
      }
    }),
  );
  return summarize(samples, clients);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
