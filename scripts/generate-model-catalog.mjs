// Generates models/catalog.json (script, run by hand): the zoo's ResNets from ../shared/data/onnx-zoo-resnet.json.
// Usage: node scripts/generate-model-catalog.mjs [zoo.json] [out.json]
// Deterministic (no dates, fixed order) so a test can check the committed file is exactly what it makes.

import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DEFAULT_ZOO = path.resolve(ROOT, '..', 'shared', 'data', 'onnx-zoo-resnet.json');
const DEFAULT_OUT = path.join(ROOT, 'models', 'catalog.json');

/** ResNet-<depth>-v<1|2>-<opset>[-int8|-qdq].onnx: the family the catalogue offers. */
const RESNET_FILE = /^resnet(\d+)-v([12])-(\d+)(?:-(int8|qdq))?\.onnx$/;
/** "Fits a laptop": the fp32 ResNet-50s are ~102 MB; ResNet-101/152 are 179/242 MB. */
const LAPTOP_MAX_BYTES = 110e6;

/** @param {unknown} condition @param {string} message @returns {asserts condition} */
function check(condition, message) {
  if (!condition) throw new Error(`onnx-zoo data: ${message}`);
}

/** @param {number} bytes */
const mb = (bytes) => `${(bytes / 1e6).toFixed(1)} MB`;
/** @param {number} points */
const pts = (points) => `${points.toFixed(2)} points`;

/**
 * @param {any} zoo parsed onnx-zoo-resnet.json
 * @returns {any} the catalogue object
 */
export function generateCatalog(zoo) {
  check(Array.isArray(zoo?.models), 'no "models" array');
  const pre = zoo.preprocessing;
  check(pre?.resize_shorter_side === 256 && pre?.center_crop === 224, 'unexpected preprocessing');
  const models = [];
  for (const m of zoo.models) {
    const match = RESNET_FILE.exec(m.file);
    if (!match) continue;
    check(/^[0-9a-f]{64}$/.test(m.sha256), `${m.file}: bad sha256`);
    check(Number.isInteger(m.bytes) && m.bytes > 0, `${m.file}: bad size`);
    check(typeof m.imagenet_top1 === 'number', `${m.file}: no top-1 accuracy`);
    models.push({
      id: m.file.replace(/\.onnx$/, ''),
      name: m.zoo_name,
      file: m.file,
      url: m.url,
      sha256: m.sha256,
      bytes: m.bytes,
      opset: m.opset,
      precision: match[4] ? 'int8' : 'fp32',
      input: m.input,
      output: m.output,
      imagenetTop1: m.imagenet_top1,
      imagenetTop5: m.imagenet_top5 ?? null,
      preprocessing: { resizeShorter: 256, crop: 224, mean: pre.mean, std: pre.std },
      labels: 'imagenet-1k',
      sortKey: [Number(match[1]), Number(match[2]), Number(match[3]), match[4] ?? ''],
    });
  }
  check(models.length > 0, 'no ResNet models');
  models.sort((a, b) => compareKeys(a.sortKey, b.sortKey));
  const { id: recommended, reason } = recommend(models);
  return {
    source: zoo.source,
    generatedBy: 'scripts/generate-model-catalog.mjs',
    recommended,
    recommendedReason: reason,
    models: models.map(({ sortKey: _sortKey, ...entry }) => entry),
  };
}

/** @param {(number|string)[]} a @param {(number|string)[]} b */
function compareKeys(a, b) {
  for (let i = 0; i < a.length; i++) {
    const x = a[i] ?? '';
    const y = b[i] ?? '';
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/**
 * The laptop default: the most accurate fp32 model that fits a laptop. fp32 because every execution
 * provider (CPU, WebGPU, DirectML, CoreML, CUDA) runs it; the int8 kernels are CPU-oriented, so an int8
 * default would silently lose the GPU. The reason quotes the numbers that decided it.
 * @param {any[]} models
 */
function recommend(models) {
  const fits = models.filter((m) => m.precision === 'fp32' && m.bytes <= LAPTOP_MAX_BYTES);
  check(fits.length > 0, 'no fp32 model small enough to recommend');
  const best = fits.reduce((a, b) => (b.imagenetTop1 > a.imagenetTop1 ? b : a));
  const parts = [
    `${best.id}: best ImageNet top-1 (${best.imagenetTop1} %) of the fp32 models up to ~100 MB (${mb(best.bytes)}), and fp32 runs on every execution provider (CPU, WebGPU, DirectML, CoreML, CUDA).`,
  ];
  const bigger = models
    .filter((m) => m.precision === 'fp32' && m.bytes > LAPTOP_MAX_BYTES && m.id.endsWith('-v2-7'))
    .map(
      (m) =>
        `${m.id} +${pts(m.imagenetTop1 - best.imagenetTop1)} for ${(m.bytes / best.bytes).toFixed(1)}x the size`,
    );
  if (bigger.length > 0) parts.push(`Larger: ${bigger.join(', ')}.`);
  const int8 = models.find((m) => m.precision === 'int8' && m.id.endsWith('-int8'));
  if (int8) {
    const parent = models.find((m) => m.id === int8.id.replace(/-int8$/, ''));
    const vsParent = parent ? `, ${pts(parent.imagenetTop1 - int8.imagenetTop1)} below its fp32 parent` : '';
    parts.push(
      `CPU-only or short on disk: ${int8.id} is ${(best.bytes / int8.bytes).toFixed(1)}x smaller (${mb(int8.bytes)}) and about 1.8x faster on CPUs with VNNI for ${pts(best.imagenetTop1 - int8.imagenetTop1)} less top-1${vsParent}, but its int8 kernels run on the CPU only.`,
    );
  }
  return { id: best.id, reason: parts.join(' ') };
}

/** JSON as committed: 2-space indent, trailing newline. */
export function formatCatalog(catalog) {
  return `${JSON.stringify(catalog, null, 2)}\n`;
}

function main() {
  const [zooFile = DEFAULT_ZOO, outFile = DEFAULT_OUT] = process.argv.slice(2);
  const zoo = JSON.parse(readFileSync(zooFile, 'utf8'));
  const text = formatCatalog(generateCatalog(zoo));
  // Write-then-rename so an interrupted run never leaves half a catalogue behind.
  const temp = `${outFile}.${process.pid}.tmp`;
  writeFileSync(temp, text);
  renameSync(temp, outFile);
  const count = JSON.parse(text).models.length;
  console.log(`wrote ${path.relative(process.cwd(), outFile) || outFile}: ${count} models`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
