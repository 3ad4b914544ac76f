/**
 * The example client's stack passes aws-cdk-lib's built-in "CloudFormation Validate" check (the
 * one `cdk synth` runs). The other infra tests switch it off for speed; this one keeps it on,
 * with the feature flag that keeps its errors errors instead of downgrading them to warnings.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadClientConfigs } from '../../src/config/load-client-configs';
import { addClientStacks } from '../../src/stack/itsm-app';
import { CLIENTS_DIR, FAST_SYNTH_CONTEXT } from './infra-fixtures';

const VALIDATE_AGAINST_DEFAULT_RULES = '@aws-cdk/core:validateAgainstDefaultRules';

interface Violation {
  readonly ruleName: string;
  readonly description: string;
  readonly severity?: string;
  readonly violatingConstructs?: readonly { readonly constructPath?: string; readonly cloudFormationResource?: { readonly logicalId?: string } }[];
}
interface ValidationReport {
  readonly title: string;
  readonly pluginReports: readonly { readonly pluginName: string; readonly conclusion: string; readonly violations: readonly Violation[] }[];
}

interface ValidatedSynth {
  readonly error?: Error;
  readonly report?: ValidationReport;
  readonly violations: readonly (Violation & { pluginName: string })[];
}

/** Synthesizes with built-in validation on (bundling still skipped) and reads validation-report.json. */
function synthesizeWithValidation(build: (app: App) => void): ValidatedSynth {
  const outdir = mkdtempSync(join(tmpdir(), 'itsm-validate-'));
  try {
    // No builtinCloudFormationValidation option: the App's default (on) applies.
    const app = new App({ outdir, context: { ...FAST_SYNTH_CONTEXT, [VALIDATE_AGAINST_DEFAULT_RULES]: true } });
    build(app);
    let error: Error | undefined;
    try {
      app.synth();
    } catch (e) {
      error = e as Error;
    }
    const reportFile = join(outdir, 'validation-report.json');
    const report = existsSync(reportFile) ? (JSON.parse(readFileSync(reportFile, 'utf8')) as ValidationReport) : undefined;
    const violations = (report?.pluginReports ?? []).flatMap((p) => p.violations.map((v) => ({ ...v, pluginName: p.pluginName })));
    return { ...(error && { error }), ...(report && { report }), violations };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

const describeViolation = (v: Violation & { pluginName: string }) =>
  `[${v.severity}] ${v.pluginName} ${v.ruleName}: ${v.description} at ${(v.violatingConstructs ?? [])
    .map((c) => c.constructPath ?? c.cloudFormationResource?.logicalId)
    .join(', ')}`;

describe('built-in CloudFormation validation', () => {
  const previous = process.env['CDK_VALIDATION'];
  beforeAll(() => {
    // CDK_VALIDATION=false in a developer's shell would silently switch the check off.
    delete process.env['CDK_VALIDATION'];
  });
  afterAll(() => {
    if (previous !== undefined) process.env['CDK_VALIDATION'] = previous;
  });

  let example: ValidatedSynth;
  beforeAll(() => {
    example = synthesizeWithValidation((app) => {
      const stacks = addClientStacks(app, loadClientConfigs(CLIENTS_DIR).filter((c) => c.id === 'example'));
      expect(stacks.map((s) => s.stackName)).toEqual(['Itsm-example']);
    });
  });

  test('the example stack synthesizes with validation on and the report has no errors', () => {
    expect(example.error?.message).toBeUndefined();
    expect(example.report).toBeDefined();
    expect(example.report!.title).toBe('Validation Report');
    const errors = example.violations.filter((v) => v.severity === 'error' || v.severity === 'fatal');
    expect(errors.map(describeViolation)).toEqual([]);
    for (const plugin of example.report!.pluginReports) expect(`${plugin.pluginName}: ${plugin.conclusion}`).toBe(`${plugin.pluginName}: success`);
  });

  test('the report has no warnings either (deprecated runtimes and the like)', () => {
    expect(example.violations.map(describeViolation)).toEqual([]);
  });

  test('control: the same check flags a deprecated runtime, so an empty report means it ran', () => {
    // The control's expected warning is printed by CDK; keep it out of the test output.
    const quiet = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    const control = synthesizeWithValidation((app) => {
      const stack = new Stack(app, 'ValidationControl', { env: { account: '111111111111', region: 'eu-west-2' } });
      new LambdaFunction(stack, 'Old', { runtime: Runtime.NODEJS_20_X, handler: 'index.handler', code: Code.fromInline('exports.handler = async () => 1;') });
    });
    quiet.mockRestore();
    expect(control.violations.map((v) => v.ruleName)).toContain('W2531');
  });
});
