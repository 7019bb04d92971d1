// Folder tagging (engine): walks files and folders and feeds every photo found through the classification pipeline.

import { countInputs, walkInputs } from '../scan/walker.js';
import { classifyItems, type ClassifyOptions, type TagSummary } from './classify-items.js';

export type { ClassifyOptions, TagProgress, TagSummary, TraceEvent } from './classify-items.js';
export { classifyItems } from './classify-items.js';

export interface TagOptions extends ClassifyOptions {
  inputs: string[];
  includeHidden?: boolean;
}

/** Tags every photo under `inputs`; results arrive through onResult in input order. */
export function tagPhotos(options: TagOptions): Promise<TagSummary> {
  const walkOptions = {
    includeHidden: options.includeHidden ?? false,
    ...(options.signal ? { signal: options.signal } : {}),
  };
  // The counting pass runs beside the real walk so progress can show a total and an ETA early.
  const total = countInputs(options.inputs, walkOptions);
  total.catch(() => undefined);
  return classifyItems(walkInputs(options.inputs, walkOptions), options, total);
}
