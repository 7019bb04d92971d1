// `skiptag models synth` (CLI): builds ResNets and the demo models in code, so nothing needs downloading.
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { buildColourModel } from '../../engine/synth/colour-model.js';
import { buildResNet } from '../../engine/synth/resnet.js';
import { buildTinyResNet } from '../../engine/synth/tiny-resnet.js';
import { type CliIo, EXIT, FatalError, UsageError } from '../cli-io.js';
import { parseInteger } from '../parse-options.js';

export const SYNTH_MODELS = ['resnet18', 'resnet50', 'colours', 'tiny-resnet'] as const;

const SYNTH_HELP = `Usage: skiptag models synth <${SYNTH_MODELS.join('|')}> <out.onnx> [--seed N]

Builds an ONNX model in code, for testing and benchmarking without downloads:
  resnet18      ResNet-18 (basic blocks), deterministic random weights, 1000 classes
  resnet50      ResNet-50 v1.5 (bottlenecks), deterministic random weights, 1000 classes
  colours       hand-designed residual colour classifier (red, green, blue, …) with
                known answers; writes <out>.labels.txt beside the model
  tiny-resnet   a 32x32 two-block ResNet with 10 classes (labels file written too)
Random-weight ResNets have the real architecture and cost but their tags are meaningless.

Options:
  --seed N     weight seed (default 1)
  -h, --help   show this help`;

export async function synthCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { seed: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    io.out(SYNTH_HELP);
    return EXIT.ok;
  }
  const [name, out, ...extra] = positionals;
  if (!name || !out || extra.length > 0)
    throw new UsageError('usage: skiptag models synth <name> <out.onnx>');
  const seed = parseInteger('seed', values.seed, 1, 0, 2 ** 31 - 1);
  const target = path.resolve(out);
  const started = performance.now();
  let labels: string[] | null = null;
  let bytes: Uint8Array;
  switch (name) {
    case 'resnet18':
    case 'resnet50':
      bytes = buildResNet(name, { seed });
      break;
    case 'colours': {
      const model = buildColourModel();
      bytes = model.bytes;
      labels = [...model.labels];
      break;
    }
    case 'tiny-resnet':
      bytes = buildTinyResNet(seed);
      labels = Array.from({ length: 10 }, (_, i) => `class ${i}`);
      break;
    default:
      throw new UsageError(`unknown model "${name}"; choose one of ${SYNTH_MODELS.join(', ')}`);
  }
  await writeAtomically(target, bytes);
  if (labels) await writeAtomically(target.replace(/\.onnx$/i, '') + '.labels.txt', `${labels.join('\n')}\n`);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  io.err(`wrote ${target} (${(bytes.length / 1e6).toFixed(1)} MB) in ${seconds}s`);
  return EXIT.ok;
}

async function writeAtomically(target: string, data: Uint8Array | string): Promise<void> {
  const temp = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.tmp`);
  try {
    // The suggested targets (the data folder's models/, models/demo/) may not exist yet.
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(temp, data, { flush: true });
    await rename(temp, target);
  } catch (error) {
    await rm(temp, { force: true });
    throw new FatalError(`cannot write ${target}: ${(error as Error).message}`, { cause: error });
  }
}
