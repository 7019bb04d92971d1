// Local model "zoo" for download tests (test): node:http on 127.0.0.1 with Range support, redirects and injectable faults.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the next request (or every request, with `sticky`) does instead of answering normally. */
export type Fault =
  /** Answer with this HTTP status and a short text body. */
  | { kind: 'status'; status: number }
  /** Send the right number of bytes, but different ones (checksum mismatch). */
  | { kind: 'wrong-bytes' }
  /** Announce the full length, send `after` bytes, then close the connection. */
  | { kind: 'truncate'; after: number }
  /** Send `after` bytes, then go silent and keep the connection open. */
  | { kind: 'stall'; after: number }
  /** Ignore a Range header and send the whole file with 200. */
  | { kind: 'ignore-range' }
  /** Send the file followed by `extra` more bytes (a wrong or larger file). */
  | { kind: 'too-long'; extra: number }
  /**
   * A complete answer of another size: the first `bytes` of the file with a matching Content-Length, or with
   * `chunked`, no length at all (chunked encoding) and a clean end. What an error page served with 200 does.
   */
  | { kind: 'wrong-size'; bytes: number; chunked?: boolean }
  /** Send `bytes` at a time every `everyMs`, forever (a server that keeps the connection alive). */
  | { kind: 'trickle'; bytes: number; everyMs: number };

export interface RecordedRequest {
  path: string;
  range: string | null;
  status: number;
}

export interface ModelServer {
  /** http://127.0.0.1:PORT */
  url: string;
  requests: RecordedRequest[];
  /** Serves `bytes` at `path` (e.g. "/zoo/model.onnx"). */
  serve(path: string, bytes: Uint8Array): void;
  /** Answers `from` with a 302 to `to`. */
  redirect(from: string, to: string): void;
  /** Queues a fault for the next request of `path` (any path when omitted). */
  fault(fault: Fault, path?: string): void;
  close(): Promise<void>;
}

export async function startModelServer(): Promise<ModelServer> {
  const files = new Map<string, Buffer>();
  const redirects = new Map<string, string>();
  const faults: { fault: Fault; path: string | undefined }[] = [];
  const requests: RecordedRequest[] = [];

  const server = http.createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const range = req.headers.range ?? null;
    const record = (status: number) => requests.push({ path, range, status });
    const index = faults.findIndex((f) => f.path === undefined || f.path === path);
    const fault = index >= 0 ? faults.splice(index, 1)[0]?.fault : undefined;
    const target = redirects.get(path);
    if (target) {
      record(302);
      res.writeHead(302, { location: target }).end();
      return;
    }
    if (fault?.kind === 'status') {
      record(fault.status);
      res.writeHead(fault.status, { 'content-type': 'text/plain' }).end(`fault ${fault.status}\n`);
      return;
    }
    const file = files.get(path);
    if (!file) {
      record(404);
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    let body = fault?.kind === 'wrong-bytes' ? Buffer.from(file.map((b) => b ^ 0xff)) : file;
    if (fault?.kind === 'too-long') body = Buffer.concat([file, Buffer.alloc(fault.extra, 7)]);
    if (fault?.kind === 'wrong-size') {
      record(200);
      const part = file.subarray(0, fault.bytes);
      const headers = { 'content-type': 'application/octet-stream' };
      if (fault.chunked) {
        res.writeHead(200, headers);
        res.write(part);
        res.end();
      } else res.writeHead(200, { ...headers, 'content-length': part.length }).end(part);
      return;
    }
    let status = 200;
    const headers: http.OutgoingHttpHeaders = {
      'content-type': 'application/octet-stream',
      'accept-ranges': 'bytes',
    };
    const match = range && fault?.kind !== 'ignore-range' ? /^bytes=(\d+)-(\d*)$/.exec(range) : null;
    if (match) {
      const start = Number(match[1]);
      const end = match[2] ? Math.min(Number(match[2]), body.length - 1) : body.length - 1;
      if (start >= body.length || start > end) {
        record(416);
        res.writeHead(416, { 'content-range': `bytes */${body.length}` }).end();
        return;
      }
      status = 206;
      headers['content-range'] = `bytes ${start}-${end}/${body.length}`;
      body = body.subarray(start, end + 1);
    }
    headers['content-length'] = body.length;
    record(status);
    res.writeHead(status, headers);
    if (fault?.kind === 'trickle') {
      let sent = 0;
      const timer = setInterval(() => {
        if (sent >= body.length || res.destroyed) return clearInterval(timer);
        res.write(body.subarray(sent, sent + fault.bytes));
        sent += fault.bytes;
      }, fault.everyMs);
      res.on('close', () => clearInterval(timer));
      return;
    }
    if (fault?.kind === 'truncate' || fault?.kind === 'stall') {
      const part = body.subarray(0, Math.min(fault.after, body.length));
      // Close a moment after the bytes left: a client's fetch drops body chunks it has not read yet when the
      // connection errors, and the test wants the partial file to hold them.
      res.write(part, () => {
        if (fault.kind === 'truncate') setTimeout(() => res.socket?.destroy(), 100);
      });
      return;
    }
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    serve: (path, bytes) => files.set(path, Buffer.from(bytes)),
    redirect: (from, to) => redirects.set(from, to),
    fault: (fault, path) => faults.push({ fault, path }),
    close: () =>
      new Promise<void>((resolve) => {
        // Stalled responses never end by themselves.
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
