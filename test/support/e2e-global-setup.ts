import { closeSync, mkdtempSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { preferShortLivedJvm } from './short-lived-jvm';
import { acquireBootLock, newLocalDir, SHARED_RUNTIME_ENV, spawnStart } from './local-runtime-process';

/**
 * The e2e project's global setup: starts the run's shared local runtime (`npm start` as a user
 * runs it, on a free port, in its own data folder) WITHOUT waiting for it, so it synthesizes,
 * bundles and boots DynamoDB Local while the first files run; the e2e files that share it wait
 * for "Listening on" in its log (sharedRuntime()). It holds the boot lock until it listens (or
 * exits), so the files starting runtimes of their own boot after it, not all at once. Jest runs a
 * project's global setup only when one of its files is selected.
 */
export default async function e2eGlobalSetup(): Promise<void> {
  preferShortLivedJvm();
  process.env['ITSM_TEST_RUN_DIR'] ??= mkdtempSync(join(tmpdir(), 'itsm-test-run-'));
  const localDir = newLocalDir();
  const log = join(mkdtempSync(join(tmpdir(), 'itsm-e2e-shared-')), 'runtime.log');
  const releaseBoot = await acquireBootLock();
  const fd = openSync(log, 'a');
  const child = spawnStart({ PORT: '0', ITSM_LOCAL_DIR: localDir }, ['ignore', fd, fd]);
  closeSync(fd);
  const watch = setInterval(() => {
    if (child.exitCode !== null || child.signalCode !== null || /Listening on/.test(readFileSync(log, 'utf8'))) {
      clearInterval(watch);
      releaseBoot();
    }
  }, 250);
  watch.unref();
  process.env[SHARED_RUNTIME_ENV.pid] = String(child.pid);
  process.env[SHARED_RUNTIME_ENV.log] = log;
  process.env[SHARED_RUNTIME_ENV.localDir] = localDir;
  (globalThis as { __itsmSharedRuntime?: typeof child }).__itsmSharedRuntime = child;
}
