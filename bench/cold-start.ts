/**
 * Cold-start figures of every function, as `npm run bench` prints them: bundle sizes from a real
 * synth (the stack's own esbuild options), and handler init in fresh Node processes: module load
 * (wall and CPU time, p50 over N processes) and, for a few representative requests, the first
 * invocation after the load (the composition work a function leaves to its first call: clients
 * created on first use, the OpenAPI document, zod's first parse of each schema).
 *
 * Alone: `BENCH_ONLY=init npm run bench` (no local runtime, no DynamoDB; writes the figures into
 * bench/results.json). `BENCH_LOAD_RUNS` sets N (default 10).
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { App } from 'aws-cdk-lib';
import { loadClientConfigs } from '../src/config/load-client-configs';
import { addClientStacks, stackNameFor } from '../src/stack/itsm-app';
import { ENTRY_METADATA } from '../src/kernel/infra/itsm-function';

const ROOT = resolve(__dirname, '..');
const run = promisify(execFile);

export interface FunctionBundle {
  readonly functionId: string;
  readonly entry: string;
  readonly bytes: number;
  readonly file: string;
  readonly dir: string;
  readonly environment: Record<string, string>;
}

/** Synthesizes the example stack with bundling on, exactly as `cdk synth` does, and measures each asset. */
export function synthBundles(): FunctionBundle[] {
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
      // Copied inside the project, so anything left external would resolve from node_modules as on Lambda.
      const dir = join(ROOT, '.local/bench-bundles', functionId);
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      cpSync(assetDir, dir, { recursive: true });
      // The function's own environment from the template, references replaced by placeholders; a
      // function that ships files beside its bundle finds them in LAMBDA_TASK_ROOT, as on Lambda.
      const environment = Object.fromEntries(
        Object.entries((r.Properties.Environment?.Variables ?? {}) as Record<string, unknown>).map(([k, v]) => [k, typeof v === 'string' ? v : `bench-${k.toLowerCase()}`]),
      );
      if (readdirSync(assetDir).length > 1) environment['LAMBDA_TASK_ROOT'] = dir;
      return { functionId, entry: r.Metadata[ENTRY_METADATA] as string, bytes: statSync(join(assetDir, name)).size, file: join(dir, name), dir, environment };
    });
  rmSync(outdir, { recursive: true, force: true });
  return bundles;
}

/** API Gateway proxy event of a request by an agent, as the Cognito authorizer hands it over. */
function apiEvent(method: string, resource: string, path: string, pathParameters: Record<string, string> | null, caller = true) {
  return {
    httpMethod: method,
    resource,
    path,
    pathParameters,
    queryStringParameters: null,
    headers: {},
    body: null,
    isBase64Encoded: false,
    requestContext: {
      requestId: 'bench-first-call',
      path: `/v1${path}`,
      identity: { sourceIp: '127.0.0.1' },
      authorizer: caller ? { claims: { sub: 'bench', username: 'bench', 'cognito:groups': 'agent', token_use: 'access' } } : undefined,
    },
  };
}

/**
 * The first request measured per function (by entry). The AWS endpoints point at a stub that
 * answers `{}` to every call (an empty GetItem: the item is not there), so a first call pays the
 * SDK's first-request work (credentials, endpoint, signing, marshalling) but no network latency.
 */
const FIRST_CALLS: Readonly<Record<string, Readonly<Record<string, unknown>>>> = {
  'src/modules/meta/functions/meta-handler.ts': {
    'GET /health': apiEvent('GET', '/health', '/health', null, false),
    'GET /openapi.json': apiEvent('GET', '/openapi.json', '/openapi.json', null, false),
  },
  'src/modules/incidents/functions/incidents-handler.ts': {
    'GET /incidents/{id} (not found)': apiEvent('GET', '/incidents/{id}', '/incidents/5b0e2a57-0e9b-4e43-9d55-6d3f3f5c2a10', { id: '5b0e2a57-0e9b-4e43-9d55-6d3f3f5c2a10' }),
  },
  'src/modules/catalogue/functions/catalogue-handler.ts': {
    'GET /services/{id} (not found)': apiEvent('GET', '/services/{id}', '/services/bench', { id: 'bench' }),
  },
  'src/modules/monitoring/functions/event-ingestion-handler.ts': {
    'CloudWatch alarm state change': JSON.parse(readFileSync(join(ROOT, 'test/fixtures/eventbridge/cloudwatch-alarm-state-change.json'), 'utf8')) as unknown,
  },
};

/** One fresh process: load the bundle (wall, CPU), then optionally invoke it once. */
const CHILD = `
const cpu0 = process.cpuUsage(); const t0 = performance.now();
const bundle = await import(process.env.BENCH_BUNDLE);
const loadMs = performance.now() - t0; const c = process.cpuUsage(cpu0);
let call;
if (process.env.BENCH_EVENT) {
  const context = { awsRequestId: 'bench', functionName: 'bench', functionVersion: '$LATEST', memoryLimitInMB: '1024',
    invokedFunctionArn: 'arn:aws:lambda:eu-west-2:000000000000:function:bench', logGroupName: 'bench', logStreamName: 'bench',
    getRemainingTimeInMillis: () => 10000, callbackWaitsForEmptyEventLoop: false };
  const t1 = performance.now();
  let outcome;
  try { const r = await bundle.handler(JSON.parse(process.env.BENCH_EVENT), context); outcome = r?.statusCode ?? r?.outcome ?? 'ok'; }
  catch (e) { outcome = 'threw: ' + String(e?.message ?? e).slice(0, 80); }
  call = { ms: performance.now() - t1, outcome };
}
process.stdout.write(JSON.stringify({ loadMs, cpuMs: (c.user + c.system) / 1000, call }), () => process.exit(0));
`;

