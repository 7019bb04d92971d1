// `skiptag models list|install|verify|remove` tests (test): the built CLI against a local model server and a test catalogue.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modelsCommand } from '../../src-main/cli/commands/models-command.js';
import { buildColourModel } from '../../src-main/engine/synth/colour-model.js';
import { writeColourPhotos } from '../support/colour-photos.js';
import { startModelServer, type ModelServer } from '../support/model-server.js';
import { runCli } from '../support/run-cli.js';

const colours = buildColourModel();
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

let work: string;
let server: ModelServer;
let env: NodeJS.ProcessEnv;
let modelsDir: string;
let passSpec: string;
let failSpec: string;

function entry(id: string, bytes: Uint8Array, url: string) {
  return {
    id,
    name: id,
    file: `${id}.onnx`,
    url,
    sha256: sha(bytes),
    bytes: bytes.length,
    opset: 17,
    precision: 'fp32',
    input: { name: 'data', shape: ['N', 3, 224, 224] },
    output: { name: 'logits', shape: ['N', 11] },
    imagenetTop1: 12.5,
    imagenetTop5: null,
    preprocessing: { resizeShorter: 256, crop: 224, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] },
    labels: 'imagenet-1k',
  };
}

const models = (...args: string[]) => runCli(['models', ...args], env);
const installed = () => path.join(modelsDir, 'colours-test.onnx');

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'skiptag-models-cli-'));
  server = await startModelServer();
  server.serve('/zoo/colours-test.onnx', colours.bytes);
  const photos = path.join(work, 'photos');
  const expected = await writeColourPhotos(photos);
  await writeFile(path.join(photos, 'colours.labels.txt'), `${colours.labels.join('\n')}\n`);
  const spec = (answer: (label: string) => string) =>
    JSON.stringify({
      topK: 1,
      labels: 'colours.labels.txt',
      photos: [...expected].map(([file, label]) => ({ file, anyOf: [answer(label)] })),
    });
  passSpec = path.join(photos, 'pass.json');
  failSpec = path.join(photos, 'fail.json');
  await writeFile(
    passSpec,
    spec((label) => label),
  );
  await writeFile(
    failSpec,
    spec((label) => (label === 'black' ? 'white' : 'black')),
  );
  const catalog = path.join(work, 'catalog.json');
  await writeFile(
    catalog,
    JSON.stringify({
      source: 'test',
      generatedBy: 'model-install-cli.test.ts',
      recommended: 'colours-test',
      recommendedReason: 'the only one that passes its self-test',
      models: [
        entry('colours-test', colours.bytes, `${server.url}/zoo/colours-test.onnx`),
        entry('missing-test', colours.bytes, `${server.url}/zoo/missing-test.onnx`),
      ],
    }),
  );
  modelsDir = path.join(work, 'models');
  env = { SKIPTAG_MODELS_DIR: modelsDir, SKIPTAG_MODEL_CATALOG: catalog, SKIPTAG_MODEL_MIRROR: '' };
});

afterAll(async () => {
  await server.close();
  await rm(work, { recursive: true, force: true });
});

