// Starts test/support/lease-holder.mjs (test): another process that holds a library's writer lease until released.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT } from './run-cli.js';

export interface HeldLease {
  pid: number;
  child: ChildProcess;
  /** Closes its stdin: it releases the lease and exits. */
  release(): Promise<void>;
}

/** Resolves once the other process holds the lease (it waits for a current holder first). */
export async function holdLease(library: string, kind: 'tag' | 'watch' | 'app'): Promise<HeldLease> {
  const child = spawn(
    process.execPath,
    [path.join(REPO_ROOT, 'test', 'support', 'lease-holder.mjs'), library, kind],
    {
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  // Closing the stdin of a process already gone (killed by a test) must not throw.
  child.stdin?.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout?.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      if (out.includes('held ')) resolve();
    });
    child.on('exit', (code) => reject(new Error(`lease holder exited early (${code})`)));
  });
  return {
    pid: child.pid ?? -1,
    child,
    release: async () => {
      child.stdin?.end();
      await exited;
    },
  };
}
