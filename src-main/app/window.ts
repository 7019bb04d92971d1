// The main window (Electron main): its options come from one function so a test can pin every security setting.

import { BrowserWindow, nativeTheme, type BrowserWindowConstructorOptions } from 'electron';

/** Painted before the UI's first frame, so a dark desktop gets no white flash. */
export const BACKGROUND_COLORS = { dark: '#1b1b1f', light: '#ffffff' } as const;

export function windowOptions(preloadPath: string): BrowserWindowConstructorOptions {
  return {
    width: 1280,
    height: 820,
    minWidth: 800,
    minHeight: 560,
    title: 'Skiptag',
    backgroundColor: nativeTheme.shouldUseDarkColors ? BACKGROUND_COLORS.dark : BACKGROUND_COLORS.light,
    // Shown on ready-to-show: no half-painted window.
    show: false,
    webPreferences: {
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webviewTag: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      // Chromium's spellchecker downloads dictionaries from Google: Skiptag makes no network requests.
      spellcheck: false,
      preload: preloadPath,
    },
  };
}

export function createMainWindow(preloadPath: string, url: string): BrowserWindow {
  const window = new BrowserWindow(windowOptions(preloadPath));
  window.once('ready-to-show', () => window.show());
  void window.loadURL(url);
  return window;
}
