// Electron main entry (Electron main): one instance, locked-down sessions, app:// protocol, the service process, the window.

import path from 'node:path';
import {
  app,
  type BrowserWindow,
  dialog,
  ipcMain,
  Menu,
  protocol,
  session,
  shell,
  utilityProcess,
} from 'electron';
import type { EventChannel } from '../shared/contract.js';
import { SERVICE_CHANNELS } from '../shared/service-protocol.js';
import { ServiceProcess, utilityProcessForker } from './service-process.js';
import { MENU_EXPORT_REQUEST, registerIpcHandlers } from './ipc.js';
import { createNativeDialogs, menuTemplate } from './native-ui.js';
import { APP_INDEX_URL, installAppProtocol, registerAppScheme } from './protocol.js';
import {
  allowedOrigins,
  hardenSession,
  hardenWebContents,
  isAllowedExternalUrl,
  isTrustedSender,
} from './security.js';
import { createMainWindow } from './window.js';

/** Built layout (electron.vite.config.ts): out/app/{main.js, preload.cjs, service.js, worker.js}, out/renderer/. */
const here = import.meta.dirname;
const PRELOAD = path.join(here, 'preload.cjs');
const SERVICE_ENTRY = path.join(here, 'service.js');
const RENDERER_ROOT = path.join(here, '..', 'renderer');

/** electron-vite dev sets this; a packaged app never loads from a server. */
const devServerUrl = app.isPackaged ? undefined : process.env['ELECTRON_RENDERER_URL'];
const isDev = devServerUrl !== undefined;

let mainWindow: BrowserWindow | null = null;

function sendToWindow(channel: EventChannel, payload: unknown): void {
  // Only our window hears the service's events; nothing is broadcast to other webContents.
  if (mainWindow && !mainWindow.isDestroyed()) mainWindow.webContents.send(channel, payload);
}

const service = new ServiceProcess({
  fork: utilityProcessForker(utilityProcess, SERVICE_ENTRY),
  onEvent: sendToWindow,
  // The contract has no service-status event yet: make the UI reload what it shows.
  onRestarted: () => sendToWindow('library:changed', { folders: true }),
  onFatal: (message) => reportError('The Skiptag service cannot start', message),
});

function openExternal(url: string): void {
  if (isAllowedExternalUrl(url)) void shell.openExternal(url);
}

function showWindow(): void {
  if (!mainWindow || mainWindow.isDestroyed()) {
    mainWindow = createMainWindow(PRELOAD, devServerUrl ?? APP_INDEX_URL);
    mainWindow.on('closed', () => {
      mainWindow = null;
    });
    return;
  }
  if (mainWindow.isMinimized()) mainWindow.restore();
  mainWindow.focus();
}

function reportError(title: string, error: unknown): void {
  dialog.showErrorBox(title, error instanceof Error ? error.message : String(error));
}

async function start(): Promise<void> {
  hardenSession(session.defaultSession, devServerUrl);
  installAppProtocol(protocol, {
    rootDir: RENDERER_ROOT,
    fetchImage: (variant, imageId) => service.request(SERVICE_CHANNELS.image, { imageId, variant }),
  });
  service.start();

  const origins = allowedOrigins(devServerUrl);
  const actions = registerIpcHandlers(ipcMain, {
    isTrustedSender: (event) =>
      isTrustedSender(event, {
        webContentsIds: () =>
          new Set(mainWindow && !mainWindow.isDestroyed() ? [mainWindow.webContents.id] : []),
        origins,
      }),
    forward: (channel, payload) => service.request(channel, payload as never),
    dialogs: createNativeDialogs(() => mainWindow),
  });

  const menu = menuTemplate(
    { isMac: process.platform === 'darwin', isDev },
    {
      addFolder: () =>
        void actions
          .pickAndAddFolders()
          .then(() => sendToWindow('library:changed', { folders: true }))
          .catch((error: unknown) => reportError('Could not add the folders', error)),
      exportLabels: () =>
        void actions
          .exportWithDialog(MENU_EXPORT_REQUEST)
          .catch((error: unknown) => reportError('Could not export the labels', error)),
      showAbout: () => app.showAboutPanel(),
    },
  );
  Menu.setApplicationMenu(Menu.buildFromTemplate(menu));
  showWindow();
}

// Privileges for app:// can only be granted before `ready`.
registerAppScheme(protocol);

if (!app.requestSingleInstanceLock()) {
  // Another Skiptag owns the library; it shows its window (second-instance) and this one leaves.
  app.quit();
} else {
  // Both can fire before `ready` (macOS dock click, a second launch during start-up): no window yet then.
  const showWhenReady = () => {
    if (app.isReady()) showWindow();
  };
  app.on('second-instance', showWhenReady);
  app.on('activate', showWhenReady);
  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents, openExternal));
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  // Quit waits (a few seconds at most) for the service to cancel its jobs and close the library cleanly.
  let serviceStopped = false;
  app.on('before-quit', (event) => {
    if (serviceStopped) return;
    event.preventDefault();
    void service.stop().finally(() => {
      serviceStopped = true;
      app.quit();
    });
  });
  app
    .whenReady()
    .then(start)
    .catch((error: unknown) => {
      reportError('Skiptag could not start', error);
      app.quit();
    });
}
