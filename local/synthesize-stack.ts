import { App } from 'aws-cdk-lib';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadClientConfigs } from '../src/config/load-client-configs';
import { addClientStacks, stackNameFor } from '../src/stack/itsm-app';
import type { ClientConfig } from '../src/config/client-config-schema';

import { PROJECT_ROOT } from './local-paths';

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
  const outdir = mkdtempSync(join(tmpdir(), 'itsm-synth-'));
  try {
    const app = new App({
      outdir,
      context: { client: clientId, 'aws:cdk:bundling-stacks': [] },
      builtinCloudFormationValidation: false,
    });
    const configs = loadClientConfigs(clientsDir);
    const [stack] = addClientStacks(app, configs);
    const assembly = app.synth();
    const template = assembly.getStackByName(stackNameFor(clientId)).template as CloudFormationTemplate;
    return { config: stack!.config, template };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
