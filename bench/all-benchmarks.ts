// `npm run bench -- [folder] [options]` (bench): throughput, mixed folder (vs PyTorch, core scaling), instant start, camera formats, scan, library, app query and memory, each in its own process.

import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));
const run = (file: string, args: string[] = []) => {
  console.log('');
  execFileSync(process.execPath, [here(file), ...args], { stdio: 'inherit' });
};

// Arguments (a photo folder, --batches, --models, …) belong to the throughput benchmark.
run('./run-bench.js', process.argv.slice(2));
run('./mixed-bench.js');
run('./instant-start-bench.js');
run('./camera-bench.js');
run('./walker-bench.js');
run('./library-bench.js');
run('./app-query-bench.js');
run('./memory-bench.js');
run('./personal-bench.js');
