// Unit tests (engine process code) for the CSV export: RFC 4180 round trip, injection guard, BOM, numbers.

import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  CSV_COLUMNS,
  formatScore,
  isFormulaLike,
  joinList,
  neutraliseCsvCell,
  openCsvExport,
  splitList,
} from '../../src-main/engine/export/csv-export.js';
import type { FileResult } from '../../src-main/shared/results.js';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'skiptag-csv-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function result(overrides: Partial<FileResult> = {}): FileResult {
  return {
    path: '/photos/cat.jpg',
    status: 'ok',
    errorCode: null,
    errorMessage: null,
    predictions: [
      { index: 281, label: 'tabby', wnid: 'n02123045', score: 0.9123449 },
      { index: 282, label: 'tiger cat', wnid: 'n02123159', score: 0.05 },
      { index: 285, label: 'Egyptian cat', wnid: 'n02124075', score: 1e-7 },
    ],
    width: 4032,
    height: 3024,
    format: 'jpeg',
    bytes: 2_345_678,
    sha256: 'ab'.repeat(32),
    model: 'resnet50-v2-7.onnx',
    provider: 'cpu',
    classifiedAt: '2026-11-26T18:00:00.000Z',
    ...overrides,
  };
}

async function exportRows(
  results: FileResult[],
  bom = false,
  tags?: string[],
): Promise<{ raw: Buffer; rows: string[][] }> {
  const target = join(dir, 'out.csv');
  const csv = await openCsvExport(target, { bom });
  for (const r of results) await csv.write(r, tags);
  await csv.commit();
  const raw = await readFile(target);
  // Every line end is a record end here, as in a spreadsheet that splits rows on a lone CR or LF: the
  // same rows come back only if every cell holding one was quoted.
  const rows = parse(raw, {
    bom: true,
    relax_column_count: false,
    record_delimiter: ['\r\n', '\n', '\r'],
  }) as string[][];
  return { raw, rows };
}

const TRIGGERS = ['=', '+', '-', '@', '\t', '\r', '＝', '＋', '－', '＠'];

/** Text positions where a line starts (0, and after every CR or LF) whose first character is a trigger. */
function formulaLineStarts(text: string): number[] {
  const found: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const lineStart = i === 0 || text[i - 1] === '\r' || text[i - 1] === '\n';
    if (lineStart && TRIGGERS.includes(text.charAt(i))) found.push(i);
  }
  return found;
}

describe('neutraliseCsvCell', () => {
  it('prefixes formula triggers with a quote and leaves other cells alone', () => {
    for (const trigger of ['=', '+', '-', '@', '\t', '\r', '＝', '＋', '－', '＠']) {
      expect(neutraliseCsvCell(`${trigger}SUM(A1)`)).toBe(`'${trigger}SUM(A1)`);
    }
    expect(neutraliseCsvCell('')).toBe('');
    expect(neutraliseCsvCell('cat')).toBe('cat');
    expect(neutraliseCsvCell(' =1')).toBe(' =1');
    expect(neutraliseCsvCell("'=1")).toBe("'=1");
  });

  it('neutralises every line start inside a cell, not only the first', () => {
    expect(neutraliseCsvCell('a\n=2+5*CHAR(65)\nb.jpg')).toBe("a\n'=2+5*CHAR(65)\nb.jpg");
    expect(neutraliseCsvCell('x\r@SUM(1)\r\n-1')).toBe("x\r'@SUM(1)\r\n'-1");
    // A CR after an LF starts a line too (tools that split on LF alone), and so does what follows it.
    expect(neutraliseCsvCell('a\n\r=1')).toBe("a\n'\r'=1");
    expect(neutraliseCsvCell('a=b\nc-d')).toBe('a=b\nc-d');
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        const cell = neutraliseCsvCell(text);
        expect(formulaLineStarts(cell)).toEqual([]);
        // Only quotes are added.
        expect(cell.replaceAll("'", '')).toBe(text.replaceAll("'", ''));
      }),
    );
  });
});

