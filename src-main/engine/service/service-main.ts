// Entry of the service host (engine): runs the AppService in Electron's utilityProcess (or a forked Node) for main.

import { electronParentPort } from '../worker/electron-ports.js';
import { parentPortLink, PortLauncher } from '../worker/port-launcher.js';
import { serviceConfig } from '../config.js';
import type { UrlBuilders } from '../library/image-query.js';
import { AppService } from './app-service.js';
import { isEngineChildMessage } from '../../shared/service-protocol.js';
import { runServiceHost } from './service-runner.js';
import { parentPortTransport, processIpcTransport, type HostTransport } from './host-transport.js';

/** Main's app:// protocol serves these: app://thumb/<id> and app://preview/<id>. */
const ELECTRON_URLS: UrlBuilders = {
  thumb: (id) => `app://thumb/${id}`,
  preview: (id) => `app://preview/${id}`,
};

const transport = parentPortTransport() ?? processIpcTransport();
if (transport === null) {
  console.error('service-host must be started by Electron (utilityProcess.fork) or child_process.fork');
  process.exit(2);
}

// Inside Electron this process cannot fork (the runAsNode fuse is off): main starts the engine children and
// its reports about them share the parentPort with requests, so the request handler must not see them.
const parentPort = electronParentPort();

const host = runServiceHost(parentPort ? withoutEngineChildMessages(transport) : transport, (log) => {
  const config = serviceConfig(process.argv.slice(2));
  const launcher = parentPort
    ? new PortLauncher(parentPortLink(parentPort), { onLog: (message) => log('warn', message) })
    : null;
  return new AppService({
    libraryFile: config.libraryFile,
    dataDir: config.dataDir,
    modelPath: config.model,
    models: config.models,
    urls: ELECTRON_URLS,
    onLog: log,
    ...(launcher ? { engineOptions: { supervisor: { launcher } } } : {}),
  });
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

function withoutEngineChildMessages(inner: HostTransport): HostTransport {
  return {
    onMessage: (listener) =>
      inner.onMessage((data) => {
        if (!isEngineChildMessage(data)) listener(data);
      }),
    post: (message) => inner.post(message),
    close: () => inner.close(),
  };
}
