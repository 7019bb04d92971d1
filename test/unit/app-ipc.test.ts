// Unit tests (Electron main code) for the IPC wrapper: sender checks, zod validation, forwarding, dialogs.

import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { IpcMainInvokeEvent } from 'electron';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { REQUESTS } from '../../src-main/shared/contract.js';
import { DROPPED_PATHS_CHANNEL } from '../../src-main/app/channels.js';
import { registerIpcHandlers, type IpcDeps } from '../../src-main/app/ipc.js';
import { allowedOrigins, isTrustedSender } from '../../src-main/app/security.js';

// No vi.mock('electron'): ipc.ts must stay loadable without Electron (dialogs and the sender check come in).

type Listener = (event: IpcMainInvokeEvent, payload: unknown) => Promise<unknown>;

function senderEvent(
  frameUrl: string,
  options: { id?: number; subframe?: boolean } = {},
): IpcMainInvokeEvent {
  const top = { url: frameUrl, parent: null };
  const frame = options.subframe ? { url: frameUrl, parent: top } : top;
  return { sender: { id: options.id ?? 1 }, senderFrame: frame } as unknown as IpcMainInvokeEvent;
}
const OURS = senderEvent('app://app/index.html');

let handlers: Map<string, Listener>;
let forward: ReturnType<typeof vi.fn<IpcDeps['forward']>>;
let dialogs: {
  pickFolders: ReturnType<typeof vi.fn>;
  pickExportPath: ReturnType<typeof vi.fn>;
  reveal: ReturnType<typeof vi.fn>;
};

function setup(overrides: Partial<IpcDeps> = {}) {
  handlers = new Map();
  const ipcMain = {
    handle: vi.fn((channel: string, listener: Listener) => {
      expect(handlers.has(channel), `${channel} registered twice`).toBe(false);
      handlers.set(channel, listener);
    }),
  };
  forward = vi.fn<IpcDeps['forward']>(async () => ({ forwarded: true }));
  dialogs = { pickFolders: vi.fn(), pickExportPath: vi.fn(), reveal: vi.fn() };
  const policy = { webContentsIds: () => new Set([1]), origins: allowedOrigins() };
  return registerIpcHandlers(ipcMain, {
    isTrustedSender: (event) => isTrustedSender(event, policy),
    forward,
    dialogs: dialogs as unknown as IpcDeps['dialogs'],
    ...overrides,
  });
}

function call(channel: string, payload: unknown, event = OURS): Promise<unknown> {
  const handler = handlers.get(channel);
  if (!handler) throw new Error(`no handler for ${channel}`);
  return handler(event, payload);
}

beforeEach(() => {
  setup();
});

describe('registration', () => {
  it('registers exactly the contract channels plus the dropped-paths channel', () => {
    expect([...handlers.keys()].sort()).toEqual([...Object.keys(REQUESTS), DROPPED_PATHS_CHANNEL].sort());
  });
});

describe('sender checks', () => {
  it('refuses a foreign webContents before looking at the payload', async () => {
    await expect(
      call('images:get', { imageId: 1 }, senderEvent('app://app/index.html', { id: 9 })),
    ).rejects.toThrow(/images:get: refused/);
    expect(forward).not.toHaveBeenCalled();
  });

  it('refuses a subframe, even of our own page', async () => {
    await expect(
      call('images:get', { imageId: 1 }, senderEvent('app://app/index.html', { subframe: true })),
    ).rejects.toThrow(/refused/);
    expect(forward).not.toHaveBeenCalled();
  });

  it('refuses a wrong origin', async () => {
    for (const url of [
      'https://evil.example/',
      'file:///tmp/x.html',
      'app://thumb/1',
      'http://localhost:5173/',
    ]) {
      await expect(call('tags:list', {}, senderEvent(url)), url).rejects.toThrow(/refused/);
    }
    expect(forward).not.toHaveBeenCalled();
  });

  it('applies to the special channels too', async () => {
    const stranger = senderEvent('https://evil.example/');
    await expect(call('library:pickFolders', {}, stranger)).rejects.toThrow(/refused/);
    await expect(call('export:run', { format: 'csv', scope: 'all' }, stranger)).rejects.toThrow(/refused/);
    await expect(call(DROPPED_PATHS_CHANNEL, { paths: ['/tmp'] }, stranger)).rejects.toThrow(/refused/);
    expect(dialogs.pickFolders).not.toHaveBeenCalled();
    expect(dialogs.pickExportPath).not.toHaveBeenCalled();
  });
});

