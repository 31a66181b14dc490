import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-build.ts', 'test/support/global-engines.ts'],
    // The SDK's "releases after January 2027 need Node 22" notice would repeat in every test process.
    // Local store engines the tests start (one per temporary store folder) leave 2 s after their last use,
    // not the CLI's 30 s: a suite starts dozens.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ECS_OPS_ENGINE_IDLE_MS: '2000' },
    reporters: ['default', './test/support/count-reporter.ts'],
    // Two cores: more workers only contend with the engines for CPU.
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
