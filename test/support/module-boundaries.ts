import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, posix, relative } from 'node:path';

/**
 * The dependency rules of the layout (docs/architecture.md, "Layout"), checked on import
 * statements. Paths are POSIX, relative to the project root.
 *
 * - `src/kernel/**` imports only the kernel; the kernel's `domain/` only the kernel's domain.
 * - A module's `domain/` imports only its own domain and the kernel's domain, plus *types*
 *   (`import type`) from another module's domain entry; never an SDK, CDK or Node module.
 * - A module's `app/` never imports `adapters/`, `functions/`, `http/` or `infra/` (its own or any),
 *   nor `src/platform`, `src/stack` or `src/api`; configuration only as types.
 * - A module's `adapters/` and `schemas/` never import `functions/`, `http/`, `infra/`, `src/platform`, `src/stack`.
 * - A module reaches another module only through that module's public entries: `index.ts` of a
 *   layer folder (`src/modules/<m>/domain/index.ts`, `…/app/index.ts`), listing what others may use.
 *   One entry per layer rather than one per module: a single barrel would make every module load
 *   every other (zod schemas are built at load time, so such cycles break at start).
 * - A module's `infra/` never imports a function entry point (`functions/*-handler.ts`): it names it by path.
 * - Nothing under `src/` imports `local/`, `test/` or `bench/` (production code never carries a stand-in).
 */

export interface ImportEdge {
  readonly from: string;
  readonly to: string;
  /** The specifier as written. */
  readonly specifier: string;
  readonly typeOnly: boolean;
}

export interface Violation {
  readonly file: string;
  readonly imports: string;
  readonly rule: string;
}

interface Place {
  readonly area: 'kernel' | 'module' | 'config' | 'platform' | 'api' | 'stack' | 'local' | 'test' | 'bench' | 'other';
  readonly module?: string;
  /** domain, app, adapters, schemas, http, functions, infra, runtime. */
  readonly layer?: string;
  /** A layer's index.ts: the public entry of that layer of a module. */
  readonly entry?: boolean;
}

export function placeOf(path: string): Place {
  const parts = path.split('/');
  if (parts[0] === 'src' && parts[1] === 'kernel') return { area: 'kernel', layer: parts[2]! };
  if (parts[0] === 'src' && parts[1] === 'modules') {
    return { area: 'module', module: parts[2]!, layer: parts[3]!.replace(/\.ts$/, ''), entry: parts.length === 5 && parts[4] === 'index.ts' };
  }
  if (parts[0] === 'src' && ['config', 'platform', 'api', 'stack'].includes(parts[1]!)) return { area: parts[1] as Place['area'] };
  if (['local', 'test', 'bench'].includes(parts[0]!)) return { area: parts[0] as Place['area'] };
  return { area: 'other' };
}

const SIDE_EFFECT_PACKAGES = /^(@aws-sdk\/|aws-cdk-lib|constructs$|node:|@aws-lambda-powertools\/|@middy\/)/;

