// Finding a classifier's pooled features and exposing them as an extra graph output (worker process, before the session opens).
import onnxProto from 'onnx-proto';
import type { onnx as OnnxTypes } from 'onnx-proto';

// onnx-proto is CommonJS whose named export Node's ESM loader cannot see; the default import is the module object.
const { onnx } = onnxProto;

/** The tensor feeding the final classifier layer: what personal tags and similarity are computed from. */
export interface EmbeddingOutput {
  /** Name of the float tensor [N, D] in the graph. */
  name: string;
  /** D, when the layer's weight tells it; otherwise learned at the first run. */
  dim: number | null;
}

export type EmbeddingPlan =
  { ok: true; output: EmbeddingOutput; bytes: Uint8Array } | { ok: false; reason: string };

/** Ops that end a classifier on its pooled features: the linear layer, float or quantized. */
const LINEAR_OPS = new Set(['Gemm', 'MatMul', 'QGemm', 'QLinearMatMul', 'MatMulInteger', 'FusedMatMul']);
/**
 * Ops after the linear layer that keep it the final layer: a softmax or log head, a bias or temperature
 * applied separately, a clamp. Each maps the layer's output element by element (or row by row).
 */
const HEAD_OPS = new Set([
  'Softmax',
  'LogSoftmax',
  'Log',
  'Add',
  'Sub',
  'Mul',
  'Div',
  'Identity',
  'Sigmoid',
  'Clip',
  'Relu',
]);
/** Quantization steps between the float features and an int8 linear layer: the float tensor before them is wanted. */
const QUANT_OPS = new Set(['QuantizeLinear', 'DequantizeLinear', 'DynamicQuantizeLinear']);

/**
 * Plans the embedding output of a model: finds the input of its final linear layer (Gemm/MatMul after
 * global pooling — every zoo ResNet, fp32 or int8) and returns model bytes that also output it. Why one
 * graph and not a second model: classification and embedding then come from one inference.
 *
 * The edit appends a second `graph` field holding only the new output to the serialized model: protobuf
 * merges repeated occurrences of a message field (repeated fields concatenate), so onnxruntime reads the
 * original graph plus one output, without this process re-encoding 100 MB of weights.
 */
export function planEmbeddingOutput(modelBytes: Uint8Array): EmbeddingPlan {
  let model: OnnxTypes.ModelProto;
  try {
    model = onnx.ModelProto.decode(modelBytes);
  } catch (error) {
    return { ok: false, reason: `the model file could not be read as ONNX (${String(error)})` };
  }
  const found = findEmbeddingTensor(model.graph);
  if (!found.ok) return found;
  const outputs = new Set((model.graph?.output ?? []).map((o) => o.name));
  if (outputs.has(found.output.name)) return { ok: true, output: found.output, bytes: modelBytes };
  return { ok: true, output: found.output, bytes: appendGraphOutput(modelBytes, found.output) };
}

type Found = { ok: true; output: EmbeddingOutput } | { ok: false; reason: string };

function findEmbeddingTensor(graph: OnnxTypes.IGraphProto | null | undefined): Found {
  const first = graph?.output?.[0]?.name;
  if (!graph || !first) return { ok: false, reason: 'the model has no outputs' };
  const producers = new Map<string, OnnxTypes.INodeProto>();
  for (const node of graph.node ?? []) for (const out of node.output ?? []) producers.set(out, node);
  const initializers = new Map((graph.initializer ?? []).map((t) => [t.name ?? '', t]));
  const isConstant = (name: string) => initializers.has(name) || producers.get(name)?.opType === 'Constant';

  // Walk back from the class scores through the head to the linear layer.
  let node = producers.get(first);
  for (let steps = 0; node && HEAD_OPS.has(node.opType ?? '') && steps < 4; steps++) {
    const data = (node.input ?? []).find((name) => !isConstant(name));
    node = data === undefined ? undefined : producers.get(data);
  }
  if (!node || !LINEAR_OPS.has(node.opType ?? '')) {
    const op = node?.opType ?? 'nothing';
    return {
      ok: false,
      reason: `its class scores do not come from a final linear layer (Gemm/MatMul) but from ${op}`,
    };
  }
  const inputs = node.input ?? [];
  const dataIndex = inputs.findIndex((name) => name !== '' && !isConstant(name));
  let name = dataIndex >= 0 ? inputs[dataIndex] : undefined;
  if (name === undefined) return { ok: false, reason: 'its final layer has no data input' };
  // An int8 layer reads quantized features: the float tensor before the quantize step is the embedding.
  for (let steps = 0; steps < 4; steps++) {
    const producer = producers.get(name);
    if (!producer || !QUANT_OPS.has(producer.opType ?? '')) break;
    const source: string | undefined = producer.input?.[0];
    if (source === undefined) break;
    name = source;
  }
  return { ok: true, output: { name, dim: weightInputDim(node, initializers) } };
}

/** D from the layer's weight initializer: Gemm with transB stores [K, D], MatMul and Gemm without it [D, K]. */
function weightInputDim(
  node: OnnxTypes.INodeProto,
  initializers: Map<string, OnnxTypes.ITensorProto>,
): number | null {
  if (node.opType !== 'Gemm' && node.opType !== 'MatMul') return null;
  const weight = initializers.get(node.input?.[1] ?? '');
  const dims = (weight?.dims ?? []).map(Number);
  if (dims.length !== 2) return null;
  const transB = node.attribute?.some((a) => a.name === 'transB' && Number(a.i) === 1) ?? false;
  const dim = node.opType === 'Gemm' && transB ? dims[1] : dims[0];
  return dim !== undefined && dim > 0 ? dim : null;
}

/** ModelProto field 7 (graph), holding GraphProto field 12 (output): one float value, shape left to inference. */
function appendGraphOutput(modelBytes: Uint8Array, output: EmbeddingOutput): Uint8Array {
  // No declared shape: a symbolic batch name that differs from the model's own would only earn warnings.
  const value: OnnxTypes.IValueInfoProto = {
    name: output.name,
    type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT } },
  };
  const tail = onnx.ModelProto.encode({ graph: { output: [value] } }).finish();
  const joined = new Uint8Array(modelBytes.length + tail.length);
  joined.set(modelBytes, 0);
  joined.set(tail, modelBytes.length);
  return joined;
}
