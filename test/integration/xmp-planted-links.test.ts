// Planted links and impostor sidecars (test): the built CLI tags a folder and writes tags; nothing outside the folder is read as a photo's metadata or rewritten.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, link, lstat, mkdir, mkdtemp, readdir, readFile, rm, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ExifTool } from 'exiftool-vendored';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Library } from '../../src-main/engine/library/library.js';
import { readExistingKeywords } from '../../src-main/engine/xmp/read-keywords.js';
import { writeColourModel, writeColourPhotos } from '../support/colour-photos.js';
import { runCli } from '../support/run-cli.js';

let work: string;
let folder: string;
let elsewhere: string;
let model: string;
let library: string;
let victim: string;
let victimFolder: string;
const before = new Map<string, string>();

const sha = async (file: string) =>
  createHash('sha256')
    .update(await readFile(file))
    .digest('hex');

/** The user tags (keywords imported from other tools) the library holds for a photo of the folder. */
function userTags(name: string): string[] {
  const db = Library.open(library);
  try {
    const image = db.getImageByPath(Buffer.from(path.join(folder, name)));
    if (!image) throw new Error(`${name} is not in the library`);
    return db
      .tagsForImage(image.id)
      .filter((t) => t.source === 'user')
      .map((t) => t.tag);
  } finally {
    db.close();
  }
}

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'skiptag-planted-'));
  model = await writeColourModel(path.join(work, 'model'));
  const colours = path.join(work, 'colours');
  await writeColourPhotos(colours);
  folder = path.join(work, 'shared');
  elsewhere = path.join(work, 'elsewhere');
  victimFolder = path.join(elsewhere, 'private');
  await mkdir(folder);
  await mkdir(victimFolder, { recursive: true });
  // Files outside the folder the user gives, each with a keyword that must never become a tag.
  victim = path.join(elsewhere, 'victim.jpg');
  await copyFile(path.join(colours, 'red-photo.jpg'), victim);
  await copyFile(path.join(colours, 'blue-photo.webp'), path.join(victimFolder, 'other.webp'));
  await copyFile(path.join(colours, 'yellow-photo.jpg'), path.join(folder, 'hard.jpg'));
  const exiftool = new ExifTool({ maxProcs: 1 });
  try {
    await exiftool.write(victim, { 'XMP-dc:Subject': ['VictimSecret'] } as never, {
      writeArgs: ['-overwrite_original'],
    });
    await exiftool.write(path.join(folder, 'hard.jpg'), { 'XMP-dc:Subject': ['HardSecret'] } as never, {
      writeArgs: ['-overwrite_original'],
    });
  } finally {
    await exiftool.end();
  }
  // The planted things, in the shared folder: a sidecar that is a link to a photo elsewhere, a sidecar that
  // is a hard link to another photo (a JPEG in an .xmp's place), a photo that is a link to a file
  // elsewhere, and a folder link leading out of the folder.
  await copyFile(path.join(colours, 'green-photo.png'), path.join(folder, 'photo.png'));
  await symlink(victim, path.join(folder, 'photo.png.xmp'));
  await copyFile(path.join(colours, 'white-photo.png'), path.join(folder, 'second.png'));
  await link(path.join(folder, 'hard.jpg'), path.join(folder, 'second.png.xmp'));
  await symlink(victim, path.join(folder, 'linked.jpg'));
  await symlink(victimFolder, path.join(folder, 'trip'));
  for (const file of [victim, path.join(victimFolder, 'other.webp'), path.join(folder, 'hard.jpg')]) {
    before.set(file, await sha(file));
  }
  library = path.join(work, 'library.db');
  const run = await runCli(['tag', folder, '--model', model, '--library', library, '-q']);
  expect(run.code, run.stderr).toBe(0);
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('keywords never come from, or go to, a file outside the folder', () => {
  it('scan: a sidecar that is a link, or not an XMP file, is not read as the photo’s metadata', async () => {
    expect(userTags('photo.png')).toEqual([]);
    expect(userTags('second.png')).toEqual([]);
    const skipped: string[] = [];
    const keywords = await readExistingKeywords(path.join(folder, 'photo.png'), {
      onSkip: (_file, reason) => skipped.push(reason),
    });
    expect(keywords).toEqual([]);
    expect(skipped).toEqual([
      `${path.join(folder, 'photo.png.xmp')} is a symbolic link, not a regular file: skipped`,
    ]);
    skipped.length = 0;
    expect(
      await readExistingKeywords(path.join(folder, 'second.png'), { onSkip: (_f, r) => skipped.push(r) }),
    ).toEqual([]);
    expect(skipped[0]).toMatch(/second\.png\.xmp is not an XMP sidecar \(it holds JPEG\): skipped$/);
    // The photos themselves were tagged as usual.
    const db = Library.open(library);
    try {
      expect(db.statusCounts().byStatus.ok).toBe(5);
    } finally {
      db.close();
    }
  });

  it('write-tags --xmp sidecar: skips the planted sidecars and the folder link with a reason, writes the rest', async () => {
    const run = await runCli(['write-tags', '--library', library]);
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout.trim().split('\n');
    // `path<TAB>written sidecar: +tags…` or `path<TAB>reason`: what happened to each photo, tags aside.
    const outcome = (line: string) => line.replace(/(\twritten \S+): .*$/, '$1');
    expect(lines.map(outcome).sort()).toEqual(
      [
        `${path.join(folder, 'hard.jpg')}\twritten ${path.join(folder, 'hard.jpg.xmp')}`,
        // A sidecar beside the link itself is fine: it is in the folder, and the linked file is untouched.
        `${path.join(folder, 'linked.jpg')}\twritten ${path.join(folder, 'linked.jpg.xmp')}`,
        `${path.join(folder, 'photo.png')}\t${path.join(folder, 'photo.png.xmp')} is a symbolic link, not a regular file: skipped`,
        `${path.join(folder, 'second.png')}\t${path.join(folder, 'second.png.xmp')} is not an XMP sidecar (it holds JPEG): skipped`,
        `${path.join(folder, 'trip', 'other.webp')}\t${path.join(folder, 'trip', 'other.webp.xmp')} would be written outside the library's folders (${victimFolder}): skipped`,
      ].sort(),
    );
    expect((await lstat(path.join(folder, 'photo.png.xmp'))).isSymbolicLink()).toBe(true);
    expect(await readdir(victimFolder)).toEqual(['other.webp']);
    expect(await readdir(elsewhere)).toEqual(['private', 'victim.jpg']);
    for (const [file, hash] of before) expect(await sha(file), file).toBe(hash);
  });

  it('write-tags --xmp embed: never rewrites a file outside the folder through a link', async () => {
    const run = await runCli(['write-tags', '--xmp', 'embed', '--library', library]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(
      `${path.join(folder, 'linked.jpg')}\tit leads (through a symbolic link) to ${victim}, outside the library's folders: skipped`,
    );
    expect(run.stdout).toContain(
      `${path.join(folder, 'trip', 'other.webp')}\tit leads (through a symbolic link) to ${path.join(victimFolder, 'other.webp')}, outside the library's folders: skipped`,
    );
    expect(existsSync(`${victim}_original`)).toBe(false);
    expect(await sha(victim)).toBe(before.get(victim));
    expect(await sha(path.join(victimFolder, 'other.webp'))).toBe(
      before.get(path.join(victimFolder, 'other.webp')),
    );
  });
});
