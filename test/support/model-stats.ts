// Parameter and operator counts read back from serialized ONNX bytes (test): checks that synthetic models have the intended shape.

import onnxProto from 'onnx-proto';

// CommonJS package: Node's ESM loader only exposes the default export.
const { onnx } = onnxProto;

// int64 fields decode as Long objects when the long package is installed, as plain numbers otherwise.
function elementCount(dims: readonly (number | { toNumber(): number })[] | null | undefined): number {
  return (dims ?? []).reduce<number>((n, d) => n * (typeof d === 'number' ? d : d.toNumber()), 1);
}

/**
 * Trainable parameters counted the way torchvision's sum(p.numel() for p in model.parameters()) does:
 * Conv weights and biases, BatchNormalization scale and bias (running statistics are buffers, not parameters),
 * Gemm weight and bias.
 */
export function countParameters(modelBytes: Uint8Array): number {
  const graph = onnx.ModelProto.decode(modelBytes).graph;
  if (!graph) throw new Error('model has no graph');
  const sizes = new Map((graph.initializer ?? []).map((t) => [t.name ?? '', elementCount(t.dims)]));
  const trainableInputs: Record<string, readonly number[]> = {
    Conv: [1, 2],
    BatchNormalization: [1, 2],
    Gemm: [1, 2],
  };
  let total = 0;
  for (const node of graph.node ?? []) {
    for (const index of trainableInputs[node.opType ?? ''] ?? []) {
      const name = node.input?.[index];
      if (name !== undefined) total += sizes.get(name) ?? 0;
    }
  }
  return total;
}

/** How many nodes of each op type the graph has. */
export function countOpTypes(modelBytes: Uint8Array): Record<string, number> {
  const graph = onnx.ModelProto.decode(modelBytes).graph;
  const counts: Record<string, number> = {};
  for (const node of graph?.node ?? []) {
    const op = node.opType ?? '';
    counts[op] = (counts[op] ?? 0) + 1;
  }
  return counts;
}
