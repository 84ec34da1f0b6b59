/**
 * Shape helpers shared by shape inference, import and the per-kind modules under layers/: text for messages,
 * per-sample sizes, the sliding-window length formula, broadcasting, and the `MODEL_SHAPE` error of a layer.
 * Pure functions; split from shape-inference.ts so that layers/ can use them without importing it back.
 */
import { MsatError } from '../core/index.js';
import type { Dim, Shape } from './layer-types.js';

/** A `MODEL_SHAPE` error naming the layer. */
export function shapeError(layer: { name: string; kind: string }, message: string): MsatError {
  return new MsatError('MODEL_SHAPE', `layer "${layer.name}" (${layer.kind}): ${message}`);
}

/** `[N, 3, 32, 32]` style text for messages. */
export function formatShape(shape: readonly (Dim | string)[]): string {
  return `[${shape.join(', ')}]`;
}

/** Number of elements per sample: the product of all dims except a leading `'N'`. Throws if 'N' appears elsewhere. */
export function sizePerSample(shape: Shape): number {
  let n = 1;
  shape.forEach((d, i) => {
    if (d === 'N') {
      if (i !== 0) throw new MsatError('MODEL_SHAPE', `batch dimension at position ${i} of ${formatShape(shape)}`);
    } else n *= d;
  });
  return n;
}

/**
 * Output length of a convolution or pooling window along one axis (ONNX/PyTorch formula). With `ceilMode`,
 * a last window that would start entirely in the end padding is dropped, as PyTorch and onnxruntime do.
 */
export function windowOutputSize(input: number, kernel: number, stride: number, padBegin: number, padEnd: number, dilation: number, ceilMode: boolean): number {
  const span = input + padBegin + padEnd - dilation * (kernel - 1) - 1;
  if (span < 0) return 0;
  if (!ceilMode) return Math.floor(span / stride) + 1;
  let out = Math.ceil(span / stride) + 1;
  if ((out - 1) * stride >= input + padBegin) out--;
  return out;
}

/** NumPy-style broadcast of two shapes; `'N'` broadcasts against 1 and itself only. Undefined if incompatible. */
export function broadcastShapes(a: Shape, b: Shape): Dim[] | undefined {
  const rank = Math.max(a.length, b.length);
  const out: Dim[] = [];
  for (let i = 0; i < rank; i++) {
    const x = a[a.length - rank + i] ?? 1;
    const y = b[b.length - rank + i] ?? 1;
    if (x === y) out.push(x);
    else if (x === 1) out.push(y);
    else if (y === 1) out.push(x);
    else return undefined;
  }
  return out;
}

/** Throws unless the data input `x` has rank `r` or more. */
export function requireRank(layer: { name: string; kind: string }, x: Shape, r: number): void {
  if (x.length < r) throw shapeError(layer, `expects an input of rank >= ${r}, found ${formatShape(x)}`);
}
