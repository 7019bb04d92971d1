// Integration tests for XMP sidecars (engine): real files and exiftool; create, merge, remove ours only, dry run.
import { chmod, copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ExifTool } from 'exiftool-vendored';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { statSeen } from '../../src-main/engine/jobs/scan-decision.js';
import { Library } from '../../src-main/engine/library/library.js';
import { loadHierarchy, rollupChain } from '../../src-main/engine/tagging/hierarchy.js';
import { writeTagsForImages } from '../../src-main/engine/xmp/write-tags.js';

const PHOTOS = path.resolve('test/fixtures/photos');
const TABBY = 'n02123045';
let exiftool: ExifTool;
/** exiftool.write with any tag names (its WriteTags type knows only some groups). */
const write = (file: string, tags: Record<string, unknown>) => exiftool.write(file, tags);
let dir: string;
let library: Library;
let modelId: number;
let tabbyPath: string;

beforeAll(async () => {
  exiftool = new ExifTool({ maxProcs: 1 });
  const hierarchy = await loadHierarchy();
  tabbyPath = ['Skiptag', ...rollupChain(hierarchy, TABBY).slice(0, -1), 'tabby'].join('|');
});
afterAll(async () => exiftool.end());
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'skiptag-xmp-sidecar-'));
  library = Library.open(path.join(dir, 'library.db'));
  modelId = library.ensureModel('model-sha', 'resnet50.onnx');
});
afterEach(async () => {
  library.close();
  await rm(dir, { recursive: true, force: true });
});

/** A classified photo in the library: predictions become suggested tags. */
async function addPhoto(file: string, predictions: [string, string, number][]): Promise<number> {
  const seen = await statSeen(Buffer.from(file), file);
  const id = library.insertImage(seen, null, 1).id;
  library.recordSuccess(id, {
    modelId,
    provider: 'cpu',
    classifiedAt: '2026-01-01T00:00:00.000Z',
    sha256: 'sha',
    size: seen.size,
    format: 'jpeg',
    width: 8,
    height: 8,
    predictions: predictions.map(([label, wnid, score], index) => ({ index, label, wnid, score })),
  });
  return id;
}

async function keywordsOf(file: string): Promise<Record<string, unknown>> {
  const raw = (await exiftool.readRaw(file, {
    readArgs: ['-G1', '-api', 'StructFormat=JSONQ', '-XMP:all'],
  })) as unknown as Record<string, unknown>;
  const list = (v: unknown) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
  return {
    subject: list(raw['XMP-dc:Subject']),
    hierarchical: list(raw['XMP-lr:HierarchicalSubject']),
    tagsList: list(raw['XMP-digiKam:TagsList']),
    title: raw['XMP-dc:Title'],
    rating: raw['XMP-xmp:Rating'],
  };
}

async function jpeg(name: string): Promise<string> {
  const file = path.join(dir, name);
  await mkdir(path.dirname(file), { recursive: true });
  await sharp({ create: { width: 8, height: 8, channels: 3, background: '#808080' } })
    .jpeg()
    .toFile(file);
  return file;
}

