// Unit tests (test process): readPhoto reads once, hashes, and maps every OS failure to a FileError code.

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isFileError, type FileErrorCode } from '../../src-main/shared/file-errors.js';
import { DEFAULT_MAX_FILE_BYTES, readPhoto } from '../../src-main/engine/imaging/read-photo.js';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'skiptag-read-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function failure(
  path: Buffer | string,
  maxBytes?: number,
): Promise<{ code: FileErrorCode; message: string }> {
  try {
    await readPhoto(path, maxBytes);
  } catch (error) {
    if (isFileError(error)) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('readPhoto succeeded');
}

describe('readPhoto', () => {
  it('returns the bytes, their size and SHA-256', async () => {
    const content = Buffer.from('pretend this is a JPEG');
    const path = join(dir, 'ok.jpg');
    await writeFile(path, content);
    const photo = await readPhoto(path);
    expect(photo.bytes.equals(content)).toBe(true);
    expect(photo.size).toBe(content.length);
    expect(photo.sha256).toBe(createHash('sha256').update(content).digest('hex'));
  });

  it('accepts a Buffer path with bytes that are not UTF-8', async () => {
    const name = Buffer.concat([Buffer.from(`${dir}/`), Buffer.from([0xff, 0xfe]), Buffer.from('.jpg')]);
    await writeFile(name, 'x');
    expect((await readPhoto(name)).size).toBe(1);
  });

  it('has a 512 MiB default limit', () => {
    expect(DEFAULT_MAX_FILE_BYTES).toBe(512 * 1024 * 1024);
  });

  it('refuses files over the limit without reading them', async () => {
    const path = join(dir, 'big.jpg');
    await writeFile(path, Buffer.alloc(3 * 1024 * 1024));
    expect(await failure(path, 2 * 1024 * 1024)).toEqual({
      code: 'too_large',
      message: 'file is 3 MiB, over the 2 MiB limit',
    });
  });

  it.each<[string, () => Promise<string | Buffer>, FileErrorCode, RegExp]>([
    [
      'an empty file',
      async () => (await writeFile(join(dir, 'empty.jpg'), ''), join(dir, 'empty.jpg')),
      'corrupt',
      /^empty file$/,
    ],
    [
      'a missing file',
      async () => join(dir, 'gone.jpg'),
      'vanished',
      /^file disappeared before it could be read/,
    ],
    [
      'a directory',
      async () => (await mkdir(join(dir, 'd.jpg')), join(dir, 'd.jpg')),
      'path_error',
      /directory/,
    ],
    [
      'a path through a file',
      async () => (await writeFile(join(dir, 'f'), 'x'), join(dir, 'f', 'x.jpg')),
      'path_error',
      /not a directory/,
    ],
    ['a name that is too long', async () => join(dir, `${'x'.repeat(300)}.jpg`), 'path_error', /too long/],
    ['a NUL byte in the path', async () => join(dir, 'a\0b.jpg'), 'path_error', /NUL/],
  ])('maps %s', async (_name, make, code, message) => {
    const result = await failure(await make());
    expect(result.code).toBe(code);
    expect(result.message).toMatch(message);
  });

  it.skipIf(process.platform === 'win32')('does not hang on a FIFO', async () => {
    const fifo = join(dir, 'pipe.jpg');
    try {
      execFileSync('mkfifo', [fifo]);
    } catch {
      return; // no mkfifo here
    }
    expect(await failure(fifo)).toMatchObject({
      code: 'path_error',
      message: expect.stringMatching(/not a regular file/),
    });
  });

  it.skipIf(process.platform === 'win32' || process.getuid?.() === 0)('maps permission denied', async () => {
    const path = join(dir, 'secret.jpg');
    await writeFile(path, 'x');
    await chmod(path, 0o000);
    expect(await failure(path)).toMatchObject({
      code: 'unreadable',
      message: expect.stringMatching(/^permission denied/),
    });
  });
});
