// Machine and library versions for the doctor report (engine): OS, CPU, memory, Node, onnxruntime, sharp/libvips.

import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { findPackageRoot } from '../package-root.js';
import type { SystemReport, VersionsReport } from './doctor-report.js';

export function systemReport(): SystemReport {
  const cpus = os.cpus();
  return {
    platform: process.platform,
    release: os.release(),
    arch: process.arch,
    // Some virtual machines and containers report no CPU details at all.
    cpuModel: cpus[0]?.model.trim() || 'unknown',
    cpuCores: cpus.length,
    usableCores: os.availableParallelism(),
    totalMemoryBytes: os.totalmem(),
  };
}

export async function versionsReport(): Promise<VersionsReport> {
  return {
    skiptag: await skiptagVersion(),
    node: process.versions.node,
    onnxruntime: ort.env.versions.common,
    onnxruntimeNode: ort.env.versions.node ?? null,
    sharp: sharp.versions.sharp,
    libvips: sharp.versions.vips,
  };
}

async function skiptagVersion(): Promise<string | null> {
  try {
    const root = await findPackageRoot(import.meta.url);
    const pkg = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : null;
  } catch {
    // A repackaged app may not ship package.json where we look; the rest of the report still matters.
    return null;
  }
}
