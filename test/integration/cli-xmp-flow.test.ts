// `tag --xmp` and keyword import through the CLI (test): sidecars other tools can read, and their keywords coming back.
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ExifTool } from 'exiftool-vendored';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Library } from '../../src-main/engine/library/library.js';
import { writeColourModel, writeColourPhotos } from '../support/colour-photos.js';
import { runCli } from '../support/run-cli.js';

let work: string;
let model: string;
let photos: string;
let library: string;
const exiftool = new ExifTool({ maxProcs: 1 });

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'skiptag-xmp-flow-'));
  model = await writeColourModel(path.join(work, 'model'));
  const source = path.join(work, 'source');
  await writeColourPhotos(source);
  photos = path.join(work, 'photos');
  await mkdir(photos);
  await copyFile(path.join(source, 'red-photo.jpg'), path.join(photos, 'red.jpg'));
  await copyFile(path.join(source, 'blue-photo.webp'), path.join(photos, 'blue.webp'));
  // Another tool already tagged the blue photo in a sidecar.
  await exiftool.write(path.join(photos, 'blue.webp.xmp'), { Subject: ['holiday', 'café'] } as never);
  library = path.join(work, 'library.db');
});

afterAll(async () => {
  await exiftool.end();
  await rm(work, { recursive: true, force: true });
});

describe('tag --xmp sidecar', () => {
  it('imports other tools keywords as accepted tags and writes Skiptag tags into sidecars', async () => {
    const run = await runCli([
      'tag',
      photos,
      '--model',
      model,
      '--library',
      library,
      '--xmp',
      'sidecar',
      '-q',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const db = Library.open(library);
    const blue = db.getImageByPath(Buffer.from(path.join(photos, 'blue.webp')));
    const tags = db.tagsForImage(blue?.id ?? -1);
    db.close();
    expect(tags.find((t) => t.tag === 'café')).toMatchObject({ source: 'user', state: 'accepted' });
    expect(existsSync(path.join(photos, 'red.jpg.xmp'))).toBe(true);
    const red = (await exiftool.read(path.join(photos, 'red.jpg.xmp'))) as unknown as {
      Subject?: string[] | string;
    };
    expect([red.Subject].flat()).toContain('red');
    const blueSidecar = (await exiftool.read(path.join(photos, 'blue.webp.xmp'))) as unknown as {
      Subject?: string[] | string;
    };
    // Theirs kept, ours added.
    expect([blueSidecar.Subject].flat()).toEqual(expect.arrayContaining(['holiday', 'café', 'blue']));
  });

  it('refuses --xmp without the library', async () => {
    const run = await runCli(['tag', photos, '--model', model, '--no-library', '--xmp', 'sidecar']);
    expect(run.code).toBe(2);
  });
});
