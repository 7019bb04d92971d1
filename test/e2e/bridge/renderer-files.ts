// Static files of the built renderer for the test bridge (test): content types, the shim injected, index.html's CSP.

import { readFile, stat } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import path from 'node:path';
import { UI_FILE_TYPES } from '../../../src-main/app/protocol.js';

// The same types as app:// serves, plus source maps and text files, which help when debugging a failing test.
const CONTENT_TYPES: Readonly<Record<string, string>> = {
  ...UI_FILE_TYPES,
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

export const SHIM_PATH = '/bridge-shim.js';

/** The content of index.html's `<meta http-equiv="Content-Security-Policy" content="…">`, or null. */
export function metaCsp(html: string): string | null {
  for (const [tag] of html.matchAll(/<meta\b[^>]*>/gi)) {
    if (!/http-equiv\s*=\s*["']?content-security-policy["']?/i.test(tag)) continue;
    const content = /\bcontent\s*=\s*(?:"([^"]*)"|'([^']*)')/i.exec(tag);
    const value = content?.[1] ?? content?.[2];
    if (value !== undefined)
      return value
        .replace(/&quot;/g, '"')
        .replace(/&#39;/g, "'")
        .replace(/&amp;/g, '&');
  }
  return null;
}

/**
 * index.html with the shim loaded before any of the app's scripts: a classic script runs while the page
 * is parsed, the app's module scripts only after, so window.skiptag exists when the app starts, as with
 * the preload.
 */
export function injectShim(html: string): string {
  const tag = `<script src="${SHIM_PATH}"></script>`;
  const firstScript = html.search(/<script\b/i);
  if (firstScript >= 0) return `${html.slice(0, firstScript)}${tag}\n    ${html.slice(firstScript)}`;
  const headEnd = html.search(/<\/head>/i);
  if (headEnd >= 0) return `${html.slice(0, headEnd)}${tag}\n${html.slice(headEnd)}`;
  throw new Error('index.html has neither a script nor a </head> to put the bridge shim before');
}

/**
 * Serves a file of `rootDir` (GET path, already decoded). Paths that leave the folder are refused; an
 * unknown path without an extension gets index.html (client-side routes). index.html is sent with the
 * shim injected and its meta CSP also as a header, so the page runs under the policy it has in Electron.
 */
export async function serveRendererFile(
  rootDir: string,
  urlPath: string,
  res: ServerResponse,
): Promise<void> {
  const root = path.resolve(rootDir);
  let file = path.resolve(root, `.${urlPath}`);
  if (file !== root && !file.startsWith(root + path.sep))
    return plain(res, 403, 'outside the renderer folder');
  if (file === root || (await isFolder(file))) file = path.join(file, 'index.html');
  let body: Buffer;
  try {
    body = await readFile(file);
  } catch {
    // Chromium asks for one on its own; a 404 would be a console error in every e2e test.
    if (urlPath === '/favicon.ico') return void res.writeHead(204).end();
    if (path.extname(urlPath) === '' && file !== path.join(root, 'index.html')) {
      return serveRendererFile(rootDir, '/', res);
    }
    const hint = urlPath === '/' ? ` (build the renderer first: npm run build:renderer → ${root})` : '';
    return plain(res, 404, `not found: ${urlPath}${hint}`);
  }
  const type = CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
  const headers: Record<string, string> = {
    'content-type': type,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  };
  if (path.basename(file) === 'index.html') {
    const html = body.toString('utf8');
    const csp = metaCsp(html);
    if (csp !== null) headers['content-security-policy'] = csp;
    body = Buffer.from(injectShim(html), 'utf8');
  }
  res.writeHead(200, headers).end(body);
}

async function isFolder(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isDirectory();
  } catch {
    return false;
  }
}

function plain(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }).end(`${message}\n`);
}
