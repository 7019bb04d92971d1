// End-to-end global setup (test): builds the engine (out/src-main) and the renderer (out/renderer) once, checks Chromium.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CHROMIUM = process.env.SKIPTAG_CHROMIUM ?? '/usr/bin/chromium';

export async function setup(): Promise<void> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM}: apt-get install -y chromium (or set SKIPTAG_CHROMIUM)`,
    );
  }
  // The bridge's AppService forks the compiled engine child (out/src-main), so the engine is built first.
  execFileSync(
    process.execPath,
    [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-b', 'tsconfig.build.json'],
    {
      cwd: ROOT,
      stdio: 'inherit',
    },
  );
  // The test drives the production build, CSP and all, exactly as Electron loads it.
  await build({ configFile: path.join(ROOT, 'vite.renderer.config.ts'), logLevel: 'warn' });
}
