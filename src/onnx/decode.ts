/**
 * ONNX bytes -> `OnnxModel`. protobuf decodes many truncated or corrupt inputs without complaint (a cut at a
 * field boundary is a valid, shorter message), so after decoding we validate what a real model must have:
 * a graph with nodes, opset imports, initializers whose data matches their dims, and every tensor name
 * defined exactly once. Every failure is an `MsatError` (`ONNX_MALFORMED`, or `ONNX_UNSUPPORTED_*` for valid
 * ONNX that msat cannot represent); no other exception escapes.
 */
import onnxProto from 'onnx-proto';
import type { onnx as proto } from 'onnx-proto';
import { MsatError, isMsatError, readRegularFile, type Tensor } from '../core/index.js';
import { TensorDecodeProblem, dataTypeOfElem, elemTypeName, int64ToNumber, tensorFromProto, toMsatError } from './tensor-codec.js';
import type { AttributeValue, OnnxGraph, OnnxModel, OnnxNode, OpsetImport, ValueInfo } from './types.js';

const { onnx } = onnxProto;
const AttrType = onnx.AttributeProto.AttributeType;
const utf8 = new TextDecoder('utf-8');

/**
 * Decodes and validates a serialized ModelProto. `source` (usually the file path) prefixes every message.
 * @throws MsatError `ONNX_MALFORMED`, `ONNX_UNSUPPORTED_DTYPE` (e.g. a BOOL initializer or external data) or
 *   `ONNX_UNSUPPORTED_OP` (graph-valued attributes of If/Loop/Scan).
 */
export function decodeOnnxModel(bytes: Uint8Array, source: string): OnnxModel {
  let m: proto.ModelProto;
  try {
    m = onnx.ModelProto.decode(bytes);
  } catch (e) {
    throw malformed(
      source,
      `protobuf decoding failed (${e instanceof Error ? e.message : String(e)}); the file may be truncated or not an ONNX model`,
      e,
    );
  }
  try {
    return modelFromProto(m, source);
  } catch (e) {
    if (isMsatError(e)) throw e;
    if (e instanceof TensorDecodeProblem) throw toMsatError(source, e);
    // A safety net: validation above should catch everything, but corrupt input must never crash a caller.
    throw malformed(source, e instanceof Error ? e.message : String(e), e);
  }
}

/**
 * Reads and decodes an `.onnx` file.
 * @throws MsatError `ONNX_NOT_FOUND` when the file cannot be read, else as `decodeOnnxModel`.
 */
export async function readOnnxModel(path: string): Promise<OnnxModel> {
  let bytes: Uint8Array;
  try {
    bytes = await readRegularFile(path);
  } catch (e) {
    const reason = (e as NodeJS.ErrnoException).code ?? (e instanceof Error ? e.message : String(e));
    throw new MsatError('ONNX_NOT_FOUND', `${path}: cannot read the ONNX model (${reason})`, { cause: e });
  }
  return decodeOnnxModel(bytes, path);
}

/** Whether `text` holds a line break or another control character: no name a real exporter writes has one. */
function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c === 0x7f || c === 0x85 || c === 0x2028 || c === 0x2029) return true;
  }
  return false;
}

/**
 * `name` as read, unless it holds a control character: names and operator types go into messages (one line
 * each), so a model naming a tensor or node with a line break is refused here, its name shown escaped.
 */
function plainName(source: string, name: string, what: string): string {
  if (hasControlCharacter(name)) {
    const shown = JSON.stringify(name.length > 80 ? `${name.slice(0, 80)}…` : name);
    throw malformed(source, `${what} ${shown}: names may not hold control characters (line breaks, tabs)`);
  }
  return name;
}

function malformed(source: string, reason: string, cause?: unknown): MsatError {
  return new MsatError('ONNX_MALFORMED', `${source}: not a valid ONNX model: ${reason}`, cause === undefined ? undefined : { cause });
}

