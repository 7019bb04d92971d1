// Workers launched through main (test): Electron main's broker, simulated in Node, forks real worker processes.
//
// Electron cannot run here. Main's side is the real WorkerBroker with utilityProcess.fork played by
// child_process.fork and MessageChannelMain by node:worker_threads; the worker gets a process.parentPort from
// worker-launcher-electron-shim.mjs, so worker-main.js takes its Electron path. The supervisor uses
// MainLauncher, as the service process does inside Electron.
import { fork, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkerBroker, type WorkerProcessLike } from '../../src-main/app/worker-broker.js';
import type { ToService } from '../../src-main/shared/service-protocol.js';
import type { MessagePortLike, PortMessageEvent, Transport } from '../../src-main/shared/transport.js';
import { TEST_CRASH_MARKER_ENV } from '../../src-main/engine/worker/crash-injection.js';
import { MainLauncher, resolveWorkerEntry } from '../../src-main/engine/worker/worker-launcher.js';
import { WorkerSupervisor } from '../../src-main/engine/worker/worker-supervisor.js';
import { writeColourModel, writeColourPhotos } from '../support/colour-photos.js';
import { classifyAll, testModel, workItem } from '../support/worker-work.js';
import { isProcessAlive } from '../../src-main/engine/process-alive.js';

const SHIM = pathToFileURL(path.join(import.meta.dirname, 'worker-launcher-electron-shim.mjs')).href;

/** A worker_threads port shaped like Electron's MessagePortMain. */
class SimPort extends EventEmitter implements MessagePortLike {
  constructor(readonly inner: MessagePort) {
    super();
    inner.on('message', (data: unknown) => this.emit('message', { data, ports: [] } as PortMessageEvent));
    inner.on('close', () => this.emit('close'));
  }
  postMessage(message: unknown): void {
    this.inner.postMessage(message);
  }
  start(): void {
    this.inner.start();
  }
  close(): void {
    this.inner.close();
  }
}

/**
 * utilityProcess.fork played by child_process.fork: posts go over IPC, tagged for the shim; a transferred
 * port is relayed between its worker_threads end here and the child.
 */
class SimUtilityProcess extends EventEmitter implements WorkerProcessLike {
  private readonly proc: ChildProcess;
  constructor(entry: string, env: NodeJS.ProcessEnv) {
    super();
    this.proc = fork(entry, [], {
      serialization: 'advanced',
      env,
      execArgv: ['--import', SHIM],
      stdio: ['ignore', 2, 'inherit', 'ipc'],
    });
    this.proc.on('spawn', () => this.emit('spawn'));
    // Like Electron, a number only: a signal becomes the shell's 128 + n.
    this.proc.on('close', (code, signal) =>
      this.emit('exit', code ?? 128 + (signal ? os.constants.signals[signal] : 0)),
    );
  }
  get pid(): number | undefined {
    return this.proc.pid;
  }
  postMessage(message: unknown, transfer: MessagePortLike[] = []): void {
    const port = transfer[0] as SimPort | undefined;
    if (port) {
      port.on('message', (event: PortMessageEvent) => {
        if (this.proc.connected) this.proc.send({ sim: 'port', data: event.data });
      });
      this.proc.on('message', (raw: { sim: string; data: unknown }) => {
        if (raw.sim === 'port') port.postMessage(raw.data);
      });
      // After 'close' every message the child sent has been relayed: the port's other end sees them, then its close.
      this.proc.on('close', () => port.close());
    }
    this.proc.send({ sim: 'parent', data: message, port: port !== undefined });
  }
  kill(): boolean {
    return this.proc.kill('SIGTERM');
  }
}

/** Main (WorkerBroker) and the service's link to it, in this process; env is the workers'. */
function simulatedMain(
  env: NodeJS.ProcessEnv,
  forkWorker = (): WorkerProcessLike => new SimUtilityProcess(entry, env),
) {
  let toService: (data: unknown, ports: readonly MessagePortLike[]) => void = () => undefined;
  const serviceEnd: Transport<ToService> = {
    send: (message, ports = []) => {
      setImmediate(() => toService(structuredClone(message), ports));
      return Promise.resolve();
    },
    onMessage: () => undefined,
    onClose: () => undefined,
    close: () => undefined,
  };
  const broker = new WorkerBroker(serviceEnd, {
    fork: forkWorker,
    channel: () => {
      const { port1, port2 } = new MessageChannel();
      return { port1: new SimPort(port1), port2: new SimPort(port2) };
    },
    log: (message) => logs.push(message),
  });
  const toMain: Transport = {
    send: (message) => {
      setImmediate(() => broker.handle(structuredClone(message)));
      return Promise.resolve();
    },
    onMessage: (listener) => (toService = listener),
    onClose: () => undefined,
    close: () => undefined,
  };
  return { broker, launcher: new MainLauncher(toMain, { onLog: (message) => logs.push(message) }) };
}

