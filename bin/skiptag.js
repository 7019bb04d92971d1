#!/usr/bin/env node
// skiptag command entry (Node): sizes libuv's pool for parallel decoding, then runs the compiled CLI from out/.
import { sizeThreadpoolForDecoding } from '../out/src-main/engine/threadpool.js';

// Before anything uses the pool (libuv reads it once): one sharp decode per core instead of 4 in all.
sizeThreadpoolForDecoding();
const { runCli } = await import('../out/src-main/cli/main.js');

process.exitCode = await runCli(process.argv.slice(2));
