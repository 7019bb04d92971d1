// CLI console output tests (test): the tagging progress bar shows count, rate and ETA; non-terminals get no redraw codes.
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { escapeForTerminal } from '../../src-main/cli/cli-io.js';
import {
  createProgressReporter,
  describeProgress,
  describeResult,
  formatDuration,
  oneLine,
} from '../../src-main/cli/console-output.js';
import { errorResult } from '../../src-main/shared/results.js';
import type { TagProgress } from '../../src-main/engine/pipeline/classify-items.js';

function fakeStream(isTTY: boolean): { stream: NodeJS.WriteStream; text: () => string } {
  const pass = new PassThrough();
  let written = '';
  pass.on('data', (d: Buffer) => (written += d.toString()));
  Object.assign(pass, { isTTY, columns: 100 });
  return { stream: pass as unknown as NodeJS.WriteStream, text: () => written };
}

const progress: TagProgress = {
  done: 50,
  total: 200,
  ok: 48,
  failed: 2,
  skipped: 0,
  rate: 12.5,
  etaSeconds: 12,
  current: null,
};

describe('progress display', () => {
  it('describes count, total, rate, ETA and failures', () => {
    expect(describeProgress(progress)).toBe('50/200 photos (13/s, ETA 12s, 2 failed)');
    expect(describeProgress({ ...progress, total: null, etaSeconds: null, failed: 0, rate: 3.25 })).toBe(
      '50 photos (3.3/s)',
    );
  });

  it('draws a bar in place on a terminal and clears it at the end', async () => {
    const { stream, text } = fakeStream(true);
    const bar = createProgressReporter(stream, false);
    bar.update(progress);
    bar.finish();
    await new Promise((r) => setImmediate(r));
    expect(text()).toContain(
      '\r[##########------------------------------] 50/200 photos (13/s, ETA 12s, 2 failed)',
    );
    expect(text().endsWith('\r\x1b[2K')).toBe(true);
  });

  it('writes no terminal control codes when output is not a terminal, and nothing when quiet', async () => {
    const plain = fakeStream(false);
    const reporter = createProgressReporter(plain.stream, false);
    reporter.update(progress);
    reporter.finish();
    const quiet = fakeStream(true);
    createProgressReporter(quiet.stream, true).update(progress);
    await new Promise((r) => setImmediate(r));
    expect(plain.text()).not.toContain('\r');
    expect(plain.text()).not.toContain('\x1b');
    expect(quiet.text()).toBe('');
  });

  it('formats durations for people', () => {
    expect(formatDuration(5)).toBe('5s');
    expect(formatDuration(125)).toBe('2m05s');
    expect(formatDuration(3 * 3600 + 60 * 7)).toBe('3h07m');
  });
});

describe('text for people', () => {
  it('shows control characters escaped, keeping tabs, line breaks and every other character', () => {
    expect(escapeForTerminal('a\x1b]0;title\x07b\x1b[31mc\u202ed\x9be\x7f')).toBe(
      'a\\x1b]0;title\\x07b\\x1b[31mc\\u202ed\\x9be\\x7f',
    );
    expect(escapeForTerminal('path\tlabel 0.9\nnext: é 猫 🐈')).toBe('path\tlabel 0.9\nnext: é 猫 🐈');
  });

  it('keeps a result to one line whatever the file name holds', () => {
    const line = describeResult(
      errorResult({
        path: '/p/two\nlines\tand\rmore.jpg',
        code: 'corrupt',
        message: 'bad',
        model: 'm',
        provider: 'cpu',
      }),
    );
    expect(line).toBe('/p/two\\nlines\\tand\\rmore.jpg\terror corrupt: bad');
    expect(oneLine('a\nb')).toBe('a\\nb');
  });
});
