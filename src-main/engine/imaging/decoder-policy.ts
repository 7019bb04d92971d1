// Process-wide libvips loader restrictions for decoding untrusted photos (engine process).

import sharp from 'sharp';

/**
 * Loaders that must never see user files: vector/document renderers (librsvg, PDF) have a large attack surface
 * and nothing to do with photos. The sniffer already refuses SVG; this is the second lock. Blocking is global
 * to the process, which is right for the engine: it never loads these formats for any purpose.
 */
const BLOCKED_LOADERS = [
  'VipsForeignLoadSvg',
  'VipsForeignLoadPdf',
  'VipsForeignLoadMagick',
  'VipsForeignLoadOpenslide',
];

let applied = false;

export function applyDecoderPolicy(): void {
  if (applied) return;
  sharp.block({ operation: BLOCKED_LOADERS });
  applied = true;
}
