import { spawn } from 'node:child_process';
import { resolve } from 'node:path';

/**
 * The type check of the whole project (`npm run typecheck`), as one test of the jest run. The jest
 * transform strips types without checking them; run here, the checker works beside the other files
 * instead of before them all. The sequencer (test/support/slow-first-sequencer.js) starts it first.
 * Every error it reports fails the test, listed in its message.
 *
 * The checker is TypeScript 7's (the native port, installed as `typescript-native`): the same
 * checks as TypeScript 6's tsc in about a third of the CPU time (measured here: 8 against 22
 * CPU-seconds for this project). TypeScript 6 stays the project's `typescript` for editors and for
 * openapi-typescript, which needs its JavaScript API (TypeScript 7 has none yet).
 */
const ROOT = resolve(__dirname, '../..');

test('TypeScript 7 tsc --noEmit -p . reports no error', async () => {
  const { code, output } = await new Promise<{ code: number | null; output: string }>((resolveRun, reject) => {
    const child = spawn(process.execPath, [resolve(ROOT, 'node_modules/typescript-native/bin/tsc'), '--noEmit', '-p', '.', '--pretty', 'false'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (exitCode) => resolveRun({ code: exitCode, output: text }));
  });
  expect(output.trim()).toBe('');
  expect(code).toBe(0);
}, 900_000);
