// Label resolution (engine): explicit file, `<model>.labels.*` sidecar, or ImageNet-1k when the model has 1000 classes.

import type { ClassLabel } from '../../shared/results.js';
import { IMAGENET_CLASS_COUNT, imagenetLabels, loadLabelFile } from './labels.js';
import { sidecarLabelsFile } from '../models/locate-model.js';

/**
 * The labels for a model with `numClasses` outputs (null: not declared by the model). Throws an Error
 * whose message is fit for the user when there are none or their count does not match the model.
 */
export async function resolveLabels(
  explicit: string | null,
  modelPath: string,
  numClasses: number | null,
): Promise<ClassLabel[]> {
  const file = explicit ?? sidecarLabelsFile(modelPath);
  const labels = file
    ? await loadLabelFile(file)
    : numClasses === IMAGENET_CLASS_COUNT || numClasses === null
      ? await imagenetLabels()
      : [];
  if (labels.length === 0) {
    throw new Error(
      `the model has ${numClasses} classes and no labels: put one class name per line in a labels file (e.g. ${modelPath.replace(/\.onnx$/i, '')}.labels.txt beside the model)`,
    );
  }
  if (numClasses !== null && labels.length !== numClasses) {
    throw new Error(`the model has ${numClasses} classes but ${file ?? 'the labels'} lists ${labels.length}`);
  }
  return labels;
}
