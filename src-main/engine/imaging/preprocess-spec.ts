// Preprocessing settings of a classifier (engine process): sizes and normalisation of the model's input.

export type Rgb = readonly [number, number, number];

export interface PreprocessSpec {
  /** Shorter side after resizing, before the centre crop (torchvision Resize(256)). */
  resizeShorter: number;
  /** Centre-crop size; equals the model's input H and W. */
  cropWidth: number;
  cropHeight: number;
  /** Per-channel mean and std applied as (x/255 - mean) / std, RGB order. */
  mean: Rgb;
  std: Rgb;
  /** Decoder pixel limit (width * height); larger images fail with too_large. */
  maxPixels: number;
}

/** ImageNet statistics used by the ONNX model zoo's ResNets (and torchvision). */
export const IMAGENET_MEAN: Rgb = [0.485, 0.456, 0.406];
export const IMAGENET_STD: Rgb = [0.229, 0.224, 0.225];

/**
 * 200 megapixels: above the largest consumer and medium-format cameras (~150 MP) yet far below
 * libvips' own default (~268 MP), so decompression bombs fail fast instead of exhausting memory.
 */
export const DEFAULT_MAX_PIXELS = 200_000_000;

/** The zoo's standard: shorter side 256, centre crop 224; other input sizes keep the 256/224 ratio. */
export function imagenetPreprocess(cropHeight = 224, cropWidth = cropHeight): PreprocessSpec {
  return {
    resizeShorter: Math.round((Math.min(cropHeight, cropWidth) * 256) / 224),
    cropWidth,
    cropHeight,
    mean: IMAGENET_MEAN,
    std: IMAGENET_STD,
    maxPixels: DEFAULT_MAX_PIXELS,
  };
}