describe('list cells', () => {
  it('escape the separator and the escape character, and split back into the same items', () => {
    expect(joinList(['tabby', 'cat'])).toBe('tabby;cat');
    expect(joinList(['salt; pepper', 'C:\\photos', 'x'])).toBe('salt\\; pepper;C:\\\\photos;x');
    expect(splitList('salt\\; pepper;C:\\\\photos;x')).toEqual(['salt; pepper', 'C:\\photos', 'x']);
    expect(splitList('')).toEqual([]);
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'binary', minLength: 1 })), (items) => {
        expect(splitList(joinList(items))).toEqual(items);
      }),
    );
  });
});

describe('formatScore', () => {
  it('uses at most 6 decimals, no trailing zeros, never exponent notation', () => {
    expect(formatScore(0.912345)).toBe('0.912345');
    expect(formatScore(0.9123449)).toBe('0.912345');
    expect(formatScore(0.5)).toBe('0.5');
    expect(formatScore(1)).toBe('1');
    expect(formatScore(0)).toBe('0');
    expect(formatScore(-0)).toBe('0');
    expect(formatScore(1e-7)).toBe('0');
    expect(formatScore(0.0000123)).toBe('0.000012');
    expect(formatScore(Number.NaN)).toBe('');
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1, noNaN: true }), (score) => {
        const text = formatScore(score);
        expect(text).toMatch(/^(0|1|0\.\d{0,5}[1-9])$/);
        expect(Math.abs(Number(text) - score)).toBeLessThanOrEqual(5e-7 + 1e-12);
      }),
    );
  });
});

