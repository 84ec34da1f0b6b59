/** Element types msat moves between its layers; they map one-to-one onto ONNX and onnxruntime types. */
export type DataType = 'float32' | 'float64' | 'int64' | 'int32';

/** Typed array for each element type (the same mapping as onnxruntime's `Tensor.DataTypeMap`). */
export interface DataTypeMap {
  float32: Float32Array;
  float64: Float64Array;
  int64: BigInt64Array;
  int32: Int32Array;
}

/** A dense row-major tensor. `dims` is the shape; `data.length` equals the product of `dims`. */
export interface Tensor<T extends DataType = DataType> {
  readonly type: T;
  readonly dims: readonly number[];
  readonly data: DataTypeMap[T];
}

/** Number of elements of a shape (1 for a scalar). */
export function sizeOf(dims: readonly number[]): number {
  let n = 1;
  for (const d of dims) n *= d;
  return n;
}

/** A float32 tensor over `data` (copied only if it is a plain array). */
export function floatTensor(dims: readonly number[], data: Float32Array | readonly number[]): Tensor<'float32'> {
  const arr = data instanceof Float32Array ? data : Float32Array.from(data);
  if (arr.length !== sizeOf(dims)) {
    throw new RangeError(`tensor data has ${arr.length} elements but dims [${dims.join(', ')}] need ${sizeOf(dims)}`);
  }
  return { type: 'float32', dims: [...dims], data: arr };
}

/** The chunks one after another in a new array (the chunk itself when there is only one). */
export function concatFloat32(chunks: readonly Float32Array[]): Float32Array {
  if (chunks.length === 1) return chunks[0];
  const out = new Float32Array(chunks.reduce((a, c) => a + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/**
 * `x` as a graph input of element type `type`: loaders deliver every sample as float32, and text models take
 * int64 token ids (exact integers < 2^24 in float32), so those are converted; anything else is returned as is.
 */
export function asInputType(x: Tensor, type: DataType): Tensor {
  if (type !== 'int64' || x.type !== 'float32') return x;
  const data = new BigInt64Array(x.data.length);
  for (let i = 0; i < data.length; i++) data[i] = BigInt(Math.round((x.data as Float32Array)[i]));
  return { type: 'int64', dims: x.dims, data };
}
