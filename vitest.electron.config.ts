// Vitest configuration for the real-Electron test (test): the built app under Playwright's Electron launcher.
// Run it with `npm run test:electron`, which builds the app first and skips where Electron's binary is missing.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/electron/**/*.electron.ts'],
    environment: 'node',
    pool: 'forks',
    // One Electron app at a time: it starts a service and a worker process of its own.
    maxWorkers: 1,
    fileParallelism: false,
    testTimeout: 180_000,
    hookTimeout: 180_000,
  },
});
