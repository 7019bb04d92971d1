// Unit tests (Electron main code) for the security policy: IPC senders, navigation, new windows, permissions.

import type { IpcMainInvokeEvent } from 'electron';
import { describe, expect, it, vi } from 'vitest';
import { CONTENT_SECURITY_POLICY } from '../../src-main/app/protocol.js';
import {
  allowedOrigins,
  hardenSession,
  hardenWebContents,
  isAllowedExternalUrl,
  isAllowedRequestUrl,
  isTrustedSender,
  originOf,
  type HardenableContents,
  type HardenableSession,
  type SenderEvent,
} from '../../src-main/app/security.js';

/** A fake IPC event: `frameUrl` loaded in a frame of webContents `id`, top-level unless `subframe`. */
function senderEvent(
  frameUrl: string,
  options: { id?: number; subframe?: boolean } = {},
): IpcMainInvokeEvent {
  const top = { url: frameUrl, parent: null };
  const frame = options.subframe ? { url: frameUrl, parent: top } : top;
  return { sender: { id: options.id ?? 1 }, senderFrame: frame } as unknown as IpcMainInvokeEvent;
}

const policy = { webContentsIds: () => new Set([1]), origins: allowedOrigins() };

describe('isTrustedSender', () => {
  it('accepts the top frame of our window showing app://app', () => {
    expect(isTrustedSender(senderEvent('app://app/index.html'), policy)).toBe(true);
    expect(isTrustedSender(senderEvent('app://app/index.html#/review?x=1'), policy)).toBe(true);
  });

  it('refuses other webContents, subframes, other origins and vanished frames', () => {
    expect(isTrustedSender(senderEvent('app://app/index.html', { id: 2 }), policy)).toBe(false);
    expect(isTrustedSender(senderEvent('app://app/index.html', { subframe: true }), policy)).toBe(false);
    for (const url of [
      'app://thumb/1',
      'app://app.evil/index.html',
      'https://app/index.html',
      'http://localhost:5173/',
      'file:///home/me/index.html',
      'about:blank',
      'data:text/html,<script>',
      '',
    ]) {
      expect(isTrustedSender(senderEvent(url), policy), url).toBe(false);
    }
    expect(isTrustedSender({ sender: { id: 1 }, senderFrame: null } as unknown as SenderEvent, policy)).toBe(
      false,
    );
    const detached = {
      sender: { id: 1 },
      get senderFrame(): never {
        throw new Error('Render frame was disposed before WebFrameMain could be accessed');
      },
    };
    expect(isTrustedSender(detached as unknown as SenderEvent, policy)).toBe(false);
  });

  it('accepts the dev server only while developing', () => {
    const dev = { ...policy, origins: allowedOrigins('http://localhost:5173/') };
    expect(isTrustedSender(senderEvent('http://localhost:5173/index.html'), dev)).toBe(true);
    expect(isTrustedSender(senderEvent('http://localhost:5174/'), dev)).toBe(false);
    expect(isTrustedSender(senderEvent('http://localhost:5173/'), policy)).toBe(false);
  });
});

describe('URL rules', () => {
  it('originOf handles the app: scheme that Node calls opaque', () => {
    expect(originOf('app://app/x/y.html')).toBe('app://app');
    expect(originOf('http://localhost:5173/a')).toBe('http://localhost:5173');
    expect(originOf('file:///etc/passwd')).toBeNull();
    expect(originOf('nonsense')).toBeNull();
  });

  it('opens only https links externally', () => {
    expect(isAllowedExternalUrl('https://github.com/skiptag')).toBe(true);
    for (const url of [
      'http://example.com',
      'file:///etc/passwd',
      'javascript:alert(1)',
      'smb://host/share',
      'ms-settings:',
      'https://user:pw@example.com',
      'not a url',
    ]) {
      expect(isAllowedExternalUrl(url), url).toBe(false);
    }
  });

  it('lets the window load only its own content', () => {
    expect(isAllowedRequestUrl('app://app/assets/x.js')).toBe(true);
    expect(isAllowedRequestUrl('app://thumb/3')).toBe(true);
    expect(isAllowedRequestUrl('data:image/png;base64,AA==')).toBe(true);
    expect(isAllowedRequestUrl('https://cdn.example.com/x.js')).toBe(false);
    expect(isAllowedRequestUrl('file:///etc/passwd')).toBe(false);
    expect(isAllowedRequestUrl('http://localhost:5173/src/main.ts')).toBe(false);
    const dev = 'http://localhost:5173/';
    expect(isAllowedRequestUrl('http://localhost:5173/src/main.ts', dev)).toBe(true);
    expect(isAllowedRequestUrl('ws://localhost:5173/', dev)).toBe(true);
    expect(isAllowedRequestUrl('http://localhost:8080/', dev)).toBe(false);
  });
});

