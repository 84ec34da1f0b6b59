/**
 * Small pure transforms of weight tensors shared by import (Gemm/MatMul normalization) and export (MatMul form).
 */
import type { Tensor } from '../core/index.js';

/** `[rows, cols]` -> `[cols, rows]`, each entry multiplied by `scale` (Gemm's alpha). */
export function transpose2d(t: Tensor<'float32'>, scale = 1): Tensor<'float32'> {
  const [r, c] = t.dims;
  const out = new Float32Array(r * c);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[j * r + i] = t.data[i * c + j] * scale;
  return { type: 'float32', dims: [c, r], data: out };
}

/**
 * A bias constant that broadcasts over everything but the last axis (`[]`, `[1]`, `[F]`, `[1, F]`, ...), as a
 * `[features]` vector times `scale` (Gemm's beta); undefined when it varies along another axis.
 */
export function biasVector(t: Tensor<'float32'>, features: number, scale = 1): Tensor<'float32'> | undefined {
  const lead = t.dims.slice(0, -1);
  const last = t.dims.length === 0 ? 1 : t.dims[t.dims.length - 1];
  if (lead.some((d) => d !== 1) || (last !== features && last !== 1)) return undefined;
  const data = new Float32Array(features);
  for (let i = 0; i < features; i++) data[i] = t.data[last === 1 ? 0 : i] * scale;
  return { type: 'float32', dims: [features], data };
}
