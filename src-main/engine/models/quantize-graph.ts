// Static int8 quantization of an ONNX graph (engine): QDQ nodes that onnxruntime fuses into integer kernels (QLinearConv, QLinearAdd, QGemm).

import onnxProto from 'onnx-proto';
import type { onnx as OnnxTypes } from 'onnx-proto';

// onnx-proto is CommonJS whose named export Node's ESM loader cannot see (see onnx-graph-builder.ts).
const { onnx } = onnxProto;
const { DataType } = onnx.TensorProto;

/**
 * Activations are quantized where integer kernels consume them: the inputs of these operators. A tensor
 * that only feeds a Relu is left alone: the Relu's output is quantized instead, and onnxruntime folds
 * Relu + QuantizeLinear (zero point 0) into the producing QLinearConv / QLinearAdd.
 */
const QUANTIZED_INPUTS = new Set([
  'Conv',
  'Gemm',
  'Add',
  'MaxPool',
  'GlobalAveragePool',
  'AveragePool',
  'Flatten',
]);

/** Observed [min, max] of each activation tensor over the calibration photos. */
export type Ranges = Map<string, [number, number]>;

interface Graph {
  model: OnnxTypes.ModelProto;
  node: OnnxTypes.INodeProto[];
  input: OnnxTypes.IValueInfoProto[];
  output: OnnxTypes.IValueInfoProto[];
  initializer: OnnxTypes.ITensorProto[];
}

function decodeGraph(bytes: Uint8Array): Graph {
  const model = onnx.ModelProto.decode(bytes);
  const graph = model.graph;
  if (!graph) throw new Error('the model has no graph');
  graph.node ??= [];
  graph.input ??= [];
  graph.output ??= [];
  graph.initializer ??= [];
  return {
    model,
    node: graph.node,
    input: graph.input,
    output: graph.output,
    initializer: graph.initializer,
  };
}

function dimsOf(t: OnnxTypes.ITensorProto): number[] {
  return (t.dims ?? []).map(Number);
}

function floatsOf(t: OnnxTypes.ITensorProto): Float32Array {
  if (t.dataType !== DataType.FLOAT) throw new Error(`initializer ${t.name} is not float32`);
  if (t.rawData && t.rawData.length > 0) {
    const copy = Uint8Array.from(t.rawData);
    return new Float32Array(copy.buffer);
  }
  return Float32Array.from(t.floatData ?? []);
}

function tensor(name: string, dataType: number, dims: number[], bytes: Uint8Array): OnnxTypes.ITensorProto {
  return { name, dataType, dims, rawData: bytes };
}

const f32 = (name: string, values: Float32Array, dims: number[]) =>
  tensor(name, DataType.FLOAT, dims, new Uint8Array(values.buffer, values.byteOffset, values.byteLength));

/** The activation tensors to quantize: non-constant data inputs of QUANTIZED_INPUTS operators. */
export function activationTensors(model: OnnxTypes.IModelProto): string[] {
  const graph = model.graph;
  if (!graph) throw new Error('the model has no graph');
  const constants = new Set((graph.initializer ?? []).map((t) => t.name ?? ''));
  const found = new Set<string>();
  for (const node of graph.node ?? []) {
    if (!QUANTIZED_INPUTS.has(node.opType ?? '')) continue;
    for (const [i, input] of (node.input ?? []).entries()) {
      // Weights and biases of Conv and Gemm are quantized from their values, not calibrated.
      if (
        input === '' ||
        constants.has(input) ||
        ((node.opType === 'Conv' || node.opType === 'Gemm') && i > 0)
      )
        continue;
      found.add(input);
    }
  }
  return [...found];
}

/** A copy of the model that also outputs every tensor in `names` (calibration reads their ranges). */
export function withIntermediateOutputs(bytes: Uint8Array, names: readonly string[]): Uint8Array {
  const graph = decodeGraph(bytes);
  const model = graph.model;
  const existing = new Set([...graph.output, ...graph.input].map((v) => v.name));
  for (const name of names) {
    if (existing.has(name)) continue;
    model.graph?.output?.push(
      onnx.ValueInfoProto.create({ name, type: { tensorType: { elemType: DataType.FLOAT } } }),
    );
  }
  return onnx.ModelProto.encode(model).finish();
}

