// Small ONNX graph builder on top of onnx-proto, for synthetic classifier models (engine process).
import onnxProto from 'onnx-proto';
import type { onnx as OnnxTypes } from 'onnx-proto';
import { endianness } from 'node:os';

// onnx-proto is CommonJS whose named export Node's ESM loader cannot see; the default import is the module object.
const { onnx } = onnxProto;

/** A tensor dimension: a fixed size or a symbolic name such as "N" for the batch. */
export type Dim = number | string;

/** The opset the graphs target: BatchNormalization is still v9 there (no training_mode output). */
export const OPSET_VERSION = 13;
/** IR 7 is what opset 13 was released with; onnxruntime accepts it without complaint. */
export const IR_VERSION = 7;

export type AttributeValue =
  { readonly int: number } | { readonly ints: readonly number[] } | { readonly float: number };

export interface ConvOptions {
  kernel: number;
  stride?: number;
  /** Same padding on every side. */
  pad?: number;
  group?: number;
}

export interface PoolOptions {
  kernel: number;
  stride?: number;
  pad?: number;
}

export interface GemmOptions {
  alpha?: number;
  beta?: number;
  transB?: boolean;
}

/** The batch dimension: symbolic "N" unless a fixed batch is asked for. */
export function batchDim(fixedBatch?: number): Dim {
  return fixedBatch ?? 'N';
}

/** Little-endian float32 bytes, as raw_data requires; float_data is encoded value by value, far slower for 25M weights. */
function float32LittleEndian(data: Float32Array): Uint8Array {
  if (endianness() === 'LE') return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const out = new Uint8Array(data.length * 4);
  const view = new DataView(out.buffer);
  data.forEach((value, i) => view.setFloat32(i * 4, value, true));
  return out;
}

function valueInfo(name: string, shape: readonly Dim[]): OnnxTypes.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: { dim: shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

function attribute(name: string, value: AttributeValue): OnnxTypes.IAttributeProto {
  const types = onnx.AttributeProto.AttributeType;
  if ('int' in value) return { name, type: types.INT, i: value.int };
  if ('ints' in value) return { name, type: types.INTS, ints: [...value.ints] };
  return { name, type: types.FLOAT, f: value.float };
}

/**
 * Collects inputs, outputs, initializers and nodes, then serialises them as one ModelProto.
 * Op helpers take the node name, which also names the node's output value, so graphs read like torchvision's.
 */
export class OnnxGraphBuilder {
  private readonly inputs: OnnxTypes.IValueInfoProto[] = [];
  private readonly outputs: OnnxTypes.IValueInfoProto[] = [];
  private readonly initializers: OnnxTypes.ITensorProto[] = [];
  private readonly nodes: OnnxTypes.INodeProto[] = [];
  private readonly names = new Set<string>();

  constructor(private readonly graphName: string) {}

  addInput(name: string, shape: readonly Dim[]): string {
    this.claim(name);
    this.inputs.push(valueInfo(name, shape));
    return name;
  }

  /** Declares an existing value (typically a node output) as a graph output. */
  addOutput(name: string, shape: readonly Dim[]): void {
    this.outputs.push(valueInfo(name, shape));
  }

  addInitializer(name: string, dims: readonly number[], data: Float32Array): string {
    const expected = dims.reduce((a, b) => a * b, 1);
    if (data.length !== expected) {
      throw new Error(`initializer ${name}: ${data.length} values for dims [${dims.join(', ')}]`);
    }
    this.claim(name);
    this.initializers.push({
      name,
      dims: [...dims],
      dataType: onnx.TensorProto.DataType.FLOAT,
      rawData: float32LittleEndian(data),
    });
    return name;
  }

  /** Generic node; the output is named after the node. */
  addNode(
    opType: string,
    name: string,
    inputs: readonly string[],
    attributes: Readonly<Record<string, AttributeValue>> = {},
  ): string {
    this.claim(name);
    this.nodes.push({
      opType,
      name,
      domain: '',
      input: [...inputs],
      output: [name],
      attribute: Object.entries(attributes).map(([key, value]) => attribute(key, value)),
    });
    return name;
  }

  conv(name: string, input: string, weight: string, bias: string | undefined, options: ConvOptions): string {
    const { kernel, stride = 1, pad = 0, group = 1 } = options;
    return this.addNode('Conv', name, bias === undefined ? [input, weight] : [input, weight, bias], {
      kernel_shape: { ints: [kernel, kernel] },
      strides: { ints: [stride, stride] },
      pads: { ints: [pad, pad, pad, pad] },
      dilations: { ints: [1, 1] },
      group: { int: group },
    });
  }

  batchNormalization(
    name: string,
    input: string,
    params: { scale: string; bias: string; mean: string; variance: string },
    epsilon = 1e-5,
  ): string {
    return this.addNode(
      'BatchNormalization',
      name,
      [input, params.scale, params.bias, params.mean, params.variance],
      {
        epsilon: { float: epsilon },
      },
    );
  }

  relu(name: string, input: string): string {
    return this.addNode('Relu', name, [input]);
  }

  add(name: string, a: string, b: string): string {
    return this.addNode('Add', name, [a, b]);
  }

  maxPool(name: string, input: string, options: PoolOptions): string {
    const { kernel, stride = 1, pad = 0 } = options;
    return this.addNode('MaxPool', name, [input], {
      kernel_shape: { ints: [kernel, kernel] },
      strides: { ints: [stride, stride] },
      pads: { ints: [pad, pad, pad, pad] },
    });
  }

  globalAveragePool(name: string, input: string): string {
    return this.addNode('GlobalAveragePool', name, [input]);
  }

  /** Softmax along one axis (opset 13: along `axis` only, not over everything after it). */
  softmax(name: string, input: string, axis: number): string {
    return this.addNode('Softmax', name, [input], { axis: { int: axis } });
  }

  log(name: string, input: string): string {
    return this.addNode('Log', name, [input]);
  }

  flatten(name: string, input: string, axis = 1): string {
    return this.addNode('Flatten', name, [input], { axis: { int: axis } });
  }

  /** Gemm with B stored [out, in] (transB=1 by default), the layout of torch's Linear weight. */
  gemm(name: string, input: string, weight: string, bias: string, options: GemmOptions = {}): string {
    const { alpha = 1, beta = 1, transB = true } = options;
    return this.addNode('Gemm', name, [input, weight, bias], {
      alpha: { float: alpha },
      beta: { float: beta },
      transB: { int: transB ? 1 : 0 },
    });
  }

  toModelBytes(): Uint8Array {
    const model: OnnxTypes.IModelProto = {
      irVersion: IR_VERSION,
      opsetImport: [{ domain: '', version: OPSET_VERSION }],
      producerName: 'skiptag-synth',
      producerVersion: '1',
      graph: {
        name: this.graphName,
        node: this.nodes,
        input: this.inputs,
        output: this.outputs,
        initializer: this.initializers,
      },
    };
    return onnx.ModelProto.encode(model).finish();
  }

  // ONNX requires unique value names (SSA); a clash would silently rewire the graph.
  private claim(name: string): void {
    if (this.names.has(name)) throw new Error(`duplicate ONNX value name: ${name}`);
    this.names.add(name);
  }
}