describe('payload validation', () => {
  it('rejects a bad payload with a message naming the channel and the fields', async () => {
    await expect(call('images:get', { imageId: 'x' })).rejects.toThrow(
      /^images:get: invalid payload — imageId: /,
    );
    await expect(call('tags:setState', { imageIds: [], tag: '', state: 'maybe' })).rejects.toThrow(
      /tags:setState: invalid payload — imageIds: .*; tag: .*; state: /,
    );
    await expect(call('library:listFolders', { extra: 1 })).rejects.toThrow(
      /library:listFolders: invalid payload/,
    );
    await expect(call('library:listFolders', undefined)).rejects.toThrow(/\(payload\)/);
    expect(forward).not.toHaveBeenCalled();
  });

  it('forwards a good call with the parsed payload (defaults filled, strings trimmed)', async () => {
    await expect(call('images:query', { filter: {}, offset: 0, limit: 50 })).resolves.toEqual({
      forwarded: true,
    });
    expect(forward).toHaveBeenCalledWith('images:query', { filter: { review: 'all' }, offset: 0, limit: 50 });
    await call('tags:add', { imageIds: [1, 2], tag: '  cat  ' });
    expect(forward).toHaveBeenLastCalledWith('tags:add', { imageIds: [1, 2], tag: 'cat' });
  });

  it('passes engine errors through', async () => {
    forward.mockRejectedValueOnce(new Error('library:rescan: folder 3 not found'));
    await expect(call('library:rescan', { folderId: 3 })).rejects.toThrow('folder 3 not found');
  });
});

describe('folders', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'skiptag-ipc-'));
    await mkdir(path.join(dir, 'photos'));
    await writeFile(path.join(dir, 'photo.jpg'), 'x');
    await symlink(path.join(dir, 'photos'), path.join(dir, 'link'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('never takes paths from the page on library:addFolders', async () => {
    await expect(call('library:addFolders', { paths: [dir] })).rejects.toThrow(/only accepted from a drop/);
    expect(forward).not.toHaveBeenCalled();
  });

  it('adds dropped folders by their real paths, once each', async () => {
    await call(DROPPED_PATHS_CHANNEL, { paths: [path.join(dir, 'photos'), path.join(dir, 'link')] });
    expect(forward).toHaveBeenCalledWith('library:addFolders', { paths: [path.join(dir, 'photos')] });
  });

  it('passes dropped photos on by their real paths; refuses missing and relative paths', async () => {
    await call(DROPPED_PATHS_CHANNEL, { paths: [path.join(dir, 'photo.jpg')] });
    expect(forward).toHaveBeenCalledWith('library:addFolders', { paths: [path.join(dir, 'photo.jpg')] });
    forward.mockClear();
    await expect(call(DROPPED_PATHS_CHANNEL, { paths: [path.join(dir, 'gone')] })).rejects.toThrow(
      /not found/,
    );
    await expect(call(DROPPED_PATHS_CHANNEL, { paths: ['photos'] })).rejects.toThrow(/not an absolute path/);
    await expect(call(DROPPED_PATHS_CHANNEL, { paths: [] })).rejects.toThrow(/invalid payload/);
    expect(forward).not.toHaveBeenCalled();
  });

  it('pickFolders shows the dialog in main and adds what was chosen', async () => {
    dialogs.pickFolders.mockResolvedValueOnce([path.join(dir, 'photos')]);
    await call('library:pickFolders', {});
    expect(forward).toHaveBeenCalledWith('library:addFolders', { paths: [path.join(dir, 'photos')] });
    dialogs.pickFolders.mockResolvedValueOnce([]);
    forward.mockClear();
    await expect(call('library:pickFolders', {})).resolves.toEqual([]);
    expect(forward).not.toHaveBeenCalled();
  });
});

describe('export:run', () => {
  it('asks where to save, exports there and reveals the file', async () => {
    dialogs.pickExportPath.mockResolvedValueOnce('/home/me/labels.json');
    forward.mockResolvedValueOnce({ path: '/home/me/labels.json', count: 12 });
    await expect(call('export:run', { format: 'json', scope: 'all' })).resolves.toEqual({
      path: '/home/me/labels.json',
      count: 12,
    });
    expect(dialogs.pickExportPath).toHaveBeenCalledWith('json');
    expect(forward).toHaveBeenCalledWith('export:toPath', {
      format: 'json',
      layout: 'wide',
      scope: 'all',
      bom: false,
      path: '/home/me/labels.json',
    });
    expect(dialogs.reveal).toHaveBeenCalledWith('/home/me/labels.json');
  });

  it('does nothing when the dialog is cancelled', async () => {
    dialogs.pickExportPath.mockResolvedValueOnce(null);
    await expect(call('export:run', { format: 'csv', scope: 'all' })).resolves.toEqual({
      path: null,
      count: 0,
    });
    expect(forward).not.toHaveBeenCalled();
    expect(dialogs.reveal).not.toHaveBeenCalled();
  });

  it('never lets the page name the path', async () => {
    await expect(call('export:run', { format: 'csv', scope: 'all', path: '/etc/passwd' })).rejects.toThrow(
      /invalid payload/,
    );
    expect(dialogs.pickExportPath).not.toHaveBeenCalled();
  });
});
