/**
 * One jest run for every kind of test, as five projects sharing one pool of workers. esbuild
 * (test/support/esbuild-transform.js) strips the types without checking them; the typecheck
 * project's one test runs `tsc --noEmit` beside the other files (started first by the sequencer)
 * rather than before them all. middy and jose ship ESM only, so they are transpiled to
 * CommonJS like our own code.
 *
 * Jest runs a project's globalSetup only when one of its files is selected, so `jest test/unit`
 * starts nothing: the integration project starts two DynamoDB Locals for its files, the e2e
 * project starts the shared local runtime (in the background) for the e2e files that share it.
 * Every run gets a scratch folder (run-dir-setup.ts) where the synthesized template is cached.
 * @type {import('jest').Config}
 */
const project = (name, extra = {}) => ({
  displayName: name,
  testEnvironment: 'node',
  roots: [`<rootDir>/test/${name}`],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.[tj]s$': '<rootDir>/test/support/esbuild-transform.js',
  },
  transformIgnorePatterns: ['/node_modules/(?!(@middy|jose)/)'],
  setupFiles: ['<rootDir>/test/support/test-env.ts'],
  // jest-runtime, with V8's code cache for the modules every file loads again (see the file).
  runtime: '<rootDir>/test/support/code-cache-runtime.js',
  ...extra,
});

module.exports = {
  projects: [
    project('typecheck'),
    project('unit'),
    project('infra'),
    project('integration', {
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    }),
    project('e2e', {
      globalSetup: '<rootDir>/test/support/e2e-global-setup.ts',
      globalTeardown: '<rootDir>/test/support/e2e-global-teardown.ts',
    }),
  ],
  globalSetup: '<rootDir>/test/support/run-dir-setup.ts',
  globalTeardown: '<rootDir>/test/support/run-dir-teardown.ts',
  testSequencer: '<rootDir>/test/support/slow-first-sequencer.js',
  // Three workers on two cores: the e2e files spend much of their time waiting on a runtime's clock
  // (scaled SLA time, stream polling), which a third worker fills with other files' work.
  maxWorkers: 3,
  // A run-wide option (ignored inside a project): e2e suites wait for a local runtime (JVM, synth,
  // bundling) in beforeAll; on 2 busy cores that can take a minute.
  testTimeout: 180_000,
};