describe('openCsvExport', () => {
  it('writes the exact header, CRLF records and formatted values', async () => {
    const { raw, rows } = await exportRows([result()], false, ['tabby', 'cat', 'animal']);
    const text = raw.toString('utf8');
    expect(text.startsWith(`${CSV_COLUMNS.join(',')}\r\n`)).toBe(true);
    expect(text.endsWith('\r\n')).toBe(true);
    expect(rows[0]).toEqual([
      'path',
      'status',
      'error_code',
      'error_message',
      'label',
      'wnid',
      'score',
      'labels',
      'wnids',
      'scores',
      'classified_at',
      'width',
      'height',
      'format',
      'bytes',
      'sha256',
      'model',
      'provider',
      'tags',
    ]);
    expect(rows[1]).toEqual([
      '/photos/cat.jpg',
      'ok',
      '',
      '',
      'tabby',
      'n02123045',
      '0.912345',
      'tabby;tiger cat;Egyptian cat',
      'n02123045;n02123159;n02124075',
      '0.912345;0.05;0',
      '2026-11-26T18:00:00.000Z',
      '4032',
      '3024',
      'jpeg',
      '2345678',
      'ab'.repeat(32),
      'resnet50-v2-7.onnx',
      'cpu',
      'tabby;cat;animal',
    ]);
  });

  it('leaves empty cells for errors and nulls', async () => {
    const { rows } = await exportRows([
      result({
        path: '/photos/broken.heic',
        status: 'error',
        errorCode: 'unsupported_format',
        errorMessage: 'HEIC is not supported',
        predictions: [],
        width: null,
        height: null,
        format: null,
      }),
    ]);
    expect(rows[1]?.slice(0, 15)).toEqual([
      '/photos/broken.heic',
      'error',
      'unsupported_format',
      'HEIC is not supported',
      '',
      '',
      '',
      '',
      '',
      '',
      '2026-11-26T18:00:00.000Z',
      '',
      '',
      '',
      '2345678',
    ]);
  });

  it('writes a BOM only when asked', async () => {
    const withBom = await exportRows([result()], true);
    expect([...withBom.raw.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(withBom.raw.subarray(3, 7).toString()).toBe('path');
    const without = await exportRows([result()], false);
    expect(without.raw.subarray(0, 4).toString()).toBe('path');
    expect(without.rows).toEqual(withBom.rows);
  });

  it('keeps the older file on abort', async () => {
    const target = join(dir, 'out.csv');
    await writeFile(target, 'old');
    const csv = await openCsvExport(target, { bom: true });
    await csv.write(result());
    await csv.abort();
    await expect(readFile(target, 'utf8')).resolves.toBe('old');
    await expect(readdir(dir)).resolves.toEqual(['out.csv']);
  });

  it('round-trips arbitrary text through csv-parse, neutralised and never formula-like', async () => {
    const special = fc.constantFrom(
      '"',
      ',',
      '\r',
      '\n',
      '\r\n',
      '\t',
      '=',
      '+',
      '-',
      '@',
      ';',
      '\\',
      "'",
      ' ',
    );
    const piece = fc.oneof(special, fc.string({ unit: 'binary', maxLength: 6 }), fc.string({ maxLength: 6 }));
    const text = fc.array(piece, { maxLength: 8 }).map((parts) => parts.join(''));
    // Names in lists (labels, tags) are never empty: labels files and tag names have no empty entries.
    const name = text.filter((t) => t !== '');
    const nullable = fc.option(text, { nil: null });
    const prediction = fc.record({
      index: fc.nat(999),
      label: name,
      wnid: name,
      score: fc.double({ min: 0, max: 1, noNaN: true }),
    });
    const fileResult = fc.record<FileResult>({
      path: text,
      status: fc.constantFrom('ok', 'error'),
      errorCode: fc.constantFrom(null, 'corrupt', 'internal'),
      errorMessage: nullable,
      predictions: fc.array(prediction, { maxLength: 3 }),
      width: fc.option(fc.nat(100_000), { nil: null }),
      height: fc.option(fc.nat(100_000), { nil: null }),
      format: nullable,
      bytes: fc.option(fc.maxSafeNat(), { nil: null }),
      sha256: nullable,
      model: text,
      provider: text,
      classifiedAt: text,
    });

    await fc.assert(
      fc.asyncProperty(
        fc.array(fileResult, { maxLength: 5 }),
        fc.array(name, { maxLength: 4 }),
        fc.boolean(),
        async (results, tags, bom) => {
          const { raw, rows } = await exportRows(results, bom, tags);
          expect(formulaLineStarts(raw.toString('utf8').replace(/^\uFEFF/, ''))).toEqual([]);
          expect(rows).toHaveLength(results.length + 1);
          expect(rows[0]).toEqual([...CSV_COLUMNS]);
          results.forEach((r, i) => {
            const row = rows[i + 1] ?? [];
            expect(row).toHaveLength(CSV_COLUMNS.length);
            const top = r.predictions[0];
            const expected: Record<string, string> = {
              path: r.path,
              error_message: r.errorMessage ?? '',
              label: top?.label ?? '',
              wnid: top?.wnid ?? '',
              labels: joinList(r.predictions.map((p) => p.label)),
              wnids: r.predictions.some((p) => p.wnid !== '')
                ? joinList(r.predictions.map((p) => p.wnid))
                : '',
              scores: r.predictions.map((p) => formatScore(p.score)).join(';'),
              classified_at: r.classifiedAt,
              width: r.width === null ? '' : String(r.width),
              bytes: r.bytes === null ? '' : String(r.bytes),
              format: r.format ?? '',
              sha256: r.sha256 ?? '',
              model: r.model,
              provider: r.provider,
              tags: joinList(tags),
            };
            for (const [column, value] of Object.entries(expected)) {
              expect(row[CSV_COLUMNS.indexOf(column as (typeof CSV_COLUMNS)[number])]).toBe(
                neutraliseCsvCell(value),
              );
            }
            for (const cell of row) {
              expect(isFormulaLike(cell)).toBe(false);
              expect(formulaLineStarts(cell)).toEqual([]);
            }
            // A list cell with no line starts to neutralise splits back into exactly the names written.
            const labels = row[CSV_COLUMNS.indexOf('labels')] ?? '';
            if (labels === joinList(r.predictions.map((p) => p.label))) {
              expect(splitList(labels)).toEqual(r.predictions.map((p) => p.label));
            }
          });
        },
      ),
      { numRuns: 150 },
    );
  });
});