interface Sample { loadMs: number; cpuMs: number; call?: { ms: number; outcome: unknown } }

async function freshProcess(bundle: FunctionBundle, endpoint: string, event?: unknown): Promise<Sample> {
  const env = {
    PATH: process.env['PATH'] ?? '',
    AWS_REGION: 'eu-west-2',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL: endpoint,
    ...bundle.environment,
    POWERTOOLS_METRICS_DISABLED: 'true',
    POWERTOOLS_LOG_LEVEL: 'ERROR',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    BENCH_BUNDLE: bundle.file,
    ...(event !== undefined && { BENCH_EVENT: JSON.stringify(event) }),
  };
  try {
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', CHILD], { env, encoding: 'utf8', cwd: ROOT });
    return JSON.parse(stdout) as Sample;
  } catch (error) {
    const stderr = String((error as { stderr?: string }).stderr ?? '');
    throw new Error(`Loading ${bundle.file} failed: ${stderr.split('\n').filter((l) => /Error|error/.test(l)).slice(0, 5).join('\n').slice(0, 2000)}`);
  }
}

/**
 * Answers every AWS call with an empty JSON object (DynamoDB: no item, nothing consumed), but
 * Secrets Manager's GetSecretValue with the example client's contacts: the value of the stack's
 * client-contacts secret, which the functions that name contacts read on their first invocation.
 */
async function startStubEndpoint(): Promise<{ server: Server; url: string }> {
  const contacts = JSON.stringify(JSON.parse(readFileSync(join(ROOT, 'clients/example.json'), 'utf8')).contacts);
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const secret = req.headers['x-amz-target'] === 'secretsmanager.GetSecretValue';
      res.writeHead(200, { 'Content-Type': `application/x-amz-json-${secret ? '1.1' : '1.0'}`, 'x-amzn-RequestId': 'bench' });
      res.end(secret ? JSON.stringify({ ARN: 'bench', Name: 'bench', VersionId: 'bench', SecretString: contacts }) : '{}');
    });
  });
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return +sorted[Math.max(0, Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1))]!.toFixed(1);
};

export interface ColdStartFigures {
  readonly entry: string;
  readonly functionId: string;
  readonly bytes: number;
  readonly kilobytes: number;
  /** Module load (import of the bundle) in a fresh process. */
  readonly load: { readonly p50Ms: number; readonly minMs: number; readonly maxMs: number; readonly cpuP50Ms: number; readonly runs: number };
  /** The first invocation after the load, per representative request. */
  readonly firstCalls: Readonly<Record<string, { readonly p50Ms: number; readonly loadPlusCallP50Ms: number; readonly outcome: unknown }>>;
}

/** Every function's load, `runs` fresh processes each, interleaved so a busy spell of the machine hits all alike. */
export async function measureColdStarts(bundles: readonly FunctionBundle[], runs: number): Promise<ColdStartFigures[]> {
  const stub = await startStubEndpoint();
  try {
    const samples = new Map<string, Sample[]>();
    const calls = new Map<string, Map<string, Sample[]>>();
    for (let i = 0; i < runs; i++) {
      for (const bundle of bundles) {
        const loaded = await freshProcess(bundle, stub.url);
        samples.set(bundle.functionId, [...(samples.get(bundle.functionId) ?? []), loaded]);
        for (const [name, event] of Object.entries(FIRST_CALLS[bundle.entry] ?? {})) {
          const called = await freshProcess(bundle, stub.url, event);
          const byName = calls.get(bundle.functionId) ?? new Map<string, Sample[]>();
          byName.set(name, [...(byName.get(name) ?? []), called]);
          calls.set(bundle.functionId, byName);
        }
      }
    }
    return bundles.map((bundle) => {
      const loads = samples.get(bundle.functionId)!;
      const firstCalls = Object.fromEntries(
        [...(calls.get(bundle.functionId) ?? new Map<string, Sample[]>())].map(([name, list]) => [
          name,
          {
            p50Ms: percentile(list.map((s) => s.call!.ms), 50),
            loadPlusCallP50Ms: percentile(list.map((s) => s.loadMs + s.call!.ms), 50),
            outcome: list[0]!.call!.outcome,
          },
        ]),
      );
      return {
        entry: bundle.entry,
        functionId: bundle.functionId,
        bytes: bundle.bytes,
        kilobytes: +(bundle.bytes / 1024).toFixed(1),
        load: {
          p50Ms: percentile(loads.map((s) => s.loadMs), 50),
          minMs: percentile(loads.map((s) => s.loadMs), 0),
          maxMs: percentile(loads.map((s) => s.loadMs), 100),
          cpuP50Ms: percentile(loads.map((s) => s.cpuMs), 50),
          runs,
        },
        firstCalls,
      };
    });
  } finally {
    stub.server.close();
  }
}

export function printColdStarts(figures: readonly ColdStartFigures[]): void {
  for (const f of figures) {
    console.log(
      `  ${f.entry.padEnd(44)} ${f.kilobytes.toFixed(1).padStart(7)} KB   load p50 ${f.load.p50Ms.toFixed(0).padStart(4)} ms ` +
        `(min ${f.load.minMs.toFixed(0)}, max ${f.load.maxMs.toFixed(0)}, cpu p50 ${f.load.cpuP50Ms.toFixed(0)})`,
    );
    for (const [name, c] of Object.entries(f.firstCalls)) {
      console.log(`      first ${name.padEnd(38)} call p50 ${c.p50Ms.toFixed(0).padStart(4)} ms, load + call p50 ${c.loadPlusCallP50Ms.toFixed(0).padStart(4)} ms  (→ ${String(c.outcome)})`);
    }
  }
}
