import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Role } from '../../src/kernel/domain/access-policy';
import { issueToken } from '../../local/local-tokens';

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

/** Runs `npm start`'s program as a user would, on a free port, and waits for "Listening on". */
export async function startRuntimeProcess(options: { localDir?: string; env?: Record<string, string> } = {}): Promise<RuntimeProcess> {
  const localDir = options.localDir ?? newLocalDir();
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
  });
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

function spawnStart(env: Record<string, string>): ChildProcess {
  // As `npm start` runs it: one Node process with tsx as a loader, so Ctrl-C (SIGINT) reaches the
  // runtime's own handler. (The tsx CLI relays signals to a child and SIGKILLs it if the child has
  // not acknowledged within 30 ms, which a busy machine can miss: no clean stop.)
  return spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'local/start.ts')], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'ERROR', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
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
