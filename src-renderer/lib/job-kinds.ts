// Job kinds (renderer): how the window words and measures each kind of job, and which failures it explains itself.
import type { JobKind, JobSnapshotInfo } from '$contract';

/**
 * tag: scanning and classifying photos · xmp: writing tags into files · model: downloading a model ·
 * quantize: making an int8 copy of a model.
 */
export type JobGroup = 'tag' | 'xmp' | 'model' | 'quantize';

/** Every kind of the contract has its group: a new kind does not compile until it is placed here. */
const GROUPS: Record<JobKind, JobGroup> = {
  tag: 'tag',
  watch: 'tag',
  'xmp-write': 'xmp',
  'model-install': 'model',
  'model-quantize': 'quantize',
};

export function jobGroup(kind: JobKind): JobGroup {
  return GROUPS[kind];
}

/** A job that failed because there is no model to tag with: the first-run panel offers the download. */
export function failedForWantOfModel(job: JobSnapshotInfo): boolean {
  return job.state === 'failed' && job.error?.code === 'model_not_found';
}