/** Asymmetric uint8 over a range that always includes 0 (so zero, and Relu's floor, are exact). */
function activationParams([lo, hi]: [number, number]): { scale: number; zeroPoint: number } {
  const min = Math.min(0, lo);
  const max = Math.max(0, hi);
  const scale = max > min && Number.isFinite(max - min) ? (max - min) / 255 : 1;
  return { scale, zeroPoint: Math.max(0, Math.min(255, Math.round(-min / scale))) };
}

/**
 * Quantizes `bytes` (an fp32 model whose batch norms are already folded into the convolutions) with the
 * activation `ranges`: uint8 per-tensor activations, int8 symmetric weights (per output channel for Conv,
 * per tensor for Gemm), int32 biases at scale input × weight. Returns the QDQ model and how many
 * weighted operators it quantized. Throws when a range is missing: a silently unquantized tensor would
 * break onnxruntime's fusion and hide it.
 */
export function quantizeGraph(bytes: Uint8Array, ranges: Ranges): { bytes: Uint8Array; weighted: number } {
  const graph = decodeGraph(bytes);
  const model = graph.model;
  const initializers = new Map(graph.initializer.map((t) => [t.name ?? '', t]));
  const targets = activationTensors(model);
  const added: OnnxTypes.ITensorProto[] = [];
  const weightNodes: OnnxTypes.INodeProto[] = [];
  const afterProducer = new Map<string, OnnxTypes.INodeProto[]>();
  const scales = new Map<string, number>();
  for (const name of targets) {
    const range = ranges.get(name);
    if (!range) throw new Error(`no calibration range for tensor ${name}`);
    const { scale, zeroPoint } = activationParams(range);
    scales.set(name, scale);
    added.push(
      f32(`${name}_qscale`, Float32Array.of(scale), []),
      tensor(`${name}_qzero`, DataType.UINT8, [], Uint8Array.of(zeroPoint)),
    );
    afterProducer.set(name, [
      onnx.NodeProto.create({
        opType: 'QuantizeLinear',
        name: `${name}_QuantizeLinear`,
        input: [name, `${name}_qscale`, `${name}_qzero`],
        output: [`${name}_quantized`],
      }),
      onnx.NodeProto.create({
        opType: 'DequantizeLinear',
        name: `${name}_DequantizeLinear`,
        input: [`${name}_quantized`, `${name}_qscale`, `${name}_qzero`],
        output: [`${name}_dequantized`],
      }),
    ]);
  }
  const targetSet = new Set(targets);
  let weighted = 0;
  for (const node of graph.node) {
    const original = [...(node.input ?? [])];
    node.input = original.map((input) => (targetSet.has(input) ? `${input}_dequantized` : input));
    if (node.opType !== 'Conv' && node.opType !== 'Gemm') continue;
    const inputScale = scales.get(original[0] ?? '');
    const weight = initializers.get(original[1] ?? '');
    if (inputScale === undefined || !weight) continue;
    const perChannel = node.opType === 'Conv';
    if (
      node.opType === 'Gemm' &&
      !(node.attribute ?? []).some((a) => a.name === 'transB' && Number(a.i) === 1)
    )
      continue; // per-tensor would still work, but every exported classifier head we know uses transB=1
    const quantized = quantizeWeight(weight, perChannel);
    const name = original[1] ?? '';
    added.push(...quantized.tensors);
    weightNodes.push(dequantize(name, perChannel));
    node.input[1] = `${name}_dequantized`;
    const biasName = original[2];
    const bias = biasName ? initializers.get(biasName) : undefined;
    if (biasName && bias) {
      added.push(...quantizeBias(bias, inputScale, quantized.scales, perChannel));
      weightNodes.push(dequantize(biasName, perChannel));
      node.input[2] = `${biasName}_dequantized`;
    }
    weighted += 1;
  }
  const ordered: OnnxTypes.INodeProto[] = [...weightNodes];
  for (const input of graph.input) ordered.push(...(afterProducer.get(input.name ?? '') ?? []));
  for (const node of graph.node) {
    ordered.push(node);
    for (const output of node.output ?? []) ordered.push(...(afterProducer.get(output) ?? []));
  }
  const used = new Set(ordered.flatMap((n) => n.input ?? []));
  if (model.graph) {
    model.graph.node = ordered.map((n) => onnx.NodeProto.create(n));
    model.graph.initializer = [...graph.initializer.filter((t) => used.has(t.name ?? '')), ...added].map(
      (t) => onnx.TensorProto.create(t),
    );
  }
  return { bytes: onnx.ModelProto.encode(model).finish(), weighted };
}

