export default async function globalTeardown(): Promise<void> {
  const engine = (globalThis as { __itsmEngine?: { stop(): Promise<void> } }).__itsmEngine;
  await engine?.stop();
}
