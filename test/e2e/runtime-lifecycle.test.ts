import { mkdtempSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { call, newLocalDir, runStartExpectingFailure, sharedRuntime, startRuntimeProcess } from '../support/local-runtime-process';

// Each test starts the runtime (a JVM, a synth, bundling) once or twice, each start maybe after
// another runtime's (one boots at a time: the boot lock): on 2 busy cores that takes a while.
jest.setTimeout(600_000);

const incident = {
  shortDescription: 'Payroll export fails',
  description: 'The nightly payroll export stopped with an error.',
  impact: 2,
  urgency: 1,
  service: 'payroll',
  category: 'application',
};

test('data survives a restart, and Ctrl-C stops the runtime cleanly', async () => {
  const localDir = newLocalDir();
  const first = await startRuntimeProcess({ localDir });
  expect(first.output()).toMatch(/Starting DynamoDB Local/);
  expect(first.output()).toMatch(/Tables ready/);
  // The example follows the "Listening" line; it may arrive in a later chunk of output.
  await waitFor(() => /curl -s -X POST/.test(first.output()));
  expect(first.output()).toMatch(/curl -s -X POST/);
  const token = await first.token('agent', 'dana');
  const created = await call(first.url, 'POST', '/incidents', { token, body: incident });
  expect(created.status).toBe(201);
  expect(await first.stop()).toBe(0);
  expect(first.output()).toMatch(/Stopped\. Data kept/);

  const second = await startRuntimeProcess({ localDir });
  try {
    const again = await call(second.url, 'GET', `/incidents/${created.body.id}`, { token: await second.token('agent', 'dana') });
    expect(again.status).toBe(200);
    expect(again.body.number).toBe(created.body.number);
    // The number counter persisted too: the next incident gets the next number.
    const next = await call(second.url, 'POST', '/incidents', { token, body: incident });
    expect(Number(next.body.number.slice(3))).toBe(Number(created.body.number.slice(3)) + 1);
  } finally {
    await second.stop();
  }
});

test('a second instance on the same data folder stops with a plain message', async () => {
  // The running instance is the run's shared runtime (e2e-global-setup.ts): the refused start
  // stops at the lock, before it reads or writes anything in the folder.
  const running = await sharedRuntime();
  const { code, output } = await runStartExpectingFailure({ PORT: '0', ITSM_LOCAL_DIR: running.localDir });
  expect(code).toBe(1);
  expect(output).toMatch(/data folder .* is in use by another local runtime/);
  expect(output).not.toMatch(/\n\s+at /); // no stack trace
});

test('a busy port stops the start with a plain message', async () => {
  const blocker = createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
  const { port } = blocker.address() as { port: number };
  try {
    const { code, output } = await runStartExpectingFailure({ PORT: String(port), ITSM_LOCAL_DIR: newLocalDir() });
    expect(code).toBe(1);
    expect(output).toContain(`Port ${port} on 127.0.0.1 is already in use`);
    expect(output).toContain('PORT=');
  } finally {
    blocker.close();
  }
});

test('without Java the start stops and says what to install', async () => {
  // A PATH holding only node: `java` cannot be found.
  const bin = mkdtempSync(join(tmpdir(), 'itsm-nojava-'));
  symlinkSync(process.execPath, join(bin, 'node'));
  const { code, output } = await runStartExpectingFailure({ PORT: '0', ITSM_LOCAL_DIR: newLocalDir(), PATH: bin });
  expect(code).toBe(1);
  expect(output).toMatch(/Java 17 or newer is needed/);
});

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
}
