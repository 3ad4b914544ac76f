import { App, Stack } from 'aws-cdk-lib';
import { Key } from 'aws-cdk-lib/aws-kms';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ItsmFunction } from '../../src/kernel/infra/itsm-function';
import { FAST_SYNTH_CONTEXT, HANDLER_ENTRIES } from './infra-fixtures';
import { OPENAPI_DOCUMENT_FILE } from '../../src/modules/meta/functions/meta-files';
import { renderOpenApiDocument } from '../../src/api/openapi-document';

/**
 * The bundle a function deploys, built for real (esbuild, as `cdk synth` runs it) for the meta
 * function, the smallest: what cold starts depend on.
 */
let outdir: string;
let assetFiles: string[];
let assetDir: string;

beforeAll(() => {
  outdir = mkdtempSync(join(tmpdir(), 'itsm-bundling-test-'));
  // The built-in CloudFormation validation is kept on in synth-validation.test.ts and `cdk synth`.
  const app = new App({ outdir, context: { 'aws:cdk:enable-asset-metadata': true }, builtinCloudFormationValidation: false });
  const stack = new Stack(app, 'BundlingTest', { env: { account: '000000000000', region: 'eu-west-2' } });
  const fn = new ItsmFunction(stack, 'MetaFunction', {
    entry: HANDLER_ENTRIES.meta,
    serviceName: 'meta',
    logRetention: RetentionDays.ONE_DAY,
    logKey: new Key(stack, 'Key'),
    bundledFiles: { [OPENAPI_DOCUMENT_FILE]: renderOpenApiDocument },
  });
  const assembly = app.synth();
  const resources = assembly.getStackByName('BundlingTest').template.Resources as Record<string, { Type: string; Metadata?: Record<string, string> }>;
  const logicalId = stack.getLogicalId(fn.function.node.defaultChild as never);
  assetDir = join(outdir, resources[logicalId]!.Metadata!['aws:asset:path']!);
  assetFiles = readdirSync(assetDir).sort();
});

afterAll(() => rmSync(outdir, { recursive: true, force: true }));

test('the bundle is one ESM file with the files rendered at synth beside it', () => {
  expect(assetFiles).toEqual(['index.mjs', OPENAPI_DOCUMENT_FILE].sort());
  // What GET /openapi.json answers on AWS: the very text meta would render from the catalogue.
  expect(readFileSync(join(assetDir, OPENAPI_DOCUMENT_FILE), 'utf8')).toBe(renderOpenApiDocument());
});

test('the AWS SDK is bundled, not imported from the runtime at start-up', () => {
  const bundle = readFileSync(join(assetDir, 'index.mjs'), 'utf8');
  expect(bundle).not.toMatch(/from\s*["']@aws-sdk\//);
  expect(bundle).not.toMatch(/import\(\s*["']@aws-sdk\//);
  // No source map: --enable-source-maps would slow every init.
  expect(bundle).not.toMatch(/sourceMappingURL/);
});

test('a bundled file name must be a plain file name', () => {
  const stack = new Stack(new App({ context: FAST_SYNTH_CONTEXT }), 'BadName');
  const withFile = (name: string) => () =>
    new ItsmFunction(stack, `F${name.length}`, {
      entry: HANDLER_ENTRIES.meta,
      serviceName: 'meta',
      logRetention: RetentionDays.ONE_DAY,
      logKey: new Key(stack, `Key${name.length}`),
      bundledFiles: { [name]: () => '{}' },
    });
  expect(withFile('../escape.json')).toThrow(/plain file name/);
  expect(withFile('..')).toThrow(/plain file name/);
});

test('a synth that skips bundling (tests, the local runtime) renders no bundled file', () => {
  const stack = new Stack(new App({ context: FAST_SYNTH_CONTEXT }), 'NoBundling');
  const render = jest.fn(() => '{}');
  new ItsmFunction(stack, 'MetaFunction', {
    entry: HANDLER_ENTRIES.meta,
    serviceName: 'meta',
    logRetention: RetentionDays.ONE_DAY,
    logKey: new Key(stack, 'Key'),
    bundledFiles: { [OPENAPI_DOCUMENT_FILE]: render },
  });
  expect(render).not.toHaveBeenCalled();
});