function modelFromProto(m: proto.ModelProto, source: string): OnnxModel {
  const irVersion = int64ToNumber(m.irVersion);
  if (irVersion <= 0) throw malformed(source, 'ir_version is missing');
  const opsetImports: OpsetImport[] = (m.opsetImport ?? []).map((o) => ({
    domain: o.domain === 'ai.onnx' ? '' : (o.domain ?? ''),
    version: int64ToNumber(o.version),
  }));
  if (opsetImports.length === 0) throw malformed(source, 'opset_import is missing');
  if (!m.graph) throw malformed(source, 'the model has no graph');
  const metadata: Record<string, string> = {};
  for (const p of m.metadataProps ?? []) metadata[p.key ?? ''] = p.value ?? '';
  return {
    irVersion,
    opsetImports,
    producerName: m.producerName ?? '',
    graph: graphFromProto(m.graph, source),
    metadata,
  };
}

function graphFromProto(g: proto.IGraphProto, source: string): OnnxGraph {
  const protoNodes = g.node ?? [];
  if (protoNodes.length === 0) throw malformed(source, 'the graph has no nodes');
  if ((g.sparseInitializer ?? []).length > 0) {
    throw new MsatError('ONNX_UNSUPPORTED_DTYPE', `${source}: the graph has sparse initializers, which msat does not read`);
  }

  const defined = new Set<string>();
  const define = (name: string, what: string): void => {
    if (name === '') throw malformed(source, `${what} has an empty name`);
    if (defined.has(name)) throw malformed(source, `tensor "${name}" is defined twice (${what})`);
    defined.add(name);
  };

  const initializers = new Map<string, Tensor>();
  for (const p of g.initializer ?? []) {
    const name = plainName(source, p.name ?? '', 'initializer');
    define(name, 'an initializer');
    initializers.set(name, tensorFromProto(p, `initializer "${name}"`));
  }

  const inputs: ValueInfo[] = [];
  for (const v of g.input ?? []) {
    if (initializers.has(v.name ?? '')) continue; // IR < 4 lists initializers among the inputs
    define(v.name ?? '', 'a graph input');
    inputs.push(valueInfoFromProto(v, source, 'input'));
  }

  const nodes: OnnxNode[] = protoNodes.map((n, i) => nodeFromProto(n, i, source));
  for (const n of nodes) for (const o of n.outputs) if (o !== '') define(o, `output of node "${n.name}"`);
  for (const n of nodes) {
    for (const x of n.inputs) {
      if (x !== '' && !defined.has(x)) {
        throw malformed(source, `node "${n.name}" (${n.opType}) reads tensor "${x}", which no node, initializer or graph input defines`);
      }
    }
  }

  const outputs = (g.output ?? []).map((v) => valueInfoFromProto(v, source, 'output'));
  if (outputs.length === 0) throw malformed(source, 'the graph has no outputs');
  for (const o of outputs) {
    if (!defined.has(o.name)) throw malformed(source, `graph output "${o.name}" is not produced by any node`);
  }
  return { name: g.name ?? '', nodes, initializers, inputs, outputs };
}

function valueInfoFromProto(v: proto.IValueInfoProto, source: string, role: 'input' | 'output'): ValueInfo {
  const name = plainName(source, v.name ?? '', `graph ${role}`);
  if (name === '') throw malformed(source, `a graph ${role} has an empty name`);
  const tt = v.type?.tensorType;
  if (!tt) throw malformed(source, `graph ${role} "${name}" is not a tensor (or has no type)`);
  const type = dataTypeOfElem(tt.elemType ?? 0);
  if (!type) {
    throw new MsatError(
      'ONNX_UNSUPPORTED_DTYPE',
      `${source}: graph ${role} "${name}" has element type ${elemTypeName(tt.elemType ?? 0)}; msat supports FLOAT, INT64 and INT32 inputs and outputs`,
    );
  }
  if (!tt.shape) return { name, type };
  const dims = (tt.shape.dim ?? []).map((d): number | string => {
    if (d.dimParam) return plainName(source, d.dimParam, `a dimension of graph ${role} "${name}" is named`);
    if (d.dimValue !== null && d.dimValue !== undefined) {
      const n = int64ToNumber(d.dimValue);
      if (!Number.isSafeInteger(n) || n < 0) throw malformed(source, `graph ${role} "${name}" has an invalid dimension ${n}`);
      return n;
    }
    return '?';
  });
  return { name, type, dims };
}