describe('hardenWebContents', () => {
  function fakeContents() {
    const listeners = new Map<string, (event: { preventDefault(): void }) => void>();
    let openHandler: ((details: { url: string }) => { action: string }) | undefined;
    const contents = {
      on: (name: string, listener: (event: { preventDefault(): void }) => void) =>
        listeners.set(name, listener),
      setWindowOpenHandler: (handler: typeof openHandler) => {
        openHandler = handler;
      },
    };
    return {
      contents: contents as unknown as HardenableContents,
      listeners,
      open: (url: string) => openHandler?.({ url }),
    };
  }

  it('denies every navigation and <webview>', () => {
    const { contents, listeners } = fakeContents();
    hardenWebContents(contents, vi.fn());
    for (const name of ['will-navigate', 'will-frame-navigate', 'will-redirect', 'will-attach-webview']) {
      const event = { preventDefault: vi.fn() };
      listeners.get(name)?.(event);
      expect(event.preventDefault, name).toHaveBeenCalled();
    }
  });

  it('denies new windows, handing https links to the browser', () => {
    const { contents, open } = fakeContents();
    const openExternal = vi.fn();
    hardenWebContents(contents, openExternal);
    expect(open('https://example.com/docs')).toEqual({ action: 'deny' });
    expect(openExternal).toHaveBeenCalledWith('https://example.com/docs');
    openExternal.mockClear();
    expect(open('file:///etc/passwd')).toEqual({ action: 'deny' });
    expect(open('app://app/index.html')).toEqual({ action: 'deny' });
    expect(openExternal).not.toHaveBeenCalled();
  });
});

describe('hardenSession', () => {
  it('denies every permission and every remote request', () => {
    const handlers: Record<string, (...args: never[]) => unknown> = {};
    const session = {
      setPermissionRequestHandler: (h: never) => (handlers['request'] = h),
      setPermissionCheckHandler: (h: never) => (handlers['check'] = h),
      setDevicePermissionHandler: (h: never) => (handlers['device'] = h),
      webRequest: { onBeforeRequest: (h: never) => (handlers['web'] = h) },
    } as unknown as HardenableSession;
    hardenSession(session);

    const callback = vi.fn();
    (handlers['request'] as (...a: unknown[]) => void)({}, 'media', callback, {});
    expect(callback).toHaveBeenCalledWith(false);
    expect((handlers['check'] as (...a: unknown[]) => boolean)({}, 'notifications', 'app://app', {})).toBe(
      false,
    );
    expect((handlers['device'] as (...a: unknown[]) => boolean)({})).toBe(false);

    const web = handlers['web'] as (details: { url: string }, cb: (r: { cancel: boolean }) => void) => void;
    const decide = (url: string) => {
      let cancel: boolean | undefined;
      web({ url }, (r) => (cancel = r.cancel));
      return cancel;
    };
    expect(decide('https://tracker.example.com/p.gif')).toBe(true);
    expect(decide('app://app/index.html')).toBe(false);
  });
});

describe('CSP', () => {
  it('allows nothing unsafe', () => {
    expect(CONTENT_SECURITY_POLICY).not.toContain('unsafe');
    expect(CONTENT_SECURITY_POLICY).toContain("default-src 'none'");
    expect(CONTENT_SECURITY_POLICY).toContain("script-src 'self'");
  });
});
