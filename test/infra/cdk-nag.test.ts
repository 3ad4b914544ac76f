/**
 * Every client stack passes cdk-nag's AwsSolutions and Serverless packs with no error and no
 * warning left standing. The few findings that are accepted are acknowledged one resource at a
 * time (a CloudFormation resource, never a construct holding several, a stack or the app), each
 * with a reason, each for a finding that really fires, and each listed in docs/security.md.
 *
 * cdk-nag v3 is a policy-validation plugin: `Validations.of(app).addPlugins(pack)` runs it in
 * `app.synth()`, which throws with the report when a pack reports an error. An acknowledgement
 * (`Validations.of(construct).acknowledge({ id, reason })`) is recorded as construct metadata of
 * type `aws:cdk:acknowledged-rules` ({ 'Annotation::<rule id>': reason }) on that construct,
 * which also lands in the stack's *.metadata.json in the cloud assembly; the pack honours it on
 * the construct and everything below it, which is why scope matters.
 */
import { App, CfnResource, Stack, Validations } from 'aws-cdk-lib';
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { AwsSolutionsChecks, ServerlessChecks, type NagPack } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadClientConfigs } from '../../src/config/load-client-configs';
import { stackNameFor } from '../../src/stack/itsm-app';
import { buildClientApp, clientConfigsFor, CLIENTS_DIR, REPO_ROOT } from './infra-fixtures';

const NAG_PACK_NAMES = ['AwsSolutions', 'Serverless'];
const newPacks = (app: App): NagPack[] => [new AwsSolutionsChecks(app), new ServerlessChecks(app)];

/** Reasons must say why, not just that: "ok", "needed", "by design" do not pass. */
const MIN_REASON_LENGTH = 20;

interface Finding {
  readonly pack: string;
  readonly ruleName: string;
  readonly severity: string;
  readonly path: string;
}

interface Acknowledgement {
  /** Construct path, e.g. Itsm-example/Http/Api/Resource. */
  readonly path: string;
  /** Rule id as cdk-nag reports it, e.g. AwsSolutions-IAM5[Resource::*]. */
  readonly id: string;
  readonly reason: string;
  readonly construct: IConstruct;
}

function findingsOf(app: App, packs: readonly NagPack[]): Finding[] {
  return packs.flatMap((pack) =>
    pack.validateScope(app).violations.flatMap((v) =>
      v.violatingResources.map((r) => ({ pack: pack.name, ruleName: v.ruleName, severity: v.severity ?? 'error', path: r.constructPath ?? '?' })),
    ),
  );
}

const describeFinding = (f: Finding) => `[${f.severity}] ${f.ruleName} at ${f.path}`;

/** Every acknowledgement recorded anywhere in the construct tree, read back from the metadata. */
function acknowledgementsIn(root: IConstruct): Acknowledgement[] {
  const found: Acknowledgement[] = [];
  const visit = (construct: IConstruct): void => {
    for (const entry of construct.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      for (const [qualifiedId, reason] of Object.entries(entry.data as Record<string, string>)) {
        found.push({ path: construct.node.path, id: qualifiedId.replace(/^annotation::/i, ''), reason, construct });
      }
    }
    construct.node.children.forEach(visit);
  };
  visit(root);
  return found;
}

const clientIds = loadClientConfigs(CLIENTS_DIR).map((c) => c.id);
/** The test clients (every option on: private and VPN access, canary releases) are checked as well. */
const checkedIds = clientConfigsFor({ testClients: true }).map((c) => c.id);

test('every shipped client file is checked', () => {
  expect(clientIds.length).toBeGreaterThanOrEqual(2);
  expect(clientIds).toEqual(expect.arrayContaining(['example', 'acme-us']));
});

test('the test clients with every option on are checked too', () => {
  expect(checkedIds).toEqual(expect.arrayContaining(['all-options', 'all-options-vpn']));
});

