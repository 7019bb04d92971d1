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
    // Timeouts catch hangs, never measure speed (that is `npm run bench`). The slowest test but kill-resume
    // (which sets its own) took 8 s on the 2-core machine with other suites running, and 32 s with two busy
    // loops on top (load average 10): 120 s leaves room for a machine whose cores are busy elsewhere.
    testTimeout: 120_000,
    hookTimeout: 300_000,
  },
});
