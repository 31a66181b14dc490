import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-engines.ts'],
    reporters: ['default', './test/support/count-reporter.ts'],
    // Two cores: more workers only contend with the engines for CPU.
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
