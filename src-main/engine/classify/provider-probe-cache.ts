// GPU probe cache (engine; worker process): which GPU providers failed to load here, remembered per driver and onnxruntime version.

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { readCacheFile, writeCacheFile } from '../cache/cache-file.js';
import type { ProviderName } from './providers.js';

/**
 * `--ep auto` tries every GPU provider before the CPU. On a machine without a usable GPU each failed try
 * costs a session load (and, for WebGPU, Dawn's adapter search) on every start. The failure is remembered
 * under a fingerprint of what could change the answer: the onnxruntime-node version, the OS build and
 * the GPU driver files (Vulkan ICDs, NVIDIA's driver version, the Vulkan loader). A week later it is tried
 * again anyway, for driver changes the fingerprint cannot see (e.g. on Windows). Successes are not cached:
 * a provider that loads is used, and that costs the same with or without the cache.
 */
interface ProbeAnswers {
  fingerprint: string;
  at: number;
  failed: Partial<Record<ProviderName, string>>;
}

const VERSION = 1;
const MAX_AGE_MS = 7 * 24 * 3600 * 1000;
export const PROVIDER_PROBE_CACHE_FILE = 'provider-probe.json';

function statKey(file: string): string {
  try {
    const s = statSync(file);
    return `${file}:${s.size}:${s.mtimeMs}`;
  } catch {
    return `${file}:-`;
  }
}

function ortVersion(): string {
  try {
    const require = createRequire(import.meta.url);
    return (require('onnxruntime-node/package.json') as { version: string }).version;
  } catch {
    return '?';
  }
}

/** Everything whose change may turn a failed GPU provider into a working one. */
export function probeFingerprint(): string {
  const parts = [ortVersion(), process.platform, process.arch, os.release()];
  for (const dir of ['/usr/share/vulkan/icd.d', '/etc/vulkan/icd.d', '/usr/local/share/vulkan/icd.d']) {
    if (!existsSync(dir)) continue;
    for (const name of safeList(dir)) parts.push(statKey(path.join(dir, name)));
  }
  for (const file of [
    '/usr/lib/x86_64-linux-gnu/libvulkan.so.1',
    '/usr/lib/aarch64-linux-gnu/libvulkan.so.1',
  ])
    parts.push(statKey(file));
  try {
    parts.push(readFileSync('/proc/driver/nvidia/version', 'utf8').split('\n')[0] ?? '');
  } catch {
    parts.push('no-nvidia');
  }
  return parts.join('|');
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
}

/** The GPU provider failures remembered in `cacheDir`, valid for this machine as it is now. */
export class ProviderProbeCache {
  private constructor(
    private readonly file: string,
    private readonly fingerprint: string,
    private failed: Partial<Record<ProviderName, string>>,
  ) {}

  static async load(cacheDir: string, fingerprint: string = probeFingerprint()): Promise<ProviderProbeCache> {
    const file = path.join(cacheDir, PROVIDER_PROBE_CACHE_FILE);
    const answers = await readCacheFile<ProbeAnswers>(file, VERSION);
    const valid =
      answers !== null &&
      answers.fingerprint === fingerprint &&
      typeof answers.at === 'number' &&
      Date.now() - answers.at < MAX_AGE_MS;
    return new ProviderProbeCache(file, fingerprint, valid ? { ...answers.failed } : {});
  }

  /** Why `provider` is not worth trying again, or null (the CPU is never skipped). */
  knownFailure(provider: ProviderName): string | null {
    if (provider === 'cpu') return null;
    const reason = this.failed[provider];
    return typeof reason === 'string' ? reason : null;
  }

  /** Remembers this start's GPU results: failures are kept, a provider that loaded is forgotten. */
  async record(
    attempts: readonly { provider: ProviderName; ok: boolean; error: string | null }[],
  ): Promise<void> {
    let changed = false;
    for (const attempt of attempts) {
      if (attempt.provider === 'cpu') continue;
      if (attempt.ok && attempt.provider in this.failed) {
        this.failed = Object.fromEntries(
          Object.entries(this.failed).filter(([provider]) => provider !== attempt.provider),
        );
        changed = true;
      } else if (!attempt.ok && attempt.error !== null && this.failed[attempt.provider] !== attempt.error) {
        this.failed[attempt.provider] = attempt.error;
        changed = true;
      }
    }
    if (!changed) return;
    const answers: ProbeAnswers = { fingerprint: this.fingerprint, at: Date.now(), failed: this.failed };
    await writeCacheFile(this.file, VERSION, answers);
  }
}
