// window.skiptag as the preload builds it (preload): one named function per contract method, nothing generic; the dropped-paths channel.
// Requests answer with main's ApiResult envelope, passed on untouched: the page's API module unwraps it.

import type { IpcRenderer, IpcRendererEvent, WebUtils } from 'electron';
import { API_METHODS, type ApiResult, type EventChannel, type SkiptagApi } from '../shared/contract.js';

/**
 * The one IPC channel private to the Electron shell, beyond the contract's REQUESTS and EVENTS: the preload
 * sends folder paths it resolved from dropped File objects here. It is the only way a path from the renderer
 * reaches `library:addFolders`; the contract channel itself refuses paths typed by the page. Main's IPC
 * wrapper imports it from here: the sandboxed preload can bundle nothing but this file and the contract.
 */
export const DROPPED_PATHS_CHANNEL = 'library:addDroppedPaths';

export type IpcRendererLike = Pick<IpcRenderer, 'invoke' | 'on' | 'removeListener'>;
export type WebUtilsLike = Pick<WebUtils, 'getPathForFile'>;

/** Paths on disk for dropped File objects; files without one (pasted data, a non-File) are dropped. */
function droppedPaths(webUtils: WebUtilsLike, files: readonly unknown[]): string[] {
  const paths: string[] = [];
  for (const file of files) {
    try {
      const path = webUtils.getPathForFile(file as File);
      if (path) paths.push(path);
    } catch {
      // getPathForFile throws for anything that is not a File: ignore it like a file with no path.
    }
  }
  return paths;
}

/** The listener sees only the payload: never the IPC event, whose `sender` leads back to ipcRenderer. */
function subscribe<T>(ipcRenderer: IpcRendererLike, channel: EventChannel, listener: (payload: T) => void) {
  const wrapped = (_event: IpcRendererEvent, payload: T) => listener(payload);
  ipcRenderer.on(channel, wrapped);
  return () => {
    ipcRenderer.removeListener(channel, wrapped);
  };
}

/**
 * Main's handlers answer every request with an ApiResult and never reject; invoke itself rejects only when
 * no handler is registered or the input cannot be cloned. That becomes an ApiResult too, so the page has
 * one way to learn of a failure.
 */
async function request(
  ipcRenderer: IpcRendererLike,
  channel: string,
  input: unknown,
): Promise<ApiResult<unknown>> {
  try {
    return (await ipcRenderer.invoke(channel, input)) as ApiResult<unknown>;
  } catch (error) {
    return {
      ok: false,
      error: { code: 'failed', message: error instanceof Error ? error.message : String(error) },
    };
  }
}

export function createApi(ipcRenderer: IpcRendererLike, webUtils: WebUtilsLike): SkiptagApi {
  const api: Record<string, unknown> = {};
  for (const [method, channel] of Object.entries(API_METHODS)) {
    // Paths come only from addDroppedFiles (here) or pickFolders (main's dialog), never from the page.
    if (method === 'addFolders') continue;
    api[method] = (input: unknown) => request(ipcRenderer, channel, input);
  }
  api['addDroppedFiles'] = async (files: readonly unknown[]): Promise<ApiResult<unknown>> => {
    const paths = droppedPaths(webUtils, Array.from(files));
    return paths.length === 0
      ? { ok: true, value: [] }
      : request(ipcRenderer, DROPPED_PATHS_CHANNEL, { paths });
  };
  api['onJobProgress'] = (listener: (payload: unknown) => void) =>
    subscribe(ipcRenderer, 'jobs:progress', listener);
  api['onLibraryChanged'] = (listener: (payload: unknown) => void) =>
    subscribe(ipcRenderer, 'library:changed', listener);
  return Object.freeze(api) as SkiptagApi;
}
