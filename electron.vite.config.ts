// electron-vite build of the desktop app (build tooling): main + engine service host, sandboxed preload, Svelte UI.

import { existsSync } from 'node:fs';
import path from 'node:path';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig, mergeConfig, type RendererViteConfig, type UserConfig } from 'electron-vite';
import { loadConfigFromFile, type ConfigEnv } from 'vite';

const root = import.meta.dirname;
const at = (file: string) => path.resolve(root, file);

/** Where main.ts looks for everything: out/app/{main.js, service.js, preload.cjs} and out/renderer/. */
const APP_OUT = at('out/app');
const RENDERER_OUT = at('out/renderer');
const RENDERER_ROOT = at('src-renderer');
const SERVICE_HOST = at('src-main/engine/service/service-main.ts');
/**
 * Files the engine starts by path, found beside the bundle that starts them (`new URL('./x.js', import.meta.url)`):
 * the service host forks worker.js, whose classifier runs inference-worker.js in a worker thread.
 */
const ENGINE_CHILD = at('src-main/engine/worker/worker-main.ts');
const INFERENCE_WORKER = at('src-main/engine/classify/inference-worker.js');
const RENDERER_CONFIG = at('vite.renderer.config.ts');

function mainInputs(): Record<string, string> {
  const inputs: Record<string, string> = { main: at('src-main/app/main.ts') };
  // A second entry, not a chunk: utilityProcess.fork needs a file of its own to start.
  if (existsSync(SERVICE_HOST)) {
    inputs['service'] = SERVICE_HOST;
    inputs['worker'] = ENGINE_CHILD;
    inputs['inference-worker'] = INFERENCE_WORKER;
  } else
    console.warn(
      `[electron-vite] ${path.relative(root, SERVICE_HOST)} not found: the app will have no engine`,
    );
  return inputs;
}

/** The UI developer's own Vite settings when they exist, with root and output pinned to the app's layout. */
async function rendererConfig(env: ConfigEnv): Promise<RendererViteConfig | undefined> {
  if (!existsSync(path.join(RENDERER_ROOT, 'index.html'))) {
    console.warn('[electron-vite] src-renderer/index.html not found: building without the UI');
    return undefined;
  }
  const own = existsSync(RENDERER_CONFIG) ? await loadConfigFromFile(env, RENDERER_CONFIG, root) : null;
  const base: RendererViteConfig = own ? (own.config as RendererViteConfig) : { plugins: [svelte()] };
  return mergeConfig(base, {
    root: RENDERER_ROOT,
    build: {
      outDir: RENDERER_OUT,
      emptyOutDir: true,
      rolldownOptions: { input: path.join(RENDERER_ROOT, 'index.html') },
    },
  });
}

export default defineConfig(async (env): Promise<UserConfig> => ({
  main: {
    build: {
      outDir: APP_OUT,
      // Runtime dependencies ship in node_modules anyway; the native ones (onnxruntime-node, sharp, libsql)
      // and exiftool-vendored's bundled binary cannot be bundled at all.
      externalizeDeps: true,
      rolldownOptions: {
        input: mainInputs(),
        // Shared chunks stay flat beside the entries: a `new URL('./inference-worker.js', import.meta.url)` that
        // lands in a chunk must still resolve to out/app/.
        output: { entryFileNames: '[name].js', chunkFileNames: '[name]-[hash].js' },
      },
    },
  },
  preload: {
    build: {
      outDir: APP_OUT,
      // Same folder as main, which is built first: do not wipe it.
      emptyOutDir: false,
      // A sandboxed preload cannot require anything but 'electron': bundle zod and the contract into it.
      externalizeDeps: false,
      rolldownOptions: {
        input: { preload: at('src-main/app/preload.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: await rendererConfig(env),
}));
