// Vitest configuration for renderer component tests (renderer): Svelte compiled for the browser, run in jsdom.
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { svelteTesting } from '@testing-library/svelte/vite';
import { defineConfig } from 'vitest/config';
import { rendererAlias } from './vite.renderer.config.js';

export default defineConfig({
  plugins: [svelte(), svelteTesting()],
  resolve: { alias: rendererAlias },
  test: {
    include: ['src-renderer/**/*.test.ts'],
    environment: 'jsdom',
    setupFiles: ['src-renderer/test-support/setup.ts'],
    // Two shared cores: component tests are quick, one worker keeps them from starving the engine tests.
    maxWorkers: 1,
    // A timeout catches hangs, it does not time the UI: the slowest test took 2.5 s with other suites
    // running, and 6.5 s (over vitest's 5 s default) with two busy loops on top.
    testTimeout: 60_000,
  },
});
