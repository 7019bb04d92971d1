// Independent pure-TypeScript ONNX interpreter for the synthetic models' ops, to cross-check onnxruntime (engine process).
import { decodeModel, type RefTensor } from './reference-model.js';
import {
  add,
  batchNormalization,
  conv,
  flatten,
  gemm,
  globalAveragePool,
  log,
  maxPool,
  relu,
  softmax,
  type Attributes,
} from './reference-ops.js';

export type { RefTensor } from './reference-model.js';

type Kernel = (inputs: (RefTensor | undefined)[], attrs: Attributes) => RefTensor;

function required(inputs: (RefTensor | undefined)[], index: number, op: string): RefTensor {
  const tensor = inputs[index];
  if (!tensor) throw new Error(`${op}: missing input ${index}`);
  return tensor;
}

const KERNELS: Record<string, Kernel> = {
  Conv: (i, a) => conv(required(i, 0, 'Conv'), required(i, 1, 'Conv'), i[2], a),
  BatchNormalization: (i, a) =>
    batchNormalization(
      required(i, 0, 'BatchNormalization'),
      [1, 2, 3, 4].map((k) => required(i, k, 'BatchNormalization')),
      a,
    ),
  Relu: (i) => relu(required(i, 0, 'Relu')),
  Add: (i) => add(required(i, 0, 'Add'), required(i, 1, 'Add')),
  MaxPool: (i, a) => maxPool(required(i, 0, 'MaxPool'), a),
  GlobalAveragePool: (i) => globalAveragePool(required(i, 0, 'GlobalAveragePool')),
  Flatten: (i, a) => flatten(required(i, 0, 'Flatten'), a),
  Gemm: (i, a) => gemm(required(i, 0, 'Gemm'), required(i, 1, 'Gemm'), i[2], a),
  Softmax: (i, a) => softmax(required(i, 0, 'Softmax'), a),
  Log: (i) => log(required(i, 0, 'Log')),
};

/** Evaluates the graph (single float input) node by node and returns its first output with dims. */
export function runReferenceTensor(
  modelBytes: Uint8Array,
  input: Float32Array,
  dims: readonly number[],
): RefTensor {
  const graph = decodeModel(modelBytes);
  const [graphInput, ...extra] = graph.inputs;
  if (!graphInput || extra.length > 0)
    throw new Error(`expected one graph input, got ${graph.inputs.length}`);
  if (graphInput.dims.length !== dims.length) {
    throw new Error(
      `input ${graphInput.name}: rank ${dims.length}, model declares ${graphInput.dims.length}`,
    );
  }
  graphInput.dims.forEach((declared, i) => {
    if (typeof declared === 'number' && declared !== dims[i]) {
      throw new Error(`input ${graphInput.name}: dim ${i} is ${dims[i]}, model declares ${declared}`);
    }
  });
  if (input.length !== dims.reduce((a, b) => a * b, 1))
    throw new Error('input length does not match its dims');

  const values = new Map<string, RefTensor>(graph.initializers);
  values.set(graphInput.name, { dims: [...dims], data: input });
  for (const node of graph.nodes) {
    const kernel = KERNELS[node.opType];
    if (!kernel) throw new Error(`node ${node.name}: unsupported op ${node.opType}`);
    const inputs = node.inputs.map((name) => {
      // An empty name marks an omitted optional input.
      if (name === '') return undefined;
      const value = values.get(name);
      if (!value)
        throw new Error(`node ${node.name}: input ${name} is not computed yet (graph not topological?)`);
      return value;
    });
    const [outputName] = node.outputs;
    if (outputName === undefined) throw new Error(`node ${node.name}: no output`);
    values.set(outputName, kernel(inputs, node.attributes));
  }
  const outputName = graph.outputs[0];
  const output = outputName === undefined ? undefined : values.get(outputName);
  if (!output) throw new Error('graph output was never computed');
  return output;
}

/** The graph's first output for one float input of the given dims (NCHW for the synthetic classifiers). */
export function runReference(
  modelBytes: Uint8Array,
  input: Float32Array,
  dims: readonly number[],
): Float32Array {
  return runReferenceTensor(modelBytes, input, dims).data;
}
