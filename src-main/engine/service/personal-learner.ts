// Automatic retraining of personal tags in the service process: debounced after the user's decisions change or a tagging run ends.

import { learnPersonalTags, type LearnReport } from '../learning/learn-personal.js';
import type { Library } from '../library/library.js';
import type { ChangeBatcher } from './ui-events.js';

/**
 * Why a delay: a review session is bursts of accept/reject key presses; retraining after each would redo
 * the same work dozens of times. Training runs on the service's thread (for a few thousand labelled photos
 * it takes well under a second; see `npm run bench`), and only when the decisions or embeddings changed
 * since the last training (the library's fingerprint), so a poke with nothing new costs two small queries.
 */
export const RETRAIN_DELAY_MS = 3000;

export class PersonalLearner {
  private timer: NodeJS.Timeout | null = null;
  private closed = false;

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
      this.runNow();
    }, this.delayMs);
    // A pending retrain never keeps the process alive on its own.
    this.timer.unref();
  }

  /** Retrains every model whose photos changed since its last training; returns the reports. */
  runNow(): LearnReport[] {
    const reports: LearnReport[] = [];
    if (this.closed || this.library.readOnly) return reports;
    for (const model of this.library.embeddings.models()) {
      try {
        const report = learnPersonalTags(this.library, model.modelId);
        if (!report.trained) continue;
        reports.push(report);
        this.log(
          `personal tags: ${report.classifiers.length} learned on ${model.name} in ${report.trainSeconds.toFixed(2)} s`,
        );
      } catch (error) {
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

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
