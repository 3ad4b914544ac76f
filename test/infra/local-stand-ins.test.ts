import { App, Stack } from 'aws-cdk-lib';
import { Key } from 'aws-cdk-lib/aws-kms';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { ItsmFunction } from '../../src/kernel/infra/itsm-function';
import { REPO_ROOT, HANDLER_ENTRIES } from './infra-fixtures';

/**
 * The local runtime's stand-ins for CloudWatch (local/stand-ins) are registered by the local Lambda
 * worker through the adapter seam (src/kernel/runtime/adapter-overrides.ts): no production code
 * imports local/, and the bundles deployed to Lambda do not contain them.
 */
const STAND_IN_MARKERS = [
  // Texts only the stand-ins have (class names do not survive minification).
  'expected an object of alarm ARN',
  'expected an object of "<service>/<action>"',
  'expected an object of secret ARN',
];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : /\.[cm]?[jt]s$/.test(name) ? [path] : [];
  });
}

test('no file under src/ imports local/', () => {
  const offenders = sourceFiles(join(REPO_ROOT, 'src')).filter((file) => /from\s+['"][./]*\/local\/|require\(\s*['"][./]*\/local\/|import\(\s*['"][./]*\/local\//.test(readFileSync(file, 'utf8')));
  expect(offenders.map((f) => relative(REPO_ROOT, f))).toEqual([]);
});

describe('the bundles of the functions that have a local stand-in', () => {
  let outdir: string;
  const bundles: Record<string, string> = {};

  beforeAll(() => {
    outdir = mkdtempSync(join(tmpdir(), 'itsm-stand-ins-bundling-'));
    // The built-in CloudFormation validation is kept on in synth-validation.test.ts and `cdk synth`.
    const app = new App({ outdir, context: { 'aws:cdk:enable-asset-metadata': true }, builtinCloudFormationValidation: false });
    const stack = new Stack(app, 'StandInsBundlingTest', { env: { account: '000000000000', region: 'eu-west-2' } });
    const logKey = new Key(stack, 'Key');
    const fns = {
      'event-ingestion': new ItsmFunction(stack, 'EventIngestionFunction', {
        entry: HANDLER_ENTRIES.eventIngestion,
        serviceName: 'event-ingestion',
        logRetention: RetentionDays.ONE_DAY,
        logKey,
      }),
      reports: new ItsmFunction(stack, 'ReportsFunction', {
        entry: HANDLER_ENTRIES.reports,
        serviceName: 'reports',
        logRetention: RetentionDays.ONE_DAY,
        logKey,
      }),
    };
    const resources = app.synth().getStackByName('StandInsBundlingTest').template.Resources as Record<string, { Metadata?: Record<string, string> }>;
    for (const [name, fn] of Object.entries(fns)) {
      const assetPath = resources[stack.getLogicalId(fn.function.node.defaultChild as never)]!.Metadata!['aws:asset:path']!;
      bundles[name] = readFileSync(join(outdir, assetPath, 'index.mjs'), 'utf8');
    }
  }, 300_000);

  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  test.each(['event-ingestion', 'reports'])('%s: no stand-in inside, the seam is', (name) => {
    const bundle = bundles[name]!;
    for (const marker of STAND_IN_MARKERS) expect(bundle).not.toContain(marker);
    expect(bundle).toContain('rowe-itsm.adapter-overrides');
  });
});