/** The rules broken by one import; an empty list when it is allowed. */
export function violationsOf(edge: ImportEdge): Violation[] {
  const found: Violation[] = [];
  const from = placeOf(edge.from);
  const broken = (rule: string) => found.push({ file: edge.from, imports: edge.specifier, rule });
  const external = !edge.specifier.startsWith('.');
  if (external) {
    const pureLayer = (from.area === 'module' || from.area === 'kernel') && from.layer === 'domain';
    if (pureLayer && SIDE_EFFECT_PACKAGES.test(edge.specifier)) broken('domain is pure TypeScript: no SDK, CDK, Node or runtime packages');
    return found;
  }
  const to = placeOf(edge.to);
  if (edge.from.startsWith('src/') && (to.area === 'local' || to.area === 'test' || to.area === 'bench')) {
    broken('production code never imports local/, test/ or bench/');
  }
  if (from.area === 'kernel') {
    if (to.area !== 'kernel') broken('the kernel imports only the kernel');
    else if (from.layer === 'domain' && to.layer !== 'domain') broken("the kernel's domain imports only the kernel's domain");
    return found;
  }
  if (from.area !== 'module') return found;
  const crossModule = to.area === 'module' && to.module !== from.module;
  if (crossModule && !to.entry) broken(`another module is reached only through its public entries (src/modules/${to.module}/<layer>/index.ts)`);
  switch (from.layer) {
    case 'domain': {
      const ownDomain = to.area === 'module' && to.module === from.module && to.layer === 'domain';
      const kernelDomain = to.area === 'kernel' && to.layer === 'domain';
      const typesOfAnotherModule = crossModule && to.entry && to.layer === 'domain' && edge.typeOnly;
      if (!ownDomain && !kernelDomain && !typesOfAnotherModule) broken("domain imports only its module's domain, the kernel's domain, and types from another module's domain entry");
      break;
    }
    case 'app': {
      const ownOuterLayer = to.area === 'module' && ['adapters', 'functions', 'http', 'infra'].includes(to.layer!);
      const kernelOuterLayer = to.area === 'kernel' && ['adapters', 'http', 'infra', 'runtime'].includes(to.layer!);
      if (ownOuterLayer || kernelOuterLayer) broken('app never imports adapters, functions, http or infra');
      if (to.area === 'platform' || to.area === 'stack' || to.area === 'api') broken('app never imports the platform, the stack or the API assembly');
      if (to.area === 'config' && !edge.typeOnly) broken('app takes configuration as values it is given (types only from src/config)');
      break;
    }
    case 'adapters':
    case 'schemas': {
      const outer = to.area === 'module' && ['functions', 'http', 'infra'].includes(to.layer!);
      if (outer || to.area === 'platform' || to.area === 'stack' || (to.area === 'kernel' && to.layer === 'infra')) {
        broken(`${from.layer} never import functions, http, infra, the platform or the stack`);
      }
      break;
    }
    case 'infra':
      // The environment contract (functions/environment.ts) is shared by both sides; an entry point is not.
      if (to.area === 'module' && to.layer === 'functions' && /-handler\.ts$/.test(edge.to)) broken('infra names function entry files by path; it never imports them');
      break;
    default:
      break;
  }
  return found;
}

const IMPORT_PATTERN = /(?:^|\n)\s*(import|export)\s+(type\s+)?(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]|\b(?:require|import)\(\s*['"]([^'"]+)['"]\s*\)/g;

/** The import edges of one source file (static imports and re-exports, require and dynamic import). */
export function importsOf(file: string, source: string): ImportEdge[] {
  const edges: ImportEdge[] = [];
  for (const match of source.matchAll(IMPORT_PATTERN)) {
    const specifier = match[3] ?? match[4]!;
    const typeOnly = Boolean(match[2]);
    const to = specifier.startsWith('.') ? resolveSpecifier(file, specifier) : specifier;
    edges.push({ from: file, to, specifier, typeOnly });
  }
  return edges;
}

function resolveSpecifier(file: string, specifier: string): string {
  const target = posix.normalize(posix.join(posix.dirname(file), specifier));
  return /\.[cm]?[jt]s$/.test(target) ? target : `${target}.ts`;
}

/** Every `.ts` file under the given folders of the project, as POSIX paths relative to the root. */
export function sourceFiles(root: string, folders: readonly string[]): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts')) files.set(relative(root, path).split('\\').join('/'), readFileSync(path, 'utf8'));
    }
  };
  for (const folder of folders) walk(join(root, folder));
  return files;
}

/** Every rule broken by an import under the given files (path → source). */
export function findViolations(files: ReadonlyMap<string, string>): Violation[] {
  const violations: Violation[] = [];
  for (const [file, source] of files) {
    for (const edge of importsOf(file, source)) {
      const asFolder = edge.to.replace(/\.ts$/, '/index.ts');
      // `../../incidents/domain` names the layer folder, that is its index.ts.
      const namesFolder = !files.has(edge.to) && (files.has(asFolder) || /^src\/modules\/[^/]+\/[^/]+\.ts$/.test(edge.to));
      const to = namesFolder ? asFolder : edge.to;
      violations.push(...violationsOf({ ...edge, to }));
    }
  }
  return violations;
}

export const projectRootOf = (dir: string) => dirname(dirname(dir));