describe('skiptag models', () => {
  it('lists the bundled catalogue as available, with the recommended model marked', async () => {
    const run = await runCli(['models', 'list'], { SKIPTAG_MODELS_DIR: path.join(work, 'empty') });
    expect(run.code).toBe(0);
    const line = run.stdout.split('\n').find((l) => l.includes('resnet50-v2-7'));
    expect(line).toMatch(/^\* resnet50-v2-7\s+available\s+102\.4 MB\s+75\.81%\s+92\.82%$/);
    expect(run.stdout).toMatch(/^ {2}resnet152-v2-7\s+available\s+241\.5 MB/m);
    expect(run.stdout).toContain('* recommended: resnet50-v2-7: best ImageNet top-1');
    expect(run.stdout).toContain(`models folder: ${path.join(work, 'empty')}`);
  });

  it('installs with the self-test, says where, then lists and verifies it', async () => {
    const run = await models('install', 'colours-test', '--expectations', passSpec);
    expect(run.stderr).toContain(
      `downloading colours-test (3.3 kB) from ${server.url}/zoo/colours-test.onnx`,
    );
    expect(run.stderr).toMatch(/self-test on 6 photos/);
    expect(run.stderr).toMatch(/red-photo\.jpg: red \d\.\d\d/);
    expect(run.stderr).toContain(`installed colours-test (3.3 kB) → ${installed()}`);
    expect(run.stdout.trim()).toBe(installed());
    expect(run.code).toBe(0);
    expect(sha(await readFile(installed()))).toBe(sha(colours.bytes));

    const list = await models('list');
    expect(list.stdout).toMatch(/^\* colours-test\s+installed\s+3\.3 kB/m);
    expect(list.stdout).toMatch(/^ {2}missing-test\s+available/m);
    const json = JSON.parse((await models('list', '--json')).stdout) as { models: { id: string }[] };
    expect(json.models.map((m) => m.id)).toEqual(['colours-test', 'missing-test']);

    const verify = await models('verify');
    expect(verify.stdout).toBe('colours-test\tok\n');
    expect(verify.code).toBe(0);

    const again = await models('install', 'colours-test', '--expectations', passSpec);
    expect(again.stderr).toContain('already installed and verified');
    expect(again.code).toBe(0);
  });

  it('detects a tampered model (verify exits 1) and refuses it: install downloads it again', async () => {
    const bytes = await readFile(installed());
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 1;
    await writeFile(installed(), bytes);
    const verify = await models('verify', 'colours-test');
    expect(verify.code).toBe(1);
    expect(verify.stdout).toContain(`colours-test\tcorrupt: expected sha256 ${sha(colours.bytes)}`);
    expect(verify.stdout).toContain(`got ${sha(bytes)}`);

    // Even when the new download fails, the tampered file is gone: nothing can tag with it any more.
    server.fault({ kind: 'status', status: 500 }, '/zoo/colours-test.onnx');
    const failed = await models('install', 'colours-test', '--expectations', passSpec);
    expect(failed.stderr).toContain('the installed file was corrupt');
    expect(failed.code).toBe(3);
    expect(existsSync(installed())).toBe(false);
    const reinstall = await models('install', 'colours-test', '--expectations', passSpec);
    expect(reinstall.code).toBe(0);
    expect((await models('verify')).code).toBe(0);
  });

  it('removes a model', async () => {
    const run = await models('remove', 'colours-test');
    expect(run.code).toBe(0);
    expect(run.stderr).toContain(`removed colours-test from ${modelsDir}`);
    expect(existsSync(installed())).toBe(false);
    expect((await models('list')).stdout).toMatch(/^\* colours-test\s+available/m);
    const again = await models('remove', 'colours-test');
    expect(again.code).toBe(3);
    expect(again.stderr).toContain('colours-test is not installed');
  });

  it('fails clearly, installing nothing: self-test failure, HTTP 404, unknown id', async () => {
    const failed = await models('install', 'colours-test', '--expectations', failSpec);
    expect(failed.code).toBe(3);
    expect(failed.stderr).toContain('skiptag: self-test failed:');
    expect(failed.stderr).toContain('colours-test was not installed');
    expect(existsSync(installed())).toBe(false);

    const missing = await models('install', 'missing-test', '--expectations', passSpec);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain(
      `cannot download ${server.url}/zoo/missing-test.onnx: HTTP 404 Not Found`,
    );

    const unknown = await models('install', 'resnet9000');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain(
      'unknown model "resnet9000"; the catalogue has colours-test, missing-test',
    );
    expect((await models('list')).stdout).not.toMatch(/installed/);
  });

  it('refuses a complete answer of the wrong size: nothing kept to resume from, nothing listed as downloaded', async () => {
    // An almost complete file, sent whole with its own Content-Length: not an interruption but another file.
    server.fault({ kind: 'wrong-size', bytes: colours.bytes.length - 5 }, '/zoo/colours-test.onnx');
    const failed = await models('install', 'colours-test', '--expectations', passSpec);
    expect(failed.code).toBe(3);
    expect(failed.stderr).toContain(
      `not the catalogue's file: the server's file is ${colours.bytes.length - 5} bytes, expected ${colours.bytes.length} bytes`,
    );
    const list = await models('list');
    expect(list.stdout).toMatch(/^\* colours-test\s+available/m);
    expect(list.stdout).not.toMatch(/downloaded/);
    // The next install starts afresh (no Range request) and succeeds.
    server.requests.length = 0;
    expect((await models('install', 'colours-test', '--expectations', passSpec)).code).toBe(0);
    expect(server.requests.map((r) => [r.path, r.range, r.status])).toEqual([
      ['/zoo/colours-test.onnx', null, 200],
    ]);
    expect((await models('remove', 'colours-test')).code).toBe(0);
  });

  it('fetches from a mirror given by --mirror or SKIPTAG_MODEL_MIRROR', async () => {
    server.serve('/mirror/missing-test.onnx', colours.bytes);
    // An interrupted earlier download is resumed, from the mirror too.
    await mkdir(path.join(modelsDir, '.partial'), { recursive: true });
    await writeFile(
      path.join(modelsDir, '.partial', 'missing-test.onnx.part'),
      colours.bytes.subarray(0, 100),
    );
    const run = await models(
      'install',
      'missing-test',
      '--mirror',
      `${server.url}/mirror`,
      '--expectations',
      passSpec,
    );
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('resuming an interrupted download at 100 B');
    expect(server.requests.at(-1)).toMatchObject({ path: '/mirror/missing-test.onnx', range: 'bytes=100-' });
    await models('remove', 'missing-test');
    const viaEnv = await runCli(['models', 'install', 'missing-test', '--expectations', passSpec], {
      ...env,
      SKIPTAG_MODEL_MIRROR: `${server.url}/mirror/`,
    });
    expect(viaEnv.code).toBe(0);
    expect(viaEnv.stderr).toContain(`from ${server.url}/mirror/missing-test.onnx`);
  });

  it('prints help for every subcommand and still synthesises models', async () => {
    for (const sub of ['list', 'install', 'remove', 'verify', 'synth', 'import']) {
      const run = await models(sub, '--help');
      expect(run.code, sub).toBe(0);
      expect(run.stdout, sub).toMatch(new RegExp(`^Usage: skiptag models ${sub}`));
    }
    const out = path.join(work, 'tiny.onnx');
    expect((await models('synth', 'tiny-resnet', out)).code).toBe(0);
    expect(existsSync(out)).toBe(true);
    expect((await models('frobnicate')).code).toBe(2);
  });

  it('verifies and removes imported models too, with their settings and labels files', async () => {
    const file = path.join(work, 'birds-source.onnx');
    await writeFile(file, colours.bytes);
    await writeFile(path.join(work, 'birds-source.labels.txt'), `${colours.labels.join('\n')}\n`);
    const imported = await models(
      'import',
      file,
      '--name',
      'birds',
      '--labels',
      path.join(work, 'birds-source.labels.txt'),
    );
    expect(imported.code, imported.stderr).toBe(0);
    expect((await models('list')).stdout).toMatch(/^ {2}birds\s+installed\s+3\.3 kB\s+imported$/m);
    expect((await models('verify', 'birds')).stdout).toBe('birds\tok\n');
    await writeFile(path.join(modelsDir, 'birds.onnx'), Buffer.concat([colours.bytes, Buffer.from('x')]));
    const verify = await models('verify', 'birds');
    expect(verify.code).toBe(1);
    expect(verify.stdout).toContain(`birds\tcorrupt: expected sha256 ${sha(colours.bytes)}, got`);
    expect((await models('remove', 'birds')).code).toBe(0);
    for (const f of ['birds.onnx', 'birds.json', 'birds.labels.txt'])
      expect(existsSync(path.join(modelsDir, f))).toBe(false);
  });

  it('draws a progress bar with size and rate on a terminal', async () => {
    let drawn = '';
    const lines: string[] = [];
    const terminal = { isTTY: true, columns: 100, write: (text: string) => ((drawn += text), true) };
    const io = { out: (l: string) => lines.push(l), err: (l: string) => lines.push(l), errStream: terminal };
    const code = await modelsCommand(
      ['install', 'colours-test', '--expectations', passSpec],
      io as unknown as Parameters<typeof modelsCommand>[1],
      { ...env, SKIPTAG_MODELS_DIR: path.join(work, 'tty-models') },
    );
    expect(code).toBe(0);
    expect(drawn).toMatch(/\r\[#{30}\] 3\.3 kB \/ 3\.3 kB \(100%\) at [\d.]+ [kMG]?B\/s/);
    // The bar is wiped before the next message, so no line is left half-overwritten.
    expect(drawn.endsWith('\r\x1b[2K')).toBe(true);
    expect(lines.at(-1)).toBe(path.join(work, 'tty-models', 'colours-test.onnx'));
  });
});
