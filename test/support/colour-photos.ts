// Generates photos of known dominant colours (test) for end-to-end checks with the hand-designed colour model.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { buildColourModel } from '../../src-main/engine/synth/colour-model.js';

/** Everyday shades and the label the colour model must give them. */
export const COLOUR_CASES = [
  { name: 'red', rgb: [210, 35, 40] },
  { name: 'green', rgb: [40, 160, 60] },
  { name: 'blue', rgb: [35, 60, 190] },
  { name: 'yellow', rgb: [235, 215, 50] },
  { name: 'white', rgb: [245, 245, 245] },
  { name: 'black', rgb: [15, 15, 15] },
] as const;

/**
 * Writes one photo per colour case in a mix of formats and sizes; a speckle of noise keeps them from
 * being trivially uniform. Returns file name → expected label.
 */
export async function writeColourPhotos(dir: string): Promise<Map<string, string>> {
  await mkdir(dir, { recursive: true });
  const expected = new Map<string, string>();
  const formats = ['jpeg', 'png', 'webp'] as const;
  for (const [i, c] of COLOUR_CASES.entries()) {
    const format = formats[i % formats.length] ?? 'jpeg';
    const width = 300 + i * 97;
    const height = 200 + i * 61;
    const noise = Buffer.alloc(width * height * 3);
    for (let p = 0; p < noise.length; p++) {
      const base = c.rgb[p % 3] ?? 0;
      noise[p] = Math.max(0, Math.min(255, base + (((p * 2654435761) >>> 24) % 21) - 10));
    }
    const file = `${c.name}-photo.${format === 'jpeg' ? 'jpg' : format}`;
    await sharp(noise, { raw: { width, height, channels: 3 } })
      .toFormat(format)
      .toFile(path.join(dir, file));
    expected.set(file, c.name);
  }
  return expected;
}

/** Writes the colour model and its labels file (as `skiptag models synth colours` does). */
export async function writeColourModel(dir: string, options: { fixedBatch?: number } = {}): Promise<string> {
  await mkdir(dir, { recursive: true });
  const model = buildColourModel(options);
  const file = path.join(dir, options.fixedBatch ? `colours-b${options.fixedBatch}.onnx` : 'colours.onnx');
  await writeFile(file, model.bytes);
  await writeFile(file.replace(/\.onnx$/, '.labels.txt'), `${model.labels.join('\n')}\n`);
  return file;
}
