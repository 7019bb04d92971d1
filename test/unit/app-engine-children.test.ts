// Unit tests (Electron main code) for the engine children: forked on the service host's request, paired by port, killed with it.

import { EventEmitter } from 'node:events';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { ENGINE_CHILD_SERVICE_NAME } from '../../src-main/app/worker-broker.js';
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
let toEngineHost: unknown[];

const engineChild = (n: number) => forks[n + 1]?.child as FakeUtilityProcess;
const channel = (n: number) => channels[n] as { port1: FakePort; port2: FakePort };
const request = (message: unknown) => host.emit('message', message);

beforeEach(() => {
  forks = [];
  channels = [];
  toEngineHost = [];
  const utilityProcess = {
    fork: vi.fn((entry: string, args: string[], options: unknown) => {
      const child = new FakeUtilityProcess(1000 + forks.length);
      forks.push({ entry, args, options, child });
      return child;
    }),
  };
  const fork = utilityProcessForker(utilityProcess as never, '/app/out/app/service-host.js', [], {
    channel: () => {
      const pair = { port1: new FakePort(`a${channels.length}`), port2: new FakePort(`b${channels.length}`) };
      channels.push(pair);
      return pair;
    },
  });
  fork().onMessage((message) => toEngineHost.push(message));
  host = forks[0]?.child as FakeUtilityProcess;
  vi.spyOn(console, 'error').mockImplementation(() => undefined);
});

describe('engine children', () => {
  it('forks engine-child.js beside the service host and hands each side one end of a channel', () => {
    request({ kind: 'engine-child:start', childId: 1 });
    expect(forks[1]).toMatchObject({
      entry: '/app/out/app/engine-child.js',
      args: [],
      options: {
        serviceName: ENGINE_CHILD_SERVICE_NAME,
        stdio: 'inherit',
        env: expect.objectContaining({ UV_THREADPOOL_SIZE: expect.any(String) }),
      },
    });
    expect(ENGINE_CHILD_SERVICE_NAME).toBe('Skiptag engine worker');
    // The child's end goes at once (queued until it listens); the host's once the process runs, with its pid.
    expect(engineChild(0).posted).toEqual([
      { message: { kind: 'engine-child:port' }, transfer: [channel(0).port1] },
    ]);
    expect(host.posted).toEqual([]);
    engineChild(0).emit('spawn');
    expect(host.posted).toEqual([
      { message: { kind: 'engine-child:started', childId: 1, pid: 1001 }, transfer: [channel(0).port2] },
    ]);
    // None of this is for EngineHost, which only sees responses and events.
    request({ kind: 'ready' });
    expect(toEngineHost).toEqual([{ kind: 'ready' }]);
  });

  it('reports each exit with its code, and kills on request', () => {
    request({ kind: 'engine-child:start', childId: 1 });
    request({ kind: 'engine-child:start', childId: 2 });
    engineChild(0).emit('spawn');
    engineChild(1).emit('spawn');
    request({ kind: 'engine-child:kill', childId: 2 });
    expect(engineChild(1).killed).toBe(1);
    expect(engineChild(0).killed).toBe(0);
    engineChild(0).emit('exit', 11);
    expect(host.posted.at(-1)).toEqual({
      message: { kind: 'engine-child:exit', childId: 1, code: 11, error: null },
      transfer: [],
    });
    // A later kill of a child that is gone does nothing.
    request({ kind: 'engine-child:kill', childId: 1 });
    expect(engineChild(0).killed).toBe(0);
  });

  it('reports a child that never ran as a start failure and closes the port meant for the host', () => {
    request({ kind: 'engine-child:start', childId: 5 });
    engineChild(0).emit('exit', 127);
    expect(channel(0).port2.closed).toBe(true);
    expect(host.posted).toEqual([
      {
        message: {
          kind: 'engine-child:exit',
          childId: 5,
          code: 127,
          error: 'the engine process could not be started (exit code 127)',
        },
        transfer: [],
      },
    ]);
  });

  it('kills every engine child when the service host exits, and reports nothing to it after', () => {
    request({ kind: 'engine-child:start', childId: 1 });
    request({ kind: 'engine-child:start', childId: 2 });
    engineChild(0).emit('spawn');
    const before = host.posted.length;
    host.emit('exit', 0);
    expect(engineChild(0).killed).toBe(1);
    expect(engineChild(1).killed).toBe(1);
    engineChild(1).emit('spawn');
    engineChild(0).emit('exit', 15);
    expect(host.posted).toHaveLength(before);
    // The port that would have gone to the dead host is closed, not leaked.
    expect(channel(1).port2.closed).toBe(true);
    request({ kind: 'engine-child:start', childId: 3 });
    expect(forks).toHaveLength(3);
  });

  it('ignores malformed and duplicate requests, and caps the children of one host', () => {
    request({ kind: 'engine-child:start', childId: -1 });
    request({ kind: 'engine-child:start', childId: 1, extra: true });
    request({ kind: 'engine-child:launch', childId: 1 });
    expect(forks).toHaveLength(1);
    expect(toEngineHost).toEqual([]);
    request({ kind: 'engine-child:start', childId: 1 });
    request({ kind: 'engine-child:start', childId: 1 });
    expect(forks).toHaveLength(2);
    for (let id = 2; id <= 5; id++) request({ kind: 'engine-child:start', childId: id });
    expect(forks).toHaveLength(5);
    expect(host.posted.at(-1)).toEqual({
      message: { kind: 'engine-child:exit', childId: 5, code: null, error: 'too many engine processes' },
      transfer: [],
    });
  });
});
