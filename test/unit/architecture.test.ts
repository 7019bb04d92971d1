// Architecture rules (test): the import graph has no cycles and only points down the layers; SQL, SKIPTAG_* reads and message-text matching stay where they belong.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..', '..');

interface SourceFile {
  /** Repository-relative, with forward slashes. */
  file: string;
  text: string;
  /** Repository-relative files it imports (relative specifiers only). */
  imports: string[];
}

async function sources(dir: string, pattern: RegExp): Promise<SourceFile[]> {
  const names = (await readdir(path.join(ROOT, dir), { recursive: true })).filter((n) => pattern.test(n));
  const files: SourceFile[] = [];
  for (const name of names) {
    const file = path.posix.join(dir, name.split(path.sep).join('/'));
    const text = await readFile(path.join(ROOT, file), 'utf8');
    const imports: string[] = [];
    for (const match of text.matchAll(/(?:\bfrom|\bimport)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g)) {
      const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), match[1] ?? ''));
      imports.push(target.replace(/\.js$/, '.ts'));
    }
    files.push({ file, text, imports });
  }
  return files;
}

/**
 * Places where code decides something from the text of an error or a kind: a regex tested on an error,
 * message, reason or kind, or a string method on `.message` (directly or through a variable holding it).
 */
function messageMatching(text: string): string[] {
  const found: string[] = [];
  const suspect = String.raw`(?:error|err|message|msg|reason|kind)\w*`;
  const patterns = [
    new RegExp(String.raw`\/[^/\n]+\/[dgimsuy]*\.(?:test|exec)\(\s*(?:\w+\.)*${suspect}\s*\)`, 'gi'),
    /\.message\b\)?\.(?:match|test|includes|startsWith|endsWith|replace|replaceAll|indexOf|search)\(/g,
  ];
  const holders = [...text.matchAll(/(?:const|let|var)\s+(\w+)\s*=[^;\n]*\.message\b/g)].map((m) => m[1]);
  for (const name of holders) {
    patterns.push(
      new RegExp(
        String.raw`\b${name}\.(?:match|includes|startsWith|endsWith|replace|replaceAll|search)\(`,
        'g',
      ),
    );
  }
  for (const pattern of patterns) for (const match of text.matchAll(pattern)) found.push(match[0]);
  return found;
}

/** Which layer a file of src-main belongs to; imports may only point to a layer listed as allowed. */
function layerOf(file: string): string {
  const parts = file.split('/');
  if (parts[1] === 'shared') return 'shared';
  if (parts[1] === 'app') return 'app';
  if (parts[1] === 'cli') return 'cli';
  if (parts[1] === 'engine') {
    if (parts[2] === 'service') return 'service';
    if (parts[2] === 'library') return 'library';
    return 'engine';
  }
  return 'other';
}

/** The layers each layer may import from (itself included). */
const ALLOWED: Record<string, readonly string[]> = {
  shared: ['shared'],
  library: ['library', 'shared'],
  engine: ['engine', 'library', 'shared'],
  service: ['service', 'engine', 'library', 'shared'],
  cli: ['cli', 'engine', 'library', 'shared'],
  // Main may use a few engine helpers (thread-pool sizing) but never the service's internals.
  app: ['app', 'engine', 'shared'],
};

let main: SourceFile[];
let renderer: SourceFile[];

beforeAll(async () => {
  main = await sources('src-main', /\.(ts|js)$/);
  renderer = await sources('src-renderer', /\.(ts|svelte)$/);
});

function findCycles(graph: ReadonlyMap<string, readonly string[]>): string[] {
  const state = new Map<string, 'open' | 'done'>();
  const cycles: string[] = [];
  const visit = (file: string, trail: string[]) => {
    if (state.get(file) === 'done') return;
    if (state.get(file) === 'open') {
      cycles.push([...trail.slice(trail.indexOf(file)), file].join(' → '));
      return;
    }
    state.set(file, 'open');
    for (const next of graph.get(file) ?? []) if (graph.has(next)) visit(next, [...trail, file]);
    state.set(file, 'done');
  };
  for (const file of graph.keys()) visit(file, []);
  return cycles;
}

