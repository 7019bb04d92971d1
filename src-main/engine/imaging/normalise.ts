// Normalisation of a decoded RGB crop into the model's float CHW layout (engine process).

import type { Rgb } from './preprocess-spec.js';

/** Where a decoded (possibly smaller than the crop) HWC region goes inside the crop. */
export interface Placement {
  cropWidth: number;
  cropHeight: number;
  /** Size of the decoded region and its position inside the crop; the rest is zero-padded. */
  width: number;
  height: number;
  left: number;
  top: number;
}

/**
 * Writes ((x / 255) - mean) / std for every value of an 8-bit interleaved RGB region into `out` as planar
 * R, G, B planes of cropHeight × cropWidth starting at `offset`, i.e. straight into the batch tensor.
 * The division is folded into one multiply-add per value (scale = 1/(255·std), bias = -mean/std).
 */
export function writeNormalisedChw(
  rgb: Uint8Array,
  mean: Rgb,
  std: Rgb,
  out: Float32Array,
  offset: number,
  placement: Placement,
): void {
  const { cropWidth, cropHeight, width, height, left, top } = placement;
  const plane = cropWidth * cropHeight;
  const s0 = 1 / (255 * std[0]);
  const s1 = 1 / (255 * std[1]);
  const s2 = 1 / (255 * std[2]);
  const b0 = -mean[0] / std[0];
  const b1 = -mean[1] / std[1];
  const b2 = -mean[2] / std[2];
  const o0 = offset;
  const o1 = offset + plane;
  const o2 = offset + 2 * plane;

  if (width === cropWidth && height === cropHeight) {
    // The normal case: the region is the whole crop, so pixels are contiguous in both layouts.
    for (let i = 0, j = 0; i < plane; i++, j += 3) {
      out[o0 + i] = (rgb[j] as number) * s0 + b0;
      out[o1 + i] = (rgb[j + 1] as number) * s1 + b1;
      out[o2 + i] = (rgb[j + 2] as number) * s2 + b2;
    }
    return;
  }

  // Padded crop (custom specs only): padding is pixel value 0, as torchvision's CenterCrop fill.
  out.fill(b0, o0, o0 + plane);
  out.fill(b1, o1, o1 + plane);
  out.fill(b2, o2, o2 + plane);
  for (let y = 0; y < height; y++) {
    let i = (top + y) * cropWidth + left;
    let j = y * width * 3;
    for (let x = 0; x < width; x++, i++, j += 3) {
      out[o0 + i] = (rgb[j] as number) * s0 + b0;
      out[o1 + i] = (rgb[j + 1] as number) * s1 + b1;
      out[o2 + i] = (rgb[j + 2] as number) * s2 + b2;
    }
  }
}
