// Unit tests (preload code) for window.skiptag: exactly the contract's methods, right channels, envelopes, payload-only events.

import type { IpcRendererEvent } from 'electron';
import { describe, expect, it, vi } from 'vitest';
import { API_METHODS, type JobSnapshotInfo } from '../../src-main/shared/contract.js';
import {
  createApi,
  DROPPED_PATHS_CHANNEL,
  type IpcRendererLike,
  type WebUtilsLike,
} from '../../src-main/app/preload-api.js';

// Electron cannot run here: stand-ins for what preload.ts imports, to check what it exposes.
const bridge = vi.hoisted(() => ({ exposed: new Map<string, unknown>() }));
vi.mock('electron', () => ({
  contextBridge: { exposeInMainWorld: (key: string, api: unknown) => bridge.exposed.set(key, api) },
  ipcRenderer: { invoke: vi.fn(), on: vi.fn(), removeListener: vi.fn() },
  webUtils: { getPathForFile: vi.fn() },
}));

type Listener = (event: IpcRendererEvent, ...args: unknown[]) => void;

function fakeIpc() {
  const listeners = new Map<string, Set<Listener>>();
  const ipc = {
    invoke: vi.fn(async (channel: string, payload?: unknown) => ({ ok: true, value: { channel, payload } })),
    on: vi.fn((channel: string, listener: Listener) => {
      if (!listeners.has(channel)) listeners.set(channel, new Set());
      listeners.get(channel)?.add(listener);
      return ipc;
    }),
    removeListener: vi.fn((channel: string, listener: Listener) => {
      listeners.get(channel)?.delete(listener);
      return ipc;
    }),
  };
  const emit = (channel: string, payload: unknown) => {
    const event = { sender: { send: vi.fn() }, senderId: 0 } as unknown as IpcRendererEvent;
    for (const listener of listeners.get(channel) ?? []) listener(event, payload);
  };
  return {
    ipc,
    api: createApi(ipc as unknown as IpcRendererLike, { getPathForFile: vi.fn() }),
    emit,
    listeners,
  };
}

const EXTRA_KEYS = ['addDroppedFiles', 'onJobProgress', 'onLibraryChanged'];
const EXPECTED_KEYS = [...Object.keys(API_METHODS).filter((m) => m !== 'addFolders'), ...EXTRA_KEYS].sort();

