// Quick start (script, plain Node): installs dependencies offline-safely, builds, and tags a folder of photos to CSV.
// Usage: npm run quickstart -- [folder] [extra skiptag tag options]
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
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

// Use whatever model Skiptag would pick (installed, bundled or $SKIPTAG_MODEL); otherwise fetch the
// recommended ResNet once; offline, fall back to the colour demo model and say so.
const { locateModel } = await import(path.join(root, 'out/src-main/engine/models/locate-model.js'));
const { resolveConfig } = await import(path.join(root, 'out/src-main/engine/config.js'));
const config = resolveConfig();
const modelArgs = [];
const hasModel = await locateModel(config.model, config.models.dir).then(
  () => true,
  () => false,
);
if (!hasModel) {
  console.error(
    'quickstart: no model installed yet: downloading the recommended ResNet-50 (about 100 MB, once)…',
  );
  const install = spawnSync(process.execPath, ['bin/skiptag.js', 'models', 'install', 'resnet50-v2-7'], {
    cwd: root,
    stdio: 'inherit',
  });
  if (install.status !== 0) {
    const demo = path.join(root, 'models', 'demo', 'colours.onnx');
    console.error(
      [
        'quickstart: the ResNet download is not possible here (offline?). Using the built-in colour demo',
        '  model instead, so the tags are dominant colours (red, blue, …) rather than objects. Later:',
        '  skiptag models install resnet50-v2-7 (or --mirror URL), or skiptag models import FILE --name NAME.',
      ].join('\n'),
    );
    if (!existsSync(demo)) run(process.execPath, ['bin/skiptag.js', 'models', 'synth', 'colours', demo]);
    modelArgs.push('--model', demo);
  }
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
