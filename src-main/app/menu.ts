// The application menu (Electron main) as a plain template, so a test can read it without Electron.

import type { MenuItemConstructorOptions } from 'electron';

export interface MenuActions {
  addFolder(): void;
  exportLabels(): void;
  showAbout(): void;
}

export interface MenuOptions {
  isMac: boolean;
  /** Reload and developer tools exist only while developing: a reload in production loses the UI state. */
  isDev: boolean;
}

export function menuTemplate(options: MenuOptions, actions: MenuActions): MenuItemConstructorOptions[] {
  const file: MenuItemConstructorOptions = {
    label: '&File',
    submenu: [
      { label: 'Add Folder…', accelerator: 'CmdOrCtrl+O', click: () => actions.addFolder() },
      { label: 'Export…', accelerator: 'CmdOrCtrl+E', click: () => actions.exportLabels() },
      { type: 'separator' },
      // macOS convention: Quit lives in the app menu and File closes the window.
      options.isMac ? { role: 'close' } : { role: 'quit' },
    ],
  };
  const edit: MenuItemConstructorOptions = {
    label: '&Edit',
    submenu: [
      { role: 'undo' },
      { role: 'redo' },
      { type: 'separator' },
      { role: 'cut' },
      { role: 'copy' },
      { role: 'paste' },
      { role: 'selectAll' },
    ],
  };
  const devItems: MenuItemConstructorOptions[] = options.isDev
    ? [{ role: 'reload' }, { role: 'forceReload' }, { role: 'toggleDevTools' }, { type: 'separator' }]
    : [];
  const view: MenuItemConstructorOptions = {
    label: '&View',
    submenu: [
      ...devItems,
      { role: 'resetZoom' },
      { role: 'zoomIn' },
      { role: 'zoomOut' },
      { type: 'separator' },
      { role: 'togglefullscreen' },
    ],
  };
  const help: MenuItemConstructorOptions = {
    role: 'help',
    submenu: [{ label: 'About Skiptag', click: () => actions.showAbout() }],
  };
  return options.isMac ? [{ role: 'appMenu' }, file, edit, view, help] : [file, edit, view, help];
}
