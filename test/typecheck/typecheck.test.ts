import { spawn } from 'node:child_process';
import { resolve } from 'node:path';

/**
 * The type check of the whole project (`npm run typecheck`: tsc --noEmit -p .), as one test of the
 * jest run. The jest transform strips types without checking them; run here, tsc (one core for
 * half a minute) works beside the other files instead of before all of them. The sequencer
 * (test/support/slow-first-sequencer.js) starts it first. Every error tsc reports fails the test,
 * listed in its message.
 */
const ROOT = resolve(__dirname, '../..');

test('tsc --noEmit -p . reports no error', async () => {
  const { code, output } = await new Promise<{ code: number | null; output: string }>((resolveRun, reject) => {
    const child = spawn(process.execPath, [require.resolve('typescript/bin/tsc'), '--noEmit', '-p', '.', '--pretty', 'false'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (exitCode) => resolveRun({ code: exitCode, output: text }));
  });
  expect(output.trim()).toBe('');
  expect(code).toBe(0);
}, 900_000);
