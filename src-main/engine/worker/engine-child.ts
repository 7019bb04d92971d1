// Entry of the engine child process: native decoding and inference run here, so a crash on a poison file kills only this process.
// Started by EngineSupervisor with child_process.fork(file, [], { serialization: 'advanced' }).

import { testCrashHook } from './crash-injection.js';
import { runEngineService } from './engine-service.js';
import { processTransport } from './process-transport.js';

// Ctrl-C in a terminal signals the whole process group: the supervisor decides how to stop (finish the
// photos in flight, then send `shutdown`), so the child must not die on the same keystroke.
process.on('SIGINT', () => undefined);

runEngineService(processTransport(), { afterStarted: testCrashHook() });
