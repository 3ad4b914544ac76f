import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadClientConfigs } from '../../lib/config/load-client-configs';
import { addClientStacks } from '../../lib/itsm-app';
import { CLIENTS_DIR } from './infra-fixtures';

const outdir = mkdtempSync(join(tmpdir(), 'nag-'));
const app = new App({ outdir, context: { 'aws:cdk:bundling-stacks': [] }, builtinCloudFormationValidation: false });
addClientStacks(app, loadClientConfigs(CLIENTS_DIR).filter((c) => !process.argv[2] || c.id === process.argv[2]));
const packs = [new AwsSolutionsChecks(app, { verbose: process.env.VERBOSE === '1' }), new ServerlessChecks(app, { verbose: process.env.VERBOSE === '1' })];
for (const p of packs) {
  const r = p.validateScope(app);
  for (const v of r.violations) for (const res of v.violatingResources) console.log(`${v.severity}\t${v.ruleName}\t${res.constructPath}${process.env.VERBOSE === '1' ? '\n    ' + v.description : ''}`);
}
Validations.of(app).addPlugins(...packs);
try { app.synth(); console.log('SYNTH OK'); } catch (e) { console.log('SYNTH THREW:', (e as Error).message.slice(0, 3000)); }
console.log(outdir);
