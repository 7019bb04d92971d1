// Runs the built `skiptag` command in a child process (test): real argv, exit codes, stdout and stderr.
import { spawn, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SKIPTAG_BIN = path.join(REPO_ROOT, 'bin', 'skiptag.js');
export const PHOTOS_DIR = path.join(REPO_ROOT, 'test', 'fixtures', 'photos');

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

let runs = 0;

/**
 * Starts the CLI. Unless the caller names a library, each run gets a fresh one in the temp folder, so
 * tests never touch the user's real library and every run starts from nothing.
 */
export function startCli(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): { child: ChildProcess; done: Promise<CliRun> } {
  runs += 1;
  const scratch = process.env.SKIPTAG_TEST_SCRATCH ?? os.tmpdir();
  const freshLibrary = path.join(scratch, `cli-${process.pid}-${runs}`, 'library.db');
  const child = spawn(process.execPath, [SKIPTAG_BIN, ...args], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      SKIPTAG_MODEL: '',
      SKIPTAG_LIBRARY: freshLibrary,
      SKIPTAG_MODELS_DIR: path.join(path.dirname(freshLibrary), 'models'),
      // Start-up caches shared by this test process's runs, never the user's own.
      SKIPTAG_CACHE_DIR: path.join(scratch, `cli-cache-${process.pid}`),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const done = new Promise<CliRun>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, done };
}

export function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  return startCli(args, env).done;
}
