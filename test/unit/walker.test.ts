// Unit tests (engine): the input walker on fixture trees generated in the OS temp folder.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import {
  countInputs,
  walkInputs,
  type WalkItem,
  type WalkOptions,
} from '../../src-main/engine/scan/walker.js';

const base = fs.mkdtempSync(path.join(os.tmpdir(), 'skiptag-walker-'));
let root = '';
let caseNumber = 0;

beforeEach(() => {
  root = path.join(base, String(caseNumber++));
  fs.mkdirSync(root);
});

afterAll(() => {
  fs.rmSync(base, { recursive: true, force: true });
});

/** Creates files ("a/b.jpg") and folders ("a/") under the current case's root. */
function tree(...entries: string[]): void {
  for (const entry of entries) {
    const full = path.join(root, entry);
    if (entry.endsWith('/')) fs.mkdirSync(full, { recursive: true });
    else {
      fs.mkdirSync(path.dirname(full), { recursive: true });
      fs.writeFileSync(full, '');
    }
  }
}

function link(target: string, at: string): void {
  fs.symlinkSync(target, path.join(root, at));
}

async function collect(inputs: string[] = [root], options?: WalkOptions): Promise<WalkItem[]> {
  const items: WalkItem[] = [];
  for await (const item of walkInputs(inputs, options)) items.push(item);
  return items;
}

const rel = (display: string): string => path.relative(root, display);
const files = (items: WalkItem[]): string[] =>
  items.flatMap((i) => (i.kind === 'file' ? [rel(i.display)] : []));
const skips = (items: WalkItem[]): string[] =>
  items.flatMap((i) => (i.kind === 'skipped' ? [`${rel(i.display)}:${i.reason}`] : []));

/** chmod 000 does not stop root (CAP_DAC_OVERRIDE): probe instead of guessing from the uid. */
function chmodBlocksReads(): boolean {
  const probe = fs.mkdtempSync(path.join(os.tmpdir(), 'skiptag-probe-'));
  fs.chmodSync(probe, 0o000);
  try {
    fs.readdirSync(probe);
    return false;
  } catch {
    return true;
  } finally {
    fs.chmodSync(probe, 0o700);
    fs.rmdirSync(probe);
  }
}

