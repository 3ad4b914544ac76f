import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * The test runtime's V8 code cache (test/support/code-cache-runtime.js), in a process of its own
 * (it wraps node:vm for the whole process, as it does in each jest worker): the first compile of a
 * source stores its cache in the run folder, a later compile of the same source (here: another
 * process, as another worker would) is given it and V8 accepts it, and a changed source is
 * compiled afresh. The functions compiled either way behave the same.
 */
const RUNTIME = resolve(__dirname, '../support/code-cache-runtime.js');

function compileInFreshProcess(runDir: string, source: string): { result: number; consumed: boolean; produced: boolean } {
  const script = `
    require(${JSON.stringify(RUNTIME)});
    const vm = require('node:vm');
    const fn = vm.compileFunction(${JSON.stringify(source)}, ['x'], { filename: '/virtual/module.js' });
    process.stdout.write(JSON.stringify({ result: fn(20), consumed: fn.cachedDataRejected === false, produced: fn.cachedDataProduced === true }));
  `;
  const run = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', env: { ...process.env, ITSM_TEST_RUN_DIR: runDir } });
  if (run.status !== 0) throw new Error(run.stderr);
  return JSON.parse(run.stdout);
}

/** A module large enough to be cached (the runtime leaves small ones alone). */
const moduleSource = (answer: number) => `${'// padding\n'.repeat(300)}return x + ${answer};`;

let runDir: string;
beforeEach(() => (runDir = mkdtempSync(join(tmpdir(), 'itsm-code-cache-'))));
afterEach(() => rmSync(runDir, { recursive: true, force: true }));

test('the first compile stores the code cache; the next, in another process, uses it', () => {
  const first = compileInFreshProcess(runDir, moduleSource(22));
  expect(first).toEqual({ result: 42, consumed: false, produced: true });
  expect(readdirSync(join(runDir, 'v8-code-cache')).filter((f) => !f.endsWith('.tmp'))).toHaveLength(1);

  const second = compileInFreshProcess(runDir, moduleSource(22));
  expect(second).toEqual({ result: 42, consumed: true, produced: false });
});

test('a changed source never meets the old cache', () => {
  compileInFreshProcess(runDir, moduleSource(22));
  const changed = compileInFreshProcess(runDir, moduleSource(1));
  expect(changed).toEqual({ result: 21, consumed: false, produced: true });
  expect(readdirSync(join(runDir, 'v8-code-cache'))).toHaveLength(2);
});
