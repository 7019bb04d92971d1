// Entry of the service host (engine): runs the AppService in Electron's utilityProcess (or a forked Node) for main.

import { AppService } from './app-service.js';
import { ELECTRON_URLS, hostConfig } from './host-config.js';
import { runServiceHost } from './host-runner.js';
import { parentPortTransport, processIpcTransport } from './host-transport.js';

const transport = parentPortTransport() ?? processIpcTransport();
if (transport === null) {
  console.error('service-host must be started by Electron (utilityProcess.fork) or child_process.fork');
  process.exit(2);
}

const host = runServiceHost(transport, (log) => {
  const config = hostConfig(process.argv.slice(2));
  return new AppService({ ...config, urls: ELECTRON_URLS, onLog: log });
});

if (host.service === null) process.exitCode = 1;

// Without a 'close' message (main quitting hard), still stop the engine child and close the library.
process.once('SIGTERM', () => {
  void (host.service?.close() ?? Promise.resolve()).finally(() => process.exit(0));
});

void host.closed.then(() => {
  // Everything is closed; anything still holding the event loop (a stray timer) must not keep us alive.
  setTimeout(() => process.exit(process.exitCode ?? 0), 1000).unref();
});
