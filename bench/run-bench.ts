/**
 * `npm run bench`: prints the figures the issues ask for and writes bench/results.json.
 * Measured here, on this machine, in one run: bundle sizes from a real synth, handler module
 * load time in fresh Node processes, API latency through the local runtime, and the bare
 * DynamoDB round trip to the same engine for comparison.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { App } from 'aws-cdk-lib';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { loadClientConfigs } from '../lib/config/load-client-configs';
import { addClientStacks, stackNameFor } from '../lib/itsm-app';
import { ENTRY_METADATA } from '../lib/constructs/itsm-function';
import { startLocalRuntime } from '../local/local-runtime';
import { issueToken } from '../local/local-tokens';

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
const ROOT = resolve(__dirname, '..');
const REQUESTS = Number(process.env['BENCH_REQUESTS'] ?? 1000);
const LOAD_RUNS = 10;

interface LatencyFigures { p50: number; p99: number; mean: number; requests: number; concurrency: number }

async function main(): Promise<void> {
  const results: Record<string, unknown> = {
    measuredAt: new Date().toISOString(),
    machine: { node: process.version, cpus: cpus().length, cpuModel: cpus()[0]?.model },
  };

  console.log('== Function bundles (real cdk synth with esbuild, minified) ==');
  const bundles = synthBundles();
  for (const b of bundles) console.log(`  ${b.entry.padEnd(42)} ${(b.bytes / 1024).toFixed(1).padStart(7)} KB`);
  results['bundles'] = bundles.map(({ entry, functionId, bytes }) => ({ entry, functionId, bytes, kilobytes: +(bytes / 1024).toFixed(1) }));

  console.log(`\n== Handler module load in a fresh Node process (median of ${LOAD_RUNS}) ==`);
  const loadTimes = bundles.map((b) => ({ entry: b.entry, ...measureModuleLoad(b.file) }));
  for (const l of loadTimes) console.log(`  ${l.entry.padEnd(42)} median ${l.medianMs.toFixed(1).padStart(6)} ms  (min ${l.minMs.toFixed(1)}, max ${l.maxMs.toFixed(1)})`);
  results['moduleLoad'] = loadTimes;
  for (const b of bundles) rmSync(b.dir, { recursive: true, force: true });

  console.log(`\n== API latency through the local runtime (${REQUESTS} requests per run) ==`);
  const localDir = mkdtempSync(join(tmpdir(), 'itsm-bench-'));
  const runtime = await startLocalRuntime({ port: 0, localDir, inMemory: true });
  try {
    const token = await issueToken(localDir, { roles: ['agent'], user: 'bench' });
    const headers = { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' };
    const body = JSON.stringify({ shortDescription: 'Benchmark incident', description: 'Created by npm run bench', impact: 2, urgency: 2, service: 'bench', category: 'benchmark' });
    const ids: string[] = [];
    // node:http with keep-alive, the same transport the AWS SDK uses for the bare calls below.
    const agent = new Agent({ keepAlive: true, maxSockets: 32 });
    const post = async () => {
      const r = await httpCall(agent, runtime.url, 'POST', '/incidents', headers, body);
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
    db.destroy();
    agent.destroy();
  } finally {
    await runtime.stop();
    rmSync(localDir, { recursive: true, force: true });
  }

  const out = join(ROOT, 'bench/results.json');
  writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`\nWrote ${out}`);
}

/** Synthesizes the example stack with bundling on, exactly as `cdk synth` does, and measures each asset. */
function synthBundles() {
  const outdir = mkdtempSync(join(tmpdir(), 'itsm-bench-synth-'));
  const app = new App({ outdir, context: { client: 'example', 'aws:cdk:enable-asset-metadata': true }, builtinCloudFormationValidation: false });
  addClientStacks(app, loadClientConfigs(join(ROOT, 'clients')));
  const assembly = app.synth();
  const template = assembly.getStackByName(stackNameFor('example')).template as { Resources: Record<string, any> };
  const bundles = Object.entries(template.Resources)
    .filter(([, r]) => r.Type === 'AWS::Lambda::Function' && r.Metadata?.[ENTRY_METADATA])
    .map(([functionId, r]) => {
      const assetDir = join(outdir, r.Metadata['aws:asset:path']);
      const name = readdirSync(assetDir).find((f) => /^index\.m?js$/.test(f))!;
      // Copied inside the project so the externalised AWS SDK resolves from node_modules, as the Lambda runtime provides it.
      const dir = join(ROOT, '.local/bench-bundles', functionId);
      mkdirSync(dir, { recursive: true });
      cpSync(join(assetDir, name), join(dir, name));
      return { functionId, entry: r.Metadata[ENTRY_METADATA] as string, bytes: statSync(join(assetDir, name)).size, file: join(dir, name), dir };
    });
  rmSync(outdir, { recursive: true, force: true });
  return bundles;
}

function measureModuleLoad(file: string) {
  const script = `const s=performance.now();await import(${JSON.stringify(file)});console.log(performance.now()-s);`;
  const env = {
    PATH: process.env['PATH'] ?? '',
    AWS_REGION: 'eu-west-2',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    INCIDENTS_TABLE_NAME: 'bench',
    ITSM_CLIENT_SETTINGS: JSON.stringify({ id: 'example', timeZone: 'Europe/London' }),
    POWERTOOLS_METRICS_DISABLED: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  const samples = Array.from({ length: LOAD_RUNS }, () =>
    Number(execFileSync(process.execPath, ['--input-type=module', '-e', script], { env, encoding: 'utf8' }).trim()),
  ).sort((a, b) => a - b);
  return { medianMs: +median(samples).toFixed(2), minMs: +samples[0]!.toFixed(2), maxMs: +samples.at(-1)!.toFixed(2) };
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
  samples.sort((a, b) => a - b);
  const pct = (p: number) => +samples[Math.min(samples.length - 1, Math.ceil((p / 100) * samples.length) - 1)]!.toFixed(3);
  return { p50: pct(50), p99: pct(99), mean: +(samples.reduce((a, b) => a + b, 0) / samples.length).toFixed(3), requests: samples.length, concurrency };
}

function httpCall(agent: Agent, base: string, method: string, path: string, headers: Record<string, string>, body?: string) {
  return new Promise<{ status: number; body: string }>((resolveCall, reject) => {
    const req = request(`${base}${path}`, { method, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolveCall({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

function median(sorted: number[]): number {
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
