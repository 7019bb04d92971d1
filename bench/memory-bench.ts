// Memory benchmark driver (bench): peak RSS of pixel checks and parallel decodes, and the cost of refusing a bomb, against targets.
// `npm run build && node out/bench/memory-bench.js` (part of `npm run bench`). Inputs are generated once under the temp folder.

import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { link, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc32 } from 'node:zlib';
import sharp from 'sharp';
import { DEFAULT_DECODE_BUDGET_BYTES } from '../src-main/engine/pipeline/decode-budget.js';
import { buildColourModel } from '../src-main/engine/synth/colour-model.js';
import type { MemoryCaseResult } from './memory-case.js';

const cacheDir = path.join(os.tmpdir(), 'skiptag-bench', 'memory-v1');
const caseScript = fileURLToPath(new URL('./memory-case.js', import.meta.url));
const MB = 1024 * 1024;

/** 30 pages of 4000×4000 RGB, deflated (a 1.7 MB file): 48 MB of pixels per page, 1.44 GB in all. */
const TIFF_PAGES = 30;
const TIFF_SIDE = 4000;
/** Eight 12000² interlaced PNGs: 432 MB of pixels each, which an interlaced PNG decode holds whole. */
const PNG_COUNT = 8;
const PNG_SIDE = 12_000;

async function inputs(): Promise<{ tiff: string; pngs: string; model: string; bomb: string }> {
  await mkdir(cacheDir, { recursive: true });
  const tiff = path.join(cacheDir, 'thirty-pages.tif');
  if (!existsSync(tiff)) {
    await sharp({
      create: {
        width: TIFF_SIDE,
        height: TIFF_SIDE * TIFF_PAGES,
        channels: 3,
        background: { r: 20, g: 120, b: 200 },
        pageHeight: TIFF_SIDE,
      },
      limitInputPixels: false,
    })
      .tiff({ compression: 'deflate' })
      .toFile(`${tiff}.tmp`);
    await rename(`${tiff}.tmp`, tiff);
  }
  const pngs = path.join(cacheDir, 'pngs');
  const first = path.join(pngs, 'big-0.png');
  if (!existsSync(path.join(pngs, `big-${PNG_COUNT - 1}.png`))) {
    await rm(pngs, { recursive: true, force: true });
    await mkdir(pngs);
    await sharp({
      create: { width: PNG_SIDE, height: PNG_SIDE, channels: 3, background: { r: 200, g: 40, b: 30 } },
      limitInputPixels: false,
    })
      .png({ progressive: true })
      .toFile(first);
    // The same bytes under eight names: each is read and decoded on its own, as eight photos would be.
    for (let i = 1; i < PNG_COUNT; i++) await link(first, path.join(pngs, `big-${i}.png`));
  }
  const model = path.join(cacheDir, 'colours.onnx');
  if (!existsSync(model)) await writeFile(model, buildColourModel().bytes);
  const bomb = path.join(cacheDir, 'bomb-30000.png');
  if (!existsSync(bomb)) await writeFile(bomb, pngHeaderOnly(30_000, 30_000));
  return { tiff, pngs, model, bomb };
}

/** A PNG that claims width × height RGB pixels and holds none: what a decompression bomb's header says. */
function pngHeaderOnly(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit RGB, deflate, no filter method, not interlaced
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function runCase(args: string[], threads: number): MemoryCaseResult {
  const out = execFileSync(process.execPath, [caseScript, ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, UV_THREADPOOL_SIZE: String(threads) },
  });
  return JSON.parse(out.trim().split('\n').at(-1) ?? '') as MemoryCaseResult;
}

function line(name: string, result: MemoryCaseResult, target: string, ok: boolean | null): void {
  const verdict = ok === null ? '' : ok ? 'ok' : 'OVER';
  console.log(
    `${name.padEnd(48)} ${`${result.peakRssMb.toFixed(0)} MB`.padStart(9)} ${`${result.seconds.toFixed(2)} s`.padStart(9)}   ${target.padEnd(26)} ${verdict}`,
  );
}

const { tiff, pngs, model, bomb } = await inputs();
console.log(
  `Memory: ${os.cpus().length} cores, ${(os.totalmem() / 1024 ** 3).toFixed(0)} GB, node ${process.version}`,
);
console.log(`${'case'.padEnd(48)} ${'peak RSS'.padStart(9)} ${'time'.padStart(9)}   target`);

// A pixel check decodes one page at a time, so its peak does not grow with the page count: target a bare
// process (~100 MB: Node, sharp, libvips' threads) plus four pages' pixels (the decoded page, libvips'
// working copies and allocator slack; measured: about 3.8). All pages at once would be 30 pages, twice.
const pageMb = (TIFF_SIDE * TIFF_SIDE * 3) / MB;
const pixelTarget = 100 + 4 * pageMb;
const pixel = runCase(['--case', 'pixel-check', '--file', tiff], 4);
line(
  `pixel check, ${TIFF_PAGES}-page TIFF (embed: copy + original)`,
  pixel,
  `≤ ${pixelTarget.toFixed(0)} MB`,
  pixel.peakRssMb <= pixelTarget,
);
const before = runCase(['--case', 'pixel-check-all-pages', '--file', tiff], 4);
line('  for comparison: all pages at once, twice', before, 'what the issue measured', null);

// Parallel decodes share the budget: peak = budget (or one image, if larger) + the process (~250 MB with
// onnxruntime), the same for 4 or 16 decode threads. Without the budget it grows with the thread count.
const budgetMb = DEFAULT_DECODE_BUDGET_BYTES / MB;
const decodeTarget = budgetMb + 300;
for (const threads of [4, 16]) {
  const result = runCase(['--case', 'decode-parallel', '--folder', pngs, '--model', model], threads);
  line(
    `${PNG_COUNT} × ${PNG_SIDE}² interlaced PNG, ${threads} decode threads`,
    result,
    `≤ ${decodeTarget.toFixed(0)} MB (budget + 300)`,
    result.peakRssMb <= decodeTarget,
  );
}
const unbounded = runCase(
  ['--case', 'decode-parallel', '--folder', pngs, '--model', model, '--budget', 'none'],
  4,
);
line('  for comparison: no budget, 4 decode threads', unbounded, 'grows with the threads', null);

// A bomb is refused from its header: no decode, so no memory and no time to speak of.
const refused = runCase(['--case', 'bomb', '--file', bomb], 4);
line(
  '900 MP PNG bomb refused (header only)',
  refused,
  '≤ 0.10 s, ≤ 150 MB',
  refused.seconds <= 0.1 && refused.peakRssMb <= 150,
);
