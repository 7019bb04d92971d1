// Resize and centre-crop arithmetic of torchvision's Resize + CenterCrop (engine process), kept bit-exact.

/** Python's round(): halves go to the even neighbour (round(0.5) == 0, round(1.5) == 2, round(-1.5) == -2). */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  // Math.round sends every half towards +∞; pull it back when that landed on an odd number.
  const even = Math.abs(x - Math.trunc(x)) === 0.5 && r % 2 !== 0 ? r - 1 : r;
  return even === 0 ? 0 : even; // no -0 from round(-0.5)
}

/**
 * torchvision Resize(shorter) for an int size: the shorter side becomes `shorter` and the longer side is
 * int(shorter * long / short) — Python's truncation of the float quotient, evaluated left to right as
 * torchvision does, so the same double rounding happens here.
 */
export function resizedSize(width: number, height: number, shorter: number): [width: number, height: number] {
  if (width <= height) {
    return [shorter, Math.trunc((shorter * height) / width)];
  }
  return [Math.trunc((shorter * width) / height), shorter];
}

/** torchvision CenterCrop offset along one axis: int(round((size - crop) / 2.0)). */
export function centreCropOffset(size: number, crop: number): number {
  return roundHalfEven((size - crop) / 2);
}

/** Which pixels of one axis of the resized image land where in the crop. */
export interface CropAxis {
  /** First resized pixel taken. */
  start: number;
  /** Number of resized pixels taken (== crop unless the image is smaller than the crop). */
  length: number;
  /** Zero (black) pixels before them in the crop; torchvision pads when the crop is bigger. */
  padBefore: number;
}

/**
 * CenterCrop along one axis. A crop bigger than the image cannot happen with 256 → 224 but can with custom
 * specs; torchvision then pads with zeros, (crop - size) // 2 before and the rest after, and crops at 0.
 */
export function cropAxis(size: number, crop: number): CropAxis {
  if (crop > size) {
    return { start: 0, length: size, padBefore: Math.floor((crop - size) / 2) };
  }
  return { start: centreCropOffset(size, crop), length: crop, padBefore: 0 };
}
