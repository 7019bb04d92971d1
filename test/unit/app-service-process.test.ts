// Unit tests (Electron main code) for main's handle on the service process: correlation, timeouts, events, restart with backoff.

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  ServiceProcess,
  restartDelayMs,
  utilityProcessForker,
  type ServiceChild,
  type ServiceProcessOptions,
} from '../../src-main/app/service-process.js';
import type { ToService } from '../../src-main/shared/service-protocol.js';
import type { Transport } from '../../src-main/shared/transport.js';

class FakeChild implements ServiceChild {
  sent: ToService[] = [];
  killed = false;
  private messageListener: (message: unknown) => void = () => {};
  private exitListener: (code: number) => void = () => {};
  readonly transport: Transport<ToService> = {
    send: (message) => {
      this.sent.push(message);
      return Promise.resolve();
    },
    onMessage: (listener) => {
      this.messageListener = (message) => listener(message, []);
    },
    onClose: () => undefined,
    close: () => undefined,
  };
  onExit(listener: (code: number) => void) {
    this.exitListener = listener;
  }
  kill() {
    this.killed = true;
  }
  reply(message: unknown) {
    this.messageListener(message);
  }
  exit(code: number) {
    this.exitListener(code);
  }
}

let children: FakeChild[];
let onEvent: ReturnType<typeof vi.fn<ServiceProcessOptions['onEvent']>>;
let onRestarted: ReturnType<typeof vi.fn<() => void>>;
let clock: number;
let host: ServiceProcess;

beforeEach(() => {
  vi.useFakeTimers();
  children = [];
  onEvent = vi.fn<ServiceProcessOptions['onEvent']>();
  onRestarted = vi.fn<() => void>();
  clock = 0;
  host = new ServiceProcess({
    fork: () => {
      const child = new FakeChild();
      children.push(child);
      return child;
    },
    onEvent,
    onRestarted,
    log: () => {},
    now: () => clock,
  });
  host.start();
});

afterEach(async () => {
  const stopping = host.stop();
  await vi.runAllTimersAsync();
  await stopping;
  vi.useRealTimers();
});

const last = () => children.at(-1) as FakeChild;

describe('requests', () => {
  it('correlates responses with requests by id', async () => {
    const a = host.request('tags:list', {});
    const b = host.request('images:get', { imageId: 3 });
    const [first, second] = last().sent;
    expect(first).toEqual({ kind: 'request', id: 1, channel: 'tags:list', payload: {} });
    expect(second).toMatchObject({ id: 2, channel: 'images:get' });
    last().reply({ kind: 'response', id: 2, ok: true, result: { id: 3 } });
    last().reply({
      kind: 'response',
      id: 1,
      ok: false,
      error: { code: 'failed', message: 'tags:list: database is locked' },
    });
    await expect(b).resolves.toEqual({ id: 3 });
    await expect(a).rejects.toThrow('tags:list: database is locked');
  });

  it('times out a request that gets no answer', async () => {
    const pending = host.request('tags:list', {}, 1000);
    const assertion = expect(pending).rejects.toThrow(/did not answer within 1 s/);
    await vi.advanceTimersByTimeAsync(1000);
    await assertion;
    // A late answer is ignored.
    last().reply({ kind: 'response', id: 1, ok: true, result: [] });
  });

  it('passes log messages on and ignores ready', () => {
    const log = vi.fn();
    const logged = new ServiceProcess({ fork: () => new FakeChild(), onEvent, log });
    logged.start();
    const child = (logged as unknown as { child: FakeChild }).child;
    child.reply({ kind: 'ready' });
    child.reply({ kind: 'log', level: 'warn', message: 'inotify limit reached, polling' });
    expect(log).toHaveBeenCalledWith('[service] warn: inotify limit reached, polling');
    expect(log).toHaveBeenCalledOnce();
  });

  it('forwards events, and passes over worker:* messages and unknown kinds without failing', () => {
    last().reply({ kind: 'worker:start', workerId: 1 });
    last().reply({ kind: 'nonsense' });
    last().reply({ kind: 'response', id: 999, ok: true, result: null });
    expect(onEvent).not.toHaveBeenCalled();
    last().reply({ kind: 'event', channel: 'library:changed', payload: { folders: true } });
    expect(onEvent).toHaveBeenCalledWith('library:changed', { folders: true });
  });
});

