// Integration tests for reading keywords back (engine): other tools' keywords from sidecars and photos become user tags.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ExifTool } from 'exiftool-vendored';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { statSeen } from '../../src-main/engine/jobs/scan-decision.js';
import { Library } from '../../src-main/engine/library/library.js';
import { importExistingKeywords, readExistingKeywords } from '../../src-main/engine/xmp/read-keywords.js';
import { writeTagsForImages } from '../../src-main/engine/xmp/write-tags.js';

let exiftool: ExifTool;
/** exiftool.write with any tag names (its WriteTags type knows only some groups). */
const write = (file: string, tags: Record<string, unknown>, writeArgs: string[] = []) =>
  exiftool.write(file, tags, { writeArgs });
let dir: string;
let library: Library;
let photo: string;
let imageId: number;

beforeAll(() => {
  exiftool = new ExifTool({ maxProcs: 1 });
});
afterAll(async () => exiftool.end());
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'skiptag-xmp-read-'));
  library = Library.open(path.join(dir, 'library.db'));
  photo = path.join(dir, 'beach photo.jpg');
  await sharp({ create: { width: 8, height: 8, channels: 3, background: 'yellow' } })
    .jpeg()
    .toFile(photo);
  // Keywords other tools put in the photo and in both kinds of sidecar.
  await write(photo, { 'IPTC:Keywords': ['Paris'], 'XMP-dc:Subject': ['Urlaub', 'Paris'] }, [
    '-overwrite_original',
  ]);
  await write(`${photo}.xmp`, {
    'XMP-dc:Subject': ['beach', 'tabby'],
    'XMP-lr:HierarchicalSubject': ['Places|France|Nice', 'Skiptag|animal|cat|tabby'],
  });
  await write(path.join(dir, 'beach photo.xmp'), { 'XMP-digiKam:TagsList': ['People/Anna'] });
  const seen = await statSeen(Buffer.from(photo), photo);
  imageId = library.insertImage(seen, null, 1).id;
  library.recordSuccess(imageId, {
    modelId: library.ensureModel('m', 'm.onnx'),
    provider: 'cpu',
    classifiedAt: '2026-01-01T00:00:00.000Z',
    sha256: 'sha',
    size: seen.size,
    format: 'jpeg',
    width: 8,
    height: 8,
    predictions: [
      { index: 1, label: 'seashore', wnid: 'n09428293', score: 0.7 },
      { index: 2, label: 'tabby', wnid: 'n02123045', score: 0.2 },
    ],
  });
});
afterEach(async () => {
  library.close();
  await rm(dir, { recursive: true, force: true });
});

describe('reading existing keywords', () => {
  it("finds other tools' keywords in sidecars and the photo, but not Skiptag's own branch", async () => {
    const keywords = await readExistingKeywords(photo, { exiftool });
    expect(keywords.sort()).toEqual(['Anna', 'Nice', 'Paris', 'Urlaub', 'beach']);
    expect(await readExistingKeywords(path.join(dir, 'nothing.jpg'))).toEqual([]);
  });

  it('leaves out keywords Skiptag wrote, and imports the rest as accepted user tags without overriding a rejection', async () => {
    library.setTagState([imageId], 'seashore', 'accepted');
    library.setTagState([imageId], 'Paris', 'rejected');
    const [written] = await writeTagsForImages(library, [imageId]);
    expect(written?.added).toContain('seashore');

    const found = await importExistingKeywords(library, imageId, photo, exiftool);
    expect(found.sort()).toEqual(['Anna', 'Nice', 'Paris', 'Urlaub', 'beach']);
    const tags = Object.fromEntries(
      library.tagsForImage(imageId).map((t) => [t.tag, `${t.source}/${t.state}`]),
    );
    expect(tags).toEqual({
      Anna: 'user/accepted',
      Nice: 'user/accepted',
      Urlaub: 'user/accepted',
      beach: 'user/accepted',
      Paris: 'user/rejected',
      seashore: 'auto/accepted',
      tabby: 'auto/suggested',
    });
  });

  it('turns a suggestion another tool also chose into an accepted tag', async () => {
    await write(photo, { 'XMP-dc:Subject': ['tabby'] }, ['-overwrite_original']);
    // The sidecar's 'tabby' is a leaf of a Skiptag path (written by some Skiptag); the photo's is someone else's.
    const found = await importExistingKeywords(library, imageId, photo);
    expect(found).not.toContain('tabby');
    await rm(`${photo}.xmp`);
    expect(await importExistingKeywords(library, imageId, photo, exiftool)).toContain('tabby');
    expect(library.tagsForImage(imageId).find((t) => t.tag === 'tabby')).toEqual({
      tag: 'tabby',
      source: 'auto',
      state: 'accepted',
      score: 0.2,
    });
  });
});