function dequantize(name: string, perChannel: boolean): OnnxTypes.INodeProto {
  return onnx.NodeProto.create({
    opType: 'DequantizeLinear',
    name: `${name}_DequantizeLinear`,
    input: [`${name}_quantized`, `${name}_qscale`, `${name}_qzero`],
    output: [`${name}_dequantized`],
    attribute: perChannel ? [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 0 }] : [],
  });
}

/** Symmetric int8 (zero point 0, range ±127) per output channel (axis 0) or for the whole tensor. */
function quantizeWeight(
  weight: OnnxTypes.ITensorProto,
  perChannel: boolean,
): { tensors: OnnxTypes.ITensorProto[]; scales: Float32Array } {
  const values = floatsOf(weight);
  const dims = dimsOf(weight);
  const channels = dims[0] ?? 1;
  const per = values.length / channels;
  const scales = new Float32Array(perChannel ? channels : 1);
  for (let c = 0; c < channels; c++) {
    let max = 0;
    for (let i = 0; i < per; i++) max = Math.max(max, Math.abs(values[c * per + i] ?? 0));
    const k = perChannel ? c : 0;
    scales[k] = Math.max(scales[k] ?? 0, max / 127);
  }
  for (let k = 0; k < scales.length; k++) if (!(scales[k] ?? 0)) scales[k] = 1;
  const q = new Int8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const scale = scales[perChannel ? Math.floor(i / per) : 0] ?? 1;
    q[i] = Math.max(-127, Math.min(127, Math.round((values[i] ?? 0) / scale)));
  }
  const name = weight.name ?? '';
  const scaleDims = perChannel ? [channels] : [];
  return {
    scales,
    tensors: [
      tensor(`${name}_quantized`, DataType.INT8, dims, new Uint8Array(q.buffer)),
      f32(`${name}_qscale`, scales, scaleDims),
      tensor(`${name}_qzero`, DataType.INT8, scaleDims, new Uint8Array(perChannel ? channels : 1)),
    ],
  };
}

/** int32 at scale input × weight, zero point 0: what the integer kernels add to their int32 accumulators. */
function quantizeBias(
  bias: OnnxTypes.ITensorProto,
  inputScale: number,
  weightScales: Float32Array,
  perChannel: boolean,
): OnnxTypes.ITensorProto[] {
  const values = floatsOf(bias);
  const scales = new Float32Array(perChannel ? values.length : 1);
  for (let k = 0; k < scales.length; k++) scales[k] = inputScale * (weightScales[perChannel ? k : 0] ?? 1);
  const q = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const scale = scales[perChannel ? i : 0] ?? 1;
    q[i] = Math.max(-(2 ** 31), Math.min(2 ** 31 - 1, Math.round((values[i] ?? 0) / scale)));
  }
  const name = bias.name ?? '';
  const scaleDims = perChannel ? [values.length] : [];
  return [
    tensor(`${name}_quantized`, DataType.INT32, [values.length], new Uint8Array(q.buffer)),
    f32(`${name}_qscale`, scales, scaleDims),
    tensor(`${name}_qzero`, DataType.INT32, scaleDims, new Uint8Array(4 * (perChannel ? values.length : 1))),
  ];
}
