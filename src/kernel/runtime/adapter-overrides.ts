/**
 * The seam through which a runtime other than Lambda supplies an adapter in place of the one a
 * function would create for AWS (e.g. the local runtime's file-backed alarm tags, where there is no
 * CloudWatch). The factories in `src/modules/<practice>/functions/*-factory.ts` ask here first.
 *
 * Production code never registers anything, and nothing under src/ imports the stand-ins: the
 * local runtime registers them (local/stand-ins/register-stand-ins.ts) before it loads a handler.
 * The registry lives on `globalThis` under a `Symbol.for` key, so the registering code and the
 * handler share it although they are separate bundles (or, in jest, separate module registries).
 */

/** Names one overridable adapter and the port its override must implement. */
export interface AdapterKey<T> {
  readonly name: string;
  /** Type only: never set. */
  readonly port?: T;
}

export const adapterKey = <T>(name: string): AdapterKey<T> => Object.freeze({ name });

const REGISTRY = Symbol.for('rowe-itsm.adapter-overrides');

function registry(): Map<string, unknown> {
  const holder = globalThis as { [REGISTRY]?: Map<string, unknown> };
  holder[REGISTRY] ??= new Map();
  return holder[REGISTRY];
}

/** Registers `adapter` in place of the AWS one; returns what undoes it. */
export function overrideAdapter<T>(key: AdapterKey<T>, adapter: T): () => void {
  const adapters = registry();
  if (adapters.has(key.name)) throw new Error(`An adapter is already registered in place of ${key.name}`);
  adapters.set(key.name, adapter);
  return () => {
    if (adapters.get(key.name) === adapter) adapters.delete(key.name);
  };
}

/** The adapter registered in place of the AWS one, if any. */
export function adapterOverride<T>(key: AdapterKey<T>): T | undefined {
  return registry().get(key.name) as T | undefined;
}
