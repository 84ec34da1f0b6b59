/**
 * `OnnxModel` -> ONNX bytes that onnxruntime loads. Tensors are written as little-endian `raw_data`; graph
 * inputs and outputs get full tensor types, with string dimensions written as `dim_param`.
 */
import onnxProto from 'onnx-proto';
import type { onnx as proto } from 'onnx-proto';
import { elemTypeOf, tensorToProto } from './tensor-codec.js';
import type { AttributeValue, OnnxModel, OnnxNode, ValueInfo } from './types.js';

const { onnx } = onnxProto;
const AttrType = onnx.AttributeProto.AttributeType;
const utf8 = new TextEncoder();

/**
 * Serializes a model. The inverse of `decodeOnnxModel` up to double initializers (written as float32) and
 * float16 ones (written as float32 unless listed in `graph.float16Initializers`).
 * The graph is written last (protobuf allows any field order): then every truncated prefix of the file lacks
 * part of the graph and `decodeOnnxModel` reports it, instead of silently dropping trailing metadata.
 */
export function encodeOnnxModel(model: OnnxModel): Uint8Array {
  const g = model.graph;
  const head = onnx.ModelProto.encode({
    irVersion: model.irVersion,
    producerName: model.producerName,
    opsetImport: model.opsetImports.map((o) => ({ domain: o.domain, version: o.version })),
    metadataProps: Object.entries(model.metadata).map(([key, value]) => ({ key, value })),
  }).finish();
  const graph = onnx.ModelProto.encode({
    graph: {
      name: g.name,
      node: g.nodes.map(nodeToProto),
      initializer: [...g.initializers].map(([name, t]) => tensorToProto(name, t, g.float16Initializers?.has(name))),
      input: g.inputs.map(valueInfoToProto),
      output: g.outputs.map(valueInfoToProto),
    },
  }).finish();
  const bytes = new Uint8Array(head.length + graph.length);
  bytes.set(head, 0);
  bytes.set(graph, head.length);
  return bytes;
}

function nodeToProto(n: OnnxNode): proto.INodeProto {
  return {
    name: n.name,
    opType: n.opType,
    domain: n.domain,
    input: [...n.inputs],
    output: [...n.outputs],
    attribute: Object.entries(n.attributes).map(([name, a]) => attributeToProto(name, a)),
  };
}

function attributeToProto(name: string, a: AttributeValue): proto.IAttributeProto {
  switch (a.type) {
    case 'int':
      return { name, type: AttrType.INT, i: a.value };
    case 'float':
      return { name, type: AttrType.FLOAT, f: a.value };
    case 'string':
      return { name, type: AttrType.STRING, s: utf8.encode(a.value) };
    case 'ints':
      return { name, type: AttrType.INTS, ints: [...a.value] };
    case 'floats':
      return { name, type: AttrType.FLOATS, floats: [...a.value] };
    case 'strings':
      return { name, type: AttrType.STRINGS, strings: a.value.map((s) => utf8.encode(s)) };
    case 'tensor':
      return { name, type: AttrType.TENSOR, t: tensorToProto('', a.value) };
  }
}

function valueInfoToProto(v: ValueInfo): proto.IValueInfoProto {
  const shape =
    v.dims === undefined ? undefined : { dim: v.dims.map((d) => (typeof d === 'number' ? { dimValue: d } : d === '?' ? {} : { dimParam: d })) };
  return { name: v.name, type: { tensorType: { elemType: elemTypeOf(v.type), shape } } };
}