describe('walkInputs', () => {
  it('recurses depth-first with entries in byte order', async () => {
    tree('b.jpg', 'a/z.png', 'a/b/c.jpg', 'A.jpg', '10.jpg', '9.jpg', 'a/b/d/e.webp', 'empty/');
    expect(files(await collect())).toEqual([
      '10.jpg',
      '9.jpg',
      'A.jpg',
      path.join('a', 'b', 'c.jpg'),
      path.join('a', 'b', 'd', 'e.webp'),
      path.join('a', 'z.png'),
      'b.jpg',
    ]);
  });

  it('yields photos and known-unsupported formats, skips everything else', async () => {
    tree('p.JPG', 'q.tiff', 'IMG.HEIC', 'raw.CR2', 'logo.svg', 'old.bmp', 'notes.txt', 'clip.mp4', 'noext');
    const items = await collect();
    expect(files(items)).toEqual(['IMG.HEIC', 'logo.svg', 'old.bmp', 'p.JPG', 'q.tiff', 'raw.CR2']);
    expect(skips(items)).toEqual(['clip.mp4:not_a_photo', 'noext:not_a_photo', 'notes.txt:not_a_photo']);
    expect(items.every((i) => i.kind !== 'file' || !i.explicit)).toBe(true);
  });

  it('skips hidden entries unless includeHidden, and system junk always', async () => {
    tree(
      '.hidden.jpg',
      '.dir/x.jpg',
      '._IMG.jpg',
      '.DS_Store',
      'ok.jpg',
      '@eaDir/ok.jpg/SYNOFILE_THUMB_XL.jpg',
    );
    tree('$RECYCLE.BIN/gone.jpg', '.Trash-1000/files/gone.jpg', 'sub/@EADIR/t.jpg');
    const hiddenOff = await collect();
    expect(files(hiddenOff)).toEqual(['ok.jpg']);
    expect(skips(hiddenOff)).toEqual([
      '$RECYCLE.BIN:system',
      '.DS_Store:hidden',
      '.Trash-1000:hidden',
      '._IMG.jpg:hidden',
      '.dir:hidden',
      '.hidden.jpg:hidden',
      '@eaDir:system',
      path.join('sub', '@EADIR') + ':system',
    ]);
    const hiddenOn = await collect([root], { includeHidden: true });
    expect(files(hiddenOn)).toEqual([path.join('.dir', 'x.jpg'), '.hidden.jpg', 'ok.jpg']);
    expect(skips(hiddenOn)).toContain('._IMG.jpg:system');
    expect(skips(hiddenOn)).toContain('.Trash-1000:system');
  });

  it('terminates on a symlink loop and yields each file once', async () => {
    tree('a.jpg', 'dir/b.jpg', 'dir/sub/c.jpg');
    link('..', 'dir/sub/up');
    link(root, 'dir/root');
    const items = await collect();
    expect(files(items)).toEqual(['a.jpg', path.join('dir', 'b.jpg'), path.join('dir', 'sub', 'c.jpg')]);
    expect(skips(items)).toEqual([
      path.join('dir', 'root') + ':already_visited',
      path.join('dir', 'sub', 'up') + ':already_visited',
    ]);
  });

  it('yields files of nested or repeated roots once, in either order', async () => {
    tree('a.jpg', 'sub/b.jpg');
    const sub = path.join(root, 'sub');
    expect(files(await collect([root, sub, root]))).toEqual(['a.jpg', path.join('sub', 'b.jpg')]);
    expect(files(await collect([sub, root]))).toEqual([path.join('sub', 'b.jpg'), 'a.jpg']);
  });

  it('yields a symlink to a file at the link path, once even when its target is walked too', async () => {
    tree('outside/real.jpg', 'in/m.jpg', 'in/zz.jpg');
    link(path.join(root, 'outside', 'real.jpg'), 'in/link.jpg');
    link('zz.jpg', 'in/a-first.jpg'); // sorts before its target
    link('m.jpg', 'in/z-last.jpg'); // sorts after its target
    link('m.jpg', 'in/latest'); // no extension: judged by the link's own name
    const items = await collect([path.join(root, 'in')]);
    // A link whose target the walk yields anyway is the duplicate: the real path wins.
    expect(files(items)).toEqual([
      path.join('in', 'link.jpg'),
      path.join('in', 'm.jpg'),
      path.join('in', 'zz.jpg'),
    ]);
    expect(skips(items)).toEqual([
      path.join('in', 'a-first.jpg') + ':duplicate',
      path.join('in', 'latest') + ':not_a_photo',
      path.join('in', 'z-last.jpg') + ':duplicate',
    ]);
    // The walk in "outside" must not yield real.jpg again: link.jpg already did.
    const both = await collect([path.join(root, 'in'), path.join(root, 'outside')]);
    expect(files(both).filter((f) => f.endsWith('real.jpg'))).toEqual([]);
    expect(skips(both)).toContain(path.join('outside', 'real.jpg') + ':duplicate');
  });

  it('skips symlinks when followSymlinks is false', async () => {
    tree('t/x.jpg', 'a.jpg');
    link('a.jpg', 'b.jpg');
    link('t', 'u');
    const items = await collect([root], { followSymlinks: false });
    expect(files(items)).toEqual(['a.jpg', path.join('t', 'x.jpg')]);
    expect(skips(items)).toEqual(['b.jpg:symlink_not_followed', 'u:symlink_not_followed']);
  });

  it('reports a broken symlink as path_error, in a folder and on the command line', async () => {
    link('nowhere.jpg', 'broken.jpg');
    link('self.jpg', 'self.jpg');
    const items = await collect();
    const errors = items.filter((i) => i.kind === 'error');
    expect(errors.map((e) => [rel(e.display), e.code, e.message])).toEqual([
      ['broken.jpg', 'path_error', `Broken symbolic link: ${path.join(root, 'broken.jpg')}`],
      ['self.jpg', 'path_error', `Too many levels of symbolic links: ${path.join(root, 'self.jpg')}`],
    ]);
    const [explicit] = await collect([path.join(root, 'broken.jpg')]);
    expect(explicit).toMatchObject({ kind: 'error', code: 'path_error' });
    expect(explicit?.kind === 'error' && explicit.message).toMatch(/^Broken symbolic link: /);
  });

  it.skipIf(process.platform !== 'linux')(
    'yields a non-UTF-8 file name as an openable Buffer path',
    async () => {
      const name = Buffer.from([0x66, 0xe9, 0x2e, 0x6a, 0x70, 0x67]); // "f\xe9.jpg"
      fs.mkdirSync(path.join(root, 'd'));
      const full = Buffer.concat([Buffer.from(path.join(root, 'd') + path.sep), name]);
      fs.writeFileSync(full, 'bytes');
      const items = await collect();
      expect(items).toHaveLength(1);
      const [item] = items;
      if (item?.kind !== 'file') throw new Error(`expected a file item, got ${JSON.stringify(item)}`);
      expect(Buffer.isBuffer(item.path)).toBe(true);
      expect(item.path.equals(full)).toBe(true);
      expect(fs.readFileSync(item.path, 'utf8')).toBe('bytes');
      expect(item.display).toBe(path.join(root, 'd', 'f\uFFFD.jpg'));
    },
  );

  const chmodWorks = chmodBlocksReads();
  it.skipIf(!chmodWorks)(
    `reports an unreadable folder and goes on${chmodWorks ? '' : ' (skipped: chmod 000 does not block this user, e.g. root)'}`,
    async () => {
      tree('a/x.jpg', 'b/y.jpg', 'c/z.jpg');
      fs.chmodSync(path.join(root, 'b'), 0o000);
      try {
        const items = await collect();
        expect(files(items)).toEqual([path.join('a', 'x.jpg'), path.join('c', 'z.jpg')]);
        const errors = items.filter((i) => i.kind === 'error');
        expect(errors).toMatchObject([{ code: 'unreadable', display: path.join(root, 'b') }]);
      } finally {
        fs.chmodSync(path.join(root, 'b'), 0o755);
      }
    },
  );

  it('always yields explicitly named files, whatever their name', async () => {
    tree('notes.txt', '.hidden.jpg', 'noext');
    const inputs = ['notes.txt', '.hidden.jpg', 'noext'].map((n) => path.join(root, n));
    const items = await collect(inputs);
    expect(items.map((i) => i.kind === 'file' && [rel(i.display), i.explicit])).toEqual([
      ['notes.txt', true],
      ['.hidden.jpg', true],
      ['noext', true],
    ]);
  });

  it('resolves relative inputs against the working directory', async () => {
    tree('r.jpg');
    const [item] = await collect([path.relative(process.cwd(), path.join(root, 'r.jpg'))]);
    expect(item).toMatchObject({ kind: 'file', display: path.join(root, 'r.jpg'), explicit: true });
  });

  it('dedupes a file named twice, or named and also inside a walked folder', async () => {
    tree('d/a.jpg', 'd/b.jpg', 'd/notes.txt');
    link(path.join('d', 'a.jpg'), 'alias.jpg');
    const a = path.join(root, 'd', 'a.jpg');
    const notes = path.join(root, 'd', 'notes.txt');
    const d = path.join(root, 'd');
    expect(files(await collect([a, a, path.join(root, 'alias.jpg')]))).toEqual([path.join('d', 'a.jpg')]);
    // Named first: the walk skips it. Named after: the walk already yielded it.
    expect(files(await collect([a, d]))).toEqual([path.join('d', 'a.jpg'), path.join('d', 'b.jpg')]);
    expect(files(await collect([d, a]))).toEqual([path.join('d', 'a.jpg'), path.join('d', 'b.jpg')]);
    // The walk skips notes.txt, so naming it still yields it.
    expect(files(await collect([d, notes]))).toEqual([
      path.join('d', 'a.jpg'),
      path.join('d', 'b.jpg'),
      path.join('d', 'notes.txt'),
    ]);
  });

  it('reports a missing input as path_error and goes on', async () => {
    tree('ok.jpg');
    const missing = path.join(root, 'missing.jpg');
    const items = await collect([missing, path.join(root, 'ok.jpg'), '']);
    expect(items).toEqual([
      {
        kind: 'error',
        path: Buffer.from(missing),
        display: missing,
        code: 'path_error',
        message: `No such file or directory: ${missing}`,
      },
      {
        kind: 'file',
        path: Buffer.from(path.join(root, 'ok.jpg')),
        display: path.join(root, 'ok.jpg'),
        explicit: true,
      },
      { kind: 'error', path: Buffer.alloc(0), display: '', code: 'path_error', message: 'Empty path' },
    ]);
  });

  it.skipIf(process.platform === 'win32')('never yields a FIFO, which would block the reader', async () => {
    tree('a.jpg');
    execFileSync('mkfifo', [path.join(root, 'pipe.jpg')]);
    const items = await collect();
    expect(files(items)).toEqual(['a.jpg']);
    expect(skips(items)).toEqual(['pipe.jpg:not_a_regular_file']);
    const [explicit] = await collect([path.join(root, 'pipe.jpg')]);
    expect(explicit).toMatchObject({ kind: 'error', code: 'path_error' });
  });

  it.skipIf(process.platform === 'win32')(
    'keeps names with comma, quotes, newline and leading = intact',
    async () => {
      const names = [
        'a,b.jpg',
        'say "hi".jpg',
        "it's.jpg",
        'two\nlines.jpg',
        '=SUM(A1).jpg',
        '+cmd.png',
        ' sp .jpg',
      ];
      tree(...names);
      const items = await collect();
      expect(files(items)).toEqual([...names].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y))));
      for (const item of items) if (item.kind === 'file') expect(fs.existsSync(item.path)).toBe(true);
    },
  );

  it('countInputs equals the number of file items', async () => {
    tree('a.jpg', 'b.txt', 'c/d.png', 'c/e.heic', '.h/x.jpg', 'f/g.jpg', 'named.txt');
    link('..', 'c/up');
    link('a.jpg', 'c/a-link.jpg');
    link('gone', 'c/broken.jpg');
    const inputs = [root, path.join(root, 'named.txt'), path.join(root, 'nope'), path.join(root, 'f')];
    for (const options of [{}, { includeHidden: true }, { followSymlinks: false }]) {
      const items = await collect(inputs, options);
      expect(await countInputs(inputs, options)).toBe(items.filter((i) => i.kind === 'file').length);
    }
    expect(await countInputs(inputs)).toBe(5);
  });

  it('stops with the abort reason between entries', async () => {
    tree('a.jpg', 'b.jpg', 'c.jpg');
    const controller = new AbortController();
    const seen: string[] = [];
    const run = async () => {
      for await (const item of walkInputs([root], { signal: controller.signal })) {
        seen.push(rel(item.display));
        controller.abort();
      }
    };
    await expect(run()).rejects.toMatchObject({ name: 'AbortError' });
    expect(seen).toEqual(['a.jpg']);
  });

  it('streams: folders are listed only when the walk reaches them', async () => {
    tree('a/1.jpg', 'b/1.jpg');
    const iterator = walkInputs([root])[Symbol.asyncIterator]();
    const first = await iterator.next();
    expect(first.value && rel(first.value.display)).toBe(path.join('a', '1.jpg'));
    tree('b/2.jpg'); // created after the walk started: seen only if b is listed lazily
    const rest: string[] = [];
    for (let next = await iterator.next(); !next.done; next = await iterator.next())
      rest.push(rel(next.value.display));
    expect(rest).toEqual([path.join('b', '1.jpg'), path.join('b', '2.jpg')]);
  });

  it('reports a folder that vanished mid-walk as vanished', async () => {
    tree('a/1.jpg', 'b/1.jpg');
    const items: WalkItem[] = [];
    for await (const item of walkInputs([root])) {
      items.push(item);
      if (items.length === 1) fs.rmSync(path.join(root, 'b'), { recursive: true });
    }
    expect(items[1]).toMatchObject({ kind: 'error', code: 'vanished', display: path.join(root, 'b') });
  });
});
