// CLI manners (test): closed pipes, escape sequences in names, a read-only library, write errors, broken models, leftovers, odd files.
import { spawn, spawnSync } from 'node:child_process';
import { chmod, copyFile, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Library } from '../../src-main/engine/library/library.js';
import { AppService } from '../../src-main/engine/service/app-service.js';
import { TEST_CRASH_MARKER_ENV } from '../../src-main/engine/worker/crash-injection.js';
import { writeColourModel, writeColourPhotos } from '../support/colour-photos.js';
import { writeHugeInputModel, writeNaNForDarkModel, writeNaNModel } from '../support/odd-models.js';
import { REPO_ROOT, runCli, SKIPTAG_BIN, type CliRun } from '../support/run-cli.js';
import { call } from '../support/service-calls.js';

type Row = Record<string, string>;
const readCsv = async (file: string) =>
  parse(await readFile(file, 'utf8'), { columns: true, bom: true }) as Row[];

let work: string;
let model: string;
let photos: string;
let runs = 0;

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'skiptag-manners-'));
  model = await writeColourModel(path.join(work, 'model'));
  photos = path.join(work, 'photos');
  await writeColourPhotos(photos);
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

async function scratch(): Promise<string> {
  runs += 1;
  const dir = path.join(work, `case-${runs}`);
  await mkdir(dir, { recursive: true });
  return dir;
}

