// Decodes ONNX bytes into plain graphs and float tensors for the reference interpreter (engine process).
// Deliberately shares nothing with the graph builder but onnx-proto: it is the independent check on it.
import onnxProto from 'onnx-proto';
import type { onnx as OnnxTypes } from 'onnx-proto';

// CommonJS package: Node's ESM loader only exposes the default export.
const { onnx } = onnxProto;

export interface RefTensor {
  dims: number[];
  data: Float32Array;
}

export type RefAttribute = number | number[] | string;

export interface RefNode {
  opType: string;
  name: string;
  inputs: string[];
  outputs: string[];
  attributes: Map<string, RefAttribute>;
}

export interface RefGraph {
  /** Graph inputs that are not initializers, with their declared dims (symbolic dims as strings). */
  inputs: { name: string; dims: (number | string)[] }[];
  outputs: string[];
  initializers: Map<string, RefTensor>;
  nodes: RefNode[];
}

type Int64 = number | { toNumber(): number };

// protobufjs yields Long objects for int64 fields when the long package is present.
function toNumber(value: Int64 | null | undefined): number {
  if (value === null || value === undefined) return 0;
  return typeof value === 'number' ? value : value.toNumber();
}

function decodeTensor(tensor: OnnxTypes.ITensorProto): RefTensor {
  const name = tensor.name ?? '';
  if (tensor.dataType !== onnx.TensorProto.DataType.FLOAT) {
    throw new Error(`initializer ${name}: only float32 is supported, got data type ${tensor.dataType}`);
  }
  const dims = (tensor.dims ?? []).map((d: Int64) => toNumber(d));
  const count = dims.reduce((a, b) => a * b, 1);
  const raw = tensor.rawData;
  let data: Float32Array;
  if (raw && raw.length > 0) {
    // raw_data is little-endian and may sit at any byte offset of the decoded buffer: read it value by value.
    if (raw.length !== count * 4)
      throw new Error(`initializer ${name}: ${raw.length} raw bytes for ${count} floats`);
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    data = new Float32Array(count);
    for (let i = 0; i < count; i++) data[i] = view.getFloat32(i * 4, true);
  } else {
    data = Float32Array.from(tensor.floatData ?? []);
    if (data.length !== count)
      throw new Error(`initializer ${name}: ${data.length} floats for ${count} elements`);
  }
  return { dims, data };
}

function decodeAttribute(attr: OnnxTypes.IAttributeProto): RefAttribute {
  const types = onnx.AttributeProto.AttributeType;
  switch (attr.type) {
    case types.INT:
      return toNumber(attr.i);
    case types.FLOAT:
      return attr.f ?? 0;
    case types.INTS:
      return (attr.ints ?? []).map((v: Int64) => toNumber(v));
    case types.FLOATS:
      return [...(attr.floats ?? [])];
    case types.STRING:
      return new TextDecoder().decode(attr.s ?? new Uint8Array());
    default:
      throw new Error(`attribute ${attr.name ?? ''}: unsupported type ${attr.type ?? 'unset'}`);
  }
}

function declaredDims(info: OnnxTypes.IValueInfoProto): (number | string)[] {
  const dims = info.type?.tensorType?.shape?.dim ?? [];
  return dims.map((d) => (d.dimParam ? d.dimParam : toNumber(d.dimValue)));
}

export function decodeModel(modelBytes: Uint8Array): RefGraph {
  const model = onnx.ModelProto.decode(modelBytes);
  const graph = model.graph;
  if (!graph) throw new Error('model has no graph');
  for (const opset of model.opsetImport) {
    if (opset.domain && opset.domain !== 'ai.onnx')
      throw new Error(`unsupported opset domain ${opset.domain}`);
  }
  const initializers = new Map<string, RefTensor>();
  for (const tensor of graph.initializer ?? []) initializers.set(tensor.name ?? '', decodeTensor(tensor));
  return {
    // Before IR 4 initializers were also listed as inputs; those are not fed by the caller.
    inputs: (graph.input ?? [])
      .filter((info) => !initializers.has(info.name ?? ''))
      .map((info) => ({ name: info.name ?? '', dims: declaredDims(info) })),
    outputs: (graph.output ?? []).map((info) => info.name ?? ''),
    initializers,
    nodes: (graph.node ?? []).map((node) => ({
      opType: node.opType ?? '',
      name: node.name ?? '',
      inputs: [...(node.input ?? [])],
      outputs: [...(node.output ?? [])],
      attributes: new Map((node.attribute ?? []).map((a) => [a.name ?? '', decodeAttribute(a)])),
    })),
  };
}
