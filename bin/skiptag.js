#!/usr/bin/env node
// skiptag command entry (Node): sizes libuv's pool for parallel decoding, starts the worker early for `tag`, then runs the compiled CLI from out/.
import { fileURLToPath } from 'node:url';
import { sizeThreadpoolForDecoding } from '../out/src-main/engine/threadpool.js';

// Before anything uses the pool (libuv reads it once): one sharp decode per core instead of 4 in all.
sizeThreadpoolForDecoding();
const args = process.argv.slice(2);
// `tag` with a library classifies what is new: its worker process loads while the CLI loads (see
// worker-head-start.ts); unused, it is ended when the command returns.
const headStart =
  args[0] === 'tag' && !args.some((a) => a === '--no-library' || a === '--help' || a === '-h')
    ? await import('../out/src-main/cli/worker-head-start.js')
    : null;
headStart?.startWorkerHeadStart(
  fileURLToPath(new URL('../out/src-main/engine/worker/worker-main.js', import.meta.url)),
);
try {
  const { runCli } = await import('../out/src-main/cli/main.js');
  process.exitCode = await runCli(args);
} finally {
  headStart?.disposeWorkerHeadStart();
}