let work: string;
let model: string;
let photos: string;
let entry: string;
let expected: Map<string, string>;
const logs: string[] = [];

const settings = testModel;

const onLog = (_level: string, message: string) => void logs.push(message);

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'skiptag-engine-port-'));
  model = await writeColourModel(path.join(work, 'model'));
  photos = path.join(work, 'photos');
  expected = await writeColourPhotos(photos);
  entry = await resolveWorkerEntry();
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('WorkerSupervisor with the main launcher (Electron path, simulated main)', () => {
  it('classifies photos in a worker forked by main, over the port, byte paths intact', async () => {
    const main = simulatedMain(process.env);
    const supervisor = await WorkerSupervisor.start({
      model: settings(model),
      launcher: main.launcher,
      onLog,
    });
    try {
      const pid = supervisor.pid;
      expect(pid).not.toBeNull();
      expect(pid).not.toBe(process.pid);
      expect(main.broker.count).toBe(1);
      expect(supervisor.ready).toMatchObject({ modelName: 'colours.onnx', provider: 'cpu', numClasses: 13 });
      const names = [...expected.keys()];
      const items = names.map((name, i) => workItem(i, path.join(photos, name)));
      // Not UTF-8: only a byte path (a Uint8Array, structured-cloned) finds it.
      const odd = Buffer.concat([Buffer.from(`${work}/bl`), Buffer.from([0xff, 0xfe]), Buffer.from('.webp')]);
      await copyFile(path.join(photos, 'blue-photo.webp'), odd);
      items.push({ id: 50, path: odd, display: odd.toString('utf8') });
      const { results, crashed } = await classifyAll(supervisor, items);
      expect(crashed).toEqual([]);
      for (const [i, name] of names.entries()) {
        expect(results.get(i)).toMatchObject({
          status: 'ok',
          path: path.join(photos, name),
          provider: 'cpu',
        });
        expect(results.get(i)?.predictions[0]?.label).toBe(expected.get(name));
      }
      expect(results.get(50)?.predictions[0]?.label).toBe('blue');
    } finally {
      const pid = supervisor.pid;
      await supervisor.close();
      // A graceful shutdown over the port: the worker exited on its own and main forgot it.
      expect(pid !== null && isProcessAlive(pid)).toBe(false);
      expect(main.broker.count).toBe(0);
    }
  });

  it('restarts after a native crash, isolates the poison file and finishes every other file', async () => {
    const dir = path.join(work, 'crash');
    await mkdir(dir, { recursive: true });
    const names = [...expected.keys()];
    const good: { file: string; label: string }[] = [];
    for (let i = 0; i < 10; i++) {
      const name = names[i % names.length] ?? '';
      const file = path.join(dir, `${String(i).padStart(2, '0')}-${name}`);
      await copyFile(path.join(photos, name), file);
      good.push({ file, label: expected.get(name) ?? '' });
    }
    const poison = path.join(dir, 'poison.jpg');
    await copyFile(path.join(photos, 'red-photo.jpg'), poison);
    const items = good.map((g, i) => workItem(i, g.file));
    items.splice(5, 0, workItem(99, poison));

    // Main's environment reaches the workers it forks: that is where the crash injection is switched on.
    const main = simulatedMain({ ...process.env, [TEST_CRASH_MARKER_ENV]: 'poison' });
    const supervisor = await WorkerSupervisor.start({
      model: settings(model),
      launcher: main.launcher,
      onLog,
    });
    try {
      const firstPid = supervisor.pid;
      const { results, crashed } = await classifyAll(supervisor, items);
      expect(crashed).toEqual([99]);
      expect(results.size).toBe(11);
      for (const [i, g] of good.entries()) {
        expect(results.get(i)).toMatchObject({ status: 'ok', path: g.file });
        expect(results.get(i)?.predictions[0]?.label).toBe(g.label);
      }
      expect(results.get(99)).toMatchObject({ status: 'error', errorCode: 'internal', path: poison });
      // Main reports a number, as Electron does: here the simulated 128 + SIGSEGV.
      expect(results.get(99)?.errorMessage).toMatch(/crashed on this file twice \(exit code 139\)/);
      // Exactly two restarts: each crash was blamed on the file that caused it, none went unexplained.
      expect(supervisor.restarts).toBe(2);
      expect(firstPid !== null && isProcessAlive(firstPid)).toBe(false);
      const again = await classifyAll(supervisor, [workItem(1, good[0]?.file ?? '')]);
      expect(again.results.get(1)?.predictions[0]?.label).toBe(good[0]?.label);
    } finally {
      await supervisor.close();
    }
    expect(main.broker.count).toBe(0);
  });

  it('kills its workers when the service goes, and reports a worker that cannot start', async () => {
    const main = simulatedMain(process.env);
    const supervisor = await WorkerSupervisor.start({
      model: settings(model),
      launcher: main.launcher,
      onLog,
    });
    const pid = supervisor.pid ?? 0;
    expect(isProcessAlive(pid)).toBe(true);
    const lost = new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        if (!isProcessAlive(pid)) resolve(clearInterval(timer));
      }, 20);
    });
    main.broker.serviceExited();
    await lost;
    expect(main.broker.count).toBe(0);
    // (The supervisor lived in the service that is gone: nothing is left to close.)

    const broken = simulatedMain(process.env, () => {
      throw new Error('spawn EACCES');
    });
    await expect(
      WorkerSupervisor.start({ model: settings(model), launcher: broken.launcher, onLog }),
    ).rejects.toThrow(/ended \(could not start: spawn EACCES\) before it was ready/);
  });
});

