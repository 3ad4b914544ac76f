import { Worker } from 'node:worker_threads';
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { PROJECT_ROOT } from './local-paths';
import type { TemplateFunction } from './template-model';

export interface InvocationResult {
  readonly result?: unknown;
  /** Set when the handler threw or timed out: API Gateway would answer 502. */
  readonly error?: string;
}

interface Pending {
  resolve(value: InvocationResult): void;
  timer: NodeJS.Timeout;
}

/** The bundle each worker loads before its handler: it registers the local stand-ins (no CloudWatch here). */
const STAND_INS_PRELOAD = '__local-stand-ins';

/**
 * Hosts the stack's functions locally: bundles each one from the entry its template metadata
 * names (esbuild, like NodejsFunction) and runs it in a worker thread with the environment the
 * template gives it. A function's worker starts on its first invocation, as a Lambda execution
 * environment does (its init runs then, and an init that fails fails that invocation and is tried
 * again on the next): a runtime pays for the functions it is asked to run, not for all of them.
 */
export class FunctionHost {
  private readonly workers = new Map<string, { worker: Worker; pending: Map<string, Pending>; timeoutMs: number }>();
  /** Per function: starts its worker (once; again after a failed init), resolved when it is ready. */
  private readonly starters = new Map<string, () => Promise<void>>();
  private stopped = false;

  private constructor(private readonly afterInvocation?: () => Promise<void>) {}

  static async start(options: {
    readonly functions: readonly TemplateFunction[];
    readonly environmentOf: (fn: TemplateFunction) => Record<string, string>;
    readonly buildDir: string;
    /**
     * A folder shared by runtimes started from the same source (a test run's folder): the bundles
     * are built there once and reused by every runtime that asks for the same functions.
     * @default none: every start bundles into its own buildDir
     */
    readonly bundleCacheDir?: string;
    readonly onLog?: (functionId: string, line: string) => void;
    /**
     * Awaited after every invocation, before its outcome is handed back (to the gateway, a stream
     * poller, a workflow): the engine's durability barrier (see local-runtime.ts).
     * @default none
     */
    readonly afterInvocation?: () => Promise<void>;
  }): Promise<FunctionHost> {
    const host = new FunctionHost(options.afterInvocation);
    const entryPoints = {
      ...Object.fromEntries(options.functions.map((fn) => [fn.logicalId, join(PROJECT_ROOT, fn.entry)])),
      [STAND_INS_PRELOAD]: join(PROJECT_ROOT, 'local/stand-ins/worker-preload.ts'),
    };
    const bundles = options.bundleCacheDir ? await cachedBundles(entryPoints, options.bundleCacheDir) : await bundle(entryPoints, options.buildDir);
    for (const fn of options.functions) {
      let starting: Promise<void> | undefined;
      const start = () =>
        host.spawn(fn, join(bundles, `${fn.logicalId}.js`), join(bundles, `${STAND_INS_PRELOAD}.js`), options.environmentOf(fn), options.onLog).catch((error: unknown) => {
          starting = undefined;
          throw error;
        });
      host.starters.set(fn.logicalId, () => (starting ??= start()));
    }
    return host;
  }

  private spawn(
    fn: TemplateFunction,
    bundle: string,
    preload: string,
    env: Record<string, string>,
    onLog?: (functionId: string, line: string) => void,
  ): Promise<void> {
    return new Promise((resolveReady, reject) => {
      const worker = new Worker(join(__dirname, 'lambda-worker.js'), {
        workerData: { bundle, preload, handler: fn.handler, functionName: fn.logicalId },
        // Plain JavaScript runs here (esbuild's bundles), as on Lambda: without the parent's
        // `--import tsx`, whose hooks would otherwise see every module a bundle loads.
        execArgv: [],
        env,
        stdout: Boolean(onLog),
        stderr: Boolean(onLog),
      });
      if (onLog) {
        for (const stream of [worker.stdout, worker.stderr]) {
          let buffered = '';
          stream.on('data', (chunk: Buffer) => {
            buffered += chunk.toString('utf8');
            const lines = buffered.split('\n');
            buffered = lines.pop() ?? '';
            for (const line of lines) if (line.trim()) onLog(fn.logicalId, line);
          });
        }
      }
      const pending = new Map<string, Pending>();
      this.workers.set(fn.logicalId, { worker, pending, timeoutMs: fn.timeoutSeconds * 1000 });
      worker.on('message', (message: { type?: string; id?: string; error?: string; result?: unknown }) => {
        if (message.type === 'ready') {
          if (message.error || this.stopped) {
            this.workers.delete(fn.logicalId);
            void worker.terminate();
            reject(new Error(this.stopped ? `${fn.logicalId}: the runtime is stopping` : `${fn.logicalId} (${fn.entry}) failed to initialise:\n${message.error}`));
          } else resolveReady();
          return;
        }
        const entry = pending.get(message.id!);
        if (!entry) return;
        pending.delete(message.id!);
        clearTimeout(entry.timer);
        entry.resolve(message.error ? { error: message.error } : { result: message.result });
      });
      worker.on('error', reject);
    });
  }

  async invoke(functionId: string, event: unknown, requestId = randomUUID()): Promise<InvocationResult> {
    const outcome = await this.run(functionId, event, requestId);
    await this.afterInvocation?.();
    return outcome;
  }

  private async run(functionId: string, event: unknown, requestId: string): Promise<InvocationResult> {
    const start = this.starters.get(functionId);
    if (!start) return { error: `No local function ${functionId}` };
    try {
      await start();
    } catch (error) {
      return { error: (error as Error).message };
    }
    const hosted = this.workers.get(functionId);
    if (!hosted) return { error: `No local function ${functionId}` };
    return new Promise((resolveInvocation) => {
      const timer = setTimeout(() => {
        hosted.pending.delete(requestId);
        resolveInvocation({ error: `Task timed out after ${hosted.timeoutMs / 1000} seconds` });
      }, hosted.timeoutMs);
      hosted.pending.set(requestId, { resolve: resolveInvocation, timer });
      hosted.worker.postMessage({ id: requestId, event, requestId, deadlineMs: Date.now() + hosted.timeoutMs });
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all([...this.workers.values()].map(({ worker }) => worker.terminate()));
    this.workers.clear();
  }
}

/** Bundles each entry (esbuild, like NodejsFunction) into `outdir`; returns it. */
async function bundle(entryPoints: Record<string, string>, outdir: string): Promise<string> {
  await build({
    entryPoints,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    outdir,
    sourcemap: 'inline',
    // Unlike on Lambda, the AWS SDK is bundled in: the build folder may be outside the project,
    // where node_modules cannot be resolved.
    absWorkingDir: PROJECT_ROOT,
    logLevel: 'error',
  });
  return outdir;
}

/**
 * The bundles of these entries in the shared cache folder, built by the first runtime that needs
 * them: built aside, then renamed into place, so a runtime never loads a half-written bundle; when
 * two build at once, the first rename wins and the other's copy is dropped.
 */
async function cachedBundles(entryPoints: Record<string, string>, cacheDir: string): Promise<string> {
  const key = createHash('sha1').update(JSON.stringify(Object.entries(entryPoints).sort())).digest('hex').slice(0, 12);
  const ready = join(cacheDir, `bundles-${key}`);
  if (existsSync(ready)) return ready;
  mkdirSync(cacheDir, { recursive: true });
  const partial = await bundle(entryPoints, `${ready}.${process.pid}.partial`);
  try {
    renameSync(partial, ready);
  } catch (error) {
    if (!existsSync(ready)) throw error;
    rmSync(partial, { recursive: true, force: true });
  }
  return ready;
}
