// Shape of the `skiptag doctor` report (engine): plain JSON-safe data, shown by the CLI and the app's settings screen.

import type { ProviderName } from '../classify/providers.js';

export interface SystemReport {
  platform: NodeJS.Platform;
  /** Kernel / OS release as Node reports it. */
  release: string;
  arch: string;
  cpuModel: string;
  /** Logical cores the OS reports. */
  cpuCores: number;
  /** Cores this process may use (cgroups, affinity): the default inference thread count. */
  usableCores: number;
  totalMemoryBytes: number;
}

export interface VersionsReport {
  skiptag: string | null;
  node: string;
  /** onnxruntime-common, i.e. the ONNX Runtime API version. */
  onnxruntime: string;
  onnxruntimeNode: string | null;
  sharp: string;
  libvips: string;
}

export interface BenchmarkReport {
  /** What was timed: 'resnet18' (synthetic weights, the real one's cost) or an installed model's name. */
  model: string;
  batch: number;
  inputSize: number;
  threads: number;
  images: number;
  seconds: number;
  imagesPerSecond: number;
}

export interface ProviderReport {
  provider: ProviderName;
  /** Shipped by onnxruntime-node for this platform, with its prerequisites present. */
  available: boolean;
  /** True only when a session was created on this provider and ran a batch. */
  loads: boolean;
  /** Why it is unavailable or failed to load; null when it loads. */
  error: string | null;
  benchmark: BenchmarkReport | null;
  /** Why there is no benchmark: skipped, or it failed. */
  benchmarkNote: string | null;
  /** CPU only: the same ResNet-18 quantized to int8 as `models quantize` does it (null: not measured). */
  int8Benchmark?: BenchmarkReport | null;
}

export interface LibraryReport {
  path: string;
  exists: boolean;
  sizeBytes: number | null;
  /** Size of the write-ahead log, when there is one. */
  walBytes: number | null;
  /** The schema version from the file header (the file is not opened, so nothing is migrated). */
  schemaVersion: number | null;
  error: string | null;
}

export interface ModelEntry {
  name: string;
  path: string;
  sizeBytes: number;
  source: 'imported' | 'catalog' | null;
  numClasses: number | null;
  inputSize: [number, number] | null;
  labels: string | null;
  /** The settings file exists but could not be used. */
  settingsError: string | null;
}

export interface ModelsReport {
  /** Installed and imported models (the configuration's models folder). */
  dir: string;
  dirExists: boolean;
  installed: ModelEntry[];
  /** Models bundled with the installation or the repository's models/ folder. */
  bundledDir: string;
  bundled: ModelEntry[];
  /** The model `skiptag tag` uses without --model, or null with the reason. */
  defaultModel: string | null;
  defaultModelError: string | null;
}

/** One installed model timed on one provider that loads. */
export interface ModelSpeed {
  /** The model's name, as --model takes it. */
  model: string;
  provider: ProviderName;
  /** Measured images/s; null when it could not be timed (see note). */
  imagesPerSecond: number | null;
  batch: number | null;
  note: string | null;
}

export interface DoctorReport {
  generatedAt: string;
  system: SystemReport;
  versions: VersionsReport;
  providers: ProviderReport[];
  library: LibraryReport;
  models: ModelsReport;
  /** Each installed model on each provider that loads, timed (empty when benchmarks are skipped). */
  modelSpeeds: ModelSpeed[];
  /** Without a working GPU: the int8 model to use or make, with measured speed and accuracy cost. */
  recommendation: string | null;
}
