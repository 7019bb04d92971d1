// Unit tests (Electron main code) for the IPC wrapper: sender checks, zod validation, forwarding, dialogs, envelopes.

import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { IpcMainInvokeEvent } from 'electron';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { REQUESTS, type ApiResult, type ErrorInfo } from '../../src-main/shared/contract.js';
import { AppError } from '../../src-main/shared/errors.js';
import { DROPPED_PATHS_CHANNEL } from '../../src-main/app/preload-api.js';
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
let log: ReturnType<typeof vi.fn<NonNullable<IpcDeps['log']>>>;
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
  log = vi.fn<NonNullable<IpcDeps['log']>>();
  dialogs = { pickFolders: vi.fn(), pickExportPath: vi.fn(), reveal: vi.fn() };
  const policy = { webContentsIds: () => new Set([1]), origins: allowedOrigins() };
  return registerIpcHandlers(ipcMain, {
    isTrustedSender: (event) => isTrustedSender(event, policy),
    forward,
    dialogs: dialogs as unknown as IpcDeps['dialogs'],
    log,
    ...overrides,
  });
}

/** What the handler answers: always an ApiResult, never a rejection (Electron would drop the code). */
async function answer(channel: string, payload: unknown, event = OURS): Promise<ApiResult<unknown>> {
  const handler = handlers.get(channel);
  if (!handler) throw new Error(`no handler for ${channel}`);
  return (await handler(event, payload)) as ApiResult<unknown>;
}

async function call(channel: string, payload: unknown, event = OURS): Promise<unknown> {
  const result = await answer(channel, payload, event);
  if (!result.ok) throw new Error(`${channel} failed: ${result.error.code}: ${result.error.message}`);
  return result.value;
}

/** The error of a request that must fail. */
async function failure(channel: string, payload: unknown, event = OURS): Promise<ErrorInfo> {
  const result = await answer(channel, payload, event);
  if (result.ok) throw new Error(`${channel} succeeded: ${JSON.stringify(result.value)}`);
  return result.error;
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
    expect(
      await answer('images:get', { imageId: 1 }, senderEvent('app://app/index.html', { id: 9 })),
    ).toEqual({
      ok: false,
      error: { code: 'forbidden', message: 'images:get: refused, the caller is not the Skiptag window' },
    });
    expect(forward).not.toHaveBeenCalled();
  });

  it('refuses a subframe, even of our own page', async () => {
    expect(
      await failure('images:get', { imageId: 1 }, senderEvent('app://app/index.html', { subframe: true })),
    ).toMatchObject({ code: 'forbidden', message: expect.stringMatching(/refused/) });
    expect(forward).not.toHaveBeenCalled();
  });

  it('refuses a wrong origin', async () => {
    for (const url of [
      'https://evil.example/',
      'file:///tmp/x.html',
      'app://thumb/1',
      'http://localhost:5173/',
    ]) {
      expect(await failure('tags:list', {}, senderEvent(url)), url).toMatchObject({
        code: 'forbidden',
        message: expect.stringMatching(/refused/),
      });
    }
    expect(forward).not.toHaveBeenCalled();
  });

  it('applies to the special channels too', async () => {
    const stranger = senderEvent('https://evil.example/');
    const refused = { code: 'forbidden', message: expect.stringMatching(/refused/) };
    expect(await failure('library:pickFolders', {}, stranger)).toMatchObject(refused);
    expect(await failure('export:run', { format: 'csv', scope: 'all' }, stranger)).toMatchObject(refused);
    expect(await failure(DROPPED_PATHS_CHANNEL, { paths: ['/tmp'] }, stranger)).toMatchObject(refused);
    expect(dialogs.pickFolders).not.toHaveBeenCalled();
    expect(dialogs.pickExportPath).not.toHaveBeenCalled();
  });
});

