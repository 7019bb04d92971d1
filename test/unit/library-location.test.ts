// Unit tests for the default library location on Linux, Windows and macOS (engine rules, checked on any OS).
import { describe, expect, it } from 'vitest';
import { defaultLibraryPath } from '../../src-main/engine/library/library-location.js';

describe('defaultLibraryPath', () => {
  it('uses $XDG_DATA_HOME on Linux', () => {
    expect(defaultLibraryPath('linux', { XDG_DATA_HOME: '/data/me' }, '/home/me')).toBe(
      '/data/me/skiptag/library.db',
    );
  });

  it('falls back to ~/.local/share on Linux when XDG_DATA_HOME is unset, empty or relative', () => {
    const expected = '/home/me/.local/share/skiptag/library.db';
    expect(defaultLibraryPath('linux', {}, '/home/me')).toBe(expected);
    expect(defaultLibraryPath('linux', { XDG_DATA_HOME: '' }, '/home/me')).toBe(expected);
    expect(defaultLibraryPath('freebsd', { XDG_DATA_HOME: 'rel/dir' }, '/home/me')).toBe(expected);
  });

  it('uses %APPDATA% on Windows, else ~\\AppData\\Roaming', () => {
    expect(defaultLibraryPath('win32', { APPDATA: 'C:\\Users\\me\\AppData\\Roaming' }, 'C:\\Users\\me')).toBe(
      'C:\\Users\\me\\AppData\\Roaming\\Skiptag\\library.db',
    );
    expect(defaultLibraryPath('win32', {}, 'D:\\home\\me')).toBe(
      'D:\\home\\me\\AppData\\Roaming\\Skiptag\\library.db',
    );
  });

  it('uses ~/Library/Application Support on macOS, ignoring XDG', () => {
    expect(defaultLibraryPath('darwin', { XDG_DATA_HOME: '/x' }, '/Users/me')).toBe(
      '/Users/me/Library/Application Support/Skiptag/library.db',
    );
  });
});
