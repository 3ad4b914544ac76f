/**
 * Creates a value on its first use and keeps it for the life of the execution environment, like
 * the clients built at import time, but without their cost at cold start. Meant for adapters that
 * only some invocations need (an SDK client behind a rarely taken branch): their modules are
 * reached by a dynamic `import()`, which esbuild keeps in the one bundle and evaluates only then.
 * A failed creation is not kept, so the next use tries again.
 */
export function lazily<T>(create: () => Promise<T>): () => Promise<T> {
  let created: Promise<T> | undefined;
  return () =>
    (created ??= create().catch((error: unknown) => {
      created = undefined;
      throw error;
    }));
}
