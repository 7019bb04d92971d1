// A tiny WebAssembly writer (engine): the few sections and instructions the SIMD kernels need, so they ship as readable TypeScript, not an opaque binary.

/** Value types. */
export const I32 = 0x7f;
export const F32 = 0x7d;
export const F64 = 0x7c;
export const V128 = 0x7b;

/** Unsigned LEB128 (sizes, indices, SIMD opcodes). */
export function uleb(value: number): number[] {
  const out: number[] = [];
  let v = value >>> 0;
  do {
    let byte = v & 0x7f;
    v >>>= 7;
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
  return out;
}

/** Signed LEB128 (i32.const). */
export function sleb(value: number): number[] {
  const out: number[] = [];
  let v = value | 0;
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    const done = (v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

function name(text: string): number[] {
  const bytes = [...Buffer.from(text, 'utf8')];
  return [...uleb(bytes.length), ...bytes];
}

function vector(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

/** Instructions, by their text-format names (only those used). */
export const op = {
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  if: [0x04, 0x40],
  end: [0x0b],
  br: (depth: number) => [0x0c, ...uleb(depth)],
  brIf: (depth: number) => [0x0d, ...uleb(depth)],
  call: (func: number) => [0x10, ...uleb(func)],
  get: (local: number) => [0x20, ...uleb(local)],
  set: (local: number) => [0x21, ...uleb(local)],
  tee: (local: number) => [0x22, ...uleb(local)],
  i32Const: (value: number) => [0x41, ...sleb(value)],
  i32Load: [0x28, 2, 0],
  i32Store: [0x36, 2, 0],
  i32GeU: [0x4f],
  i32LtU: [0x49],
  i32Add: [0x6a],
  f64Ne: [0x62],
  f32Add: [0x92],
  f32DemoteF64: [0xb6],
  f64PromoteF32: [0xbb],
  f64Const0: [0x44, 0, 0, 0, 0, 0, 0, 0, 0],
  // SIMD: prefix 0xfd, then the opcode as unsigned LEB128; memory operands 16-byte aligned (hint 2^4).
  v128Load: [0xfd, ...uleb(0x00), 4, 0],
  v128LoadAt: (offset: number) => [0xfd, ...uleb(0x00), 4, ...uleb(offset)],
  v128Store: [0xfd, ...uleb(0x0b), 4, 0],
  v128StoreAt: (offset: number) => [0xfd, ...uleb(0x0b), 4, ...uleb(offset)],
  v128Zero: [0xfd, ...uleb(0x0c), ...new Array<number>(16).fill(0)],
  f32x4Splat: [0xfd, ...uleb(0x13)],
  i32x4ExtractLane: (lane: number) => [0xfd, ...uleb(0x1b), lane],
  f32x4ExtractLane: (lane: number) => [0xfd, ...uleb(0x1f), lane],
  i16x8ExtendLowI8x16S: [0xfd, ...uleb(0x87)],
  i16x8ExtendHighI8x16S: [0xfd, ...uleb(0x88)],
  i32x4Add: [0xfd, ...uleb(0xae)],
  i32x4DotI16x8S: [0xfd, ...uleb(0xba)],
  f32x4Add: [0xfd, ...uleb(0xe4)],
  f32x4Mul: [0xfd, ...uleb(0xe6)],
};

export interface FunctionSpec {
  params: number[];
  results: number[];
  /** Extra locals after the parameters, in order. */
  locals: number[];
  body: number[][];
}

export interface ModuleSpec {
  /** Imported functions (env.<name>), indexed before the module's own. */
  imports: { name: string; params: number[]; results: number[] }[];
  /** Exported functions, indexed after the imports. */
  exports: { name: string; func: FunctionSpec }[];
}

/** A module that imports its memory as env.memory (the caller owns the bytes, so views never go stale). */
export function buildModule(spec: ModuleSpec): Uint8Array {
  const types = [
    ...spec.imports.map((i) => [
      0x60,
      ...vector(i.params.map((p) => [p])),
      ...vector(i.results.map((r) => [r])),
    ]),
    ...spec.exports.map((e) => [
      0x60,
      ...vector(e.func.params.map((p) => [p])),
      ...vector(e.func.results.map((r) => [r])),
    ]),
  ];
  const imports = [
    ...spec.imports.map((i, index) => [...name('env'), ...name(i.name), 0x00, ...uleb(index)]),
    // Memory: no declared minimum, no maximum; whatever the caller hands in.
    [...name('env'), ...name('memory'), 0x02, 0x00, 0x00],
  ];
  const functions = spec.exports.map((_, index) => uleb(spec.imports.length + index));
  const exports = spec.exports.map((e, index) => [
    ...name(e.name),
    0x00,
    ...uleb(spec.imports.length + index),
  ]);
  const code = spec.exports.map(({ func }) => {
    const locals = vector(func.locals.map((type) => [1, type]));
    const body = [...locals, ...func.body.flat(), 0x0b];
    return [...uleb(body.length), ...body];
  });
  return Uint8Array.from([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vector(types)),
    ...section(2, vector(imports)),
    ...section(3, vector(functions)),
    ...section(7, vector(exports)),
    ...section(10, vector(code)),
  ]);
}
