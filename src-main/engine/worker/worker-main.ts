// Entry of the engine child process: native decoding and inference run here, so a crash on a poison file kills only this process.
// Started by the supervisor's launcher: child_process.fork (CLI, tests) or, in the app, Electron main's utilityProcess.fork.

import { resolveConfig } from '../config.js';
import { testCrashHook } from './crash-injection.js';
import { electronParentPort } from './electron-ports.js';
import { runEngineService } from './worker-service.js';
import { parentPortTransport } from './parent-port-transport.js';
import { processTransport } from './process-transport.js';

// Ctrl-C in a terminal signals the whole process group: the supervisor decides how to stop (finish the
// photos in flight, then send `shutdown`), so the child must not die on the same keystroke.
process.on('SIGINT', () => undefined);

// A utilityProcess has a parentPort and no IPC channel; a forked Node child the other way round.
const parentPort = electronParentPort();
const transport = parentPort ? parentPortTransport(parentPort) : processTransport();

runEngineService(transport, { afterStarted: testCrashHook(resolveConfig().testCrashMarker) });
