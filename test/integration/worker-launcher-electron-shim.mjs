// Test-only stand-in for Electron's process.parentPort in a child_process.fork child (worker process, worker-launcher-electron tests).
// Loaded with --import. Main's messages and the traffic of the one transferred port arrive over the Node IPC
// channel, tagged by the simulated main (worker-launcher-electron.test.ts), so the worker takes its Electron path.
import { EventEmitter } from 'node:events';

/** The child's end of the port main transferred: its messages are relayed over IPC. */
class RelayedPort extends EventEmitter {
  #started = false;
  #queue = [];
  postMessage(data) {
    if (process.connected) process.send({ sim: 'port', data });
  }
  start() {
    this.#started = true;
    for (const data of this.#queue.splice(0)) this.emit('message', { data, ports: [] });
  }
  close() {}
  deliver(data) {
    if (this.#started) this.emit('message', { data, ports: [] });
    else this.#queue.push(data);
  }
}

/** Like Electron's, it queues what main sends until someone listens: the worker's entry loads after this file. */
class ParentPort extends EventEmitter {
  #queue = [];
  constructor() {
    super();
    this.on('newListener', (event) => {
      if (event === 'message') setImmediate(() => this.#flush());
    });
  }
  postMessage(data) {
    process.send?.({ sim: 'parent', data });
  }
  deliver(event) {
    this.#queue.push(event);
    this.#flush();
  }
  #flush() {
    if (this.listenerCount('message') === 0) return;
    for (const event of this.#queue.splice(0)) this.emit('message', event);
  }
}

const parentPort = new ParentPort();
let port = null;

process.on('message', (message) => {
  if (message.sim === 'parent') {
    const ports = [];
    if (message.port) {
      port = new RelayedPort();
      ports.push(port);
    }
    parentPort.deliver({ data: message.data, ports });
  } else if (message.sim === 'port') port?.deliver(message.data);
});
// Main went away: the port's other end is gone with it.
process.on('disconnect', () => port?.emit('close'));

Object.defineProperty(process, 'parentPort', { value: parentPort });
