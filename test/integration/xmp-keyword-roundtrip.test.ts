// Keywords survive a rebuilt library (test): built CLI tag → write-tags → delete the library → tag again gives back every keyword the user had.
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ExifTool } from 'exiftool-vendored';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Library } from '../../src-main/engine/library/library.js';
import { COLOUR_LABELS } from '../../src-main/engine/synth/colour-model.js';
import { writeColourModel, writeColourPhotos } from '../support/colour-photos.js';
import { runCli } from '../support/run-cli.js';

let work: string;
let colours: string;
let model: string;

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'skiptag-roundtrip-'));
  model = await writeColourModel(path.join(work, 'model'));
  colours = path.join(work, 'colours');
  await writeColourPhotos(colours);
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/** A folder as other tools left it: keywords embedded in one photo, a sidecar beside another, one bare. */
async function folderFromOtherTools(name: string): Promise<string> {
  const folder = path.join(work, name);
  await mkdir(folder);
  await copyFile(path.join(colours, 'red-photo.jpg'), path.join(folder, 'paris.jpg'));
  await copyFile(path.join(colours, 'green-photo.png'), path.join(folder, 'nice.png'));
  await copyFile(path.join(colours, 'yellow-photo.jpg'), path.join(folder, 'mine.jpg'));
  const exiftool = new ExifTool({ maxProcs: 1 });
  try {
    // Lightroom-like: IPTC and XMP keywords in the JPEG itself.
    await exiftool.write(
      path.join(folder, 'paris.jpg'),
      { 'IPTC:Keywords': ['Paris'], 'XMP-dc:Subject': ['Urlaub', 'Paris'] } as never,
      { writeArgs: ['-overwrite_original'] },
    );
    // darktable/digiKam-like: a sidecar with a keyword and a hierarchy.
    await exiftool.write(path.join(folder, 'nice.png.xmp'), {
      'XMP-dc:Subject': ['beach'],
      'XMP-lr:HierarchicalSubject': ['Places|France|Nice'],
      'XMP-digiKam:TagsList': ['People/Anna'],
    } as never);
  } finally {
    await exiftool.end();
  }
  return folder;
}

/** Per photo (file name): its tags as `source/state`, from the library file. */
function tagsByPhoto(libraryFile: string): Record<string, Record<string, string>> {
  const db = Library.open(libraryFile);
  try {
    const result: Record<string, Record<string, string>> = {};
    for (const image of db.exportImages({})) {
      result[path.basename(image.path)] = Object.fromEntries(
        image.tags.map((t) => [t.tag, `${t.source}/${t.state}`]),
      );
    }
    return result;
  } finally {
    db.close();
  }
}

const userKeywords = (tags: Record<string, Record<string, string>>) =>
  Object.fromEntries(
    Object.entries(tags).map(([photo, t]) => [
      photo,
      Object.keys(t)
        .filter((tag) => t[tag] === 'user/accepted')
        .sort(),
    ]),
  );

describe.each(['sidecar', 'embed'] as const)('write-tags --xmp %s, delete the library, tag again', (mode) => {
  it('gives back every keyword the user had, and none of the model’s suggestions as the user’s', async () => {
    const folder = await folderFromOtherTools(`photos-${mode}`);
    const first = path.join(work, `first-${mode}.db`);
    const tag = (library: string) => runCli(['tag', folder, '--model', model, '--library', library, '-q']);
    expect((await tag(first)).code).toBe(0);
    // The user's own decisions in Skiptag: a keyword typed for one photo, a suggestion accepted on another.
    const db = Library.open(first);
    try {
      const mine = db.getImageByPath(Buffer.from(path.join(folder, 'mine.jpg')));
      const paris = db.getImageByPath(Buffer.from(path.join(folder, 'paris.jpg')));
      db.setTagState([mine?.id ?? 0], 'my own words', 'accepted');
      db.setTagState([paris?.id ?? 0], 'red', 'accepted');
    } finally {
      db.close();
    }
    const had = userKeywords(tagsByPhoto(first));
    expect(had).toEqual({
      'paris.jpg': ['Paris', 'Urlaub'],
      'nice.png': ['Anna', 'Nice', 'beach'],
      'mine.jpg': ['my own words'],
    });

    const written = await runCli(['write-tags', '--xmp', mode, '--library', first]);
    expect(written.code, written.stderr).toBe(0);
    expect(written.stdout).not.toMatch(/skipped/);
    await rm(first);
    await rm(`${first}-wal`, { force: true });
    await rm(`${first}-shm`, { force: true });

    const rebuilt = path.join(work, `rebuilt-${mode}.db`);
    expect((await tag(rebuilt)).code).toBe(0);
    const after = tagsByPhoto(rebuilt);
    expect(userKeywords(after)).toEqual(had);
    // The model's tags Skiptag wrote come back as the model's suggestions, not as the user's keywords.
    for (const photo of Object.values(after)) {
      for (const label of COLOUR_LABELS) {
        if (photo[label] !== undefined) expect(photo[label]).toBe('auto/suggested');
      }
    }
    expect(after['paris.jpg']?.red).toBe('auto/suggested');
  });
});
