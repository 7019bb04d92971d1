// Unit tests (Electron main code) for the app:// protocol: URL resolution, traversal refusals, responses, CSP.

import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  APP_SCHEME_PRIVILEGES,
  CONTENT_SECURITY_POLICY,
  createAppProtocolHandler,
  registerAppScheme,
  resolveAppUrl,
} from '../../src-main/app/protocol.js';

const ROOT = path.resolve('/srv/skiptag/out/renderer');

describe('resolveAppUrl', () => {
  it('serves files below the UI folder with their type', () => {
    expect(resolveAppUrl('app://app/index.html', ROOT)).toEqual({
      kind: 'file',
      path: path.join(ROOT, 'index.html'),
      mime: 'text/html; charset=utf-8',
    });
    expect(resolveAppUrl('app://app/assets/index-abc.js?v=1#x', ROOT)).toEqual({
      kind: 'file',
      path: path.join(ROOT, 'assets', 'index-abc.js'),
      mime: 'text/javascript; charset=utf-8',
    });
    expect(resolveAppUrl('app://app/fonts/My%20Font.woff2', ROOT)).toMatchObject({
      path: path.join(ROOT, 'fonts', 'My Font.woff2'),
      mime: 'font/woff2',
    });
  });

  it('serves index.html for the bare origin', () => {
    for (const url of ['app://app', 'app://app/']) {
      expect(resolveAppUrl(url, ROOT)).toMatchObject({ kind: 'file', path: path.join(ROOT, 'index.html') });
    }
  });

  it.each([
    'app://app/../../etc/passwd',
    'app://app/assets/../../../etc/passwd',
    'app://app/%2e%2e/%2e%2e/etc/passwd',
    'app://app/%2E%2E/secret.js',
    'app://app/.%2e/secret.js',
    'app://app/..%2f..%2fetc%2fpasswd.js',
    'app://app/assets/..%2F..%2F..%2Fsecret.js',
    'app://app/%2fetc%2fpasswd.js',
    'app://app//etc/passwd.js',
    'app://app/..\\..\\secret.js',
    'app://app/%5c..%5csecret.js',
    'app://app/index.html%00.js',
    'app://app/index.html\0.js',
    'app://app/C:%5cWindows%5cwin.ini',
    'app://app/C:/Windows/win.ini',
    'app://app/%43%3a/Windows/win.ini',
    'app://app/./index.html',
    'app://app/assets/%2e/app.js',
  ])('refuses %s', (url) => {
    expect(resolveAppUrl(url, ROOT)).toMatchObject({ kind: 'error', status: 403 });
  });

  it('refuses encoded traversal and separators with 403', () => {
    expect(resolveAppUrl('app://app/..%2fsecret.js', ROOT)).toMatchObject({ kind: 'error', status: 403 });
    expect(resolveAppUrl('app://app/a%5cb.js', ROOT)).toMatchObject({ kind: 'error', status: 403 });
    expect(resolveAppUrl('app://app/a%00.js', ROOT)).toMatchObject({ kind: 'error', status: 403 });
    expect(resolveAppUrl('app://app//etc/passwd.js', ROOT)).toMatchObject({ kind: 'error', status: 403 });
  });

  it('keeps `%252e%252e` a literal file name (decoded once, never twice)', () => {
    expect(resolveAppUrl('app://app/%252e%252e/x.js', ROOT)).toMatchObject({
      kind: 'file',
      path: path.join(ROOT, '%2e%2e', 'x.js'),
    });
  });

  it('refuses malformed URLs, other schemes and hosts, hidden and unknown files', () => {
    expect(resolveAppUrl('not a url', ROOT)).toMatchObject({ status: 400 });
    expect(resolveAppUrl('file:///etc/passwd', ROOT)).toMatchObject({ status: 400 });
    expect(resolveAppUrl('https://app/index.html', ROOT)).toMatchObject({ status: 400 });
    expect(resolveAppUrl('app://evil/index.html', ROOT)).toMatchObject({ status: 404 });
    expect(resolveAppUrl('app://user:pw@app/index.html', ROOT)).toMatchObject({ status: 400 });
    expect(resolveAppUrl('app://app/%E0%A4%A.js', ROOT)).toMatchObject({ status: 400 });
    expect(resolveAppUrl('app://app/.env', ROOT)).toMatchObject({ status: 404 });
    expect(resolveAppUrl('app://app/assets/index.js.map', ROOT)).toMatchObject({ status: 404 });
    expect(resolveAppUrl('app://app/assets/', ROOT)).toMatchObject({ status: 404 });
    expect(resolveAppUrl('app://app/run.sh', ROOT)).toMatchObject({ status: 404 });
  });

  it('maps thumbnails and previews to positive integer ids only', () => {
    expect(resolveAppUrl('app://thumb/42', ROOT)).toEqual({ kind: 'image', variant: 'thumb', imageId: 42 });
    expect(resolveAppUrl('app://preview/7?t=1', ROOT)).toEqual({
      kind: 'image',
      variant: 'preview',
      imageId: 7,
    });
    for (const bad of ['0', '-1', '1.5', '01', 'abc', '1e3', '99999999999999999', '', '1/2']) {
      expect(resolveAppUrl(`app://thumb/${bad}`, ROOT), bad).toMatchObject({ kind: 'error', status: 400 });
    }
    expect(resolveAppUrl('app://thumb/../../etc/passwd', ROOT)).toMatchObject({ kind: 'error' });
  });
});

