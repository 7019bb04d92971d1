// The app:// protocol (Electron main): serves the built UI from out/renderer, with its CSP, and photos' thumbnails via the engine.

import type { CustomScheme, Protocol } from 'electron';
import { readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { IMAGE_VARIANTS, type ImageVariant } from '../shared/service-protocol.js';

export const APP_SCHEME = 'app';
/** `app://app/...` is the UI; `app://thumb/<id>` and `app://preview/<id>` are photos. */
export const APP_HOST = 'app';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_INDEX_URL = `${APP_ORIGIN}/index.html`;

/**
 * standard: real origins and relative URLs (otherwise every page is an opaque origin and 'self' matches
 * nothing); secure: treated like https (secure context); codeCache: V8 caches the UI's scripts.
 */
export const APP_SCHEME_PRIVILEGES: CustomScheme = {
  scheme: APP_SCHEME,
  privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true },
};

/**
 * Nothing inline, nothing evaluated, nothing remote: scripts and styles only from the app's own files, images
 * also from app://thumb and app://preview (other hosts of the app: scheme, hence `app:`). Sent with every HTML page.
 */
export const CSP_DIRECTIVES: Readonly<Record<string, string>> = {
  'default-src': "'none'",
  'script-src': "'self'",
  'style-src': "'self'",
  'img-src': "'self' app:",
  'font-src': "'self'",
  'connect-src': "'self'",
  'base-uri': "'none'",
  'form-action': "'none'",
  'frame-ancestors': "'none'",
};

export const CONTENT_SECURITY_POLICY = Object.entries(CSP_DIRECTIVES)
  .map(([directive, sources]) => `${directive} ${sources}`)
  .join('; ');

/**
 * Content types of the built UI's files; only these are served from the UI folder, anything else (source
 * maps, dotfiles…) is a 404. The test bridge serves the UI to Chromium with the same table.
 */
export const UI_FILE_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.gif': 'image/gif',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
};

function isImageVariant(host: string): host is ImageVariant {
  return (IMAGE_VARIANTS as readonly string[]).includes(host);
}

export type AppTarget =
  | { kind: 'file'; path: string; mime: string }
  | { kind: 'image'; variant: ImageVariant; imageId: number }
  | { kind: 'error'; status: 400 | 403 | 404; reason: string };

const IMAGE_MIME_TYPES = new Set(['image/jpeg', 'image/webp', 'image/png']);
const IMAGE_ID = /^[1-9][0-9]{0,15}$/;

function fail(status: 400 | 403 | 404, reason: string): AppTarget {
  return { kind: 'error', status, reason };
}

/**
 * Maps an app:// URL to what it names, without touching the disk. Chromium already canonicalises URLs of a
 * standard scheme, but this does not rely on it: every path segment is decoded and checked on its own, so
 * `..`, `%2e%2e`, `..%2f`, backslashes, NUL, drive letters and `//` can never leave `rootDir`.
 */
export function resolveAppUrl(url: string, rootDir: string): AppTarget {
  // Raw checks first: WHATWG parsing would silently turn some of these into harmless-looking paths.
  if (/[\\\0]|%5c|%00/i.test(url)) return fail(403, 'backslash or NUL in URL');
  // URL parsing would quietly clamp `..` at the root; a request that tries it is refused outright instead.
  const beforeQuery = url.split(/[?#]/, 1)[0] ?? '';
  if (/\/(?:\.|%2e){1,2}(?:\/|$)/i.test(beforeQuery)) return fail(403, 'dot segment in URL');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return fail(400, 'not a URL');
  }
  if (parsed.protocol !== `${APP_SCHEME}:`) return fail(400, 'not an app: URL');
  if (parsed.username || parsed.password || parsed.port) return fail(400, 'unexpected URL parts');

  const segments: string[] = [];
  const raw = parsed.pathname.split('/').slice(1); // pathname always starts with '/'
  for (const [index, encoded] of raw.entries()) {
    let segment: string;
    try {
      segment = decodeURIComponent(encoded);
    } catch {
      return fail(400, 'malformed percent-encoding');
    }
    // Only the last segment may be empty (a trailing slash); an empty one inside means '//', an absolute path.
    if (segment === '' && index < raw.length - 1) return fail(403, 'empty path segment');
    if (segment === '.' || segment === '..') return fail(403, 'dot segment');
    if (/[/\\\0:]/.test(segment)) return fail(403, 'separator, NUL or drive in a path segment');
    if (/[\p{Cc}]/u.test(segment)) return fail(403, 'control character in path');
    if (segment !== '') segments.push(segment);
  }

  if (isImageVariant(parsed.host)) {
    const [id, ...rest] = segments;
    if (id === undefined || rest.length > 0 || !IMAGE_ID.test(id))
      return fail(400, 'image id must be a positive integer');
    const imageId = Number(id);
    if (!Number.isSafeInteger(imageId)) return fail(400, 'image id too large');
    return { kind: 'image', variant: parsed.host, imageId };
  }
  if (parsed.host !== APP_HOST) return fail(404, 'unknown host');

  if (segments.length === 0) segments.push('index.html');
  else if (raw.at(-1) === '') return fail(404, 'directory');
  const root = path.resolve(rootDir);
  const file = path.resolve(root, ...segments);
  const relative = path.relative(root, file);
  // Belt and braces: the segment rules above already make this impossible.
  if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) {
    return fail(403, 'outside the UI folder');
  }
  const name = segments.at(-1) ?? '';
  if (name.startsWith('.')) return fail(404, 'hidden file');
  const mime = UI_FILE_TYPES[path.extname(name).toLowerCase()];
  if (mime === undefined) return fail(404, 'file type not served');
  return { kind: 'file', path: file, mime };
}

