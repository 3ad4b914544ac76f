#!/usr/bin/env node
/**
 * Writes test/support/test-durations.json: how long each test file took in the last jest run of
 * this checkout, from jest's own timing cache. The sequencer (slow-first-sequencer.js) falls back
 * on it where jest has no timing of its own, as in a fresh clone (CI), so the long files start
 * first there too. Run after a full `npm test`: `node test/support/record-test-durations.js`.
 * Stale figures only make the order a little worse; a file missing from it starts early.
 */
const { readdirSync, readFileSync, writeFileSync } = require('node:fs');
const { join, relative, resolve } = require('node:path');
const { tmpdir } = require('node:os');

const root = resolve(__dirname, '..', '..');
// Jest's default cache directory (the project does not set one).
const cacheDirectory = join(tmpdir(), `jest_${process.getuid ? process.getuid().toString(36) : '0'}`);
const durations = {};
for (const name of readdirSync(cacheDirectory).filter((n) => n.startsWith('perf-cache-'))) {
  const cache = JSON.parse(readFileSync(join(cacheDirectory, name), 'utf8'));
  for (const [path, [, ms]] of Object.entries(cache)) {
    if (!path.startsWith(`${root}/`) || !ms) continue;
    durations[relative(root, path)] = Math.round(ms / 100) * 100;
  }
}
const sorted = Object.fromEntries(Object.entries(durations).sort(([a], [b]) => a.localeCompare(b)));
writeFileSync(join(__dirname, 'test-durations.json'), `${JSON.stringify(sorted, null, 1)}\n`);
console.log(`${Object.keys(sorted).length} test files' durations written to test/support/test-durations.json`);
