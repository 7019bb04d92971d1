// A watched folder deleted and made again (test): the watcher, `skiptag watch` and the app watch it again and tag what it holds.
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FolderWatcher } from '../../src-main/engine/scan/folder-watcher.js';
import { AppService } from '../../src-main/engine/service/app-service.js';
import { writeColourModel, writeColourPhotos } from '../support/colour-photos.js';
import { startCli } from '../support/run-cli.js';
import { call } from '../support/service-calls.js';

let work: string;
let model: string;
let source: string;

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'skiptag-rearm-'));
  model = await writeColourModel(path.join(work, 'model'));
  source = path.join(work, 'source');
  await writeColourPhotos(source);
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

async function until(what: string, probe: () => boolean | Promise<boolean>, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('FolderWatcher', () => {
  it('says when a watched folder goes and comes back, and reports files in it again', async () => {
    const folder = path.join(work, 'plain');
    await mkdir(folder);
    const watcher = new FolderWatcher({ stabilityMs: 200, pollIntervalMs: 50, rootCheckMs: 200 });
    const events: string[] = [];
    watcher.on('folder-gone', (f) => events.push(`gone ${f}`));
    watcher.on('folder-back', (f) => events.push(`back ${f}`));
    watcher.on('file-added', (f) => events.push(`added ${path.basename(f)}`));
    try {
      watcher.add(folder);
      await watcher.ready();
      await rm(folder, { recursive: true });
      await until('folder-gone', () => events.includes(`gone ${folder}`));
      expect(watcher.absentFolders).toEqual([folder]);
      await mkdir(folder);
      await until('folder-back', () => events.includes(`back ${folder}`));
      await copyFile(path.join(source, 'red-photo.jpg'), path.join(folder, 'after.jpg'));
      await until('the new photo', () => events.includes('added after.jpg'));
      expect(watcher.absentFolders).toEqual([]);
    } finally {
      await watcher.close();
    }
  });

  it('waits for a folder that is not there when added (an unplugged drive)', async () => {
    const folder = path.join(work, 'later');
    const watcher = new FolderWatcher({ stabilityMs: 200, pollIntervalMs: 50, rootCheckMs: 200 });
    const back: string[] = [];
    watcher.on('folder-back', (f) => back.push(f));
    try {
      watcher.add(folder);
      await watcher.ready();
      expect(watcher.absentFolders).toEqual([folder]);
      await mkdir(folder);
      await until('folder-back', () => back.includes(folder));
    } finally {
      await watcher.close();
    }
  });
});

describe('skiptag watch', () => {
  it('watches a folder again once it is deleted and made again, tags what it brings, and says so', async () => {
    const folder = path.join(work, 'cli');
    await mkdir(folder);
    await copyFile(path.join(source, 'red-photo.jpg'), path.join(folder, 'first.jpg'));
    const { child, done } = startCli([
      'watch',
      folder,
      '--model',
      model,
      '--library',
      path.join(work, 'cli-library.db'),
    ]);
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    try {
      await until('watching', () => /watching \//.test(stderr));
      expect(stdout).toMatch(/first\.jpg\tred /);
      await rm(folder, { recursive: true });
      await until('the gone message', () => stderr.includes(`watched folder ${folder} is gone`));
      // A sync tool or a remounted drive brings the folder back with photos already in it.
      await mkdir(folder);
      await copyFile(path.join(source, 'blue-photo.webp'), path.join(folder, 'second.webp'));
      await until('the back message', () => stderr.includes(`watched folder ${folder} is back`));
      await until('the photo in the folder that came back', () => /second\.webp\tblue /.test(stdout));
      // And it is watched again: a photo arriving now is tagged too.
      await copyFile(path.join(source, 'green-photo.png'), path.join(folder, 'third.png'));
      await until('a photo arriving after', () => /third\.png\tgreen /.test(stdout));
    } finally {
      child.kill('SIGTERM');
    }
    const run = await done;
    expect(run.code, run.stderr).toBe(0);
  });
});

describe('the app', () => {
  it('watches a folder again once it comes back, scans it, and logs it', async () => {
    const dir = path.join(work, 'app');
    const folder = path.join(work, 'app-photos');
    await mkdir(folder);
    await copyFile(path.join(source, 'red-photo.jpg'), path.join(folder, 'first.jpg'));
    const log: string[] = [];
    const service = new AppService({
      libraryFile: path.join(dir, 'library.db'),
      dataDir: dir,
      modelPath: model,
      models: { dir: path.join(dir, 'models'), catalogFile: null, mirror: null },
      workerOptions: { threads: 1, batchSize: 4 },
      urls: { thumb: (id) => `/thumb/${id}`, preview: (id) => `/preview/${id}` },
      watcher: { stabilityMs: 300, pollIntervalMs: 50, rootCheckMs: 200 },
      prewarmThumbnails: false,
      onLog: (level, message) => log.push(`${level}: ${message}`),
    });
    const photos = async () =>
      (await call(service, 'images:query', { filter: {}, offset: 0, limit: 100 })).items.map((i) =>
        path.basename(i.path),
      );
    try {
      await call(service, 'library:addFolders', { paths: [folder] });
      await service.watching();
      await until('the first photo', async () => (await photos()).includes('first.jpg'));
      await rm(folder, { recursive: true });
      await until('the gone warning', () =>
        log.some((l) => l.startsWith(`warn: watched folder ${folder} is gone`)),
      );
      await mkdir(folder);
      await copyFile(path.join(source, 'blue-photo.webp'), path.join(folder, 'second.webp'));
      await until('the back message', () => log.some((l) => l.includes(`watched folder ${folder} is back`)));
      await until('the photo in the folder that came back', async () =>
        (await photos()).includes('second.webp'),
      );
      // first.jpg went with the old folder: missing, out of the grid.
      expect((await photos()).sort()).toEqual(['second.webp']);
    } finally {
      await service.close();
    }
  });
});
