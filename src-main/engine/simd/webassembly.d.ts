// The part of the WebAssembly JavaScript API the SIMD kernels use (engine): Node has it, but TypeScript declares it only in the DOM libraries this project does not load.

declare namespace WebAssembly {
  // A compiled module is opaque: only handed to Instance.
  // eslint-disable-next-line @typescript-eslint/no-extraneous-class
  class Module {
    constructor(bytes: Uint8Array);
  }
  class Memory {
    constructor(descriptor: { initial: number; maximum?: number });
    readonly buffer: ArrayBuffer;
    grow(pages: number): number;
  }
  class Instance {
    constructor(module: Module, imports: Record<string, Record<string, unknown>>);
    readonly exports: Record<string, unknown>;
  }
}