describe('crashes', () => {
  it('fails requests in flight, restarts with backoff and reports the restart', async () => {
    const inFlight = host.request('library:rescan', { folderId: 1 });
    const assertion = expect(inFlight).rejects.toThrow(/exit code 139/);
    last().exit(139);
    await assertion;
    expect(children).toHaveLength(1);

    // Requests made while restarting wait for the new process.
    const queued = host.request('tags:list', {});
    await vi.advanceTimersByTimeAsync(restartDelayMs(0));
    expect(children).toHaveLength(2);
    expect(onRestarted).toHaveBeenCalledOnce();
    expect(last().sent).toEqual([{ kind: 'request', id: 2, channel: 'tags:list', payload: {} }]);
    last().reply({ kind: 'response', id: 2, ok: true, result: [] });
    await expect(queued).resolves.toEqual([]);

    // A second quick crash waits longer.
    last().exit(1);
    await vi.advanceTimersByTimeAsync(restartDelayMs(0));
    expect(children).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(restartDelayMs(1) - restartDelayMs(0));
    expect(children).toHaveLength(3);
  });

  it('starts the backoff over after a long healthy run', async () => {
    last().exit(1);
    await vi.advanceTimersByTimeAsync(restartDelayMs(0));
    clock += 10 * 60_000;
    last().exit(1);
    await vi.advanceTimersByTimeAsync(restartDelayMs(0));
    expect(children).toHaveLength(3);
  });

  it('gives up after many crashes in a row', async () => {
    for (let i = 0; i < 8; i++) {
      last().exit(1);
      await vi.advanceTimersByTimeAsync(30_000);
    }
    expect(host.status).toBe('failed');
    await expect(host.request('tags:list', {})).rejects.toThrow(/not running/);
  });

  it('does not restart after a fatal start-up error', async () => {
    const onFatal = vi.fn();
    const fatal = new ServiceProcess({ fork: () => new FakeChild(), onEvent, onFatal, log: () => {} });
    fatal.start();
    const pending = fatal.request('tags:list', {});
    const assertion = expect(pending).rejects.toThrow(/not running/);
    (fatal as unknown as { child: FakeChild }).child.reply({
      kind: 'fatal',
      message: 'library written by a newer Skiptag',
    });
    expect(onFatal).toHaveBeenCalledWith('library written by a newer Skiptag');
    (fatal as unknown as { child: FakeChild }).child.exit(1);
    await assertion;
    expect(fatal.status).toBe('failed');
  });
});

describe('stop', () => {
  it('asks the service to close cleanly, waits for it to exit, then never restarts', async () => {
    const pending = host.request('tags:list', {});
    const assertion = expect(pending).rejects.toThrow(/quitting/);
    const stopping = host.stop();
    await assertion;
    expect(last().sent.at(-1)).toMatchObject({ kind: 'request', channel: 'service:close', payload: {} });
    last().exit(0);
    await stopping;
    expect(last().killed).toBe(true);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(children).toHaveLength(1);
    await expect(host.request('tags:list', {})).rejects.toThrow(/not running/);
  });

  it('kills a service that does not close in time', async () => {
    const stopping = host.stop();
    await vi.advanceTimersByTimeAsync(5_000);
    await stopping;
    expect(last().killed).toBe(true);
  });
});

describe('restartDelayMs', () => {
  it('doubles from half a second up to 30 s', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7, 20].map(restartDelayMs)).toEqual([
      500, 1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000,
    ]);
  });
});

describe('utilityProcessForker', () => {
  it('forks the service with a service name and adapts the child; worker:* requests go to the broker', () => {
    const listeners = new Map<string, ((...args: unknown[]) => void)[]>();
    const on = vi.fn((event: string, listener: (...args: unknown[]) => void) => {
      listeners.set(event, [...(listeners.get(event) ?? []), listener]);
    });
    const child = { postMessage: vi.fn(), on, kill: vi.fn() };
    const worker = { pid: 77, postMessage: vi.fn(), once: vi.fn(), kill: vi.fn() };
    const utilityProcess = { fork: vi.fn((entry: string) => (entry.endsWith('worker.js') ? worker : child)) };
    const ports = { port1: { close: vi.fn() }, port2: { close: vi.fn() } };
    const fork = utilityProcessForker(utilityProcess as never, '/app/out/app/service.js', {
      channel: () => ports as never,
    });
    const adapted = fork();
    expect(utilityProcess.fork).toHaveBeenCalledWith('/app/out/app/service.js', [], {
      serviceName: 'Skiptag service',
      stdio: 'inherit',
    });
    const message: ToService = { kind: 'request', id: 1, channel: 'tags:list', payload: {} };
    void adapted.transport.send(message);
    expect(child.postMessage).toHaveBeenCalledWith(message, []);
    adapted.onExit(() => {});
    expect(on).toHaveBeenCalledWith('exit', expect.any(Function));
    // The service asks for a worker: main forks worker.js beside it and hands the worker its port.
    for (const listener of listeners.get('message') ?? []) listener({ kind: 'worker:start', workerId: 1 });
    expect(utilityProcess.fork).toHaveBeenLastCalledWith(
      '/app/out/app/worker.js',
      [],
      expect.objectContaining({ serviceName: 'Skiptag worker' }),
    );
    expect(worker.postMessage).toHaveBeenCalledWith({ kind: 'worker:port' }, [ports.port1]);
  });
});
