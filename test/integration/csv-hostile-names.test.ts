// CSV from hostile names end to end (test): the built CLI tags and exports photos whose names, labels and keywords hold CR, LF, ";" and formulas.
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { ExifTool } from 'exiftool-vendored';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CSV_COLUMNS, splitList } from '../../src-main/engine/export/csv-export.js';
import { COLOUR_LABELS } from '../../src-main/engine/synth/colour-model.js';
import { writeColourModel, writeColourPhotos } from '../support/colour-photos.js';
import { runCli } from '../support/run-cli.js';

const TRIGGERS = ['=', '+', '-', '@', '\t', '\r', '＝', '＋', '－', '＠'];

/** Rows as a spreadsheet that ends a row at any CR or LF outside quotes would see them. */
function rowsOf(text: string): Record<string, string>[] {
  return parse(text, { columns: true, bom: true, record_delimiter: ['\r\n', '\n', '\r'] }) as Record<
    string,
    string
  >[];
}

/** Line starts (after any CR or LF, anywhere in the file) a spreadsheet could run as a formula. */
function formulaLines(text: string): string[] {
  return text
    .split(/\r\n|\r|\n/)
    .filter((line) => TRIGGERS.includes(line.charAt(0)))
    .map((line) => JSON.stringify(line));
}

// A file name with a formula on its own line, as a hostile folder may hold.
const EVIL_NAME = 'a\n=2+5*CHAR(65)\nb.jpg';
const SEMI_NAME = 'salt;pepper.jpg';
/** Keywords another tool wrote: a ";" inside one, a line break before a formula, a formula at the start. */
const KEYWORDS = ['salt; pepper', 'two\n=HYPERLINK("http://x")', '@SUM(1)'];

let work: string;
let photos: string;
let model: string;
let labelsFile: string;
let library: string;

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'skiptag-csv-hostile-'));
  model = await writeColourModel(path.join(work, 'model'));
  const colours = path.join(work, 'colours');
  await writeColourPhotos(colours);
  photos = path.join(work, 'photos');
  await mkdir(photos);
  await copyFile(path.join(colours, 'red-photo.jpg'), path.join(photos, EVIL_NAME));
  await copyFile(path.join(colours, 'red-photo.jpg'), path.join(photos, SEMI_NAME));
  const exiftool = new ExifTool({ maxProcs: 1 });
  try {
    await exiftool.write(path.join(photos, `${SEMI_NAME}.xmp`), { 'XMP-dc:Subject': KEYWORDS } as never);
  } finally {
    await exiftool.end();
  }
  // Labels (a JSON labels file may hold anything): the colour model's, with ";" and a formula line in "red".
  labelsFile = path.join(work, 'labels.json');
  await writeFile(
    labelsFile,
    JSON.stringify(COLOUR_LABELS.map((l) => (l === 'red' ? 'red; crimson\n-1+1' : l))),
  );
  library = path.join(work, 'library.db');
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('CSV cells with CR, LF, ";" and formulas', () => {
  it('tag --csv: one row per photo, every CR/LF cell quoted, every line start neutralised', async () => {
    const csv = path.join(work, 'tag.csv');
    const run = await runCli([
      'tag',
      photos,
      '--model',
      model,
      '--labels',
      labelsFile,
      '--library',
      library,
      '--csv',
      csv,
    ]);
    expect(run.code, run.stderr).toBe(0);
    const text = await readFile(csv, 'utf8');
    expect(formulaLines(text)).toEqual([]);
    const rows = rowsOf(text);
    expect(rows.map((r) => r.path).sort()).toEqual(
      [path.join(photos, "a\n'=2+5*CHAR(65)\nb.jpg"), path.join(photos, SEMI_NAME)].sort(),
    );
    for (const row of rows) {
      expect(Object.keys(row)).toEqual([...CSV_COLUMNS]);
      expect(row.status).toBe('ok');
      expect(row.label).toBe("red; crimson\n'-1+1");
      // The ";" inside the label is escaped: the list splits back into the five labels.
      const labels = splitList(row.labels ?? '');
      expect(labels).toHaveLength(5);
      expect(labels[0]).toBe("red; crimson\n'-1+1");
    }
  });

  it('export (wide and long): the keywords come back as exactly the cells written, ";" escaped', async () => {
    const wide = path.join(work, 'wide.csv');
    const long = path.join(work, 'long.csv');
    expect((await runCli(['export', '--csv', wide, '--library', library])).code).toBe(0);
    expect((await runCli(['export', '--csv', long, '--format', 'long', '--library', library])).code).toBe(0);

    const wideText = await readFile(wide, 'utf8');
    expect(formulaLines(wideText)).toEqual([]);
    const wideRows = rowsOf(wideText);
    expect(wideRows).toHaveLength(2);
    const semi = wideRows.find((r) => r.path === path.join(photos, SEMI_NAME));
    // The keywords other tools wrote are the user's accepted tags. Line starts are neutralised: the one
    // inside a keyword, and the cell's start when a keyword with a trigger happens to come first.
    const cellItems = (cell: string | undefined) =>
      splitList(cell ?? '').map((item, i) => (i === 0 ? item.replace(/^'(?=[=+\-@])/, '') : item));
    expect(cellItems(semi?.accepted_tags).sort()).toEqual(
      ['salt; pepper', 'two\n\'=HYPERLINK("http://x")', '@SUM(1)'].sort(),
    );
    expect(cellItems(semi?.tags)).toEqual(
      expect.arrayContaining(['salt; pepper', '@SUM(1)', "red; crimson\n'-1+1"]),
    );

    const longText = await readFile(long, 'utf8');
    expect(formulaLines(longText)).toEqual([]);
    const longRows = rowsOf(longText).filter((r) => r.path === path.join(photos, SEMI_NAME));
    expect(longRows.map((r) => r.label)).toEqual(
      expect.arrayContaining(['salt; pepper', 'two\n\'=HYPERLINK("http://x")', "'@SUM(1)"]),
    );
  });
});
