// Scoring photos with the learned personal-tag classifiers (engine): calibrated scores, then the tag rules (threshold, alias, hide).

import { asInt8, type Embedding } from '../../shared/embedding-codec.js';
import type { Library } from '../library/library.js';
import type { StoredClassifier } from '../library/personal-repo.js';
import { ruleForTag, type TaggingRules } from '../tagging/tag-rules.js';
import { calibrated } from './personal-trainer.js';

/**
 * Personal suggestions start at a calibrated 0.5 ("more likely than not"), not at the ImageNet default of
 * 0.1: a classifier learned from a handful of photos should speak only when fairly sure. A rules-file
 * threshold for the tag overrides it.
 */
export const PERSONAL_THRESHOLD = 0.5;

export class PersonalScorer {
  private constructor(
    readonly classifiers: readonly StoredClassifier[],
    private readonly rules: TaggingRules | null,
  ) {}

  /** The classifiers learned for `modelId` (none: scoring gives nothing). */
  static load(library: Library, modelId: number, rules: TaggingRules | null): PersonalScorer {
    return new PersonalScorer(library.personal.classifiers(modelId), rules);
  }

  get empty(): boolean {
    return this.classifiers.length === 0;
  }

  /** The calibrated score of every classifier for one stored embedding (rules not applied). */
  scores(embedding: Embedding): { tag: string; score: number }[] {
    const v = asInt8(embedding.vector);
    return this.classifiers
      .filter((c) => c.weights.length === v.length)
      .map((c) => {
        let dot = 0;
        for (let k = 0; k < v.length; k++) dot += (v[k] as number) * (c.weights[k] as number);
        return { tag: c.tag, score: calibrated(c, dot * embedding.scale + c.bias) };
      });
  }

  /** The personal tags to suggest for a photo: scores above the threshold, renamed or hidden by the rules. */
  suggest(embedding: Embedding): { tag: string; score: number }[] {
    const best = new Map<string, number>();
    for (const { tag, score } of this.scores(embedding)) {
      const rule = this.rules ? ruleForTag(this.rules.rules, tag) : {};
      if (rule.hide === true || score < (rule.threshold ?? PERSONAL_THRESHOLD)) continue;
      const name = rule.alias ?? tag;
      best.set(name, Math.max(best.get(name) ?? 0, score));
    }
    return [...best].map(([tag, score]) => ({ tag, score })).sort((a, b) => b.score - a.score);
  }
}
