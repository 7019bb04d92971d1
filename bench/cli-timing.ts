// CLI timing helpers (bench): runs the real `skiptag` command and times its exit and its first result line.

import { spawn } from 'node:child_process';
import path from 'node:path';
import { findPackageRoot } from '../src-main/engine/package-root.js';

export interface CliTiming {
  code: number | null;
  /** Seconds from spawn to the first line on stdout (a result), or null when none came. */
  firstResult: number | null;
  /** Seconds from spawn to each stdout line (one per result when results are printed). */
  lines: number[];
  seconds: number;
  stderr: string;
  /** Seconds from spawn to each chunk of stderr, with its text (progress and status lines). */
  stderrChunks: { at: number; text: string }[];
}

/** `skiptag …args` as a user runs it (node bin/skiptag.js), timed from spawn; env adds to this process's. */
export async function timeCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliTiming> {
  const bin = path.join(await findPackageRoot(), 'bin', 'skiptag.js');
  return timeCommand(process.execPath, [bin, ...args], env);
}

/** Any command, timed the same way (the PyTorch baseline). */
export async function timeCommand(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<CliTiming> {
  const started = performance.now();
  const child = spawn(command, args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let firstResult: number | null = null;
  let stderr = '';
  const lines: number[] = [];
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    const at = (performance.now() - started) / 1000;
    firstResult ??= at;
    for (const char of d) if (char === '\n') lines.push(at);
  });
  const stderrChunks: { at: number; text: string }[] = [];
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
    stderrChunks.push({ at: (performance.now() - started) / 1000, text: d });
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  return { code, firstResult, lines, seconds: (performance.now() - started) / 1000, stderr, stderrChunks };
}

/** Throws with the command's own words when it failed: a benchmark of a failing run means nothing. */
export function assertRan(run: CliTiming, what: string): CliTiming {
  if (run.code !== 0) throw new Error(`${what} exited with ${run.code}:\n${run.stderr}`);
  return run;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? NaN) : ((sorted[mid - 1] ?? NaN) + (sorted[mid] ?? NaN)) / 2;
}
