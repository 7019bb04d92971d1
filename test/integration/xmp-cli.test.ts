// Integration tests for `skiptag write-tags` (CLI, in process): filters, dry run, modes, output lines, usage errors.
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CliIo } from '../../src-main/cli/cli-io.js';
import { writeTagsCommand } from '../../src-main/cli/commands/write-tags-command.js';
import { statSeen } from '../../src-main/engine/jobs/scan-decision.js';
import { Library } from '../../src-main/engine/library/library.js';

let dir: string;
let dbFile: string;
let out: string[];
let err: string[];
const io: CliIo = {
  out: (line) => out.push(line),
  err: (line) => err.push(line),
  errStream: process.stderr,
};

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'skiptag-xmp-cli-'));
  dbFile = path.join(dir, 'library.db');
  out = [];
  err = [];
  const library = Library.open(dbFile);
  try {
    const modelId = library.ensureModel('m', 'm.onnx');
    for (const [name, label, score] of [
      ['a/cat.jpg', 'tabby', 0.9],
      ['a/dog.jpg', 'Labrador retriever', 0.3],
      ['b/other.jpg', 'tabby', 0.8],
    ] as const) {
      const file = path.join(dir, name);
      await mkdir(path.dirname(file), { recursive: true });
      await sharp({ create: { width: 8, height: 8, channels: 3, background: 'red' } })
        .jpeg()
        .toFile(file);
      const seen = await statSeen(Buffer.from(file), file);
      const id = library.insertImage(seen, null, 1).id;
      library.recordSuccess(id, {
        modelId,
        provider: 'cpu',
        classifiedAt: '2026-01-01T00:00:00.000Z',
        sha256: name,
        size: seen.size,
        format: 'jpeg',
        width: 8,
        height: 8,
        predictions: [{ index: 0, label, wnid: '', score }],
      });
    }
  } finally {
    library.close();
  }
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('skiptag write-tags', () => {
  it('prints what a dry run would write, for the folder only, and writes nothing', async () => {
    const code = await writeTagsCommand(
      ['--folder', path.join(dir, 'a'), '--dry-run', '--library', dbFile],
      io,
      {},
    );
    expect(code).toBe(0);
    expect(out.sort()).toEqual([
      `${path.join(dir, 'a/cat.jpg')}\twould write ${path.join(dir, 'a/cat.jpg.xmp')}: +tabby, +Skiptag|tabby`,
      `${path.join(dir, 'a/dog.jpg')}\twould write ${path.join(dir, 'a/dog.jpg.xmp')}: +Labrador retriever, +Skiptag|Labrador retriever`,
    ]);
    expect(err.at(-1)).toBe('2 files would be written, 0 unchanged, 0 skipped');
    expect(await readdir(path.join(dir, 'a'))).toEqual(['cat.jpg', 'dog.jpg']);
  });

  it('writes sidecars for a tag above a score, then reports them unchanged', async () => {
    const args = ['--tag', 'tabby', '--xmp-min-score', '0.85', '--xmp-name', 'replace', '--library', dbFile];
    expect(await writeTagsCommand(args, io, {})).toBe(0);
    expect(out).toEqual([
      `${path.join(dir, 'a/cat.jpg')}\twritten ${path.join(dir, 'a/cat.xmp')}: +tabby, +Skiptag|tabby`,
      // Below the write threshold: an empty sidecar is not created.
    ]);
    expect(err.at(-1)).toBe('1 file written, 1 unchanged, 0 skipped');
    out = [];
    expect(await writeTagsCommand(args, io, {})).toBe(0);
    expect(out).toEqual([]);
    expect(err.at(-1)).toBe('0 files written, 2 unchanged, 0 skipped');
  });

  it('embeds with --xmp embed and rejects bad option values', async () => {
    expect(
      await writeTagsCommand(
        ['--xmp', 'embed', '--folder', path.join(dir, 'b'), '--library', dbFile],
        io,
        {},
      ),
    ).toBe(0);
    expect(out).toEqual([
      `${path.join(dir, 'b/other.jpg')}\twritten ${path.join(dir, 'b/other.jpg')}: +tabby, +Skiptag|tabby`,
    ]);
    await expect(writeTagsCommand(['--xmp', 'inside', '--library', dbFile], io, {})).rejects.toThrow(
      /--xmp must be one of/,
    );
    await expect(writeTagsCommand(['--xmp-min-score', '2', '--library', dbFile], io, {})).rejects.toThrow(
      /0 to 1/,
    );
    await expect(writeTagsCommand(['stray', '--library', dbFile], io, {})).rejects.toThrow(
      /unexpected argument/,
    );
  });
});