function nodeFromProto(n: proto.INodeProto, index: number, source: string): OnnxNode {
  const opType = plainName(source, n.opType ?? '', `node ${index} has op_type`);
  const name = plainName(source, n.name || `${opType || 'node'}_${index}`, `node ${index} is named`);
  if (opType === '') throw malformed(source, `node "${name}" has no op_type`);
  const tensor = (t: string): string => plainName(source, t, `node "${name}" (${opType}) names a tensor`);
  const outputs = (n.output ?? []).map(tensor);
  if (outputs.every((o) => o === '')) throw malformed(source, `node "${name}" (${opType}) has no outputs`);
  const attributes: Record<string, AttributeValue> = {};
  for (const a of n.attribute ?? []) {
    const an = plainName(source, a.name ?? '', `node "${name}" (${opType}) has an attribute named`);
    if (an === '') throw malformed(source, `node "${name}" (${opType}) has an attribute without a name`);
    attributes[an] = attributeFromProto(a, `attribute "${an}" of node "${name}" (${opType})`, source);
  }
  const domain = plainName(source, n.domain === 'ai.onnx' ? '' : (n.domain ?? ''), `node "${name}" (${opType}) has domain`);
  return { name, opType, domain, inputs: (n.input ?? []).map(tensor), outputs, attributes };
}

function attributeFromProto(a: proto.IAttributeProto, what: string, source: string): AttributeValue {
  let type = a.type ?? AttrType.UNDEFINED;
  if (type === AttrType.UNDEFINED) type = guessAttributeType(a); // IR < 3 files leave the type unset
  switch (type) {
    case AttrType.INT:
      return { type: 'int', value: int64ToNumber(a.i) };
    case AttrType.FLOAT:
      return { type: 'float', value: a.f ?? 0 };
    case AttrType.STRING:
      return { type: 'string', value: utf8.decode(a.s ?? new Uint8Array()) };
    case AttrType.INTS:
      return { type: 'ints', value: (a.ints ?? []).map((v) => int64ToNumber(v)) };
    case AttrType.FLOATS:
      return { type: 'floats', value: [...(a.floats ?? [])] };
    case AttrType.STRINGS:
      return { type: 'strings', value: (a.strings ?? []).map((s) => utf8.decode(s)) };
    case AttrType.TENSOR:
      if (!a.t) throw malformed(source, `${what} is a tensor attribute without a tensor`);
      return { type: 'tensor', value: tensorFromProto(a.t, what) };
    case AttrType.GRAPH:
    case AttrType.GRAPHS:
      throw new MsatError('ONNX_UNSUPPORTED_OP', `${source}: ${what} is a subgraph; msat does not support control flow (If, Loop, Scan)`);
    default:
      throw new MsatError('ONNX_UNSUPPORTED_OP', `${source}: ${what} has attribute type ${AttrType[type] ?? type}, which msat does not support`);
  }
}

function guessAttributeType(a: proto.IAttributeProto): number {
  if ((a.ints ?? []).length > 0) return AttrType.INTS;
  if ((a.floats ?? []).length > 0) return AttrType.FLOATS;
  if ((a.strings ?? []).length > 0) return AttrType.STRINGS;
  if (a.t) return AttrType.TENSOR;
  if (a.g) return AttrType.GRAPH;
  if ((a.s ?? []).length > 0) return AttrType.STRING;
  if ((a.f ?? 0) !== 0) return AttrType.FLOAT;
  return AttrType.INT;
}