export interface AppImage {
  mime: string;
  data: Uint8Array;
}

export interface AppProtocolOptions {
  rootDir: string;
  /** Asks the engine for a photo's JPEG/WebP bytes; null when there is none (missing file, not decoded). */
  fetchImage: (variant: ImageVariant, imageId: number) => Promise<AppImage | null>;
}

const COMMON_HEADERS = { 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-cache' };

function errorResponse(status: number, reason: string): Response {
  return new Response(reason, { status, headers: { ...COMMON_HEADERS, 'Content-Type': 'text/plain' } });
}

function isInside(root: string, file: string): boolean {
  const relative = path.relative(root, file);
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
}

async function serveFile(rootDir: string, target: { path: string; mime: string }): Promise<Response> {
  let real: string;
  try {
    real = await realpath(target.path);
  } catch {
    return errorResponse(404, 'not found');
  }
  // A symbolic link inside the UI folder must not lead outside it.
  if (!isInside(await realpath(rootDir), real)) return errorResponse(403, 'outside the UI folder');
  let body: Buffer;
  try {
    if (!(await stat(real)).isFile()) return errorResponse(404, 'not a file');
    body = await readFile(real);
  } catch {
    return errorResponse(404, 'not readable');
  }
  const headers: Record<string, string> = { ...COMMON_HEADERS, 'Content-Type': target.mime };
  if (target.mime.startsWith('text/html')) headers['Content-Security-Policy'] = CONTENT_SECURITY_POLICY;
  return new Response(body, { status: 200, headers });
}

async function serveImage(
  options: AppProtocolOptions,
  variant: ImageVariant,
  imageId: number,
): Promise<Response> {
  let image: AppImage | null;
  try {
    image = await options.fetchImage(variant, imageId);
  } catch (error) {
    // The engine may be restarting; the <img> simply shows nothing and the next render asks again.
    return errorResponse(503, error instanceof Error ? error.message : 'engine unavailable');
  }
  if (image === null) return errorResponse(404, 'no image');
  if (!IMAGE_MIME_TYPES.has(image.mime)) return errorResponse(500, 'unexpected image type');
  return new Response(image.data, {
    status: 200,
    headers: { ...COMMON_HEADERS, 'Content-Type': image.mime, 'Cache-Control': 'private, max-age=60' },
  });
}

/** The request handler for `protocol.handle('app', …)`; plain Request → Response so tests can call it. */
export function createAppProtocolHandler(
  options: AppProtocolOptions,
): (request: Request) => Promise<Response> {
  return async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD')
      return errorResponse(405, 'method not allowed');
    const target = resolveAppUrl(request.url, options.rootDir);
    switch (target.kind) {
      case 'error':
        return errorResponse(target.status, target.reason);
      case 'image':
        return serveImage(options, target.variant, target.imageId);
      case 'file':
        return serveFile(options.rootDir, target);
    }
  };
}

/** Must run before the app's `ready` event: privileges cannot be granted later. */
export function registerAppScheme(protocol: Pick<Protocol, 'registerSchemesAsPrivileged'>): void {
  protocol.registerSchemesAsPrivileged([APP_SCHEME_PRIVILEGES]);
}

export function installAppProtocol(protocol: Pick<Protocol, 'handle'>, options: AppProtocolOptions): void {
  protocol.handle(APP_SCHEME, createAppProtocolHandler(options));
}
