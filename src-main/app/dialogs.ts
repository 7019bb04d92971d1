// Native dialogs and the file manager (Electron main), behind the NativeDialogs interface the IPC wrapper uses.

import { dialog, shell, type BrowserWindow, type FileFilter, type OpenDialogOptions } from 'electron';
import type { NativeDialogs } from './ipc.js';

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
