// Automatic retraining of personal tags in the service process: debounced after the user's decisions change or a tagging run ends.

import { learnPersonalTags, type LearnReport } from '../learning/learn-personal.js';
import type { Library } from '../library/library.js';
import type { ChangeBatcher } from './ui-events.js';

/**
 * Why a delay: a review session is bursts of accept/reject key presses; retraining after each would redo
 * the same work dozens of times. Training runs on the service's thread, in steps that let requests in
 * between (a tag trains in a fraction of a second; a whole training at 100,000 photos takes seconds, see
 * `npm run bench`), one training at a time, and only when the decisions or embeddings changed since the
 * last training (the library's fingerprint), so a poke with nothing new costs two small queries. Decisions
 * made during a training change the fingerprint, so another one follows.
 */
export const RETRAIN_DELAY_MS = 3000;

class Closed extends Error {}

export class PersonalLearner {
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  /** The training under way; a poke meanwhile asks for another one after it. */
  private running: Promise<LearnReport[]> | null = null;
  private again = false;

  constructor(
    private readonly library: Library,
    private readonly changes: ChangeBatcher,
    private readonly log: (message: string) => void,
    private readonly delayMs = RETRAIN_DELAY_MS,
  ) {}

  /** Decisions or embeddings may have changed: retrain once things are quiet for delayMs. */
  poke(): void {
    if (this.closed) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.runNow();
    }, this.delayMs);
    // A pending retrain never keeps the process alive on its own.
    this.timer.unref();
  }

  /** Retrains every model whose photos changed since its last training; returns the reports. */
  async runNow(): Promise<LearnReport[]> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.train();
    try {
      return await this.running;
    } finally {
      this.running = null;
      if (this.again && !this.closed) {
        this.again = false;
        void this.runNow();
      }
    }
  }

  private async train(): Promise<LearnReport[]> {
    const reports: LearnReport[] = [];
    if (this.closed || this.library.readOnly) return reports;
    const pause = async () => {
      await new Promise((resolve) => setImmediate(resolve));
      if (this.closed) throw new Closed();
    };
    for (const model of this.library.embeddings.models()) {
      try {
        const report = await learnPersonalTags(this.library, model.modelId, { pause });
        if (!report.trained) continue;
        reports.push(report);
        this.log(
          `personal tags: ${report.classifiers.length} learned on ${model.name} in ${report.trainSeconds.toFixed(2)} s`,
        );
      } catch (error) {
        if (error instanceof Closed) return reports;
        // A failed training leaves the previous classifiers in place; the next change tries again.
        this.log(`personal tags: training failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    if (reports.length > 0) {
      this.changes.anyImage();
      this.changes.flush();
    }
    return reports;
  }

  /** Stops retraining; resolves once a training under way has stopped at its next step. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running?.catch(() => undefined);
  }
}
