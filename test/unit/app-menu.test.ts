// Unit tests (Electron main code) for the application menu template.

import type { MenuItemConstructorOptions } from 'electron';
import { describe, expect, it, vi } from 'vitest';
import { menuTemplate } from '../../src-main/app/native-ui.js';
import { isAllowedExternalUrl } from '../../src-main/app/security.js';

// Electron cannot run here; the template needs none of it (the dialogs beside it in native-ui.ts do).
vi.mock('electron', () => ({}));

function actions() {
  return { addFolder: vi.fn(), exportLabels: vi.fn(), showAbout: vi.fn() };
}

function roles(items: MenuItemConstructorOptions[]): string[] {
  return items.flatMap((item) => [
    ...(item.role ? [item.role] : []),
    ...(Array.isArray(item.submenu) ? roles(item.submenu) : []),
  ]);
}

function find(items: MenuItemConstructorOptions[], label: string): MenuItemConstructorOptions | undefined {
  for (const item of items) {
    if (item.label === label) return item;
    const inner = Array.isArray(item.submenu) ? find(item.submenu, label) : undefined;
    if (inner) return inner;
  }
  return undefined;
}

describe('menuTemplate', () => {
  it('has File, Edit, View and Help, with the app menu first on macOS', () => {
    const labels = (isMac: boolean) =>
      menuTemplate({ isMac, isDev: false }, actions()).map((item) => item.label ?? item.role);
    expect(labels(false)).toEqual(['&File', '&Edit', '&View', 'help']);
    expect(labels(true)).toEqual(['appMenu', '&File', '&Edit', '&View', 'help']);
  });

  it('wires Add Folder…, Export… and About to their actions', () => {
    const a = actions();
    const template = menuTemplate({ isMac: false, isDev: false }, a);
    const click = (label: string) => (find(template, label)?.click as (() => void) | undefined)?.();
    click('Add Folder…');
    click('Export…');
    click('About Skiptag');
    expect(a.addFolder).toHaveBeenCalledOnce();
    expect(a.exportLabels).toHaveBeenCalledOnce();
    expect(a.showAbout).toHaveBeenCalledOnce();
    expect(roles(template)).toContain('quit');
  });

  it('offers reload and developer tools only while developing', () => {
    const production = roles(menuTemplate({ isMac: false, isDev: false }, actions()));
    const dev = roles(menuTemplate({ isMac: false, isDev: true }, actions()));
    for (const role of ['reload', 'forceReload', 'toggleDevTools']) {
      expect(production).not.toContain(role);
      expect(dev).toContain(role);
    }
  });

  it('links to an https page', () => {
    expect(isAllowedExternalUrl('https://example.org/help')).toBe(true);
  });
});