describe('createApi', () => {
  it('exposes exactly the contract methods (no addFolders) plus the drop and event helpers', () => {
    const { api } = fakeIpc();
    expect(Object.keys(api).sort()).toEqual(EXPECTED_KEYS);
    for (const key of Object.keys(api))
      expect(typeof (api as Record<string, unknown>)[key], key).toBe('function');
    expect(Object.isFrozen(api)).toBe(true);
    // Nothing generic slips in.
    for (const forbidden of ['invoke', 'send', 'on', 'ipcRenderer', 'addFolders'])
      expect(api).not.toHaveProperty(forbidden);
  });

  it('invokes the contract channel of each method with the input as given, and passes main’s envelope on', async () => {
    const { ipc, api } = fakeIpc();
    for (const [method, channel] of Object.entries(API_METHODS)) {
      if (method === 'addFolders') continue;
      const input = { probe: method };
      const call = (api as unknown as Record<string, (input: unknown) => Promise<unknown>>)[method];
      await expect(call?.(input)).resolves.toEqual({ ok: true, value: { channel, payload: input } });
      expect(ipc.invoke).toHaveBeenLastCalledWith(channel, input);
    }
    expect(ipc.invoke).toHaveBeenCalledTimes(Object.keys(API_METHODS).length - 1);

    const refused = { ok: false, error: { code: 'forbidden', message: 'tags:list: refused' } };
    ipc.invoke.mockResolvedValueOnce(refused as never);
    await expect(api.listTags({})).resolves.toEqual(refused);
  });

  it('turns a rejected invoke (no handler in main, an input that cannot be cloned) into a failed envelope', async () => {
    const { ipc, api } = fakeIpc();
    ipc.invoke.mockRejectedValueOnce(new Error("No handler registered for 'tags:list'"));
    await expect(api.listTags({})).resolves.toEqual({
      ok: false,
      error: { code: 'failed', message: "No handler registered for 'tags:list'" },
    });
  });

  it('listeners receive only the payload and can unsubscribe', () => {
    const { api, emit, listeners } = fakeIpc();
    const jobs: unknown[][] = [];
    const changes: unknown[][] = [];
    const offJobs = api.onJobProgress((...args) => jobs.push(args));
    const offChanges = api.onLibraryChanged((...args) => changes.push(args));
    const job = { id: 1, kind: 'tag', state: 'running' } as unknown as JobSnapshotInfo;
    emit('jobs:progress', job);
    emit('library:changed', { folders: true });
    expect(jobs).toEqual([[job]]);
    expect(changes).toEqual([[{ folders: true }]]);

    offJobs();
    offChanges();
    emit('jobs:progress', job);
    expect(jobs).toHaveLength(1);
    expect(listeners.get('jobs:progress')?.size).toBe(0);
    expect(listeners.get('library:changed')?.size).toBe(0);
  });

  it('addDroppedFiles resolves paths with webUtils and sends them on the dedicated channel', async () => {
    const ipc = {
      invoke: vi.fn(async () => ({ ok: true, value: [] })),
      on: vi.fn(),
      removeListener: vi.fn(),
    };
    const files = [{ name: 'Photos' }, { name: 'pasted.png' }, 'not a file', { name: 'Trips' }];
    const webUtils: WebUtilsLike = {
      getPathForFile: vi.fn((file: unknown) => {
        if (typeof file === 'string') throw new TypeError('not a File');
        return { Photos: '/home/me/Photos', Trips: '/home/me/Trips' }[(file as { name: string }).name] ?? '';
      }),
    };
    const api = createApi(ipc as unknown as IpcRendererLike, webUtils);
    await expect(api.addDroppedFiles(files)).resolves.toEqual({ ok: true, value: [] });
    expect(ipc.invoke).toHaveBeenCalledWith(DROPPED_PATHS_CHANNEL, {
      paths: ['/home/me/Photos', '/home/me/Trips'],
    });

    ipc.invoke.mockClear();
    await expect(api.addDroppedFiles([{ name: 'pasted.png' }])).resolves.toEqual({ ok: true, value: [] });
    expect(ipc.invoke).not.toHaveBeenCalled();
  });
});

describe('paths from the page', () => {
  it('come only from webUtils.getPathForFile: strings, objects with a path and undropped Files send nothing', async () => {
    const ipc = {
      invoke: vi.fn(async () => ({ ok: true, value: [] })),
      on: vi.fn(),
      removeListener: vi.fn(),
    };
    // Electron's behaviour: a path only for a File the user dropped (or picked), '' for a File the page
    // made itself, a TypeError for anything that is not a File.
    class FakeFile {
      constructor(readonly name: string) {}
    }
    const dropped = new WeakMap<object, string>();
    const real = new FakeFile('Photos');
    dropped.set(real, '/home/me/Photos');
    const webUtils: WebUtilsLike = {
      getPathForFile: vi.fn((file: unknown) => {
        if (!(file instanceof FakeFile)) throw new TypeError('parameter 1 is not of type File');
        return dropped.get(file) ?? '';
      }),
    };
    const api = createApi(ipc as unknown as IpcRendererLike, webUtils);
    const forged = [
      '/etc',
      { path: '/etc', name: 'etc' },
      { name: '/etc' },
      new FakeFile('/etc'),
      Object.assign(new FakeFile('x'), { path: '/etc' }),
    ];
    await expect(api.addDroppedFiles(forged)).resolves.toEqual({ ok: true, value: [] });
    expect(ipc.invoke).not.toHaveBeenCalled();
    await api.addDroppedFiles([...forged, real]);
    expect(ipc.invoke).toHaveBeenCalledTimes(1);
    expect(ipc.invoke).toHaveBeenCalledWith(DROPPED_PATHS_CHANNEL, { paths: ['/home/me/Photos'] });
    // And the contract's own channel for paths is not on window.skiptag at all.
    expect(api).not.toHaveProperty('addFolders');
  });
});

describe('preload.ts', () => {
  it('exposes only window.skiptag, built by createApi', async () => {
    await import('../../src-main/app/preload.js');
    expect([...bridge.exposed.keys()]).toEqual(['skiptag']);
    expect(Object.keys(bridge.exposed.get('skiptag') as object).sort()).toEqual(EXPECTED_KEYS);
  });
});
