import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Role } from '../../src/kernel/domain/access-policy';
import { issueToken } from '../../local/local-tokens';
import { isProcessAlive } from './process-alive';
import { contractViolation } from './openapi-contract';

const ROOT = resolve(__dirname, '../..');

export interface RuntimeProcess {
  readonly url: string;
  readonly localDir: string;
  readonly output: () => string;
  token(role: Role | Role[], user: string): Promise<string>;
  /** Sends SIGINT, as Ctrl-C does, and waits for the exit code. */
  stop(): Promise<number | null>;
}

export const newLocalDir = () => mkdtempSync(join(tmpdir(), 'itsm-e2e-'));

/**
 * Hook timeout for e2e set-ups that wait for a runtime: the boot lock may make them wait for
 * another runtime's start first.
 */
export const RUNTIME_HOOK_TIMEOUT = 600_000;

/** A start (synth, bundling, JVM, 12 function workers) held longer than this is taken as dead. */
const BOOT_LOCK_STALE_MS = 240_000;

/**
 * One runtime boots at a time in a jest run: a boot is CPU-bound (synth, esbuild, a JVM, function
 * workers), and on 2 cores several at once only make each slower, past its timeout. The lock is a
 * file in the run's folder holding the pid of whoever boots; a dead holder's, or one held too
 * long, is taken over. Returns the release. Without ITSM_TEST_RUN_DIR there is no lock.
 */
export async function acquireBootLock(holderPid = process.pid): Promise<() => void> {
  const dir = process.env['ITSM_TEST_RUN_DIR'];
  if (!dir) return () => undefined;
  const lock = join(dir, 'runtime-boot.lock');
  const deadline = Date.now() + 2 * BOOT_LOCK_STALE_MS;
  for (;;) {
    try {
      const fd = openSync(lock, 'wx');
      writeSync(fd, String(holderPid));
      closeSync(fd);
      return () => rmSync(lock, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    try {
      const holder = Number(readFileSync(lock, 'utf8'));
      const stale = Date.now() - statSync(lock).mtimeMs > BOOT_LOCK_STALE_MS || (holder > 0 && !isProcessAlive(holder));
      if (stale || Date.now() > deadline) rmSync(lock, { force: true });
    } catch {
      // released meanwhile
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Runs `npm start`'s program as a user would, on a free port, and waits for "Listening on". */
export async function startRuntimeProcess(options: { localDir?: string; env?: Record<string, string> } = {}): Promise<RuntimeProcess> {
  const localDir = options.localDir ?? newLocalDir();
  const releaseBoot = await acquireBootLock();
  const child = spawnStart({ PORT: '0', ITSM_LOCAL_DIR: localDir, ...options.env });
  let output = '';
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`local runtime did not start within 150 s:\n${output}`)), 150_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /Listening on (http:\/\/[\d.:]+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolveUrl(match[1]!);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`local runtime exited with ${code}:\n${output}`));
    });
  }).finally(releaseBoot);
  return {
    url,
    localDir,
    output: () => output,
    token: (role, user) => issueToken(localDir, { roles: Array.isArray(role) ? role : [role], user }),
    stop: () =>
      new Promise((resolveStop) => {
        if (child.exitCode !== null) return resolveStop(child.exitCode);
        child.removeAllListeners('exit');
        child.once('exit', (code) => resolveStop(code));
        child.kill('SIGINT');
      }),
  };
}

/** Runs the start program expecting it to fail; resolves with its exit code and output. */
export function runStartExpectingFailure(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const child = spawnStart(env);
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  return new Promise((resolveRun) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolveRun({ code, output });
    });
  });
}

export function spawnStart(env: Record<string, string>, stdio: StdioOptions = ['ignore', 'pipe', 'pipe']): ChildProcess {
  // As `npm start` runs it: one Node process with tsx as a loader, so Ctrl-C (SIGINT) reaches the
  // runtime's own handler. (The tsx CLI relays signals to a child and SIGKILLs it if the child has
  // not acknowledged within 30 ms, which a busy machine can miss: no clean stop.)
  return spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'local/start.ts')], {
    cwd: ROOT,
    // The run's runtimes synthesize the stack and bundle its functions once between them
    // (local/synthesize-stack.ts, local/function-host.ts).
    env: {
      ...process.env,
      LOG_LEVEL: 'ERROR',
      ...(process.env['ITSM_TEST_RUN_DIR'] && { ITSM_SYNTH_CACHE_DIR: process.env['ITSM_TEST_RUN_DIR'], ITSM_BUNDLE_CACHE_DIR: process.env['ITSM_TEST_RUN_DIR'] }),
      ...env,
    },
    stdio,
  });
}

