// Unit tests (Electron main code) for the window options: every security setting pinned with one toEqual.

import { beforeEach, describe, expect, it, vi } from 'vitest';

// Electron cannot run here: a stand-in for the two things window.ts touches.
const theme = vi.hoisted(() => ({ shouldUseDarkColors: false }));
vi.mock('electron', () => ({ nativeTheme: theme, BrowserWindow: vi.fn() }));

const { windowOptions, BACKGROUND_COLORS } = await import('../../src-main/app/window.js');

describe('windowOptions', () => {
  beforeEach(() => {
    theme.shouldUseDarkColors = false;
  });

  it('is sandboxed, isolated and hidden until ready', () => {
    expect(windowOptions('/app/out/app/preload.cjs')).toEqual({
      width: 1280,
      height: 820,
      minWidth: 800,
      minHeight: 560,
      title: 'Skiptag',
      backgroundColor: '#ffffff',
      show: false,
      webPreferences: {
        contextIsolation: true,
        sandbox: true,
        nodeIntegration: false,
        nodeIntegrationInWorker: false,
        webviewTag: false,
        webSecurity: true,
        allowRunningInsecureContent: false,
        spellcheck: false,
        preload: '/app/out/app/preload.cjs',
      },
    });
  });

  it('paints the background of a dark desktop dark', () => {
    theme.shouldUseDarkColors = true;
    expect(windowOptions('/p.cjs').backgroundColor).toBe(BACKGROUND_COLORS.dark);
    // The security settings do not depend on the theme.
    expect(windowOptions('/p.cjs').webPreferences).toEqual({
      ...windowOptions('/p.cjs').webPreferences,
      sandbox: true,
      contextIsolation: true,
    });
  });
});