describe('writing sidecars', () => {
  it('round-trips non-ASCII tags into photo.jpg.xmp and leaves the photo alone', async () => {
    const photo = await jpeg('cat.jpg');
    const before = await readFile(photo);
    const id = await addPhoto(photo, [
      ['tabby', TABBY, 0.7],
      ['tiger cat', 'n02123159', 0.1],
    ]);
    library.setTagState([id], 'café', 'accepted');
    library.setTagState([id], '狗', 'accepted');

    const [result] = await writeTagsForImages(library, [id], { minScore: 0.5 });
    expect(result).toMatchObject({ path: photo, file: `${photo}.xmp`, action: 'written' });
    expect(result?.added).toEqual(expect.arrayContaining(['café', '狗', 'tabby', tabbyPath]));
    // The user's own keywords are plain keywords; only the model's tag gets a path in Skiptag's branch.
    expect(await keywordsOf(`${photo}.xmp`)).toMatchObject({
      subject: ['café', '狗', 'tabby'],
      hierarchical: [tabbyPath],
      tagsList: [tabbyPath.split('|').join('/')],
    });
    expect(tabbyPath).toMatch(/^Skiptag\|.*tabby$/);
    expect((await readFile(photo)).equals(before)).toBe(true);
    expect((await readdir(dir)).sort()).toEqual([
      'cat.jpg',
      'cat.jpg.xmp',
      'library.db',
      'library.db-shm',
      'library.db-wal',
    ]);
    expect(
      library
        .xmpWritten(id, 'sidecar')
        .map((k) => k.keyword)
        .sort(),
    ).toEqual(['café', 'tabby', '狗', tabbyPath].sort());

    const [again] = await writeTagsForImages(library, [id], { minScore: 0.5 });
    expect(again).toMatchObject({ action: 'unchanged', added: [], removed: [] });
  });

  it("merges into another tool's sidecar, keeps its keywords and metadata, and removes only its own on rejection", async () => {
    const photo = await jpeg('dog.jpg');
    const sidecar = `${photo}.xmp`;
    // "Another tool" (exiftool itself) wrote this sidecar first.
    await write(sidecar, {
      'XMP-dc:Subject': ['Paris', 'dog'],
      'XMP-lr:HierarchicalSubject': ['Places|France|Paris'],
      'XMP-dc:Title': 'Holiday',
      'XMP-xmp:Rating': 4,
    });
    const id = await addPhoto(photo, [
      ['dog', 'n02084071', 0.8],
      ['tabby', TABBY, 0.6],
    ]);
    library.setTagState([id], 'dog', 'accepted');

    const [first] = await writeTagsForImages(library, [id]);
    expect(first?.action).toBe('written');
    const merged = await keywordsOf(sidecar);
    expect(merged).toMatchObject({ subject: ['Paris', 'dog', 'tabby'], title: 'Holiday', rating: '4' });
    expect(merged.hierarchical).toEqual([
      'Places|France|Paris',
      expect.stringMatching(/^Skiptag\|.*dog$/),
      tabbyPath,
    ]);
    // 'dog' was there before Skiptag: not Skiptag's.
    expect(library.xmpWritten(id, 'sidecar').map((k) => k.keyword)).not.toContain('dog');

    library.setTagState([id], 'dog', 'rejected');
    library.setTagState([id], 'tabby', 'rejected');
    const [second] = await writeTagsForImages(library, [id]);
    expect(second?.removed).toEqual(expect.arrayContaining(['tabby', tabbyPath]));
    expect(await keywordsOf(sidecar)).toMatchObject({
      subject: ['Paris', 'dog'],
      hierarchical: ['Places|France|Paris'],
      tagsList: [],
      title: 'Holiday',
      rating: '4',
    });
    expect(library.xmpWritten(id, 'sidecar')).toEqual([]);
    expect(await readdir(dir)).not.toContainEqual(expect.stringMatching(/_original|skiptag-/));
  });

  it('changes nothing in a dry run, but says what it would do', async () => {
    const photo = await jpeg('dry.jpg');
    const id = await addPhoto(photo, [['tabby', TABBY, 0.9]]);
    const [fresh] = await writeTagsForImages(library, [id], { dryRun: true });
    expect(fresh).toMatchObject({
      action: 'written',
      reason: 'dry run',
      added: expect.arrayContaining(['tabby']),
    });
    expect(await readdir(dir)).not.toContain('dry.jpg.xmp');
    expect(library.xmpWritten(id)).toEqual([]);

    await writeTagsForImages(library, [id]);
    const written = await readFile(`${photo}.xmp`);
    library.setTagState([id], 'tabby', 'rejected');
    const [removal] = await writeTagsForImages(library, [id], { dryRun: true });
    expect(removal).toMatchObject({
      action: 'written',
      removed: expect.arrayContaining(['tabby', tabbyPath]),
    });
    expect((await readFile(`${photo}.xmp`)).equals(written)).toBe(true);
    expect(library.xmpWritten(id, 'sidecar')).toHaveLength(2);
  });

  it('skips a read-only sidecar, a missing photo, and a shared Adobe-style name; writes photo.xmp otherwise', async () => {
    const locked = await jpeg('locked.jpg');
    const lockedSidecar = path.join(dir, 'locked.xmp');
    await write(lockedSidecar, { 'XMP-dc:Subject': ['theirs'] });
    await chmod(lockedSidecar, 0o444);
    const lockedBytes = await readFile(lockedSidecar);
    const gone = await jpeg('gone.jpg');
    const adobe = await jpeg('adobe/IMG_1.jpg');
    const pair = await jpeg('pair/IMG_2.jpg');
    await copyFile(pair, path.join(dir, 'pair', 'IMG_2.png'));
    const ids = [];
    for (const file of [locked, gone, adobe, pair]) ids.push(await addPhoto(file, [['tabby', TABBY, 0.9]]));
    await rm(gone);

    const results = await writeTagsForImages(library, [...ids, 999], { naming: 'replace' });
    expect(results.map((r) => [r.action, r.reason])).toEqual([
      ['skipped', 'read-only: skipped'],
      ['skipped', 'missing'],
      ['written', undefined],
      ['skipped', expect.stringContaining('IMG_2.png')],
      ['skipped', 'not in the library'],
    ]);
    expect((await readFile(lockedSidecar)).equals(lockedBytes)).toBe(true);
    expect((await keywordsOf(path.join(dir, 'adobe', 'IMG_1.xmp'))).subject).toEqual(['tabby']);
    expect(await readdir(path.join(dir, 'pair'))).toEqual(['IMG_2.jpg', 'IMG_2.png']);
  });

  it('writes a real photo with its own XMP, keeping the sidecar separate', async () => {
    const photo = path.join(dir, 'real dog.jpg');
    await copyFile(path.join(PHOTOS, 'dog.jpg'), photo);
    const id = await addPhoto(photo, [['Labrador retriever', 'n02099712', 0.8]]);
    await writeFile(path.join(dir, 'notes.txt'), 'not a photo');
    const [result] = await writeTagsForImages(library, [id]);
    expect(result?.action).toBe('written');
    expect((await keywordsOf(`${photo}.xmp`)).subject).toEqual(['Labrador retriever']);
    expect((await readFile(photo)).equals(await readFile(path.join(PHOTOS, 'dog.jpg')))).toBe(true);
  });
});
