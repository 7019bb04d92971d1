// `npm run test:electron` (script, plain Node): builds the app and runs the real-Electron test, or skips in one line.
// Skips when Electron's binary is not downloaded; on Linux with no display it runs the test under xvfb-run.
// Usage: npm run test:electron [-- --require-binary] [-- vitest options…]
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(import.meta.url);
/** Big enough for the 1280×820 window; 24-bit, because Chromium draws badly into xvfb-run's default 8-bit screen. */
const XVFB_SCREEN = '-screen 0 1600x1000x24';

/**
 * Where the electron package's index.js would find the executable, without what it does when it is missing
 * (download it). Returns the executable, or why there is none.
 * @returns {{ executable: string } | { missing: string }}
 */
function electronExecutable() {
  let packageDir;
  try {
    packageDir = path.dirname(require.resolve('electron/package.json'));
  } catch {
    return { missing: 'the electron package is not installed' };
  }
  const pathFile = path.join(packageDir, 'path.txt');
  const relative = existsSync(pathFile) ? readFileSync(pathFile, 'utf8') : undefined;
  const override = process.env['ELECTRON_OVERRIDE_DIST_PATH'];
  if (override) {
    const executable = path.join(override, relative || 'electron');
    return existsSync(executable) ? { executable } : { missing: `${executable} does not exist` };
  }
  if (relative === undefined) {
    return { missing: `no ${path.relative(ROOT, pathFile)}: the binary was never downloaded` };
  }
  const executable = path.join(packageDir, 'dist', relative);
  return existsSync(executable)
    ? { executable }
    : { missing: `${path.relative(ROOT, executable)} does not exist` };
}

/** @param {string} name */
function onPath(name) {
  return (process.env['PATH'] ?? '')
    .split(path.delimiter)
    .some((dir) => dir && existsSync(path.join(dir, name)));
}

/** The file a package's `bin` entry runs (its `exports` hide bin/ from require.resolve). */
function binOf(/** @type {string} */ name) {
  const manifestFile = require.resolve(`${name}/package.json`);
  /** @type {{ bin: string | Record<string, string> }} */
  const manifest = JSON.parse(readFileSync(manifestFile, 'utf8'));
  const bin = typeof manifest.bin === 'string' ? manifest.bin : manifest.bin[name];
  if (!bin) throw new Error(`${name} has no bin named ${name}`);
  return path.join(path.dirname(manifestFile), bin);
}

/** Runs a command from the repository root with this process's output; exits with its status if it fails. */
function run(/** @type {string} */ command, /** @type {string[]} */ args) {
  const result = spawnSync(command, args, { cwd: ROOT, stdio: 'inherit' });
  if (result.error) throw result.error;
  if (result.status !== 0) process.exit(result.status ?? 1);
}

const args = process.argv.slice(2);
// CI passes --require-binary after downloading Electron: there a missing binary is a failure, not a skip.
const requireBinary = args.includes('--require-binary');
const vitestArgs = args.filter((arg) => arg !== '--require-binary');

const electron = electronExecutable();
if ('missing' in electron) {
  if (requireBinary) {
    console.error(`test:electron: Electron's binary is required (--require-binary) but ${electron.missing}`);
    process.exit(1);
  }
  console.log(
    `skipped: Electron's binary is not installed (${electron.missing}; \`npx install-electron\` downloads it, which needs internet)`,
  );
  process.exit(0);
}

// The app as `npm start` and electron-builder use it: out/app (main, preload, service, worker) and out/renderer.
run(process.execPath, [binOf('electron-vite'), 'build']);

const vitest = [binOf('vitest'), 'run', '--config', 'vitest.electron.config.ts', ...vitestArgs];
const needsXvfb = process.platform === 'linux' && !process.env['DISPLAY'] && !process.env['WAYLAND_DISPLAY'];
if (!needsXvfb) run(process.execPath, vitest);
else if (onPath('xvfb-run')) run('xvfb-run', ['-a', '-s', XVFB_SCREEN, process.execPath, ...vitest]);
else {
  console.error(
    'test:electron: no display (DISPLAY is unset) and no xvfb-run: apt-get install xvfb xauth, or run it in a desktop session',
  );
  process.exit(1);
}
