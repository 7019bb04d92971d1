// Security policy of the Electron shell (Electron main): who may call IPC, where pages may go, what they may load.

import type { IpcMainInvokeEvent, Session, WebContents } from 'electron';
import { APP_ORIGIN } from './protocol.js';

/** `scheme://host[:port]`, also for app: (Node reports the origin of non-special schemes as "null"). */
export function originOf(url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (parsed.host === '') return null; // file:, data:, about:blank… have no origin we could trust
  return `${parsed.protocol}//${parsed.host}`;
}

/** Origins whose top-level page may call the API: the packaged UI, plus the dev server while developing. */
export function allowedOrigins(devServerUrl?: string): string[] {
  const dev = devServerUrl === undefined ? null : originOf(devServerUrl);
  return dev === null ? [APP_ORIGIN] : [APP_ORIGIN, dev];
}

/** Links the user may follow out of the app: https only, and no credentials smuggled into the URL. */
export function isAllowedExternalUrl(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' && parsed.username === '' && parsed.password === '';
  } catch {
    return false;
  }
}

/** Requests the window may make: its own files, inline data, and the dev server (with its HMR socket). */
export function isAllowedRequestUrl(url: string, devServerUrl?: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (['app:', 'data:', 'blob:', 'devtools:'].includes(parsed.protocol)) return true;
  if (devServerUrl === undefined) return false;
  const dev = new URL(devServerUrl);
  const sameHost = parsed.host === dev.host;
  return (
    sameHost && (parsed.protocol === dev.protocol || parsed.protocol === 'ws:' || parsed.protocol === 'wss:')
  );
}

export type SenderEvent = Pick<IpcMainInvokeEvent, 'sender' | 'senderFrame'>;

export interface SenderPolicy {
  /** webContents ids of our window(s); anything else (a devtools page, a stray webContents) is refused. */
  webContentsIds: () => ReadonlySet<number>;
  origins: readonly string[];
}

/**
 * An IPC message is ours only if it comes from the top frame of our window showing our own page: a subframe
 * or a page that somehow navigated elsewhere must not reach the engine.
 */
export function isTrustedSender(event: SenderEvent, policy: SenderPolicy): boolean {
  try {
    const frame = event.senderFrame;
    if (frame === null || frame.parent !== null) return false;
    if (!policy.webContentsIds().has(event.sender.id)) return false;
    const origin = originOf(frame.url);
    return origin !== null && policy.origins.includes(origin);
  } catch {
    // A frame that has gone away throws on access: certainly not a caller to serve.
    return false;
  }
}

export type HardenableContents = Pick<WebContents, 'on' | 'setWindowOpenHandler'>;

/** For every webContents: no navigation away, no new windows (https links go to the browser), no <webview>. */
export function hardenWebContents(contents: HardenableContents, openExternal: (url: string) => void): void {
  const deny = (event: { preventDefault(): void }) => event.preventDefault();
  // The UI is a single page: any navigation is a bug or an attack, including a dropped file opening itself.
  contents.on('will-navigate', deny);
  contents.on('will-frame-navigate', deny);
  contents.on('will-redirect', deny);
  contents.on('will-attach-webview', deny);
  contents.setWindowOpenHandler(({ url }) => {
    if (isAllowedExternalUrl(url)) openExternal(url);
    return { action: 'deny' };
  });
}

export type HardenableSession = Pick<
  Session,
  'setPermissionRequestHandler' | 'setPermissionCheckHandler' | 'setDevicePermissionHandler' | 'webRequest'
>;

/** Skiptag needs no camera, notifications, USB… and no network: deny every permission and remote request. */
export function hardenSession(session: HardenableSession, devServerUrl?: string): void {
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
  session.setDevicePermissionHandler(() => false);
  session.webRequest.onBeforeRequest((details, callback) => {
    callback({ cancel: !isAllowedRequestUrl(details.url, devServerUrl) });
  });
}
