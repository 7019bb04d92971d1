// A separate process holding a library's writer lease (test), through the compiled engine: stands in for another `skiptag` run or the app.
// Usage: node lease-holder.mjs LIBRARY KIND — prints "held <pid>" once it holds the lease, releases it and exits when stdin closes.
import { WriterLease } from '../../out/src-main/engine/jobs/writer-lease.js';
import { Library } from '../../out/src-main/engine/library/library.js';

const [file, kind] = process.argv.slice(2);
const library = Library.open(file);
const lease = await WriterLease.acquire(library, { kind, wait: true });
process.stdout.write(`held ${process.pid}\n`);
process.stdin.resume();
process.stdin.on('end', () => {
  lease.release();
  library.close();
  process.exit(0);
});
