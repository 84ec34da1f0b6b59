/**
 * TensorProto <-> msat `Tensor`. Every length is checked against `dims` before any data is copied, because
 * protobuf happily decodes truncated or corrupt bytes into tensors whose data does not match their shape.
 */
import onnxProto from 'onnx-proto';
import type { onnx as proto } from 'onnx-proto';
import { MsatError, type DataType, type Tensor } from '../core/index.js';
import { float16ToFloat32, numberToFloat16Bits } from './float16.js';

const { onnx } = onnxProto;
const ElemType = onnx.TensorProto.DataType;

/** A protobuf int64 as decoded by protobufjs: a number, or a `Long` when the `long` package is present. */
export type Int64Like = number | { toNumber(): number; toString(): string };

/** An int64 wire value as a JS number (exact up to 2^53). */
export function int64ToNumber(v: Int64Like | null | undefined): number {
  if (v === null || v === undefined) return 0;
  return typeof v === 'number' ? v : v.toNumber();
}

/** An int64 wire value as an exact bigint. */
export function int64ToBigInt(v: Int64Like): bigint {
  return typeof v === 'number' ? BigInt(v) : BigInt(v.toString());
}

const IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The ONNX elem_type of a msat data type. */
export function elemTypeOf(type: DataType): number {
  switch (type) {
    case 'float32':
      return ElemType.FLOAT;
    case 'float64':
      return ElemType.DOUBLE;
    case 'int64':
      return ElemType.INT64;
    case 'int32':
      return ElemType.INT32;
  }
}

/** The msat data type of a graph input/output elem_type, or undefined if msat has none for it. */
export function dataTypeOfElem(elem: number): DataType | undefined {
  if (elem === ElemType.FLOAT) return 'float32';
  if (elem === ElemType.DOUBLE) return 'float64';
  if (elem === ElemType.INT64) return 'int64';
  if (elem === ElemType.INT32) return 'int32';
  return undefined;
}

/** Name of an ONNX elem_type for messages (`FLOAT16`, `BOOL`, ...). */
export function elemTypeName(elem: number): string {
  return (ElemType as unknown as Record<number, string>)[elem] ?? `elem_type ${elem}`;
}

/** Raised while decoding a tensor; `decode.ts` turns it into an `MsatError` naming the file. */
export class TensorDecodeProblem extends Error {
  constructor(
    readonly code: 'ONNX_MALFORMED' | 'ONNX_UNSUPPORTED_DTYPE',
    message: string,
  ) {
    super(message);
  }
}

/**
 * Decodes one TensorProto. float16 and double are widened/narrowed to float32 (msat computes in float32).
 * `what` names the tensor in messages (e.g. `initializer "conv1.weight"`).
 */
