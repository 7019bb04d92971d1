// Quick start (script, plain Node): installs dependencies offline-safely, builds, and tags a folder of photos to CSV.
// Usage: npm run quickstart -- [folder] [extra skiptag tag options]
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

function run(command, args, extraEnv = {}) {
  const result = spawnSync(command, args, {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, ...extraEnv },
  });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

function needsInstall() {
  const marker = path.join(root, 'node_modules', '.package-lock.json');
  if (!existsSync(marker)) return true;
  return statSync(path.join(root, 'package-lock.json')).mtimeMs > statSync(marker).mtimeMs;
}

if (needsInstall()) {
  console.error('quickstart: installing dependencies (npm ci)…');
  // onnxruntime-node's optional CUDA download needs internet; CPU and WebGPU ship inside the package.
  run(npm, ['ci', '--no-audit', '--no-fund'], { ONNXRUNTIME_NODE_INSTALL: 'skip' });
}
console.error('quickstart: building…');
run(npm, ['run', '--silent', 'build']);

// npm runs scripts from the package root; INIT_CWD is where the user typed the command.
const userDir = process.env.INIT_CWD ?? process.cwd();
const [folderArg, ...extra] = process.argv.slice(2);
const folder = folderArg ? path.resolve(userDir, folderArg) : path.join(root, 'test', 'fixtures', 'photos');
if (!existsSync(folder)) {
  console.error(`quickstart: ${folder} does not exist. Usage: npm run quickstart -- /path/to/photos`);
  process.exit(2);
}

const modelsDir = path.join(root, 'models');
const hasModel = process.env.SKIPTAG_MODEL || readdirSync(modelsDir).some((f) => f.endsWith('.onnx'));
const modelArgs = [];
if (!hasModel) {
  const demo = path.join(modelsDir, 'demo', 'colours.onnx');
  console.error(
    [
      'quickstart: no ImageNet model in models/ — real ResNet weights need a download',
      '  (resnet50-v2-7.onnx from the ONNX model zoo, see README). Using the built-in colour demo',
      '  model instead, so the tags are dominant colours (red, blue, …) rather than objects.',
    ].join('\n'),
  );
  if (!existsSync(demo)) run(process.execPath, ['bin/skiptag.js', 'models', 'synth', 'colours', demo]);
  modelArgs.push('--model', demo);
}
const csv = path.join(userDir, 'skiptag-tags.csv');
const tag = spawnSync(
  process.execPath,
  ['bin/skiptag.js', 'tag', folder, '--csv', csv, ...modelArgs, ...extra],
  {
    cwd: root,
    stdio: 'inherit',
  },
);
process.exit(tag.status ?? 1);
