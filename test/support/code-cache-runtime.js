/**
 * Jest's module runtime, with V8's code cache. Jest gives every test file a fresh module registry,
 * so each of the ~160 files compiles the AWS SDK, aws-cdk-lib, zod and our own modules again from
 * source (vm.compileFunction): about a tenth of the workers' CPU. V8 can skip that parse when
 * given the code cache of the same source. Here the first compile of a module in the run produces
 * that cache (kept in memory and in the run's scratch folder, ITSM_TEST_RUN_DIR, so every worker
 * shares it); later compiles of the same source, in any file and any worker, use it. The key is a
 * hash of file name and source: a changed source can never meet an old cache, and V8 itself
 * rejects a cache from another V8 version or flags (then the module is compiled from source, as
 * before). What runs is the same code: only its parse is skipped.
 *
 * Jest calls `compileFunction` of node:vm (jest-runtime's `compile`), which this wraps in the
 * worker process before jest-runtime is loaded; nothing else in a worker calls it.
 */
const vm = require('node:vm');
const { createHash } = require('node:crypto');
const { mkdirSync, readFileSync, renameSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

/** Below this, compiling costs less than hashing the source and reading a cache file. */
const SMALLEST_CACHED_SOURCE = 2_048;

const compileFunction = vm.compileFunction;
const inMemory = new Map();
let cacheDir;

function cacheDirectory() {
  if (cacheDir !== undefined) return cacheDir;
  const runDir = process.env['ITSM_TEST_RUN_DIR'];
  cacheDir = runDir ? join(runDir, 'v8-code-cache') : null;
  if (cacheDir) mkdirSync(cacheDir, { recursive: true });
  return cacheDir;
}

function cachedFor(key) {
  const held = inMemory.get(key);
  if (held) return held;
  const dir = cacheDirectory();
  if (!dir) return undefined;
  try {
    const data = readFileSync(join(dir, key));
    inMemory.set(key, data);
    return data;
  } catch {
    return undefined;
  }
}

function keep(key, data) {
  inMemory.set(key, data);
  const dir = cacheDirectory();
  if (!dir) return;
  // Written whole then renamed: another worker never reads half a cache.
  const partial = join(dir, `${key}.${process.pid}.tmp`);
  writeFileSync(partial, data);
  renameSync(partial, join(dir, key));
}

vm.compileFunction = function compileWithCodeCache(code, params, options = {}) {
  if (typeof code !== 'string' || code.length < SMALLEST_CACHED_SOURCE || options.cachedData || options.produceCachedData) {
    return compileFunction.call(this, code, params, options);
  }
  const key = createHash('sha1').update(String(options.filename)).update('\0').update((params ?? []).join(',')).update('\0').update(code).digest('hex');
  const cached = cachedFor(key);
  if (cached) {
    const fn = compileFunction.call(this, code, params, { ...options, cachedData: cached });
    if (!fn.cachedDataRejected) return fn;
    inMemory.delete(key);
  }
  const fn = compileFunction.call(this, code, params, { ...options, produceCachedData: true });
  if (fn.cachedDataProduced && fn.cachedData) keep(key, fn.cachedData);
  return fn;
};

module.exports = require('jest-runtime');
