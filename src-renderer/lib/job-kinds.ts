// Job kinds (renderer): what a job from the service is doing, for its labels and units, and model errors.

/** tag: scanning and classifying photos; xmp: writing tags into files; model: downloading a model. */
export type JobKind = 'tag' | 'xmp' | 'model';

/**
 * The service names kinds freely ('tag', 'watch', 'xmp', 'model-install'…): anything about XMP or writing
 * tags is a write job, anything about models or downloads an install, the rest tags photos.
 */
export function jobKind(kind: string): JobKind {
  if (/xmp|write/i.test(kind)) return 'xmp';
  if (/model|install|download/i.test(kind)) return 'model';
  return 'tag';
}

/** A tagging job that failed because no model is installed (the engine's first-run message). */
export function isNoModelError(error: string | null | undefined): boolean {
  return typeof error === 'string' && /no model found|no models are installed/i.test(error);
}
