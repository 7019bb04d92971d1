// Test bridge (test): an HTTP server on 127.0.0.1 hosting the real AppService for the built renderer in a browser.

import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { z } from 'zod';
import {
  API_METHODS,
  REQUESTS,
  isRequestChannel,
  type ApiResult,
  type ErrorCode,
} from '../../../src-main/shared/contract.js';
import { AppError, describeZodError, toErrorInfo } from '../../../src-main/shared/errors.js';
import { resolveConfig } from '../../../src-main/engine/config.js';
import { AppService, type AppServiceOptions } from '../../../src-main/engine/service/app-service.js';
import type { ImageVariant } from '../../../src-main/shared/service-protocol.js';
import { serveEvents } from './event-stream.js';
import { serveRendererFile, SHIM_PATH } from './renderer-files.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = path.resolve(HERE, '..', '..', '..');

export interface BridgeOptions {
  /** 0 (default): any free port; the URL says which. */
  port?: number;
  dataDir: string;
  libraryFile: string;
  modelPath: string | null;
  /** The built renderer (default out/renderer, where `npm run build:renderer` puts it). */
  rendererDir?: string;
  /** Anything else for the service (watcher timings, catch-up…). */
  service?: Partial<Omit<AppServiceOptions, 'libraryFile' | 'dataDir' | 'modelPath' | 'urls'>>;
}

export interface Bridge {
  /** http://127.0.0.1:<port> */
  url: string;
  service: AppService;
  close(): Promise<void>;
}

/** Largest request body: 100k image ids as JSON are under 1 MB. */
const MAX_BODY_BYTES = 8 * 1024 * 1024;

/**
 * Routes:
 * - `POST /api/<channel>` JSON input → the ApiResult main's IPC wrapper answers with: `{ ok: true, value }` or
 *   `{ ok: false, error: { code, message } }`; like main, the bridge checks the input against the contract;
 * - `POST /bridge/export` `{ request, path }` → service.exportTo (the shim's stand-in for main's save dialog);
 * - `GET /events` Server-Sent Events, `event: <channel>`, `data: <payload>`;
 * - `GET /thumb|small|preview|full/<id>` JPEGs (the service's urls point here);
 * - `GET /bridge-shim.js` window.skiptag over fetch + EventSource; everything else: the renderer's files.
 * Only 127.0.0.1 is bound; the Host header must name it (no DNS rebinding) and POSTs must be JSON (a
 * cross-site page cannot send that without a CORS preflight, which is never granted).
 */
export async function startBridge(options: BridgeOptions): Promise<Bridge> {
  const service = new AppService({
    catchUpOnStart: false,
    // As main's service process would: the models folder, catalogue and mirror from SKIPTAG_* variables.
    models: resolveConfig().models,
    ...options.service,
    libraryFile: options.libraryFile,
    dataDir: options.dataDir,
    modelPath: options.modelPath,
    urls: {
      thumb: (id) => `/thumb/${id}`,
      small: (id) => `/small/${id}`,
      preview: (id) => `/preview/${id}`,
      full: (id) => `/full/${id}`,
    },
  });
  const rendererDir = options.rendererDir ?? path.join(REPO_ROOT, 'out', 'renderer');
  const shim = await shimScript();
  let allowedHosts: Set<string> = new Set();
  const server = createServer((req, res) => {
    route(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { ok: false, error: toErrorInfo(error) });
      else res.destroy();
    });
  });
  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!allowedHosts.has(req.headers.host ?? '')) return text(res, 403, 'unexpected Host header');
    const url = new URL(req.url ?? '/', 'http://bridge');
    const pathname = decodeURIComponent(url.pathname);
    if (req.method === 'POST') {
      if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) {
        return text(res, 415, 'POST bodies must be application/json');
      }
      if (pathname.startsWith('/api/')) {
        const channel = pathname.slice('/api/'.length);
        return answer(res, async () => {
          if (!isRequestChannel(channel)) {
            throw new AppError(
              'bad_request',
              `unknown request channel ${JSON.stringify(channel.slice(0, 100))}`,
            );
          }
          return service.handle(channel, parseInput(channel, REQUESTS[channel].input, await readJson(req)));
        });
      }
      if (pathname === '/bridge/export') {
        return answer(res, async () => {
          const { request, path: file } = (await readJson(req)) as { request?: unknown; path?: unknown };
          const input = parseInput('export:run', REQUESTS['export:run'].input, request);
          return service.exportTo(input, typeof file === 'string' ? file : '');
        });
      }
      return text(res, 404, 'no such endpoint');
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return text(res, 405, 'method not allowed');
    if (pathname === '/events') return serveEvents(service, req, res);
    if (pathname === SHIM_PATH) {
      res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-store' });
      return void res.end(shim);
    }
    const picture = /^\/(thumb|small|preview|full)\/([1-9][0-9]{0,15})$/.exec(pathname);
    if (picture) {
      const id = Number(picture[2]);
      const image = await service.image(id, picture[1] as ImageVariant);
      if (image === null) return text(res, 404, 'no picture for this image');
      res.writeHead(200, { 'content-type': 'image/jpeg', 'cache-control': 'no-cache' });
      return void res.end(image);
    }
    return serveRendererFile(rendererDir, pathname, res);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  allowedHosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
  return {
    url: `http://127.0.0.1:${port}`,
    service,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Open event streams would keep close() waiting forever.
      server.closeAllConnections();
      await closed;
      await service.close();
    },
  };
}

/** The contract's method → channel map first, so the shim can never drift from API_METHODS. */
async function shimScript(): Promise<string> {
  const source = await readFile(path.join(HERE, 'bridge-shim.js'), 'utf8');
  return `window.__skiptagApiMethods = ${JSON.stringify(API_METHODS)};\n${source}`;
}

/** Main's check of a request (ipc.ts), with the same code and wording: the page cannot tell the two apart. */
function parseInput<S extends z.ZodType>(channel: string, schema: S, payload: unknown): z.infer<S> {
  const parsed = schema.safeParse(payload);
  if (!parsed.success) {
    throw new AppError('bad_request', `${channel}: invalid payload — ${describeZodError(parsed.error)}`);
  }
  return parsed.data;
}

async function answer(res: ServerResponse, run: () => Promise<unknown>): Promise<void> {
  let result: ApiResult<unknown>;
  try {
    result = { ok: true, value: await run() };
  } catch (error) {
    result = { ok: false, error: toErrorInfo(error) };
  }
  sendJson(res, result.ok ? 200 : HTTP_STATUS[result.error.code], result);
}

/** For people reading the bridge's traffic; the shim reads only the body. */
const HTTP_STATUS: Record<ErrorCode, number> = {
  bad_request: 400,
  forbidden: 403,
  not_found: 404,
  unsupported: 501,
  model_not_found: 409,
  download_failed: 502,
  library_busy: 503,
  engine_unavailable: 503,
  failed: 500,
};

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new AppError('bad_request', 'request body too large');
    chunks.push(chunk as Buffer);
  }
  const textBody = Buffer.concat(chunks).toString('utf8');
  // The preload sends {} for requests without fields; an empty body means the same here.
  if (textBody.trim() === '') return {};
  try {
    return JSON.parse(textBody) as unknown;
  } catch {
    throw new AppError('bad_request', 'the request body is not valid JSON');
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

function text(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }).end(`${message}\n`);
}
