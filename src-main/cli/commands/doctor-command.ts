// `skiptag doctor` (CLI): runs the engine's checks and prints the report as text or JSON.

import { parseArgs } from 'node:util';
import type {
  DoctorReport,
  ModelEntry,
  ModelSpeed,
  ProviderReport,
} from '../../engine/doctor/doctor-report.js';
import { resolveConfig } from '../../engine/config.js';
import { DEFAULT_BENCH_SECONDS, runDoctor } from '../../engine/doctor/run-doctor.js';
import { type CliIo, escapeForTerminal, EXIT } from '../cli-io.js';
import { parseInteger } from '../parse-options.js';

export const DOCTOR_HELP = `Usage: skiptag doctor [--json] [--bench-seconds N] [--library FILE]

Checks this machine for Skiptag: system and library versions, which execution providers load
and run a model here (cpu, webgpu, cuda, dml, coreml) and how fast each runs a ResNet-18, the
library file and the installed models. Nothing is downloaded or changed.

Options:
  --json              print the report as JSON
  --bench-seconds N   seconds of benchmark per working provider, 0 to skip (default ${DEFAULT_BENCH_SECONDS})
  --library FILE      library to report on (default: $SKIPTAG_LIBRARY, else the OS data folder)
  -h, --help          show this help`;

export async function doctorCommand(args: string[], io: CliIo, env: NodeJS.ProcessEnv): Promise<number> {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      json: { type: 'boolean' },
      'bench-seconds': { type: 'string' },
      library: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    io.out(DOCTOR_HELP);
    return EXIT.ok;
  }
  const config = resolveConfig({ library: values.library }, env);
  const report = await runDoctor({
    libraryPath: config.libraryFile,
    modelsDir: config.models.dir,
    model: config.model,
    benchSeconds: parseInteger('bench-seconds', values['bench-seconds'], DEFAULT_BENCH_SECONDS, 0, 600),
    onProgress: (message) => io.err(message),
  });
  if (values.json) io.out(JSON.stringify(report, null, 2));
  else for (const line of formatReport(report)) io.out(line);
  return EXIT.ok;
}

/** The report as lines for a terminal. */
export function formatReport(report: DoctorReport): string[] {
  const { system, versions, library, models } = report;
  return [
    `Skiptag ${versions.skiptag ?? '(unknown version)'} — doctor, ${report.generatedAt}`,
    '',
    `System     ${system.platform} ${system.release} (${system.arch}), Node ${versions.node}`,
    `CPU        ${system.cpuModel}, ${system.cpuCores} logical cores (${system.usableCores} usable)`,
    `Memory     ${gigabytes(system.totalMemoryBytes)}`,
    `Runtime    onnxruntime-node ${versions.onnxruntimeNode ?? '?'} (ONNX Runtime ${versions.onnxruntime}), sharp ${versions.sharp} (libvips ${versions.libvips})`,
    '',
    'Execution providers',
    ...report.providers.map(formatProvider),
    '',
    `Library    ${library.path}`,
    `           ${formatLibrary(report)}`,
    '',
    `Models     ${models.dir}${models.dirExists ? '' : ' (not created yet)'}`,
    ...formatModels(models.installed),
    `Bundled    ${models.bundledDir}`,
    ...formatModels(models.bundled),
    '',
    models.defaultModel
      ? `Default model (without --model): ${models.defaultModel}`
      : `Default model: none. ${models.defaultModelError ?? ''}`,
    ...formatSpeeds(report.modelSpeeds),
    ...(report.recommendation ? ['', `Recommended: ${report.recommendation}`] : []),
  ];
}

function formatProvider(p: ProviderReport): string {
  const name = p.provider.padEnd(7);
  if (!p.loads) return `  ${name} ${p.available ? 'fails ' : 'n/a   '} ${p.error ?? ''}`;
  const bench = p.benchmark
    ? `${p.benchmark.imagesPerSecond.toFixed(1)} images/s (ResNet-18, batch ${p.benchmark.batch}, ${p.benchmark.threads} threads, ${p.benchmark.seconds.toFixed(1)}s)`
    : (p.benchmarkNote ?? '');
  const int8 = p.int8Benchmark
    ? `\n          int8: ${p.int8Benchmark.imagesPerSecond.toFixed(1)} images/s (the same ResNet-18 quantized, ${(p.int8Benchmark.imagesPerSecond / (p.benchmark?.imagesPerSecond ?? NaN)).toFixed(1)}x)`
    : '';
  return `  ${name} works  ${bench}${int8}`;
}

function formatSpeeds(speeds: readonly ModelSpeed[]): string[] {
  if (speeds.length === 0) return [];
  // Names are file names: a hostile one must not move the cursor or recolour the terminal.
  const names = speeds.map((s) => escapeForTerminal(s.model));
  const width = Math.max(...names.map((n) => n.length));
  return [
    '',
    'Model speeds (measured here; images/s)',
    ...speeds.map(
      (s, i) =>
        `  ${(names[i] ?? '').padEnd(width)}  ${s.provider.padEnd(7)} ${
          s.imagesPerSecond === null
            ? escapeForTerminal(s.note ?? '')
            : `${s.imagesPerSecond.toFixed(1)} (batch ${s.batch})`
        }`,
    ),
  ];
}

function formatLibrary({ library }: DoctorReport): string {
  if (!library.exists) return 'not created yet (the first "skiptag tag" creates it)';
  if (library.error) return `exists but cannot be read: ${library.error}`;
  const wal = library.walBytes ? `, ${megabytes(library.walBytes)} in the write-ahead log` : '';
  const version = library.schemaVersion === null ? 'empty' : `schema version ${library.schemaVersion}`;
  return `${megabytes(library.sizeBytes ?? 0)}${wal}, ${version}`;
}

function formatModels(entries: readonly ModelEntry[]): string[] {
  if (entries.length === 0) return ['           (no models)'];
  return entries.map((m) => {
    const facts = [
      megabytes(m.sizeBytes),
      m.source,
      m.numClasses === null ? null : `${m.numClasses} classes`,
      m.inputSize ? `${m.inputSize[0]}x${m.inputSize[1]}` : null,
      m.settingsError ? `settings problem: ${m.settingsError}` : null,
    ].filter((f) => f !== null);
    return `           ${m.name} (${facts.join(', ')})`;
  });
}

function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

function gigabytes(bytes: number): string {
  return `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
}
