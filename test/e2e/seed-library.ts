// Libraries for the end-to-end tests (test): real photo files, recorded through the library API as a ResNet run would leave them.
import { copyFile, lstat, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { Library } from '../../src-main/engine/library/library.js';
import type { SeenFile } from '../../src-main/engine/library/library-types.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SAMPLE_PHOTOS = path.join(ROOT, 'test', 'fixtures', 'photos');

type Prediction = [label: string, wnid: string, score: number];

async function seen(file: string): Promise<SeenFile> {
  const info = await lstat(file, { bigint: true });
  return {
    path: Buffer.from(file),
    display: file,
    size: Number(info.size),
    mtimeMs: Number(info.mtimeMs),
    devIno: `${info.dev}:${info.ino}`,
  };
}

/**
 * Each sample photo (in subfolders by year, as people keep them) with what ResNet-50 says about it: a
 * confident top class, a runner-up, and noise under 10% that the window hides. Real ImageNet labels and
 * wnids, so broader tags (dog → animal) come from the hierarchy. Dates taken are the photos' own EXIF.
 */
export const REVIEW_PHOTOS: Array<{
  file: string;
  folder: string;
  takenAt: string | null;
  predictions: Prediction[];
}> = [
  {
    file: 'dog.jpg',
    folder: '2014',
    takenAt: '2014-09-19T16:08:30',
    predictions: [
      ['Eskimo dog', 'n02109961', 0.55],
      ['malamute', 'n02110063', 0.31],
      ['mountain bike', 'n03792782', 0.08],
      ['Siberian husky', 'n02110185', 0.004],
    ],
  },
  {
    file: 'eagle.jpg',
    folder: '2013/summer',
    takenAt: '2013-07-19T21:57:42',
    predictions: [
      ['bald eagle', 'n01614925', 0.94],
      ['kite', 'n01608432', 0.05],
    ],
  },
  {
    file: 'horses.jpg',
    folder: '2013/spring',
    takenAt: '2013-04-13T15:02:50',
    predictions: [
      ['sorrel', 'n02389026', 0.81],
      ['ox', 'n02403003', 0.11],
      ['hartebeest', 'n02422106', 0.03],
    ],
  },
  {
    file: 'person.jpg',
    folder: '2013/spring',
    takenAt: '2013-04-13T14:59:36',
    predictions: [
      ['sorrel', 'n02389026', 0.42],
      ['cowboy boot', 'n03124043', 0.2],
      ['Eskimo dog', 'n02109961', 0.12],
      ['ski mask', 'n04229816', 0.002],
    ],
  },
  {
    file: 'kite.jpg',
    folder: '2010',
    takenAt: '2010-06-06T12:27:25',
    predictions: [
      ['parachute', 'n03888257', 0.46],
      ['seashore', 'n09428293', 0.3],
      ['sandbar', 'n09421951', 0.16],
      ['lakeside', 'n09332890', 0.04],
    ],
  },
  {
    file: 'giraffe.jpg',
    folder: 'zoo',
    takenAt: null,
    predictions: [
      ['zebra', 'n02391049', 0.66],
      ['impala', 'n02422699', 0.14],
      ['gazelle', 'n02423022', 0.09],
    ],
  },
  {
    file: 'scream.jpg',
    folder: 'zoo',
    takenAt: null,
    predictions: [
      ['cloak', 'n03045698', 0.36],
      ['poncho', 'n03980874', 0.22],
      ['chain mail', 'n03000247', 0.004],
    ],
  },
];

/** Files that fail, one per kind of failure the grid tells apart. */
export const FAILED_PHOTOS: Array<{ file: string; code: 'unsupported_format' | 'corrupt'; message: string }> =
  [
    {
      file: 'IMG_0042.heic',
      code: 'unsupported_format',
      message: 'HEIC/HEIF images are not supported; convert them to JPEG first',
    },
    { file: 'truncated.jpg', code: 'corrupt', message: 'premature end of JPEG image' },
  ];

/** Writes the photos under `dir` and records them in a library file; returns the folder added. */
export async function seedReviewLibrary(libraryFile: string, dir: string): Promise<{ folder: string }> {
  const library = Library.open(libraryFile);
  try {
    const folderRow = library.upsertFolder(Buffer.from(dir), dir, false);
    library.markFolderScanned(folderRow.id, '2026-01-01T00:00:00.000Z');
    const model = library.ensureModel('seeded-resnet50', 'resnet50-v2-7.onnx');
    for (const photo of REVIEW_PHOTOS) {
      const target = path.join(dir, photo.folder, photo.file);
      await mkdir(path.dirname(target), { recursive: true });
      await copyFile(path.join(SAMPLE_PHOTOS, photo.file), target);
      const { id } = library.insertImage(await seen(target), folderRow.id, 1);
      library.recordSuccess(id, {
        modelId: model,
        provider: 'cpu',
        classifiedAt: '2026-01-01T00:00:00.000Z',
        sha256: `seeded-${photo.file}`,
        size: 1,
        format: 'jpeg',
        width: 1,
        height: 1,
        takenAt: photo.takenAt,
        predictions: photo.predictions.map(([label, wnid, score], index) => ({ index, label, wnid, score })),
      });
    }
    for (const failed of FAILED_PHOTOS) {
      const target = path.join(dir, 'phone', failed.file);
      await mkdir(path.dirname(target), { recursive: true });
      await writeFile(target, failed.code === 'corrupt' ? Buffer.from([0xff, 0xd8, 0xff]) : 'ftypheic');
      const { id } = library.insertImage(await seen(target), folderRow.id, 1);
      library.recordFailure(id, { code: failed.code, message: failed.message }, 'error');
    }
    return { folder: dir };
  } finally {
    library.close();
  }
}

/**
 * `count` photos, each a tiny JPEG file of its own (copies of a few hundred distinct pictures: every one
 * has its own path, id and thumbnail URL, as in a real library), tagged with colours at varied scores.
 */
export async function seedManyPhotos(libraryFile: string, dir: string, count: number): Promise<number[]> {
  const sources = path.join(dir, '.sources');
  await mkdir(sources, { recursive: true });
  const distinct = 250;
  for (let i = 0; i < distinct; i++) {
    const background = { r: (i * 53) % 256, g: (i * 97) % 256, b: (i * 151) % 256 };
    // Larger than a grid thumbnail (256 px), so each renders at the real thumbnail size, as a camera's would.
    await sharp({
      create: {
        width: 400,
        height: 300,
        channels: 3,
        background,
        noise: { type: 'gaussian', mean: 0, sigma: 12 },
      },
    })
      .jpeg({ quality: 70 })
      .toFile(path.join(sources, `${i}.jpg`));
  }
  const colours = ['red', 'green', 'blue', 'yellow', 'grey', 'brown'];
  const library = Library.open(libraryFile);
  const ids: number[] = [];
  try {
    const folderRow = library.upsertFolder(Buffer.from(dir), dir, false);
    library.markFolderScanned(folderRow.id, '2026-01-01T00:00:00.000Z');
    const model = library.ensureModel('seeded-colours', 'colours.onnx');
    const files: string[] = [];
    for (let i = 0; i < count; i++) {
      const file = path.join(dir, `photo-${String(i).padStart(5, '0')}.jpg`);
      await copyFile(path.join(sources, `${i % distinct}.jpg`), file);
      files.push(file);
    }
    const records = await Promise.all(files.map((file) => seen(file)));
    library.transaction(() => {
      records.forEach((record, i) => {
        const { id } = library.insertImage(record, folderRow.id, 1);
        ids.push(id);
        const first = colours[i % colours.length] ?? 'red';
        const second = colours[(i + 2) % colours.length] ?? 'blue';
        library.recordSuccess(id, {
          modelId: model,
          provider: 'cpu',
          classifiedAt: '2026-01-01T00:00:00.000Z',
          sha256: `many-${i}`,
          size: 1,
          format: 'jpeg',
          width: 400,
          height: 300,
          predictions: [
            { index: 0, label: first, wnid: '', score: 0.5 + ((i * 37) % 50) / 100 },
            { index: 1, label: second, wnid: '', score: ((i * 13) % 40) / 100 },
          ],
        });
      });
    });
  } finally {
    library.close();
  }
  return ids;
}
