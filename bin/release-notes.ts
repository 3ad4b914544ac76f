#!/usr/bin/env node
/**
 * Release notes from a synthesized cloud assembly (`npm run synth`, then `npm run release-notes`):
 * one Markdown file per stack naming the template's SHA-256 and, for every function, the asset
 * hash `cdk synth` produced (the S3 object CloudFormation deploys it from). What was tested is
 * what runs when these are the hashes the deploy used (README "Deploying a client").
 *
 *   npm run release-notes -- [--assembly cdk.out] [--out cdk.out/release-notes]
 *
 * The notes refuse an assembly whose template no longer matches the hash its asset manifest
 * recorded, or a function whose code is not one of the manifest's assets.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** Template metadata key naming a function's handler source (src/kernel/infra/itsm-function.ts). */
const ENTRY_METADATA = 'itsm:entry';

export interface FunctionAsset {
  readonly logicalId: string;
  /** The handler source it was bundled from. */
  readonly entry: string;
  /** CDK's hash of the bundled code: the asset's id and its S3 object key (`<hash>.zip`). */
  readonly assetHash: string;
  readonly objectKey: string;
  /** Whether the stack enforces code signing on it (CodeSigningConfigArn set). */
  readonly signingEnforced: boolean;
}

export interface StackReleaseNotes {
  readonly stackName: string;
  readonly region: string;
  readonly account: string;
  readonly templateFile: string;
  /** SHA-256 of the template file, equal to the hash its asset manifest records. */
  readonly templateHash: string;
  readonly functions: readonly FunctionAsset[];
}

interface Manifest {
  readonly artifacts: Record<string, { readonly type: string; readonly environment?: string; readonly properties?: Record<string, unknown>; readonly dependencies?: string[] }>;
}
interface AssetManifest {
  readonly files: Record<string, { readonly source: { readonly path: string; readonly packaging?: string }; readonly destinations: Record<string, { readonly objectKey: string }> }>;
}

const readJson = <T>(file: string): T => JSON.parse(readFileSync(file, 'utf8')) as T;

/** The release notes of every stack in the assembly, sorted by stack name. */
export function readReleaseNotes(assemblyDir: string): StackReleaseNotes[] {
  const manifest = readJson<Manifest>(join(assemblyDir, 'manifest.json'));
  const notes: StackReleaseNotes[] = [];
  for (const [stackName, artifact] of Object.entries(manifest.artifacts)) {
    if (artifact.type !== 'aws:cloudformation:stack') continue;
    const templateFile = String(artifact.properties?.['templateFile']);
    const assetsArtifact = (artifact.dependencies ?? []).map((d) => manifest.artifacts[d]).find((a) => a?.type === 'cdk:asset-manifest');
    if (!assetsArtifact) throw new Error(`${stackName}: no asset manifest in ${assemblyDir}`);
    const assets = readJson<AssetManifest>(join(assemblyDir, String(assetsArtifact.properties?.['file'])));
    const templateText = readFileSync(join(assemblyDir, templateFile));
    const templateHash = createHash('sha256').update(templateText).digest('hex');
    const recorded = Object.entries(assets.files).find(([, f]) => f.source.path === templateFile)?.[0];
    if (recorded !== templateHash) {
      throw new Error(`${templateFile}: its SHA-256 ${templateHash} is not the hash the asset manifest recorded (${recorded ?? 'none'}): the template changed after cdk synth`);
    }
    const zipAssets = new Map(
      Object.entries(assets.files)
        .filter(([, f]) => f.source.packaging === 'zip')
        .flatMap(([hash, f]) => Object.values(f.destinations).map((d) => [d.objectKey, hash] as const)),
    );
    const template = JSON.parse(templateText.toString('utf8')) as { Resources: Record<string, { Type: string; Properties?: any; Metadata?: any }> };
    const functions = Object.entries(template.Resources)
      .filter(([, r]) => r.Type === 'AWS::Lambda::Function')
      .map(([logicalId, r]) => {
        const objectKey = r.Properties?.Code?.S3Key;
        const assetHash = typeof objectKey === 'string' ? zipAssets.get(objectKey) : undefined;
        if (!assetHash) throw new Error(`${stackName}: function ${logicalId}'s code (${JSON.stringify(r.Properties?.Code)}) is not an asset of the manifest`);
        return {
          logicalId,
          entry: String(r.Metadata?.[ENTRY_METADATA] ?? '(not an ItsmFunction)'),
          assetHash,
          objectKey,
          signingEnforced: r.Properties?.CodeSigningConfigArn !== undefined,
        };
      })
      .sort((a, b) => a.entry.localeCompare(b.entry) || a.logicalId.localeCompare(b.logicalId));
    const [, account = '?', region = '?'] = /^aws:\/\/([^/]+)\/(.+)$/.exec(artifact.environment ?? '') ?? [];
    notes.push({ stackName, account, region, templateFile, templateHash, functions });
  }
  return notes.sort((a, b) => a.stackName.localeCompare(b.stackName));
}

