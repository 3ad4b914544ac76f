#!/usr/bin/env node
/**
 * `npm run cost`: estimates every client stack's monthly cost at rest, per resource, from its
 * synthesized template and the embedded price table (bin/cost/prices.ts), plus the cost of one
 * incident and one monitoring event at the bench's request counts (bench/results.json), and
 * writes one Markdown file per stack to docs/cost/<stack>.md. No network, no AWS account.
 *
 *   npm run cost -- [--clients clients] [--out docs/cost]
 */
import { App } from 'aws-cdk-lib';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadClientConfigs } from '../src/config/load-client-configs';
import { addClientStackPairs } from '../src/stack/itsm-app';
import type { TemplateJson } from './cost/estimate';
import { pricesFor } from './cost/prices';
import { benchFigures, money, stackCostReport, type StackCostReport } from './cost/report';

/** Synthesizes every client's stacks (bundling skipped: the templates are the same but for asset hashes) and reports each. */
export function costReports(clientsDir: string, benchResults: unknown): StackCostReport[] {
  const outdir = mkdtempSync(join(tmpdir(), 'itsm-cost-'));
  try {
    const app = new App({ outdir, context: { 'aws:cdk:bundling-stacks': [] }, builtinCloudFormationValidation: false });
    const pairs = addClientStackPairs(app, loadClientConfigs(clientsDir));
    const assembly = app.synth();
    const bench = benchFigures(benchResults);
    return pairs.flatMap(({ primary, recovery }) =>
      [primary, ...(recovery ? [recovery] : [])].map((stack) =>
        stackCostReport(stack.stackName, assembly.getStackByName(stack.stackName).template as TemplateJson, pricesFor(stack.region), bench, stack.role === 'recovery'),
      ),
    );
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const option = (name: string, fallback: string) => {
    const i = args.indexOf(name);
    return i >= 0 && args[i + 1] ? args[i + 1]! : fallback;
  };
  const root = resolve(__dirname, '..');
  const out = resolve(option('--out', join(root, 'docs/cost')));
  mkdirSync(out, { recursive: true });
  const reports = costReports(resolve(option('--clients', join(root, 'clients'))), JSON.parse(readFileSync(join(root, 'bench/results.json'), 'utf8')));
  for (const report of reports) {
    writeFileSync(join(out, `${report.stackName}.md`), report.markdown);
    console.log(`${report.stackName} (${report.region}): ${money(report.idleUsd)} a month at rest → ${join(out, `${report.stackName}.md`)}`);
  }
}
