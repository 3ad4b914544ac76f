/**
 * One jest run for every kind of test. ts-jest transpiles without type-checking (fast);
 * `npm test` runs `tsc --noEmit` first for the types. middy ships ESM only, so it is
 * transpiled to CommonJS like our own code.
 * @type {import('jest').Config}
 */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.[tj]s$': ['ts-jest', { tsconfig: { module: 'commonjs', moduleResolution: 'node10', ignoreDeprecations: '6.0', allowJs: true, isolatedModules: true }, diagnostics: false }],
  },
  transformIgnorePatterns: ['/node_modules/(?!(@middy|jose)/)'],
  setupFiles: ['<rootDir>/test/support/test-env.ts'],
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  maxWorkers: 2,
  // e2e suites start the local runtime (JVM, synth, bundling) in beforeAll; on 2 busy cores that can take a minute.
  testTimeout: 180_000,
};
