export default async function globalTeardown(): Promise<void> {
  const engines = (globalThis as { __itsmEngines?: { stop(): Promise<void> }[] }).__itsmEngines ?? [];
  await Promise.all(engines.map((engine) => engine.stop()));
}
