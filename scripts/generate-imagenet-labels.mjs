// Generates models/imagenet-1k-labels.tsv (script process) from Debian's darknet data files; no dependencies.
//
// Usage: node scripts/generate-imagenet-labels.mjs [labels.list] [shortnames.list] [out.tsv]
// Defaults: /usr/share/darknet/data/imagenet.labels.list, …/imagenet.shortnames.list (package "darknet"),
// and models/imagenet-1k-labels.tsv beside this script's folder.
//
// darknet's lists hold the 21842 ImageNet-21k wnids with their readable names, line for line, the first
// 1000 being the ImageNet-1k classes. The ONNX model zoo's ResNets number their outputs by the 1k wnids
// in sorted order (index 0 = n01440764 tench, 999 = n15075141 toilet tissue), so the file is sorted by
// wnid and line i is output i. Two names occur twice in the 1k set ("crane": bird n02012849 and machine
// n03126707; "maillot": n03710637 and n03710721); darknet gives no way to tell them apart, so they are
// kept as is and told apart by wnid.

import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const CLASS_COUNT = 1000;
const WNID = /^n\d{8}$/;

const [
  labelsPath = '/usr/share/darknet/data/imagenet.labels.list',
  namesPath = '/usr/share/darknet/data/imagenet.shortnames.list',
  outPath = fileURLToPath(new URL('../models/imagenet-1k-labels.tsv', import.meta.url)),
] = process.argv.slice(2);

function fail(message) {
  console.error(`generate-imagenet-labels: ${message}`);
  process.exit(1);
}

async function readLines(path) {
  let text;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    fail(`cannot read ${path}: ${error.message} (install the Debian package "darknet" or pass paths)`);
  }
  const lines = text.split(/\r?\n/);
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

const wnids = await readLines(labelsPath);
const names = await readLines(namesPath);
if (wnids.length !== names.length) {
  fail(`${labelsPath} has ${wnids.length} lines but ${namesPath} has ${names.length}; they must match`);
}
if (wnids.length < CLASS_COUNT) fail(`${labelsPath} has only ${wnids.length} lines, need ${CLASS_COUNT}`);

const classes = [];
for (let i = 0; i < CLASS_COUNT; i += 1) {
  const wnid = wnids[i].trim();
  const name = names[i].trim();
  if (!WNID.test(wnid)) fail(`${labelsPath} line ${i + 1}: "${wnid}" is not a wnid`);
  if (name === '' || /[\t\r\n]/.test(name)) fail(`${namesPath} line ${i + 1}: unusable name "${name}"`);
  classes.push({ wnid, name });
}

// Plain code-unit order: wnids are fixed-width, so this is the zoo's (Python sorted()) order.
classes.sort((a, b) => (a.wnid < b.wnid ? -1 : a.wnid > b.wnid ? 1 : 0));

const unique = new Set(classes.map((c) => c.wnid));
if (unique.size !== CLASS_COUNT) fail(`expected ${CLASS_COUNT} unique wnids, found ${unique.size}`);

const byName = new Map();
for (const { wnid, name } of classes) byName.set(name, [...(byName.get(name) ?? []), wnid]);
for (const [name, ids] of byName) {
  if (ids.length > 1) console.warn(`note: name "${name}" is shared by ${ids.join(', ')}`);
}

await writeFile(outPath, classes.map((c) => `${c.wnid}\t${c.name}\n`).join(''), 'utf8');
console.log(`wrote ${CLASS_COUNT} labels to ${outPath}`);
