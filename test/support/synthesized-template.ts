import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { synthesizeClient, type CloudFormationTemplate } from '../../local/synthesize-stack';
import { isProcessAlive } from './process-alive';

/**
 * The synthesized template of a client's stack, synthesized ONCE per jest run and shared by every
 * test file through a file in the run's cache folder (ITSM_TEST_RUN_DIR, made by the global
 * setup and removed by the global teardown). It is exactly what `synthesizeClient` returns (the
 * stack's own definition: tables, routes, functions, state machines), read back from JSON: no
 * hand-written copy. A synth costs 5–10 s of CPU per call in a jest worker; the integration
 * tests used to run two dozen of them.
 *
 * The first file that asks synthesizes under a lock file; the others wait for the result. A lock
 * left by a worker that died is taken over. Without ITSM_TEST_RUN_DIR (a file run outside this
 * jest config) it synthesizes in-process, once per test file.
 */
const inProcess = new Map<string, CloudFormationTemplate>();

export function synthesizedTemplate(clientId = 'example'): CloudFormationTemplate {
  const cached = inProcess.get(clientId);
  if (cached) return cached;
  const template = readOrSynthesize(clientId);
  inProcess.set(clientId, template);
  return template;
}

function readOrSynthesize(clientId: string): CloudFormationTemplate {
  const dir = process.env['ITSM_TEST_RUN_DIR'];
  if (!dir) return synthesizeClient(clientId).template;
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `template-${clientId}.json`);
  const lock = `${file}.lock`;
  const deadline = Date.now() + 300_000;
  for (;;) {
    if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as CloudFormationTemplate;
    if (tryLock(lock)) {
      try {
        if (existsSync(file)) continue;
        const template = synthesizeClient(clientId).template;
        const partial = `${file}.${process.pid}.tmp`;
        writeFileSync(partial, JSON.stringify(template));
        renameSync(partial, file);
        return template;
      } finally {
        rmSync(lock, { force: true });
      }
    }
    if (Date.now() > deadline) throw new Error(`Timed out waiting for another jest worker to synthesize ${clientId} (lock ${lock})`);
    sleepSync(100);
  }
}

/** Creates the lock file holding our pid; takes over one whose holder has died. */
function tryLock(lock: string): boolean {
  try {
    const fd = openSync(lock, 'wx');
    writeSync(fd, String(process.pid));
    closeSync(fd);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  let holder = NaN;
  try {
    holder = Number(readFileSync(lock, 'utf8'));
  } catch {
    return false; // released meanwhile: try again on the next round
  }
  // An empty lock is one being written this instant; leave it.
  if (holder && !isProcessAlive(holder)) rmSync(lock, { force: true });
  return false;
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