export function tensorFromProto(p: proto.ITensorProto, what: string): Tensor {
  const dims = (p.dims ?? []).map((d) => int64ToNumber(d));
  for (const d of dims) {
    if (!Number.isSafeInteger(d) || d < 0) throw new TensorDecodeProblem('ONNX_MALFORMED', `${what} has invalid dims [${dims.join(', ')}]`);
  }
  const size = dims.reduce((a, b) => a * b, 1);
  if (!Number.isSafeInteger(size)) throw new TensorDecodeProblem('ONNX_MALFORMED', `${what} has invalid dims [${dims.join(', ')}]`);
  if (p.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL) {
    throw new TensorDecodeProblem(
      'ONNX_UNSUPPORTED_DTYPE',
      `${what} keeps its data in an external file, which msat does not read; save the model with all tensors inside the .onnx file`,
    );
  }
  const raw = p.rawData && p.rawData.length > 0 ? p.rawData : undefined;
  const elem = p.dataType ?? 0;
  const mismatch = (found: number): TensorDecodeProblem =>
    new TensorDecodeProblem('ONNX_MALFORMED', `${what} has dims [${dims.join(', ')}] (${size} elements) but its data holds ${found}`);
  const rawCount = (bytesPer: number): number => {
    if (!raw) return 0;
    if (raw.length % bytesPer !== 0) throw mismatch(raw.length / bytesPer);
    return raw.length / bytesPer;
  };

  switch (elem) {
    case ElemType.FLOAT: {
      if (raw) {
        if (rawCount(4) !== size) throw mismatch(rawCount(4));
        return { type: 'float32', dims, data: readFloat32(raw, size) };
      }
      const fd = p.floatData ?? [];
      if (fd.length !== size) throw mismatch(fd.length);
      return { type: 'float32', dims, data: Float32Array.from(fd) };
    }
    case ElemType.FLOAT16: {
      if (raw) {
        if (rawCount(2) !== size) throw mismatch(rawCount(2));
        const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
        const bits = new Uint16Array(size);
        for (let i = 0; i < size; i++) bits[i] = view.getUint16(2 * i, true);
        return { type: 'float32', dims, data: float16ToFloat32(bits) };
      }
      const id = p.int32Data ?? [];
      if (id.length !== size) throw mismatch(id.length);
      return { type: 'float32', dims, data: float16ToFloat32(id) };
    }
    case ElemType.DOUBLE: {
      if (raw) {
        if (rawCount(8) !== size) throw mismatch(rawCount(8));
        const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
        const data = new Float32Array(size);
        for (let i = 0; i < size; i++) data[i] = view.getFloat64(8 * i, true);
        return { type: 'float32', dims, data };
      }
      const dd = p.doubleData ?? [];
      if (dd.length !== size) throw mismatch(dd.length);
      return { type: 'float32', dims, data: Float32Array.from(dd) };
    }
    case ElemType.INT64: {
      if (raw) {
        if (rawCount(8) !== size) throw mismatch(rawCount(8));
        const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
        const data = new BigInt64Array(size);
        for (let i = 0; i < size; i++) data[i] = view.getBigInt64(8 * i, true);
        return { type: 'int64', dims, data };
      }
      const ld = p.int64Data ?? [];
      if (ld.length !== size) throw mismatch(ld.length);
      return { type: 'int64', dims, data: BigInt64Array.from(ld, (v) => int64ToBigInt(v)) };
    }
    case ElemType.INT32: {
      if (raw) {
        if (rawCount(4) !== size) throw mismatch(rawCount(4));
        const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
        const data = new Int32Array(size);
        for (let i = 0; i < size; i++) data[i] = view.getInt32(4 * i, true);
        return { type: 'int32', dims, data };
      }
      const id = p.int32Data ?? [];
      if (id.length !== size) throw mismatch(id.length);
      return { type: 'int32', dims, data: Int32Array.from(id) };
    }
    case ElemType.UNDEFINED:
      throw new TensorDecodeProblem('ONNX_MALFORMED', `${what} has no data type`);
    default:
      throw new TensorDecodeProblem(
        'ONNX_UNSUPPORTED_DTYPE',
        `${what} has element type ${elemTypeName(elem)}; msat reads FLOAT, FLOAT16, DOUBLE, INT64 and INT32 tensors`,
      );
  }
}

function readFloat32(raw: Uint8Array, size: number): Float32Array {
  if (IS_LITTLE_ENDIAN) {
    // Copy into a fresh, aligned buffer. (Not `raw.slice()`: protobufjs hands out Node Buffers, whose slice() is a view.)
    const bytes = new Uint8Array(4 * size);
    bytes.set(raw);
    return new Float32Array(bytes.buffer);
  }
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const data = new Float32Array(size);
  for (let i = 0; i < size; i++) data[i] = view.getFloat32(4 * i, true);
  return data;
}

/** Encodes a msat tensor as a TensorProto with little-endian `raw_data` (the compact form exporters use). */
export function tensorToProto(name: string, t: Tensor, float16 = false): proto.ITensorProto {
  const n = t.data.length;
  if (float16 && t.type === 'float32') {
    const raw = new Uint8Array(2 * n);
    const view = new DataView(raw.buffer);
    for (let i = 0; i < n; i++) view.setUint16(2 * i, numberToFloat16Bits(t.data[i] as number), true);
    return { name, dims: [...t.dims], dataType: ElemType.FLOAT16, rawData: raw };
  }
  let raw: Uint8Array;
  if (IS_LITTLE_ENDIAN) {
    raw = new Uint8Array(t.data.buffer.slice(t.data.byteOffset, t.data.byteOffset + t.data.byteLength));
  } else {
    raw = new Uint8Array(t.data.byteLength);
    const view = new DataView(raw.buffer);
    for (let i = 0; i < n; i++) {
      if (t.type === 'float32') view.setFloat32(4 * i, (t.data as Float32Array)[i], true);
      else if (t.type === 'int32') view.setInt32(4 * i, (t.data as Int32Array)[i], true);
      else if (t.type === 'float64') view.setFloat64(8 * i, (t.data as Float64Array)[i], true);
      else view.setBigInt64(8 * i, (t.data as BigInt64Array)[i], true);
    }
  }
  return { name, dims: [...t.dims], dataType: elemTypeOf(t.type), rawData: raw };
}

/** Wraps a tensor problem as an `MsatError` naming the file. */
export function toMsatError(source: string, e: TensorDecodeProblem): MsatError {
  const prefix = e.code === 'ONNX_MALFORMED' ? `${source}: not a valid ONNX model: ` : `${source}: `;
  return new MsatError(e.code, prefix + e.message, { cause: e });
}
