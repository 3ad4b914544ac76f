/**
 * Release notes (issue #23, item 2; bin/release-notes.ts): from a synthesized cloud assembly, one
 * Markdown file per stack naming the template's SHA-256 and every function's asset hash, exactly
 * those of the assembly; an assembly whose template changed after synthesis is refused.
 */
import { createHash } from 'node:crypto';
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readReleaseNotes, writeReleaseNotes } from '../../bin/release-notes';
import { buildClientApp, resourcesOfType, type CfnResourceJson } from './infra-fixtures';
import { ENTRY_METADATA } from '../../src/kernel/infra/itsm-function';

let assemblyDir: string;
let outDir: string;
let dispose: () => void;
let stackNames: string[];

beforeAll(() => {
  // A client with code signing and a recovery region: two stacks, every function signed.
  const built = buildClientApp({ client: 'all-options' }, { testClients: true });
  dispose = built.dispose;
  assemblyDir = built.app.synth().directory;
  stackNames = built.allStacks.map((s) => s.stackName);
  outDir = mkdtempSync(join(tmpdir(), 'itsm-release-notes-'));
});
afterAll(() => {
  dispose?.();
  if (outDir) rmSync(outDir, { recursive: true, force: true });
});

const templateOf = (stackName: string) => readFileSync(join(assemblyDir, `${stackName}.template.json`));

test('one Markdown file per stack of the assembly, naming its template hash and every function with its asset hash', () => {
  const files = writeReleaseNotes(assemblyDir, outDir, { commit: '0123abc', date: '2026-12-07T00:00:00.000Z' });
  expect(files.map((f) => f.split('/').pop())).toEqual([...stackNames].sort().map((name) => `${name}.md`));
  expect(stackNames).toEqual(['Itsm-all-options', 'Itsm-all-options-dr']);
  for (const stackName of stackNames) {
    const text = readFileSync(join(outDir, `${stackName}.md`), 'utf8');
    const template = JSON.parse(templateOf(stackName).toString('utf8')) as { Resources: Record<string, CfnResourceJson> };
    expect(text).toContain(`SHA-256 \`${createHash('sha256').update(templateOf(stackName)).digest('hex')}\``);
    expect(text).toContain('from commit `0123abc`');
    const functions = resourcesOfType(template.Resources, 'AWS::Lambda::Function');
    expect(functions.length).toBeGreaterThanOrEqual(12);
    const rows = text.split('\n').filter((line) => /^\| `[A-Za-z0-9]+` \|/.test(line));
    expect(rows).toHaveLength(functions.length);
    for (const [logicalId, fn] of functions) {
      // The hash is the one CloudFormation deploys from: the function's S3 object key.
      const hash = String(fn.Properties.Code.S3Key).replace(/\.zip$/, '');
      expect(rows).toContain(`| \`${logicalId}\` | \`${fn.Metadata[ENTRY_METADATA]}\` | \`${hash}\` |`);
    }
    expect(text).toContain(`code signing enforced on every one`);
  }
});

test("each hash is the asset manifest's: the template's as recorded, each function's a zip asset of that stack", () => {
  for (const notes of readReleaseNotes(assemblyDir)) {
    const manifest = JSON.parse(readFileSync(join(assemblyDir, `${notes.stackName}.assets.json`), 'utf8')) as { files: Record<string, { source: { path: string; packaging?: string } }> };
    expect(manifest.files[notes.templateHash]?.source.path).toBe(notes.templateFile);
    for (const fn of notes.functions) expect(manifest.files[fn.assetHash]?.source.packaging).toBe('zip');
  }
});

test('a template edited after synthesis is refused, naming the file', () => {
  const [stackName] = stackNames;
  appendFileSync(join(assemblyDir, `${stackName}.template.json`), '\n');
  expect(() => readReleaseNotes(assemblyDir)).toThrow(new RegExp(`${stackName}\\.template\\.json: its SHA-256 [0-9a-f]{64} is not the hash the asset manifest recorded`));
});
