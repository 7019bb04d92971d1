// What main shows outside the window (Electron main): the application menu, as a plain template a test can read, and the native dialogs.

import {
  dialog,
  shell,
  type BrowserWindow,
  type FileFilter,
  type MenuItemConstructorOptions,
  type OpenDialogOptions,
} from 'electron';
import type { NativeDialogs } from './ipc.js';

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

const EXPORT_FILTERS: Record<'csv' | 'json', FileFilter> = {
  csv: { name: 'CSV (spreadsheets)', extensions: ['csv'] },
  json: { name: 'JSON', extensions: ['json'] },
};

/** Dialogs are modal to the window when there is one, so they cannot end up behind it. */
export function createNativeDialogs(getWindow: () => BrowserWindow | null): NativeDialogs {
  return {
    async pickFolders() {
      const options: OpenDialogOptions = {
        title: 'Add photo folders',
        properties: ['openDirectory', 'multiSelections'],
      };
      const window = getWindow();
      const result = window
        ? await dialog.showOpenDialog(window, options)
        : await dialog.showOpenDialog(options);
      return result.canceled ? [] : result.filePaths;
    },
    async pickExportPath(format) {
      const options = {
        title: 'Export labels',
        defaultPath: `skiptag-labels.${format}`,
        filters: [EXPORT_FILTERS[format]],
      };
      const window = getWindow();
      const result = window
        ? await dialog.showSaveDialog(window, options)
        : await dialog.showSaveDialog(options);
      return result.canceled || !result.filePath ? null : result.filePath;
    },
    reveal(path) {
      shell.showItemInFolder(path);
    },
  };
}
