// Model install (engine): lock → download → verify size and SHA-256 → self-test → atomic move into the models folder.

import { mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { isProcessAlive } from '../process-alive.js';
import type { CatalogEntry } from './catalog.js';
import { DownloadError, type DownloadProgress, downloadVerified, type MinRate } from './download.js';
import { identifyModel } from './locate-model.js';
import { installedPath, partialPath } from './model-store.js';
import {
  describeSelfTestFailures,
  loadSelfTestSpec,
  runSelfTest,
  type SelfTestReport,
  type SelfTestSpec,
} from './self-test.js';

export type InstallStage = 'download' | 'self-test' | 'install';

export interface InstallOptions {
  /** The models folder (SkiptagConfig's models.dir). */
  dir: string;
  /** Fetch `<mirror>/<file name>` instead of the catalogue URL. */
  mirror?: string;
  onProgress?: (progress: DownloadProgress) => void;
  onStage?: (stage: InstallStage) => void;
  signal?: AbortSignal;
  stallTimeoutMs?: number;
  /** Give up on a trickle: default 1 KiB/s over a minute (DEFAULT_MIN_RATE). */
  minRate?: MinRate;
  fetchImpl?: typeof fetch;
  /** Reference photos to check the model on before installing it; default: the shipped ones; null: skip. */
  selfTest?: SelfTestSpec | null;
}

export interface InstallResult {
  id: string;
  path: string;
  bytes: number;
  sha256: string;
  /** Bytes reused from an earlier interrupted download. */
  resumedFrom: number;
  selfTest: SelfTestReport | null;
}

export class SelfTestFailedError extends Error {
  constructor(
    message: string,
    readonly report: SelfTestReport | null,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'SelfTestFailedError';
  }
}

/** The URL to fetch: the catalogue's, or the same file name under a mirror (a local cache, a company proxy). */
export function modelUrl(entry: CatalogEntry, mirror?: string): string {
  if (!mirror) return entry.url;
  let base: URL;
  try {
    base = new URL(mirror.endsWith('/') ? mirror : `${mirror}/`);
  } catch {
    throw new Error(`invalid mirror URL "${mirror}"`);
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') {
    throw new Error(`invalid mirror URL "${mirror}": only http and https are supported`);
  }
  return new URL(encodeURIComponent(entry.file), base).href;
}

/**
 * Installs a catalogue model as `<dir>/<id>.onnx`. Nothing appears there unless its size and SHA-256 match
 * the catalogue and the self-test passed: the file is completed and checked as `.partial/<id>.onnx.part`,
 * then renamed within the same file system (atomic) and the folder fsync'd.
 */
export async function installModel(entry: CatalogEntry, options: InstallOptions): Promise<InstallResult> {
  const { dir } = options;
  const target = installedPath(entry.id, dir);
  const part = partialPath(entry.id, dir);
  const url = modelUrl(entry, options.mirror);
  await mkdir(path.dirname(part), { recursive: true });
  const release = await acquireInstallLock(`${part}.lock`, entry.id);
  try {
    options.onStage?.('download');
    const download = await downloadVerified({
      url,
      partPath: part,
      expectedBytes: entry.bytes,
      expectedSha256: entry.sha256,
      onProgress: options.onProgress,
      signal: options.signal,
      stallTimeoutMs: options.stallTimeoutMs,
      minRate: options.minRate,
      fetchImpl: options.fetchImpl,
    });
    let selfTest: SelfTestReport | null = null;
    const spec = options.selfTest === undefined ? await loadSelfTestSpec() : options.selfTest;
    if (spec) {
      options.onStage?.('self-test');
      selfTest = await selfTestOrDelete(part, spec);
    }
    options.onStage?.('install');
    await rename(part, target);
    await syncFolder(dir);
    return {
      id: entry.id,
      path: target,
      bytes: download.bytes,
      sha256: download.sha256,
      resumedFrom: download.resumedFrom,
      selfTest,
    };
  } finally {
    await release();
  }
}

/** Runs the self-test on the verified download; on failure deletes it, so a bad model is never installed. */
async function selfTestOrDelete(part: string, spec: SelfTestSpec): Promise<SelfTestReport> {
  let report: SelfTestReport;
  try {
    report = await runSelfTest(part, spec);
  } catch (error) {
    await rm(part, { force: true });
    throw new SelfTestFailedError(`self-test failed: ${(error as Error).message}`, null, { cause: error });
  }
  if (!report.passed) {
    await rm(part, { force: true });
    throw new SelfTestFailedError(`self-test failed:\n${describeSelfTestFailures(report)}`, report);
  }
  return report;
}

export interface VerifyResult {
  ok: boolean;
  bytes: number;
  sha256: string;
}

/** Re-hashes an installed file against its catalogue entry (a tampered or bit-rotted model is refused). */
export function verifyInstalled(entry: CatalogEntry, file: string): Promise<VerifyResult> {
  return verifyFile(file, entry.sha256, entry.bytes);
}

/** Re-hashes `file` against a known SHA-256 (and size, when known). */
export async function verifyFile(file: string, sha256: string, bytes?: number): Promise<VerifyResult> {
  const actual = await identifyModel(file);
  const { size } = await stat(file);
  return {
    ok: actual.sha256 === sha256 && (bytes === undefined || size === bytes),
    bytes: size,
    sha256: actual.sha256,
  };
}

/** A rename is only durable once its folder's entry is on disk; Windows cannot open folders, and needs no fsync. */
async function syncFolder(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * One process at a time may write a model's partial download (the CLI and the app may race):
 * takes `<lockPath>` exclusively, holding our pid. A lock left by a process that no longer exists
 * (a crash, kill -9) is taken over, so a crash never blocks installs for good. Returns the release function.
 */
async function acquireInstallLock(lockPath: string, what: string): Promise<() => Promise<void>> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(lockPath, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      return () => rm(lockPath, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = Number.parseInt(await readFile(lockPath, 'utf8').catch(() => ''), 10);
    // Our own pid counts as alive: it means a second install of the same model inside this process (the app).
    if (Number.isInteger(owner) && owner > 0 && isProcessAlive(owner)) {
      throw new DownloadError('busy', `${what} is already being installed by process ${owner}`, true);
    }
    await rm(lockPath, { force: true });
  }
  throw new DownloadError('busy', `cannot lock ${lockPath}: another install keeps taking it`, true);
}

export { DownloadError };
