// Doctor store (renderer): which execution providers load on this machine and how fast, plus where data lives.
import type { DoctorReport } from '$contract';
import { skiptag } from '../api';
import { errorMessage } from '../format';

/** Seconds of benchmark per provider: long enough for a stable rate, short enough to wait for. */
export const BENCH_SECONDS = 2;

class DoctorStore {
  report = $state.raw<DoctorReport | null>(null);
  running = $state(false);
  error = $state<string | null>(null);

  async check(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.error = null;
    try {
      this.report = await skiptag().getDoctorReport({ benchSeconds: BENCH_SECONDS });
    } catch (err) {
      this.error = errorMessage(err);
    } finally {
      this.running = false;
    }
  }

  reset(): void {
    this.report = null;
    this.running = false;
    this.error = null;
  }
}

export const doctor = new DoctorStore();
