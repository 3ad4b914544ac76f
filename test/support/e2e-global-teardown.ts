import type { ChildProcess } from 'node:child_process';

/** Stops the shared local runtime as Ctrl-C would (SIGINT), and SIGKILLs it if it hangs. */
export default async function e2eGlobalTeardown(): Promise<void> {
  const child = (globalThis as { __itsmSharedRuntime?: ChildProcess }).__itsmSharedRuntime;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolveStop) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolveStop();
    });
    child.kill('SIGINT');
  });
}
