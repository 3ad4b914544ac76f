/**
 * Jest transformer: TypeScript (and the ESM-only packages jest must load) to CommonJS with esbuild,
 * which the CDK already uses for the bundles. It strips types
 * without checking them (`npm test` runs `tsc --noEmit` for that), at a fraction of the CPU: on 2
 * cores the transform was a large part of the suite's time.
 */
const { createHash } = require('node:crypto');
const { transformSync, version } = require('esbuild');

const COMPILER_OPTIONS = {
  // Class fields as tsconfig.json's ES2022 target defines them (the same semantics as tsc).
  useDefineForClassFields: true,
};

module.exports = {
  process(source, filename) {
    const { code, map } = transformSync(source, {
      loader: filename.endsWith('.ts') ? 'ts' : 'js',
      format: 'cjs',
      target: 'node20',
      platform: 'node',
      sourcemap: 'external',
      sourcesContent: false,
      sourcefile: filename,
      tsconfigRaw: { compilerOptions: COMPILER_OPTIONS },
      // jest's module registry handles require only: import() becomes a require, as tsc's CommonJS output does.
      supported: { 'dynamic-import': false },
    });
    return { code, map };
  },
  getCacheKey(source, filename) {
    return createHash('sha1').update(version).update('\0').update(filename).update('\0').update(source).digest('hex');
  },
};