describe('payload validation', () => {
  it('rejects a bad payload with code bad_request and a message naming the channel and the fields', async () => {
    expect(await failure('images:get', { imageId: 'x' })).toMatchObject({
      code: 'bad_request',
      message: expect.stringMatching(/^images:get: invalid payload — imageId: /),
    });
    expect(await failure('tags:setState', { imageIds: [], tag: '', state: 'maybe' })).toMatchObject({
      code: 'bad_request',
      message: expect.stringMatching(/tags:setState: invalid payload — imageIds: .*; tag: .*; state: /),
    });
    expect(await failure('library:listFolders', { extra: 1 })).toMatchObject({
      code: 'bad_request',
      message: expect.stringMatching(/library:listFolders: invalid payload/),
    });
    expect((await failure('library:listFolders', undefined)).message).toMatch(/\(input\)/);
    expect(forward).not.toHaveBeenCalled();
  });

  it('forwards a good call with the parsed payload (defaults filled, strings trimmed)', async () => {
    expect(await answer('images:query', { filter: {}, offset: 0, limit: 50 })).toEqual({
      ok: true,
      value: { forwarded: true },
    });
    expect(forward).toHaveBeenCalledWith('images:query', { filter: { review: 'all' }, offset: 0, limit: 50 });
    await call('tags:add', { imageIds: [1, 2], tag: '  cat  ' });
    expect(forward).toHaveBeenLastCalledWith('tags:add', { imageIds: [1, 2], tag: 'cat' });
  });

  it('passes the engine’s error code and message through; anything else is failed', async () => {
    forward.mockRejectedValueOnce(new AppError('not_found', 'no folder with id 3'));
    expect(await answer('library:rescan', { folderId: 3 })).toEqual({
      ok: false,
      error: { code: 'not_found', message: 'no folder with id 3' },
    });
    forward.mockRejectedValueOnce(new AppError('model_not_found', 'No model found.'));
    expect(await failure('settings:set', { model: 'gone' })).toEqual({
      code: 'model_not_found',
      message: 'No model found.',
    });
    forward.mockRejectedValueOnce(Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' }));
    expect(await failure('tags:list', {})).toMatchObject({ code: 'library_busy' });
    expect(log).not.toHaveBeenCalled();
    const unforeseen = new TypeError('something broke');
    forward.mockRejectedValueOnce(unforeseen);
    expect(await failure('tags:list', {})).toEqual({ code: 'failed', message: 'something broke' });
    // Only that one reaches main's log, with its stack.
    expect(log).toHaveBeenCalledExactlyOnceWith('[ipc] tags:list failed', unforeseen);
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
    expect(await failure('library:addFolders', { paths: [dir] })).toMatchObject({
      code: 'forbidden',
      message: expect.stringMatching(/only accepted from a drop/),
    });
    expect(forward).not.toHaveBeenCalled();
  });

  it('passes dropped paths on once each, without touching the disk (the service resolves them)', async () => {
    const photos = path.join(dir, 'photos');
    await call(DROPPED_PATHS_CHANNEL, { paths: [photos, path.join(dir, 'link'), photos] });
    expect(forward).toHaveBeenCalledWith('library:addFolders', { paths: [photos, path.join(dir, 'link')] });
  });

  it('refuses relative paths and empty drops', async () => {
    expect(await failure(DROPPED_PATHS_CHANNEL, { paths: ['photos'] })).toMatchObject({
      code: 'bad_request',
      message: expect.stringMatching(/not an absolute path/),
    });
    expect(await failure(DROPPED_PATHS_CHANNEL, { paths: [] })).toMatchObject({
      code: 'bad_request',
      message: expect.stringMatching(/invalid payload/),
    });
    expect(forward).not.toHaveBeenCalled();
  });

  it('pickFolders shows the dialog in main and adds what was chosen', async () => {
    dialogs.pickFolders.mockResolvedValueOnce([path.join(dir, 'photos')]);
    await call('library:pickFolders', {});
    expect(forward).toHaveBeenCalledWith('library:addFolders', { paths: [path.join(dir, 'photos')] });
    dialogs.pickFolders.mockResolvedValueOnce([]);
    forward.mockClear();
    expect(await call('library:pickFolders', {})).toEqual([]);
    expect(forward).not.toHaveBeenCalled();
  });
});

describe('export:run', () => {
  it('asks where to save, exports there and reveals the file', async () => {
    dialogs.pickExportPath.mockResolvedValueOnce('/home/me/labels.json');
    forward.mockResolvedValueOnce({ path: '/home/me/labels.json', count: 12 });
    expect(await call('export:run', { format: 'json', scope: 'all' })).toEqual({
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
    expect(await call('export:run', { format: 'csv', scope: 'all' })).toEqual({
      path: null,
      count: 0,
    });
    expect(forward).not.toHaveBeenCalled();
    expect(dialogs.reveal).not.toHaveBeenCalled();
  });

  it('never lets the page name the path', async () => {
    expect(await failure('export:run', { format: 'csv', scope: 'all', path: '/etc/passwd' })).toMatchObject({
      code: 'bad_request',
      message: expect.stringMatching(/invalid payload/),
    });
    expect(dialogs.pickExportPath).not.toHaveBeenCalled();
  });
});
