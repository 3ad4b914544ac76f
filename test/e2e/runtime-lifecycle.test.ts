import { mkdtempSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newLocalDir, runStartExpectingFailure, sharedRuntime } from '../support/local-runtime-process';

// A refused start may wait for another runtime's boot (one boots at a time: the boot lock).
jest.setTimeout(600_000);

// A restart on the same data folder (Ctrl-C, then `npm start` again: data, the number counter and
// pending SLA clocks kept) is tested in sla-escalation.test.ts, on the runtime it restarts anyway.

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
