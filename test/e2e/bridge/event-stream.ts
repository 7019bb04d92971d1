// Server-Sent Events for the test bridge (test): the app service's events, one SSE event per app event.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AppService, ServiceEventArgs } from '../../../src-main/engine/service/app-service.js';

/** Comment lines keep idle connections from being closed by anything in between. */
const PING_MS = 15_000;

/** `event: <channel>` + `data: <payload JSON>`: the shim listens per channel with addEventListener. */
export function serveEvents(service: AppService, req: IncomingMessage, res: ServerResponse): void {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    connection: 'keep-alive',
  });
  res.write('retry: 1000\n: connected\n\n');
  const listener = (...[channel, payload]: ServiceEventArgs) => {
    res.write(`event: ${channel}\ndata: ${JSON.stringify(payload)}\n\n`);
  };
  service.on('event', listener);
  const ping = setInterval(() => res.write(': ping\n\n'), PING_MS);
  const stop = () => {
    clearInterval(ping);
    service.off('event', listener);
  };
  req.on('close', stop);
  res.on('close', stop);
}