function layerViolations(files: readonly Pick<SourceFile, 'file' | 'imports'>[]): string[] {
  const wrong: string[] = [];
  for (const { file, imports } of files) {
    const from = layerOf(file);
    for (const target of imports) {
      if (!target.startsWith('src-main/')) continue;
      const to = layerOf(target);
      if (!(ALLOWED[from] ?? []).includes(to)) wrong.push(`${file} (${from}) → ${target} (${to})`);
    }
  }
  return wrong;
}

describe('the import graph of src-main', () => {
  it('is read whole (a parser that found nothing would pass everything below)', () => {
    expect(main.length).toBeGreaterThan(100);
    expect(main.reduce((n, f) => n + f.imports.length, 0)).toBeGreaterThan(300);
  });

  it('has no cycles', () => {
    expect(findCycles(new Map(main.map((f) => [f.file, f.imports])))).toEqual([]);
    // The check itself: a two-file loop is found.
    expect(
      findCycles(
        new Map([
          ['a', ['b']],
          ['b', ['a']],
        ]),
      ),
    ).toEqual(['a → b → a']);
  });

  it('only imports down the layers: shared ← library ← engine ← service, cli ← app', () => {
    expect(layerViolations(main)).toEqual([]);
    // The check itself: the upward imports the old tree had are refused.
    expect(
      layerViolations([
        {
          file: 'src-main/engine/worker/port-launcher.ts',
          imports: ['src-main/engine/service/host-protocol.ts'],
        },
        {
          file: 'src-main/shared/service-protocol.ts',
          imports: ['src-main/engine/service/service-errors.ts'],
        },
      ]),
    ).toHaveLength(2);
  });

  it('keeps Node and Electron out of shared/, and Electron out of the engine', () => {
    const offenders = main.filter(
      ({ file, text }) =>
        (layerOf(file) === 'shared' &&
          /from\s+['"](node:|fs|path|os|child_process|electron)['"/]/.test(text)) ||
        (file.startsWith('src-main/engine/') && /from\s+['"]electron['"]/.test(text)),
    );
    expect(offenders.map((f) => f.file)).toEqual([]);
  });
});

describe('ownership of concerns', () => {
  it('has SQL only in src-main/engine/library/', () => {
    const sql =
      /\b(SELECT\s[\s\S]{0,200}?\bFROM|INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|CREATE\s+(?:TABLE|INDEX)|PRAGMA\s+\w+)\b/;
    const offenders = main.filter(
      ({ file, text }) => !file.startsWith('src-main/engine/library/') && sql.test(text),
    );
    expect(offenders.map((f) => f.file)).toEqual([]);
  });

  it('reads SKIPTAG_* variables only in the configuration module', () => {
    // process.env.SKIPTAG_X, env.SKIPTAG_X, env['SKIPTAG_X'] are reads; "$SKIPTAG_X" in a help text is not.
    const offenders = main.filter(
      ({ file, text }) =>
        file !== 'src-main/engine/config.ts' && /(?:\.|\[\s*['"`])SKIPTAG_[A-Z_]+/.test(text),
    );
    expect(offenders.map((f) => f.file)).toEqual([]);
  });

  it('never matches error message text in the renderer: it branches on codes', () => {
    const offenders = renderer
      .filter(({ file }) => !file.endsWith('.test.ts'))
      .flatMap(({ file, text }) => messageMatching(text).map((snippet) => `${file}: ${snippet}`));
    expect(offenders).toEqual([]);
  });

  it('recognises the message matching the renderer used to do (the check can fail)', () => {
    // From src-renderer before error codes: lib/job-kinds.ts and lib/format.ts.
    expect(messageMatching('return /no model found|no models are installed/i.test(error);')).toHaveLength(1);
    expect(messageMatching("if (/xmp|write/i.test(kind)) return 'xmp';")).toHaveLength(1);
    const strip =
      "const raw = err instanceof Error ? err.message : String(err);\nreturn raw.replace(/^Error invoking/, '');";
    expect(messageMatching(strip)).toHaveLength(1);
    expect(messageMatching("if (error.message.includes('locked')) retry();")).toHaveLength(1);
    expect(messageMatching("if (error.code === 'library_busy') retry();")).toEqual([]);
  });

  it('calls window.skiptag only from the renderer’s API module', () => {
    const offenders = renderer.filter(
      ({ file, text }) =>
        file !== 'src-renderer/lib/api.ts' && !file.includes('test') && /window\.skiptag\b/.test(text),
    );
    expect(offenders.map((f) => f.file)).toEqual([]);
  });
});