/** The CLI run by bash, so a test can use a real pipe, ulimit or a terminal. */
function runShell(script: string, env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  const child = spawn('bash', ['-c', script], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      SKIPTAG_MODEL: '',
      SKIPTAG_LIBRARY: path.join(work, 'default-library.db'),
      SKIPTAG_MODELS_DIR: path.join(work, 'models'),
      SKIPTAG: `${process.execPath} ${SKIPTAG_BIN}`,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

const STACK_TRACE = /EPIPE|Unhandled|\n\s+at [\w.<>]+ \(|node:internal/;

describe('a closed pipe', () => {
  it.each([
    ['models list', 'models list'],
    ['--help', '--help'],
    ['status', 'status --library "$LIB"'],
    ['tag --no-library', 'tag "$PHOTOS" --no-library --model "$MODEL" -q'],
    ['tag with a library', 'tag "$PHOTOS" --library "$LIB" --model "$MODEL" -q'],
  ])('ends %s quietly when the reader has gone (| true)', async (_name, command) => {
    const dir = await scratch();
    // `true` exits without reading: every write of skiptag's meets a closed pipe.
    const run = await runShell(`$SKIPTAG ${command} | true; exit "\${PIPESTATUS[0]}"`, {
      LIB: path.join(dir, 'library.db'),
      PHOTOS: photos,
      MODEL: model,
    });
    expect(run.stderr).not.toMatch(STACK_TRACE);
    // 0, or 130 for a tagging run that stopped early (what it finished is kept, as on Ctrl-C).
    expect([0, 130], run.stderr).toContain(run.code);
  });
});

describe('file names with control characters', () => {
  const evil = 'evil\x1b]0;owned\x07\x1b[2J\u202e.jpg';

  it('are escaped on stderr and on a terminal, and kept exact for a pipe', async () => {
    const dir = await scratch();
    const folder = path.join(dir, 'names');
    await mkdir(folder);
    await writeFile(path.join(folder, evil), 'not a photo');
    await copyFile(path.join(photos, 'red-photo.jpg'), path.join(folder, 'two\nlines.jpg'));
    const piped = await runCli(['tag', folder, '--model', model, '--library', path.join(dir, 'l.db'), '-q']);
    expect(piped.code).toBe(1);
    // eslint-disable-next-line no-control-regex -- looking for the raw control characters is the point
    expect(piped.stderr).not.toMatch(/[\x07\x1b\u202e]/);
    expect(piped.stderr).toContain('evil\\x1b]0;owned\\x07\\x1b[2J\\u202e.jpg');
    // One line per photo on stdout, the name itself exact but for the line break.
    expect(piped.stdout.trim().split('\n')).toHaveLength(2);
    expect(piped.stdout).toContain(`${folder}/${evil}\terror corrupt`);
    expect(piped.stdout).toContain('two\\nlines.jpg\tred ');

    // On a terminal (script(1) gives the command a pseudo-terminal), stdout is escaped too.
    const tty = spawnSync(
      'script',
      [
        '-qec',
        `${process.execPath} ${SKIPTAG_BIN} tag ${folder} --model ${model} --no-library -q`,
        '/dev/null',
      ],
      { cwd: REPO_ROOT, encoding: 'utf8', env: { ...process.env, SKIPTAG_MODEL: '' } },
    );
    expect(tty.stdout).toContain('evil\\x1b]0;owned');
    // eslint-disable-next-line no-control-regex -- looking for the raw control characters is the point
    expect(tty.stdout).not.toMatch(/[\x07\u202e]|\x1b\]/);
  });
});

describe('a library on a read-only disk', () => {
  /** Runs the CLI as an unprivileged user when the tests run as root (root writes anywhere). */
  function runAsUser(args: string[]): Promise<CliRun> {
    const asRoot = process.getuid?.() === 0;
    const child = spawn(process.execPath, [SKIPTAG_BIN, ...args], {
      cwd: os.tmpdir(),
      env: {
        ...process.env,
        SKIPTAG_MODEL: '',
        HOME: os.tmpdir(),
        SKIPTAG_MODELS_DIR: path.join(work, 'models'),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(asRoot ? { uid: 65534, gid: 65534 } : {}),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    return new Promise((resolve) =>
      child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
    );
  }

  it.each([
    ['a read-only folder (no -shm can be made beside it)', true],
    ['a read-only file in a writable folder', false],
  ])(
    'status and export still work in %s; tag says it cannot write, plainly',
    async (_what, folderReadOnly) => {
      const dir = await scratch();
      const libDir = path.join(dir, 'lib');
      const library = path.join(libDir, 'library.db');
      const made = await runCli(['tag', photos, '--model', model, '--library', library, '-q']);
      expect(made.code, made.stderr).toBe(0);
      const out = path.join(dir, 'out');
      await mkdir(out);
      await chmod(out, 0o777);
      for (let at = dir; at !== path.dirname(work); at = path.dirname(at)) await chmod(at, 0o755);
      await chmod(library, 0o444);
      if (folderReadOnly) await chmod(libDir, 0o555);
      try {
        const status = await runAsUser(['status', '--library', library, '--json']);
        expect(status.code, status.stderr).toBe(0);
        expect((JSON.parse(status.stdout) as { byStatus: { ok: number } }).byStatus.ok).toBe(6);
        const csv = path.join(out, 'export.csv');
        const exported = await runAsUser(['export', '--library', library, '--csv', csv]);
        expect(exported.code, exported.stderr).toBe(0);
        expect(await readCsv(csv)).toHaveLength(6);
        const tag = await runAsUser(['tag', photos, '--model', model, '--library', library, '-q']);
        expect(tag.code).toBe(3);
        expect(tag.stderr).toMatch(/read-only|not writable/);
        expect(tag.stderr).not.toMatch(/ConnectionFailed|: 14\)|SQLITE_|UNKNOWN_SQLITE/);
      } finally {
        await chmod(libDir, 0o755);
        await chmod(library, 0o644);
      }
    },
  );
});

describe('write errors', () => {
  it('name the first failure (the file size limit here) instead of "an earlier write failed"', async () => {
    const dir = await scratch();
    const csv = path.join(dir, 'out.csv');
    // 8 blocks of 512 bytes: the CSV outgrows it; SIGXFSZ ignored so the write fails with EFBIG instead.
    const run = await runShell(
      `ulimit -f 8; trap '' XFSZ; exec $SKIPTAG tag "$PHOTOS" --no-library --model "$MODEL" --top-k 11 --csv "$CSV" -q`,
      { PHOTOS: path.join(work, 'many'), MODEL: model, CSV: csv },
    );
    expect(run.code, run.stderr).toBe(3);
    expect(run.stderr).toMatch(/EFBIG|file too large/);
    expect(run.stderr).not.toMatch(/an earlier write failed\b(?! \()/);
    expect(await readdir(dir)).toEqual([]);
  });

  it('say plainly that the disk is full (a real full disk, where this machine lets the test mount one)', async (ctx) => {
    const dir = await scratch();
    const disk = path.join(dir, 'disk');
    await mkdir(disk);
    if (spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', disk]).status !== 0) {
      ctx.skip(); // Needs root with mount rights (the development machines have them; CI containers may not).
      return;
    }
    try {
      const library = path.join(disk, 'library.db');
      const first = await runCli(['tag', photos, '--model', model, '--library', library, '-q']);
      expect(first.code, first.stderr).toBe(0);
      await writeFile(path.join(disk, 'filler'), Buffer.alloc(1024));
      for (let k = 0; ; k++) {
        try {
          await writeFile(path.join(disk, `fill-${k}`), Buffer.alloc(16 * 1024));
        } catch {
          break;
        }
      }
      const csv = await runCli([
        'tag',
        path.join(work, 'many'),
        '--model',
        model,
        '--no-library',
        '--csv',
        path.join(disk, 'out.csv'),
        '-q',
      ]);
      expect(csv.code).toBe(3);
      expect(csv.stderr).toMatch(/ENOSPC|no space left/);
      expect(csv.stderr).not.toMatch(/an earlier write failed\b(?! \()/);
      const tag = await runCli([
        'tag',
        path.join(work, 'many'),
        '--model',
        model,
        '--library',
        library,
        '-q',
      ]);
      expect(tag.code).toBe(3);
      expect(tag.stderr).toMatch(/is full/);
      expect(tag.stderr).not.toMatch(STACK_TRACE);
    } finally {
      spawnSync('umount', [disk]);
    }
  });

  beforeAll(async () => {
    // Over 64 KB of CSV: the writer's buffer is flushed (and fails) while rows are still coming, so the
    // commit at the end meets an earlier failure, the case where its reason used to get lost.
    const many = path.join(work, 'many');
    await mkdir(many, { recursive: true });
    for (let i = 0; i < 300; i++)
      await copyFile(path.join(photos, 'red-photo.jpg'), path.join(many, `red-${i}.jpg`));
  });
});

describe('models that misbehave', () => {
  it('a model whose scores are all NaN is an error (exit 3), and an older CSV and the library stay as they were', async () => {
    const dir = await scratch();
    const library = path.join(dir, 'library.db');
    const csv = path.join(dir, 'tags.csv');
    const good = await runCli(['tag', photos, '--model', model, '--library', library, '--csv', csv, '-q']);
    expect(good.code, good.stderr).toBe(0);
    const before = await readFile(csv);
    const nan = await writeNaNModel(path.join(dir, 'nan'));
    for (const extra of [['--library', library], ['--no-library']]) {
      const run = await runCli(['tag', photos, '--model', nan, '--csv', csv, '-q', ...extra]);
      expect(run.code, run.stderr).toBe(3);
      expect(run.stderr).toContain('model_output_invalid');
      expect(await readFile(csv)).toEqual(before);
    }
    const db = Library.open(library);
    try {
      expect(db.statusCounts().byStatus).toMatchObject({ ok: 6, error: 0 });
    } finally {
      db.close();
    }
  });

  it('a model with NaN scores for some photos: those rows are model_output_invalid errors, the rest are tagged', async () => {
    const dir = await scratch();
    const library = path.join(dir, 'library.db');
    const csv = path.join(dir, 'tags.csv');
    const odd = await writeNaNForDarkModel(path.join(dir, 'odd'));
    const run = await runCli(['tag', photos, '--model', odd, '--library', library, '--csv', csv, '-q']);
    expect(run.code, run.stderr).toBe(1);
    const rows = await readCsv(csv);
    const byName = new Map(rows.map((r) => [path.basename(r.path ?? ''), r]));
    expect(rows).toHaveLength(6);
    for (const dark of ['green-photo.png', 'blue-photo.webp', 'black-photo.webp']) {
      expect(byName.get(dark)).toMatchObject({
        status: 'error',
        error_code: 'model_output_invalid',
        label: '',
      });
    }
    for (const light of ['red-photo.jpg', 'yellow-photo.jpg', 'white-photo.png']) {
      expect(byName.get(light)?.status).toBe('ok');
    }
    // Not the photos' fault: they are not recorded as failed, and a working model tags them.
    const again = await runCli(['tag', photos, '--model', model, '--library', library, '-q']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/; 6 tagged/);
  });

  it('a model whose input is too large to hold is refused at once with a clear message', async () => {
    const dir = await scratch();
    const huge = await writeHugeInputModel(path.join(dir, 'huge'));
    const csv = path.join(dir, 'out.csv');
    const run = await runCli(['tag', photos, '--model', huge, '--no-library', '--csv', csv]);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('50000x50000 pixels');
    expect(run.stderr).not.toMatch(/Invalid typed array length/);
    expect(await readdir(dir)).toEqual(['huge']);
  });
});

describe('failed photos in the app', () => {
  it('are not read again to draw their thumbnail (the decoder already failed on them)', async () => {
    const dir = await scratch();
    const folder = path.join(dir, 'empty');
    await mkdir(folder);
    for (let i = 0; i < 3; i++) await writeFile(path.join(folder, `empty-${i}.jpg`), '');
    // Test-only fault injection: the render worker "crashes" on these files if it is ever asked to draw one.
    process.env[TEST_CRASH_MARKER_ENV] = 'render:empty-';
    const log: string[] = [];
    const service = new AppService({
      libraryFile: path.join(dir, 'library.db'),
      dataDir: dir,
      modelPath: model,
      models: { dir: path.join(dir, 'models'), catalogFile: null, mirror: null },
      urls: { thumb: (id) => `/thumb/${id}`, preview: (id) => `/preview/${id}` },
      prewarmThumbnails: false,
      onLog: (level, message) => log.push(`${level}: ${message}`),
    });
    try {
      await call(service, 'library:addFolders', { paths: [folder] });
      const deadline = Date.now() + 60_000;
      let items: { id: number; status: string }[] = [];
      while (Date.now() < deadline) {
        items = (await call(service, 'images:query', { filter: {}, offset: 0, limit: 10 })).items;
        if (items.length === 3 && items.every((i) => i.status === 'error')) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(items.map((i) => i.status)).toEqual(['error', 'error', 'error']);
      for (const item of items) {
        expect(await service.image(item.id, 'thumb')).toBeNull();
        expect(await service.image(item.id, 'preview')).toBeNull();
      }
      expect(log.filter((l) => /crash|thumbnail of/i.test(l))).toEqual([]);
    } finally {
      await service.close();
      Reflect.deleteProperty(process.env, TEST_CRASH_MARKER_ENV);
    }
  });
});

describe('leftovers and odd files', () => {
  it('removes the temporary output a killed run left behind, and only that', async () => {
    const dir = await scratch();
    const dead = spawnSync(process.execPath, ['-e', 'process.exit(0)']).pid;
    const stale = path.join(dir, `.tags.csv.${dead}.0123456789ab.tmp`);
    const live = path.join(dir, `.tags.csv.${process.pid}.abcdefabcdef.tmp`);
    await writeFile(stale, 'half a csv');
    await writeFile(live, 'being written');
    const run = await runCli([
      'tag',
      photos,
      '--model',
      model,
      '--no-library',
      '--csv',
      path.join(dir, 'tags.csv'),
      '-q',
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect((await readdir(dir)).sort()).toEqual([path.basename(live), 'tags.csv'].sort());
  });

  it('calls an SVG padded far past the first kilobytes unsupported_format, not corrupt', async () => {
    const dir = await scratch();
    const folder = path.join(dir, 'svg');
    await mkdir(folder);
    const svg =
      '<svg xmlns="http://www.w3.org/2000/svg" width="300" height="300"><rect width="300" height="300"/></svg>';
    const padding = `<!-- ${' '.repeat(20_000)} -->\n${'\n'.repeat(10_000)}`;
    await writeFile(path.join(folder, 'drawing.png'), `<?xml version="1.0"?>\n${padding}${svg}`);
    await writeFile(
      path.join(folder, 'doctype.jpg'),
      `<!DOCTYPE svg [ <!ENTITY x "${'y'.repeat(9000)}"> ]>${svg}`,
    );
    const csv = path.join(dir, 'out.csv');
    const run = await runCli(['tag', folder, '--model', model, '--no-library', '--csv', csv, '-q']);
    expect(run.code).toBe(1);
    const rows = await readCsv(csv);
    expect(rows.map((r) => r.error_code)).toEqual(['unsupported_format', 'unsupported_format']);
  });

  it('does not read failed files again on a rescan while they are unchanged', async () => {
    const dir = await scratch();
    const folder = path.join(dir, 'empty');
    await mkdir(folder);
    for (let i = 0; i < 40; i++) await writeFile(path.join(folder, `empty-${i}.jpg`), '');
    const library = path.join(dir, 'library.db');
    const first = await runCli(['tag', folder, '--model', model, '--library', library, '-q']);
    expect(first.code).toBe(1);
    expect(first.stderr).toContain('40 failed (corrupt 40)');
    const second = await runCli(['tag', folder, '--model', model, '--library', library, '-q']);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toContain('0 new, 0 changed, 40 unchanged; 0 tagged in');
    // Changed, it is tried again.
    await copyFile(path.join(photos, 'red-photo.jpg'), path.join(folder, 'empty-0.jpg'));
    const third = await runCli(['tag', folder, '--model', model, '--library', library, '-q']);
    expect(third.stderr).toContain('1 changed');
    expect(third.stderr).toMatch(/; 1 tagged/);
  });
});
