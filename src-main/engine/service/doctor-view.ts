// doctor:get (engine): `skiptag doctor`'s report, cut down to what the app's settings screen shows.

import type { DoctorReport } from '../../shared/contract.js';
import type { ProviderReport } from '../doctor/doctor-report.js';
import { runDoctor } from '../doctor/run-doctor.js';

/**
 * Runs the real checks: every provider loads a tiny ResNet, the ones that load are benchmarked on
 * ResNet-18 for `benchSeconds` each (0: no rates). The benchmark runs in this process and competes with a
 * tagging job that is running meanwhile, so its rate is then lower than the machine can do.
 */
export async function doctorView(
  libraryPath: string,
  modelsDir: string,
  benchSeconds: number,
): Promise<DoctorReport> {
  const report = await runDoctor({ libraryPath, modelsDir, benchSeconds });
  const { system, versions } = report;
  return {
    platform: `${system.platform} ${system.arch} (${system.cpuModel}, ${system.usableCores} cores)`,
    onnxruntime: versions.onnxruntimeNode ?? versions.onnxruntime,
    providers: report.providers.map((p) => ({
      provider: p.provider,
      available: p.available,
      loads: p.loads,
      imagesPerSecond: p.benchmark?.imagesPerSecond ?? null,
      reason: reasonFor(p, benchSeconds),
    })),
    libraryPath: report.library.path,
    modelsDir: report.models.dir,
  };
}

/** Why it is unusable; for one that loads, only why a requested benchmark gave no rate. */
function reasonFor(provider: ProviderReport, benchSeconds: number): string | null {
  if (provider.error !== null) return provider.error;
  if (!provider.loads) return provider.benchmarkNote;
  return provider.benchmark === null && benchSeconds > 0 ? provider.benchmarkNote : null;
}
