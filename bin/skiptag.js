#!/usr/bin/env node
// skiptag command entry (Node): runs the compiled CLI from out/.
import { runCli } from '../out/src-main/cli/main.js';

process.exitCode = await runCli(process.argv.slice(2));
