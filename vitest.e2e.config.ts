// Vitest configuration for the end-to-end test (test): built renderer + test bridge + real engine, driven in Chromium.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/e2e/**/*.e2e.ts'],
    environment: 'node',
    globalSetup: ['test/e2e/run-e2e.ts'],
    pool: 'forks',
    // One browser and one engine at a time: the machines have two cores.
    maxWorkers: 1,
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 180_000,
  },
});
