// Execution provider choices (shared): what settings and `--ep` offer, kept apart from the contract so the engine's provider code does not load zod.
// No Node or DOM imports.

/** What the user may ask for (settings, `--ep`); auto tries the GPU providers of the platform, then the CPU. */
export const EP_CHOICES = ['auto', 'cpu', 'webgpu', 'cuda', 'dml', 'coreml'] as const;

export type EpChoice = (typeof EP_CHOICES)[number];
