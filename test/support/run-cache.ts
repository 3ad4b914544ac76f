import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { isProcessAlive } from './process-alive';

/**
 * A value made ONCE per jest run and shared by every test file (in every worker) through a JSON
 * file in the run's scratch folder (ITSM_TEST_RUN_DIR, made by the global setup and removed by the
 * global teardown, so nothing outlives the run and nothing can be stale). For what is costly to
 * make and the same for all files, like a synthesized template.
 *
 * The first file that asks makes it under a lock file; the others wait for the result. A lock left
 * by a worker that died is taken over. Without ITSM_TEST_RUN_DIR (a file run outside this jest
 * config) it is made in-process, once per call.
 */
export function sharedForRun<T>(name: string, make: () => T): T {
  const dir = process.env['ITSM_TEST_RUN_DIR'];
  if (!dir) return make();
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}.json`);
  const lock = `${file}.lock`;
  const deadline = Date.now() + 300_000;
  for (;;) {
    if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as T;
    if (tryLock(lock)) {
      try {
        if (existsSync(file)) continue;
        const value = make();
        const partial = `${file}.${process.pid}.tmp`;
        writeFileSync(partial, JSON.stringify(value));
        renameSync(partial, file);
        return value;
      } finally {
        rmSync(lock, { force: true });
      }
    }
    if (Date.now() > deadline) throw new Error(`Timed out waiting for another jest worker to make ${name} (lock ${lock})`);
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
