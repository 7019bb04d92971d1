// Entry of the service process (service process): the AppService in Electron's utilityProcess (or a forked Node), for main.

import { serviceConfig } from '../config.js';
import { electronParentPort, parentPortTransport, processTransport } from '../transports.js';
import { MainLauncher } from '../worker/worker-launcher.js';
import { AppService, type UrlBuilders } from './app-service.js';
import { runService } from './service-runner.js';

/** Main's app:// protocol serves these: app://thumb/<id>, app://small/<id>, app://preview/<id>, app://full/<id>. */
const ELECTRON_URLS: UrlBuilders = {
  thumb: (id) => `app://thumb/${id}`,
  preview: (id) => `app://preview/${id}`,
  small: (id) => `app://small/${id}`,
  full: (id) => `app://full/${id}`,
};

// Inside Electron this process cannot fork (the RunAsNode fuse is off): main starts the workers, and its
// reports about them share the parentPort with requests (the runner leaves worker:* messages alone).
const parentPort = electronParentPort();
const toMain = parentPort ? parentPortTransport(parentPort) : processTransport();

const run = runService(toMain, (log) => {
  const config = serviceConfig(process.argv.slice(2));
  const launcher = parentPort ? new MainLauncher(toMain, { onLog: (message) => log('warn', message) }) : null;
  return new AppService({
    libraryFile: config.libraryFile,
    dataDir: config.dataDir,
    modelPath: config.model,
    models: config.models,
    urls: ELECTRON_URLS,
    onLog: log,
    workerOptions: { cacheDir: config.cacheDir, ...(launcher ? { supervisor: { launcher } } : {}) },
  });
});

if (run.service === null) process.exitCode = 1;

// Without a close request (main quitting hard), still stop the workers and close the library.
process.once('SIGTERM', () => {
  void (run.service?.close() ?? Promise.resolve()).finally(() => process.exit(0));
});

void run.closed.then(() => {
  // Everything is closed; anything still holding the event loop (a stray timer) must not keep us alive.
  setTimeout(() => process.exit(process.exitCode ?? 0), 1000).unref();
});
