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
  },
});
