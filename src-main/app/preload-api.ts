// window.skiptag as the preload builds it (preload): one named function per contract method, nothing generic.

import type { IpcRenderer, IpcRendererEvent, WebUtils } from 'electron';
import { API_METHODS, type EventChannel, type SkiptagApi } from '../shared/contract.js';
import { DROPPED_PATHS_CHANNEL } from './channels.js';

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

export function createApi(ipcRenderer: IpcRendererLike, webUtils: WebUtilsLike): SkiptagApi {
  const api: Record<string, unknown> = {};
  for (const [method, channel] of Object.entries(API_METHODS)) {
    // Paths come only from addDroppedFiles (here) or pickFolders (main's dialog), never from the page.
    if (method === 'addFolders') continue;
    api[method] = (input: unknown) => ipcRenderer.invoke(channel, input);
  }
  api['addDroppedFiles'] = async (files: readonly unknown[]) => {
    const paths = droppedPaths(webUtils, Array.from(files));
    return paths.length === 0 ? [] : ipcRenderer.invoke(DROPPED_PATHS_CHANNEL, { paths });
  };
  api['onJobProgress'] = (listener: (payload: unknown) => void) =>
    subscribe(ipcRenderer, 'jobs:progress', listener);
  api['onLibraryChanged'] = (listener: (payload: unknown) => void) =>
    subscribe(ipcRenderer, 'library:changed', listener);
  return Object.freeze(api) as SkiptagApi;
}
