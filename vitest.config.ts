// Vitest configuration: unit and integration tests run in Node against the real native modules.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    globalSetup: ['test/support/build-once.ts'],
    // Separate processes: onnxruntime and libvips keep native thread pools per process.
    pool: 'forks',
    // Two cores: running every file at once only makes each one slower and flakier.
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
