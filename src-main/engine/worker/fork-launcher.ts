// child_process.fork launcher of the engine supervisor (parent): the CLI's and the tests' way to start an engine child.

import { fork } from 'node:child_process';
import { decodingThreadpoolSize } from '../threadpool.js';
import type { ChildExit, EngineChildLauncher } from './child-launcher.js';

/** Forks `entry` (engine-child.js) with `env` (default: this process's) for every launch. */
export function forkLauncher(entry: string, env?: NodeJS.ProcessEnv): EngineChildLauncher {
  return {
    launch(events) {
      const proc = fork(entry, [], {
        // 'advanced' (structured clone) keeps Uint8Array paths as bytes; JSON would mangle them.
        serialization: 'advanced',
        // One decode per core in the child, where the decoding happens (libuv's default pool is 4 threads).
        env: { UV_THREADPOOL_SIZE: decodingThreadpoolSize(), ...(env ?? process.env) },
        // Not the parent's flags: under a test runner or debugger they would load loaders or open inspector ports.
        execArgv: [],
        // The child's stdout goes to our stderr: the CLI's stdout carries results only.
        stdio: ['ignore', 2, 'inherit', 'ipc'],
      });
      let ended = false;
      const finish = (exit: ChildExit) => {
        if (ended) return;
        ended = true;
        events.exit(exit);
      };
      // 'close' (not 'exit') comes after the IPC channel is drained: a `started` sent just before a crash is never lost.
      proc.on('close', (code, signal) => finish({ code, signal, error: null }));
      proc.on('error', (error) => {
        // Spawn failures get no 'close'; other errors (a send racing the exit) are followed by one.
        if (proc.pid === undefined) finish({ code: null, signal: null, error });
      });
      proc.on('message', (raw: unknown) => events.message(raw));
      return {
        get pid() {
          return proc.pid ?? null;
        },
        send(message) {
          if (!proc.connected) return false;
          proc.send(message, (error: Error | null) => {
            // Only happens when the child is going away; its exit report handles the consequences.
            void error;
          });
          return true;
        },
        kill(signal) {
          if (!ended) proc.kill(signal);
        },
      };
    },
  };
}
