import { App } from 'aws-cdk-lib';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadClientConfigs } from '../src/config/load-client-configs';
import { addClientStacks, stackNameFor } from '../src/stack/itsm-app';
import type { ClientConfig } from '../src/config/client-config-schema';

import { PROJECT_ROOT } from './local-paths';
import { LOCAL_RUNTIME_CONTEXT } from '../src/modules/servicenow/infra';

/**
 * ITSM_SERVICENOW_URL (e.g. http://127.0.0.1:8123) points the client's ServiceNow map at that
 * instance and enables it: `npm start` then exchanges the client's incidents with it (basic auth
 * from ITSM_SERVICENOW_USER / _PASSWORD, business-rule calls signed with ITSM_SERVICENOW_WEBHOOK_SECRET).
 */
export function withLocalServiceNow(config: ClientConfig, env: NodeJS.ProcessEnv = process.env): ClientConfig {
  const url = env['ITSM_SERVICENOW_URL'];
  const servicenow = config.integrations.servicenow;
  if (!url || !servicenow) return config;
  return { ...config, integrations: { ...config.integrations, servicenow: { ...servicenow, enabled: true, instanceUrl: url.replace(/\/$/, '') } } };
}

export { PROJECT_ROOT };

export interface SynthesizedClient {
  readonly config: ClientConfig;
  /** The CloudFormation template exactly as `cdk synth` writes it (assets aside). */
  readonly template: CloudFormationTemplate;
}

export interface CloudFormationTemplate {
  readonly Resources: Record<string, { readonly Type: string; readonly Properties?: any; readonly Metadata?: any }>;
}

/**
 * Synthesizes one client's stack in-process and returns its template: the local runtime and the
 * tests read routes, tables and function settings from here, never from a copy. Bundling is
 * skipped (the local runtime bundles from the same entry itself) and so is the built-in
 * CloudFormation validation, which `cdk synth` and the infra tests keep.
 */
export function synthesizeClient(clientId = 'example', clientsDir = join(PROJECT_ROOT, 'clients')): SynthesizedClient {
  // A test run synthesizes each client once: its runtimes (several per run) share the result
  // through the run's folder. The source cannot change during a run, so the folder is the key.
  const cacheDir = process.env['ITSM_SYNTH_CACHE_DIR'];
  if (!cacheDir) return synthesizeNow(clientId, clientsDir);
  const cached = join(cacheDir, `synth-${clientId}-${createHash('sha1').update(clientsDir).digest('hex').slice(0, 12)}.json`);
  if (existsSync(cached)) return JSON.parse(readFileSync(cached, 'utf8')) as SynthesizedClient;
  const synthesized = synthesizeNow(clientId, clientsDir);
  const partial = `${cached}.${process.pid}`;
  writeFileSync(partial, JSON.stringify(synthesized));
  renameSync(partial, cached);
  return synthesized;
}

function synthesizeNow(clientId: string, clientsDir: string): SynthesizedClient {
  const outdir = mkdtempSync(join(tmpdir(), 'itsm-synth-'));
  try {
    const app = new App({
      outdir,
      // The local runtime's context: an http:// ServiceNow on the loopback is allowed here only.
      context: { client: clientId, 'aws:cdk:bundling-stacks': [], [LOCAL_RUNTIME_CONTEXT]: true },
      builtinCloudFormationValidation: false,
    });
    const configs = loadClientConfigs(clientsDir).map((config) => (config.id === clientId ? withLocalServiceNow(config) : config));
    const [stack] = addClientStacks(app, configs);
    const assembly = app.synth();
    const template = assembly.getStackByName(stackNameFor(clientId)).template as CloudFormationTemplate;
    return { config: stack!.config, template };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
