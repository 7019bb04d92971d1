// Generates models/imagenet-1k-hierarchy.json (script process) from WordNet 3.0's data.noun; no dependencies.
//
// Usage: node scripts/generate-imagenet-hierarchy.mjs [data.noun] [labels.tsv] [out.json]
// Defaults: /usr/share/wordnet/data.noun (Debian package "wordnet-base"), models/imagenet-1k-labels.tsv
// and models/imagenet-1k-hierarchy.json beside this script's folder.
//
// An ImageNet wnid nXXXXXXXX is the WordNet 3.0 noun synset at byte offset XXXXXXXX of data.noun. From each
// of the 1000 classes the script follows hypernym pointers ("@", and "@i" for instances) up to the root,
// entity (n00001740). 74 of the 1808 synsets on the chains list several hypernyms (domestic cat: cat and
// domestic animal); the script takes the first listed one, which is deterministic and in WordNet
// usually the taxonomic parent. (None of the chains passes an "@i" instance link today.)
//
// Output, kept small by naming each synset once (JSON keys in insertion order, written on one line each):
//   { "format": "skiptag-imagenet-hierarchy/1",
//     "source": "WordNet 3.0 data.noun",
//     "synsets": { wnid: first lemma with "_" → " ", … }   (every synset on any chain, sorted by wnid)
//     "classes": { wnid: ImageNet label name, … }           (the 1000 classes in label file order)
//     "chains":  { wnid: [root wnid, …, class wnid], … } }  (same order)

import { open, readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const CLASS_COUNT = 1000;
const ROOT = 'n00001740';
const WNID = /^n(\d{8})$/;
// Far deeper than WordNet's deepest noun chain (about 20); guards against a cycle in a damaged file.
const MAX_DEPTH = 64;

const [
  dataPath = '/usr/share/wordnet/data.noun',
  labelsPath = fileURLToPath(new URL('../models/imagenet-1k-labels.tsv', import.meta.url)),
  outPath = fileURLToPath(new URL('../models/imagenet-1k-hierarchy.json', import.meta.url)),
] = process.argv.slice(2);

function fail(message) {
  console.error(`generate-imagenet-hierarchy: ${message}`);
  process.exit(1);
}

async function readClasses(path) {
  let text;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    fail(`cannot read ${path}: ${error.message}`);
  }
  const lines = text.split(/\r?\n/);
  if (lines.at(-1) === '') lines.pop();
  if (lines.length !== CLASS_COUNT) fail(`${path} has ${lines.length} lines, expected ${CLASS_COUNT}`);
  return lines.map((line, i) => {
    const [wnid = '', name = ''] = line.split('\t');
    if (!WNID.test(wnid) || name.trim() === '') fail(`${path} line ${i + 1}: expected "wnid<TAB>name"`);
    return { wnid, name: name.trim() };
  });
}

let data;
try {
  data = await open(dataPath, 'r');
} catch (error) {
  fail(
    `cannot open ${dataPath}: ${error.message} (install the Debian package "wordnet-base" or pass a path)`,
  );
}

// The longest data.noun line is a few KB; read in chunks until the newline turns up.
async function lineAt(offset) {
  let bytes = Buffer.alloc(0);
  for (let position = offset; ; position += 4096) {
    const chunk = Buffer.alloc(4096);
    const { bytesRead } = await data.read(chunk, 0, chunk.length, position);
    bytes = Buffer.concat([bytes, chunk.subarray(0, bytesRead)]);
    const end = bytes.indexOf(0x0a);
    if (end >= 0) return bytes.subarray(0, end).toString('utf8');
    if (bytesRead === 0) return bytes.toString('utf8');
  }
}

/**
 * Parses the synset line of `wnid`: "offset lex_filenum n w_cnt(hex) {word lex_id} p_cnt {ptr offset pos
 * src/tgt} | gloss" (see wndb(5)). Returns the first lemma and the first noun hypernym, if any.
 */
async function synset(wnid) {
  const offset = WNID.exec(wnid)[1];
  const line = await lineAt(Number(offset));
  const fields = line.split(' ');
  if (fields[0] !== offset || fields[2] !== 'n') {
    fail(`${dataPath} has no noun synset at byte offset ${offset} (is it WordNet 3.0?)`);
  }
  const wordCount = parseInt(fields[3], 16);
  const name = fields[4].replaceAll('_', ' ');
  let i = 4 + wordCount * 2;
  const pointerCount = Number(fields[i]);
  i += 1;
  for (let p = 0; p < pointerCount; p += 1, i += 4) {
    const [symbol, target, pos] = [fields[i], fields[i + 1], fields[i + 2]];
    // First listed wins (see the header); "@i" links an instance (a named thing) to its class.
    if ((symbol === '@' || symbol === '@i') && pos === 'n') return { name, parent: `n${target}` };
  }
  return { name, parent: undefined };
}

const classes = await readClasses(labelsPath);
const names = new Map();
const parents = new Map();

async function chainOf(wnid) {
  const chain = [];
  for (let id = wnid; id !== undefined;) {
    if (chain.length >= MAX_DEPTH) fail(`the hypernym chain of ${wnid} is longer than ${MAX_DEPTH}`);
    chain.push(id);
    if (!names.has(id)) {
      const { name, parent } = await synset(id);
      names.set(id, name);
      parents.set(id, parent);
    }
    id = parents.get(id);
  }
  chain.reverse();
  if (chain[0] !== ROOT) fail(`the hypernym chain of ${wnid} ends at ${chain[0]}, not at entity (${ROOT})`);
  return chain;
}

const chains = [];
for (const { wnid } of classes) chains.push(await chainOf(wnid));
await data.close();

const sortedIds = [...names.keys()].sort();
const lines = [
  '{',
  `"format":"skiptag-imagenet-hierarchy/1",`,
  `"source":"WordNet 3.0 data.noun",`,
  `"synsets":{`,
  sortedIds.map((id) => `${JSON.stringify(id)}:${JSON.stringify(names.get(id))}`).join(',\n'),
  '},',
  `"classes":{`,
  classes.map((c) => `${JSON.stringify(c.wnid)}:${JSON.stringify(c.name)}`).join(',\n'),
  '},',
  `"chains":{`,
  classes.map((c, i) => `${JSON.stringify(c.wnid)}:${JSON.stringify(chains[i])}`).join(',\n'),
  '}',
  '}',
];
const text = `${lines.join('\n')}\n`;
await writeFile(outPath, text, 'utf8');
const depths = chains.map((chain) => chain.length);
console.log(
  `wrote ${CLASS_COUNT} chains over ${sortedIds.length} synsets (depth ${Math.min(...depths)}-` +
    `${Math.max(...depths)}), ${Buffer.byteLength(text)} bytes, to ${outPath}`,
);