describe('MainLauncher', () => {
  /** A port whose traffic the test drives by hand. */
  class HandPort extends EventEmitter implements MessagePortLike {
    sent: unknown[] = [];
    closed = false;
    postMessage(message: unknown): void {
      this.sent.push(message);
    }
    start(): void {}
    close(): void {
      this.closed = true;
    }
  }

  function handLauncher(drainMs = 2000) {
    const posted: unknown[] = [];
    let fromMain: (data: unknown, ports: readonly MessagePortLike[]) => void = () => undefined;
    const toMain: Transport = {
      send: (message) => {
        posted.push(message);
        return Promise.resolve();
      },
      onMessage: (listener) => (fromMain = listener),
      onClose: () => undefined,
      close: () => undefined,
    };
    const launcher = new MainLauncher(toMain, { drainMs, onLog: (message) => logs.push(message) });
    const seen: string[] = [];
    const worker = launcher.launch();
    worker.transport.onMessage((raw) => seen.push(`message ${JSON.stringify(raw)}`));
    void worker.exited.then((exit) => seen.push(`exit ${exit.code}`));
    return {
      posted,
      worker,
      seen,
      fromMain: (data: unknown, ports: MessagePortLike[] = []) => fromMain(data, ports),
    };
  }

  const tick = () => new Promise((resolve) => setImmediate(resolve));

  it('queues sends until main hands over the port, and asks main to kill', async () => {
    const { posted, worker, fromMain } = handLauncher();
    expect(posted).toEqual([{ kind: 'worker:start', workerId: 1 }]);
    const queued = worker.transport.send({ type: 'shutdown' });
    const port = new HandPort();
    fromMain({ kind: 'worker:started', workerId: 1, pid: 4242 }, [port]);
    await queued;
    expect(worker.pid).toBe(4242);
    expect(port.sent).toEqual([{ type: 'shutdown' }]);
    worker.kill('SIGKILL');
    expect(posted.at(-1)).toEqual({ kind: 'worker:kill', workerId: 1 });
    // Main's messages for other workers, and other kinds, change nothing.
    fromMain({ kind: 'worker:exit', workerId: 7, code: 0, error: null });
    fromMain({ kind: 'request', id: 1, channel: 'tags:list', payload: {} });
    await worker.transport.send({ type: 'shutdown' });
    expect(port.sent).toHaveLength(2);
  });

  it('holds the exit report until the port has delivered the last messages', async () => {
    const { worker, seen, fromMain } = handLauncher();
    const port = new HandPort();
    fromMain({ kind: 'worker:started', workerId: 1, pid: 4242 }, [port]);
    // Main's report overtakes the worker's last message, which travels on the port.
    fromMain({ kind: 'worker:exit', workerId: 1, code: 11, error: null });
    await expect(worker.transport.send({ type: 'shutdown' })).rejects.toThrow(/gone/);
    port.emit('message', { data: { type: 'started', id: 3 }, ports: [] });
    await tick();
    expect(seen).toEqual(['message {"type":"started","id":3}']);
    port.emit('close');
    await tick();
    expect(seen).toEqual(['message {"type":"started","id":3}', 'exit 11']);
    expect(port.closed).toBe(true);
  });

  it('reports the exit after a bounded wait when the port never says it closed', async () => {
    const { seen, fromMain } = handLauncher(30);
    fromMain({ kind: 'worker:started', workerId: 1, pid: 4242 }, [new HandPort()]);
    fromMain({ kind: 'worker:exit', workerId: 1, code: 139, error: null });
    await tick();
    expect(seen).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(seen).toEqual(['exit 139']);
  });
});
