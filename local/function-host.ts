import { Worker } from 'node:worker_threads';
import { randomUUID } from 'node:crypto';
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
 * template gives it.
 */
export class FunctionHost {
  private readonly workers = new Map<string, { worker: Worker; pending: Map<string, Pending>; timeoutMs: number }>();
  readonly initTimes = new Map<string, number>();

  static async start(options: {
    readonly functions: readonly TemplateFunction[];
    readonly environmentOf: (fn: TemplateFunction) => Record<string, string>;
    readonly buildDir: string;
    readonly onLog?: (functionId: string, line: string) => void;
  }): Promise<FunctionHost> {
    const host = new FunctionHost();
    await build({
      entryPoints: {
        ...Object.fromEntries(options.functions.map((fn) => [fn.logicalId, join(PROJECT_ROOT, fn.entry)])),
        [STAND_INS_PRELOAD]: join(PROJECT_ROOT, 'local/stand-ins/worker-preload.ts'),
      },
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      outdir: options.buildDir,
      sourcemap: 'inline',
      // Unlike on Lambda, the AWS SDK is bundled in: the build folder may be outside the project,
      // where node_modules cannot be resolved.
      absWorkingDir: PROJECT_ROOT,
      logLevel: 'error',
    });
    await Promise.all(
      options.functions.map((fn) =>
        host.spawn(fn, join(options.buildDir, `${fn.logicalId}.js`), join(options.buildDir, `${STAND_INS_PRELOAD}.js`), options.environmentOf(fn), options.onLog),
      ),
    );
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
      worker.on('message', (message: { type?: string; id?: string; initMs?: number; error?: string; result?: unknown }) => {
        if (message.type === 'ready') {
          this.initTimes.set(fn.logicalId, message.initMs ?? 0);
          if (message.error) reject(new Error(`${fn.logicalId} (${fn.entry}) failed to initialise:\n${message.error}`));
          else resolveReady();
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

  invoke(functionId: string, event: unknown, requestId = randomUUID()): Promise<InvocationResult> {
    const hosted = this.workers.get(functionId);
    if (!hosted) return Promise.resolve({ error: `No local function ${functionId}` });
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
    await Promise.all([...this.workers.values()].map(({ worker }) => worker.terminate()));
    this.workers.clear();
  }
}
