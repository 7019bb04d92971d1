// Vite build of the renderer (renderer): the Svelte 5 app in src-renderer/ → out/renderer; electron.vite.config.ts reuses it.
import { fileURLToPath } from 'node:url';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig, type Plugin } from 'vite';

const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));

/** `$contract` → the shared contract; the renderer imports only types from it (zod stays out of the bundle). */
export const rendererAlias = { $contract: here('./src-main/shared/contract.ts') };

/**
 * The dev server injects CSS with <style> tags and talks to its client over a WebSocket, both of which the
 * production CSP forbids; relax it while serving only. Builds keep the strict policy from index.html.
 */
function devCsp(): Plugin {
  return {
    name: 'skiptag-dev-csp',
    apply: 'serve',
    transformIndexHtml: (html) =>
      html
        .replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")
        .replace("connect-src 'self'", "connect-src 'self' ws://localhost:* ws://127.0.0.1:*"),
  };
}

export default defineConfig({
  root: here('./src-renderer'),
  // Relative URLs: the UI is served from app:// in Electron and from a random http port in the e2e bridge.
  base: './',
  plugins: [svelte({ configFile: here('./svelte.config.js') }), devCsp()],
  resolve: { alias: rendererAlias },
  build: {
    outDir: here('./out/renderer'),
    emptyOutDir: true,
    target: 'chrome130',
    // No data: URLs (img-src/font-src do not allow them) and no inline module-preload polyfill script.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
  },
});
