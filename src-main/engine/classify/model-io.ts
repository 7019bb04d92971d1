// Model input/output contract (engine): reads names and shapes from the session and checks it is an image classifier.

export class ModelError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ModelError';
  }
}

/** Metadata as onnxruntime reports it: dims are numbers, or strings for symbolic dims. */
export interface ValueMeta {
  name: string;
  isTensor: boolean;
  type?: string;
  shape?: readonly (number | string)[];
}

export interface ModelIo {
  inputName: string;
  outputName: string;
  /** Fixed batch size the model demands, or null when the batch dimension is dynamic. */
  fixedBatch: number | null;
  height: number;
  width: number;
  /** Number of classes K, or null when the model leaves it symbolic (learned at the first run). */
  numClasses: number | null;
}

const DEFAULT_SIDE = 224;
/**
 * The largest input side accepted. ImageNet classifiers take 224–600 pixels; a float image of 4096² is
 * already 200 MB, and a batch of them must fit in memory beside the decoder's buffers.
 */
export const MAX_INPUT_SIDE = 4096;

function fixedDim(dim: number | string | undefined): number | null {
  return typeof dim === 'number' && dim > 0 ? dim : null;
}

/** Accepts any classifier with a float [N,3,H,W] input and a float [N,K] output; explains what is wrong otherwise. */
export function describeModelIo(inputs: readonly ValueMeta[], outputs: readonly ValueMeta[]): ModelIo {
  const input = inputs[0];
  const output = outputs[0];
  if (!input || !output) throw new ModelError('model must have at least one input and one output');
  if (inputs.length !== 1) {
    throw new ModelError(
      `model has ${inputs.length} inputs (${inputs.map((i) => i.name).join(', ')}); expected one image input`,
    );
  }
  const inShape = input.shape ?? [];
  if (!input.isTensor || input.type !== 'float32' || inShape.length !== 4) {
    throw new ModelError(
      `model input "${input.name}" is ${input.type ?? 'non-tensor'} [${inShape.join(',')}]; expected float32 [N,3,H,W]`,
    );
  }
  const channels = fixedDim(inShape[1]);
  if (channels !== null && channels !== 3) {
    throw new ModelError(
      `model input "${input.name}" has ${channels} channels; expected 3 (RGB, NCHW layout)`,
    );
  }
  const outShape = output.shape ?? [];
  if (!output.isTensor || output.type !== 'float32' || outShape.length !== 2) {
    throw new ModelError(
      `model output "${output.name}" is ${output.type ?? 'non-tensor'} [${outShape.join(',')}]; expected float32 [N,K]`,
    );
  }
  const fixedBatch = fixedDim(inShape[0]);
  const height = fixedDim(inShape[2]) ?? DEFAULT_SIDE;
  const width = fixedDim(inShape[3]) ?? DEFAULT_SIDE;
  if (height > MAX_INPUT_SIDE || width > MAX_INPUT_SIDE) {
    const gigabytes = (3 * height * width * 4) / 1e9;
    throw new ModelError(
      `model input "${input.name}" is ${width}x${height} pixels: one image would need ${gigabytes.toFixed(1)} GB of memory; Skiptag accepts image inputs up to ${MAX_INPUT_SIDE}x${MAX_INPUT_SIDE}`,
    );
  }
  return {
    inputName: input.name,
    outputName: output.name,
    fixedBatch,
    height,
    width,
    numClasses: fixedDim(outShape[1]),
  };
}
