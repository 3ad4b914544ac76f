import { functionSettingsSchema, type FunctionSettings } from '../config/client-settings-schema';
import { ENV } from './environment-contract';
import { unpackSettings } from '../config/packed-settings';

// The typed contract per function (src/modules/<practice>/functions/environment.ts).
export { readEnvironment } from './environment-contract';

/**
 * Reads what a function needs from its environment, once per cold start. The stack sets these
 * variables; the local runtime sets the same ones from the synthesized template.
 */
export function requireEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`Environment variable ${name} is not set; the stack sets it on every function`);
  return value;
}

/** The client settings of `ITSM_CLIENT_SETTINGS`; the contacts are not among them (loadClientContacts). */
export function loadClientSettings(): FunctionSettings {
  const parsed = functionSettingsSchema.safeParse(JSON.parse(unpackSettings(requireEnv(ENV.clientSettings))));
  if (!parsed.success) throw new Error(`${ENV.clientSettings} is invalid: ${parsed.error.message}`);
  return parsed.data;
}

/**
 * The functions' clock. On AWS it is the system clock. The local runtime may run time faster for
 * demos and tests (`ITSM_TIME_SCALE`): it then sets the instant its scaled time started from
 * (`ITSM_TIME_ORIGIN`, real and virtual epoch ms) so every worker reads the same virtual time.
 */
export function createClock(env: NodeJS.ProcessEnv = process.env): { now(): Date } {
  const scale = Number(env['ITSM_TIME_SCALE'] ?? '1');
  const origin = env['ITSM_TIME_ORIGIN'];
  if (!origin || !Number.isFinite(scale) || scale === 1) return { now: () => new Date() };
  const [realStart, virtualStart] = origin.split(':').map(Number) as [number, number];
  return { now: () => new Date(virtualStart + (Date.now() - realStart) * scale) };
}

// Kept in its own module so a function that reads no client settings (meta) loads no settings schema.
export { createObservability, traceHandler } from '../kernel/runtime/observability-factory';