/** Where the e2e global setup tells the test files about the shared runtime (environment variables). */
export const SHARED_RUNTIME_ENV = { pid: 'ITSM_E2E_SHARED_PID', log: 'ITSM_E2E_SHARED_LOG', localDir: 'ITSM_E2E_SHARED_DIR' } as const;

/**
 * The run's shared local runtime: ONE `npm start` (example client, real time, its own data
 * folder), started by the e2e project's global setup (test/support/e2e-global-setup.ts) in the
 * background while other files run, and stopped by its global teardown. For the e2e files that
 * only need a running system: each keeps its data apart with its own ids, users and services,
 * and none asserts on a whole table. Files that stop, restart, scale time or compare whole
 * tables start their own with startRuntimeProcess. Waits for "Listening on"; `stop()` is refused.
 */
export async function sharedRuntime(timeoutMs = 400_000): Promise<RuntimeProcess> {
  const pid = Number(process.env[SHARED_RUNTIME_ENV.pid]);
  const log = process.env[SHARED_RUNTIME_ENV.log];
  const localDir = process.env[SHARED_RUNTIME_ENV.localDir];
  if (!pid || !log || !localDir) throw new Error('No shared local runtime: run the e2e files through jest (the e2e project\'s globalSetup starts it)');
  const output = () => (existsSync(log) ? readFileSync(log, 'utf8') : '');
  const deadline = Date.now() + timeoutMs;
  let url: string | undefined;
  for (;;) {
    url = /Listening on (http:\/\/[\d.:]+)/.exec(output())?.[1];
    if (url) break;
    if (!isProcessAlive(pid)) throw new Error(`the shared local runtime exited before listening:\n${output()}`);
    if (Date.now() > deadline) throw new Error(`the shared local runtime did not start within ${timeoutMs / 1000} s:\n${output()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    localDir,
    output,
    token: (role, user) => issueToken(localDir, { roles: Array.isArray(role) ? role : [role], user }),
    stop: () => Promise.reject(new Error('the shared local runtime is stopped by the e2e global teardown, not by a test file')),
  };
}

export interface HttpAnswer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: any;
  readonly text: string;
}

export async function call(
  base: string,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> } = {},
): Promise<HttpAnswer> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers['Authorization'] = `Bearer ${options.token}`;
  let body: string | undefined = options.rawBody;
  if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['Content-Type'] ??= 'application/json';
  }
  const response = await fetch(`${base}${path}`, { method, headers, ...(body !== undefined && { body }) });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  // The contract: a response the OpenAPI document does not describe fails the test that received it.
  const violation = contractViolation({ method, path, status: response.status, contentType: response.headers.get('content-type') ?? '', text, body: parsed });
  if (violation) throw new Error(`OpenAPI contract: ${violation}\nBody: ${text.slice(0, 500)}`);
  return { status: response.status, headers: response.headers, body: parsed, text };
}

/**
 * Adds live services to the running runtime's catalogue through the API, as an admin would:
 * incidents must name a service of the catalogue, and the example client seeds only a few.
 */
export async function createServices(runtime: RuntimeProcess, ids: readonly string[]): Promise<void> {
  const token = await runtime.token('admin', 'e2e-admin');
  for (const id of ids) {
    const answer = await call(runtime.url, 'POST', '/services', {
      token,
      body: {
        id,
        name: `E2E ${id}`,
        description: `Service for the ${id} end-to-end tests`,
        status: 'live',
        commencementDate: '2026-01-01',
        owner: { username: 'e2e-admin', name: 'E2E Admin', email: 'e2e-admin@example.com' },
        sla: { reference: 'MSA-2026 schedule 2' },
      },
    });
    if (answer.status !== 201 && answer.status !== 409) throw new Error(`POST /services ${id} answered ${answer.status}: ${answer.text}`);
  }
}

/**
 * Waits until the runtime's stream consumer has delivered every stored effect (GET /_local/outbox
 * lists none undelivered): effects leave after the response, so a test that compares stored state
 * or sent notifications waits for them first. Fails if any effect failed or time runs out.
 */
export async function effectsDelivered(url: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { body } = await call(url, 'GET', '/_local/outbox');
    const { undelivered, failed } = body as { undelivered: unknown[]; failed: unknown[] };
    if (failed.length > 0) throw new Error(`Effects failed to deliver: ${JSON.stringify(failed)}`);
    if (undelivered.length === 0) return;
    if (Date.now() > deadline) throw new Error(`Effects still undelivered after ${timeoutMs} ms: ${JSON.stringify(undelivered)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
