// Entry of the worker process (worker process): every decode of a user's photo runs here, so a crash on a poison file kills only this process.
// Started by a WorkerLauncher: child_process.fork (CLI, tests, plain Node) or, in the app, Electron main's utilityProcess.fork.

import { WORKER_PORT_KIND } from '../../shared/service-protocol.js';
import { resolveConfig } from '../config.js';
import { testCrashHook } from './crash-injection.js';
import { electronParentPort, portFromParentTransport, processTransport } from '../transports.js';
import { runWorkerService } from './worker-service.js';

// Ctrl-C in a terminal signals the whole process group: the supervisor decides how to stop (finish the
// photos in flight, then send `shutdown`), so the worker must not die on the same keystroke.
process.on('SIGINT', () => undefined);

// A utilityProcess has a parentPort (main hands it the port to its supervisor); a forked Node child an IPC channel.
const parentPort = electronParentPort();
const transport = parentPort ? portFromParentTransport(parentPort, WORKER_PORT_KIND) : processTransport();

runWorkerService(transport, { beforeDecode: testCrashHook(resolveConfig().testCrashMarker) });