describe('the app:// handler', () => {
  let dir: string;
  let root: string;
  const fetchImage = vi.fn();
  const handle = (url: string, method = 'GET') =>
    createAppProtocolHandler({ rootDir: root, fetchImage })(new Request(url, { method }));

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'skiptag-protocol-'));
    root = path.join(dir, 'renderer');
    await mkdir(path.join(root, 'assets'), { recursive: true });
    await writeFile(path.join(root, 'index.html'), '<!doctype html><title>Skiptag</title>');
    await writeFile(path.join(root, 'assets', 'app.js'), 'console.log(1)');
    await writeFile(path.join(dir, 'secret.js'), 'secret');
    await symlink(path.join(dir, 'secret.js'), path.join(root, 'assets', 'link.js'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('serves HTML with the strict CSP header', async () => {
    const response = await handle('app://app/index.html');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await response.text()).toContain('<title>Skiptag</title>');
  });

  it('serves scripts with their type and no CSP of their own', async () => {
    const response = await handle('app://app/assets/app.js');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(response.headers.get('content-security-policy')).toBeNull();
  });

  it('answers 404 for missing files and 403 for a symbolic link out of the folder', async () => {
    expect((await handle('app://app/nope.js')).status).toBe(404);
    const linked = await handle('app://app/assets/link.js');
    expect(linked.status).toBe(403);
    expect(await linked.text()).not.toContain('secret');
  });

  it('refuses traversal before touching the disk', async () => {
    expect((await handle('app://app/..%2fsecret.js')).status).toBe(403);
  });

  it('refuses methods other than GET and HEAD', async () => {
    expect((await handle('app://app/index.html', 'POST')).status).toBe(405);
  });

  it('asks the engine for thumbnails and previews', async () => {
    fetchImage.mockResolvedValueOnce({ mime: 'image/webp', data: new Uint8Array([1, 2, 3]) });
    const response = await handle('app://thumb/12');
    expect(fetchImage).toHaveBeenLastCalledWith('thumb', 12);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/webp');
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(new Uint8Array([1, 2, 3]));

    fetchImage.mockResolvedValueOnce(null);
    expect((await handle('app://preview/13')).status).toBe(404);
    expect(fetchImage).toHaveBeenLastCalledWith('preview', 13);

    fetchImage.mockRejectedValueOnce(new Error('the engine is restarting'));
    expect((await handle('app://thumb/14')).status).toBe(503);

    fetchImage.mockResolvedValueOnce({ mime: 'text/html', data: new Uint8Array([60]) });
    expect((await handle('app://thumb/15')).status).toBe(500);
  });

  it('never asks the engine for an id that is not a positive integer', async () => {
    fetchImage.mockClear();
    expect((await handle('app://thumb/0')).status).toBe(400);
    expect((await handle('app://thumb/abc')).status).toBe(400);
    expect(fetchImage).not.toHaveBeenCalled();
  });
});

describe('the app: scheme', () => {
  it('is registered as a standard, secure scheme', () => {
    const protocol = { registerSchemesAsPrivileged: vi.fn() };
    registerAppScheme(protocol);
    expect(protocol.registerSchemesAsPrivileged).toHaveBeenCalledWith([APP_SCHEME_PRIVILEGES]);
    expect(APP_SCHEME_PRIVILEGES).toMatchObject({
      scheme: 'app',
      privileges: { standard: true, secure: true },
    });
    expect(APP_SCHEME_PRIVILEGES.privileges).not.toHaveProperty('bypassCSP');
  });
});

describe('CONTENT_SECURITY_POLICY', () => {
  it('is the strict policy, with nothing unsafe', () => {
    expect(CONTENT_SECURITY_POLICY).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' app:; font-src 'self'; " +
        "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    );
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-|\*|http:|https:|data:|blob:/);
  });
});