export interface ReleaseContext {
  readonly date: string;
  /** The commit synthesized, when known. */
  readonly commit?: string;
  /** The working tree differed from the commit: the notes say so. */
  readonly uncommittedChanges?: boolean;
}

/** One stack's notes as Markdown. */
export function renderReleaseNotes(notes: StackReleaseNotes, context: ReleaseContext): string {
  const signed = notes.functions.filter((f) => f.signingEnforced).length;
  return [
    `# Release notes: ${notes.stackName}`,
    '',
    `- Synthesized: ${context.date}${context.commit ? ` from commit \`${context.commit}\`${context.uncommittedChanges ? ' with uncommitted changes' : ''}` : ''}`,
    `- Account and region: ${notes.account}, ${notes.region}`,
    `- Template: \`${notes.templateFile}\`, SHA-256 \`${notes.templateHash}\``,
    `- Functions: ${notes.functions.length}; code signing enforced on ${signed === notes.functions.length ? 'every one' : signed === 0 ? 'none' : `${signed}`}`,
    '',
    'Each function deploys the code whose asset hash is below (the S3 object `<hash>.zip` in the',
    "account's CDK assets bucket). A deploy runs what was tested when its template and assets carry",
    'these hashes (`cdk deploy --app cdk.out` deploys this assembly as it is, without synthesizing again).',
    '',
    '| Function | Handler source | Asset hash |',
    '|---|---|---|',
    ...notes.functions.map((f) => `| \`${f.logicalId}\` | \`${f.entry}\` | \`${f.assetHash}\` |`),
    '',
  ].join('\n');
}

/** Writes `<out>/<stack>.md` for every stack of the assembly; returns the files written. */
export function writeReleaseNotes(assemblyDir: string, outDir: string, context: ReleaseContext): string[] {
  mkdirSync(outDir, { recursive: true });
  return readReleaseNotes(assemblyDir).map((notes) => {
    const file = join(outDir, `${notes.stackName}.md`);
    writeFileSync(file, renderReleaseNotes(notes, context));
    return file;
  });
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const option = (name: string, fallback: string) => {
    const i = args.indexOf(name);
    return i >= 0 && args[i + 1] ? args[i + 1]! : fallback;
  };
  const assembly = resolve(option('--assembly', 'cdk.out'));
  const out = resolve(option('--out', join(assembly, 'release-notes')));
  let context: ReleaseContext = { date: new Date().toISOString() };
  try {
    const git = (...gitArgs: string[]) => execFileSync('git', gitArgs, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    context = { ...context, commit: git('rev-parse', 'HEAD'), uncommittedChanges: git('status', '--porcelain', '--untracked-files=no') !== '' };
  } catch {
    // not a git checkout: the notes say nothing of a commit
  }
  try {
    for (const file of writeReleaseNotes(assembly, out, context)) console.log(`Wrote ${file}`);
  } catch (error) {
    console.error((error as Error).message);
    process.exit(1);
  }
}
