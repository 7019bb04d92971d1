// Unit tests (Electron main code) for the worker broker: workers forked on the service's request, paired by port, killed with it.

import { EventEmitter } from 'node:events';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { WORKER_NAME } from '../../src-main/app/worker-broker.js';
import { utilityProcessForker } from '../../src-main/app/service-process.js';

/** A UtilityProcess: records posts (with their transferred ports) and kills; the test fires its events. */
class FakeUtilityProcess extends EventEmitter {
  posted: { message: unknown; transfer: unknown[] | undefined }[] = [];
  killed = 0;
  constructor(readonly pid: number) {
    super();
  }
  postMessage(message: unknown, transfer?: unknown[]) {
    this.posted.push({ message, transfer });
  }
  kill() {
    this.killed += 1;
    return true;
  }
}

class FakePort {
  closed = false;
  constructor(readonly name: string) {}
  close() {
    this.closed = true;
  }
}

let forks: { entry: string; args: string[]; options: unknown; child: FakeUtilityProcess }[];
let channels: { port1: FakePort; port2: FakePort }[];
let host: FakeUtilityProcess;
let toServiceProcess: unknown[];

const worker = (n: number) => forks[n + 1]?.child as FakeUtilityProcess;
const channel = (n: number) => channels[n] as { port1: FakePort; port2: FakePort };
const request = (message: unknown) => host.emit('message', message);

beforeEach(() => {
  forks = [];
  channels = [];
  toServiceProcess = [];
  const utilityProcess = {
    fork: vi.fn((entry: string, args: string[], options: unknown) => {
      const child = new FakeUtilityProcess(1000 + forks.length);
      forks.push({ entry, args, options, child });
      return child;
    }),
  };
  const fork = utilityProcessForker(utilityProcess as never, '/app/out/app/service.js', {
    channel: () => {
      const pair = { port1: new FakePort(`a${channels.length}`), port2: new FakePort(`b${channels.length}`) };
      channels.push(pair);
      return pair as never;
    },
  });
  fork().transport.onMessage((message) => toServiceProcess.push(message));
  host = forks[0]?.child as FakeUtilityProcess;
  vi.spyOn(console, 'error').mockImplementation(() => undefined);
});

describe('worker broker', () => {
  it('forks worker.js beside the service and hands each side one end of a channel', () => {
    request({ kind: 'worker:start', workerId: 1 });
    expect(forks[1]).toMatchObject({
      entry: '/app/out/app/worker.js',
      args: [],
      options: {
        serviceName: WORKER_NAME,
        stdio: 'inherit',
        env: expect.objectContaining({ UV_THREADPOOL_SIZE: expect.any(String) }),
      },
    });
    expect(WORKER_NAME).toBe('Skiptag worker');
    // The worker's end goes at once (queued until it listens); the service's once the process runs, with its pid.
    expect(worker(0).posted).toEqual([{ message: { kind: 'worker:port' }, transfer: [channel(0).port1] }]);
    expect(host.posted).toEqual([]);
    worker(0).emit('spawn');
    expect(host.posted).toEqual([
      { message: { kind: 'worker:started', workerId: 1, pid: 1001 }, transfer: [channel(0).port2] },
    ]);
    // None of this is for ServiceProcess, which only sees responses and events.
    request({ kind: 'ready' });
    expect(toServiceProcess).toEqual([{ kind: 'ready' }]);
  });

  it('reports each exit with its code, and kills on request', () => {
    request({ kind: 'worker:start', workerId: 1 });
    request({ kind: 'worker:start', workerId: 2 });
    worker(0).emit('spawn');
    worker(1).emit('spawn');
    request({ kind: 'worker:kill', workerId: 2 });
    expect(worker(1).killed).toBe(1);
    expect(worker(0).killed).toBe(0);
    worker(0).emit('exit', 11);
    expect(host.posted.at(-1)).toEqual({
      message: { kind: 'worker:exit', workerId: 1, code: 11, error: null },
      transfer: [],
    });
    // A later kill of a worker that is gone does nothing.
    request({ kind: 'worker:kill', workerId: 1 });
    expect(worker(0).killed).toBe(0);
  });

  it('reports a worker that never ran as a start failure and closes the port meant for the service', () => {
    request({ kind: 'worker:start', workerId: 5 });
    worker(0).emit('exit', 127);
    expect(channel(0).port2.closed).toBe(true);
    expect(host.posted).toEqual([
      {
        message: {
          kind: 'worker:exit',
          workerId: 5,
          code: 127,
          error: 'the worker process could not be started (exit code 127)',
        },
        transfer: [],
      },
    ]);
  });

  it('kills every worker when the service exits, and reports nothing to it after', () => {
    request({ kind: 'worker:start', workerId: 1 });
    request({ kind: 'worker:start', workerId: 2 });
    worker(0).emit('spawn');
    const before = host.posted.length;
    host.emit('exit', 0);
    expect(worker(0).killed).toBe(1);
    expect(worker(1).killed).toBe(1);
    worker(1).emit('spawn');
    worker(0).emit('exit', 15);
    expect(host.posted).toHaveLength(before);
    // The port that would have gone to the dead service is closed, not leaked.
    expect(channel(1).port2.closed).toBe(true);
    request({ kind: 'worker:start', workerId: 3 });
    expect(forks).toHaveLength(3);
  });

  it('ignores malformed and duplicate requests, and caps the workers of one service', () => {
    request({ kind: 'worker:start', workerId: -1 });
    request({ kind: 'worker:start', workerId: 'one' });
    request({ kind: 'worker:launch', workerId: 1 });
    expect(forks).toHaveLength(1);
    expect(toServiceProcess).toEqual([]);
    request({ kind: 'worker:start', workerId: 1 });
    request({ kind: 'worker:start', workerId: 1 });
    expect(forks).toHaveLength(2);
    for (let id = 2; id <= 5; id++) request({ kind: 'worker:start', workerId: id });
    expect(forks).toHaveLength(5);
    expect(host.posted.at(-1)).toEqual({
      message: { kind: 'worker:exit', workerId: 5, code: null, error: 'too many worker processes' },
      transfer: [],
    });
  });
});