describe.each(checkedIds)('cdk-nag: %s', (clientId) => {
  let app: App;
  let dispose: () => void;
  let synthError: Error | undefined;
  let findings: Finding[];
  let acknowledgements: Acknowledgement[];

  beforeAll(() => {
    const built = buildClientApp({ client: clientId }, { testClients: true });
    ({ app, dispose } = built);
    expect(built.stacks.map((s) => s.stackName)).toEqual([stackNameFor(clientId)]);
    const packs = newPacks(app);
    Validations.of(app).addPlugins(...packs);
    try {
      app.synth();
    } catch (error) {
      synthError = error as Error;
    }
    findings = findingsOf(app, packs);
    acknowledgements = acknowledgementsIn(app);
  });
  afterAll(() => dispose?.());

  test('synth with the AwsSolutions and Serverless packs succeeds (the report would be the error message)', () => {
    expect(synthError?.message).toBeUndefined();
  });

  test('no unacknowledged error', () => {
    expect(findings.filter((f) => f.severity !== 'warning').map(describeFinding)).toEqual([]);
  });

  test('no unacknowledged warning either', () => {
    expect(findings.map(describeFinding)).toEqual([]);
  });

  test('the validation report in the cloud assembly holds no cdk-nag violation', () => {
    const reportFile = join(app.outdir, 'validation-report.json');
    expect(existsSync(reportFile)).toBe(true);
    const report = JSON.parse(readFileSync(reportFile, 'utf8')) as { pluginReports: { pluginName: string; violations: unknown[] }[] };
    const nagReports = report.pluginReports.filter((p) => NAG_PACK_NAMES.includes(p.pluginName));
    expect(nagReports.flatMap((p) => p.violations)).toEqual([]);
  });

  test('every acknowledgement sits on one CloudFormation resource, never a construct with several, a stack or the app', () => {
    expect(acknowledgements.length).toBeGreaterThan(0);
    for (const ack of acknowledgements) {
      const isResource = CfnResource.isCfnResource(ack.construct);
      const resourcesBelow = ack.construct.node.findAll().filter((c) => CfnResource.isCfnResource(c)).length;
      expect({ path: ack.path, id: ack.id, isResource, resourcesBelow, isStack: Stack.isStack(ack.construct) }).toEqual({
        path: ack.path,
        id: ack.id,
        isResource: true,
        resourcesBelow: 1,
        isStack: false,
      });
    }
  });

  test(`every acknowledgement names a cdk-nag rule and gives a reason of at least ${MIN_REASON_LENGTH} characters`, () => {
    for (const ack of acknowledgements) {
      expect({ path: ack.path, id: ack.id }).toEqual({ path: ack.path, id: expect.stringMatching(/^(AwsSolutions|Serverless)-[A-Za-z0-9]+(\[.+\])?$/) });
    }
    const short = acknowledgements.filter((a) => a.reason.trim().length < MIN_REASON_LENGTH).map((a) => `${a.path} ${a.id}: "${a.reason}"`);
    expect(short).toEqual([]);
  });

  test('the acknowledgements are recorded in the cloud assembly, on the same resources', () => {
    // The client's stack, and its recovery stack when it has one (Itsm-<client>-dr).
    const stackNames = app.node.children.filter((c) => Stack.isStack(c)).map((c) => (c as Stack).stackName);
    expect(stackNames).toContain(stackNameFor(clientId));
    const metadata = Object.assign(
      {},
      ...stackNames.map((name) => JSON.parse(readFileSync(join(app.outdir, `${name}.metadata.json`), 'utf8')) as Record<string, { type: string; data: Record<string, string> }[]>),
    ) as Record<string, { type: string; data: Record<string, string> }[]>;
    const inAssembly = Object.entries(metadata).flatMap(([path, entries]) =>
      entries
        .filter((e) => e.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
        .flatMap((e) => Object.keys(e.data).map((id) => `${path.replace(/^\//, '')} ${id.replace(/^annotation::/i, '')}`)),
    );
    expect(inAssembly.sort()).toEqual(acknowledgements.map((a) => `${a.path} ${a.id}`).sort());
  });

  test('no stale acknowledgement: each one silences a finding that fires without it', () => {
    // The same app built with every acknowledgement switched off shows what the packs find.
    const ignore = jest.spyOn(Validations.prototype, 'acknowledge').mockImplementation(() => undefined);
    const bare = buildClientApp({ client: clientId }, { testClients: true });
    try {
      const raw = new Set(findingsOf(bare.app, newPacks(bare.app)).map((f) => `${f.path} ${f.ruleName}`));
      expect(acknowledgementsIn(bare.app)).toEqual([]);
      for (const ack of acknowledgements) expect({ acknowledged: `${ack.path} ${ack.id}`, fires: raw.has(`${ack.path} ${ack.id}`) }).toEqual({
        acknowledged: `${ack.path} ${ack.id}`,
        fires: true,
      });
    } finally {
      ignore.mockRestore();
      bare.dispose();
    }
  });

  test('docs/security.md lists every acknowledged rule with its resource', () => {
    const doc = readFileSync(join(REPO_ROOT, 'docs/security.md'), 'utf8');
    for (const ack of acknowledgements) {
      const resourcePath = ack.path.split('/').slice(1).join('/');
      expect({ id: ack.id, documented: doc.includes(ack.id) }).toEqual({ id: ack.id, documented: true });
      expect({ resourcePath, documented: doc.includes(resourcePath) }).toEqual({ resourcePath, documented: true });
    }
  });
});

test('control: the same setup fails the synth on an unacknowledged finding, so a clean synth means the packs ran', () => {
  const outdir = mkdtempSync(join(tmpdir(), 'itsm-nag-control-'));
  try {
    const app = new App({ outdir, builtinCloudFormationValidation: false });
    const stack = new Stack(app, 'NagControl', { env: { account: '111111111111', region: 'eu-west-2' } });
    // A function with the default role: the AWSLambdaBasicExecutionRole managed policy (IAM4).
    new LambdaFunction(stack, 'Naive', { runtime: Runtime.NODEJS_24_X, handler: 'index.handler', code: Code.fromInline('exports.handler = async () => 1;') });
    Validations.of(app).addPlugins(...newPacks(app));
    expect(() => app.synth()).toThrow(/AwsSolutions-IAM4/);
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
});
