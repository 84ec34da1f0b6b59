/**
 * Shape helpers shared by shape inference, import and the per-kind modules under layers/: text for messages,
 * per-sample sizes, the sliding-window length formula, broadcasting, axes and Reshape targets, and the
 * `MODEL_SHAPE` error of a layer.
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
export function windowOutputSize(
  input: number,
  kernel: number,
  stride: number,
  padBegin: number,
  padEnd: number,
  dilation: number,
  ceilMode: boolean,
): number {
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

/**
 * Resolves a Reshape target (`-1` inferred, `0` copies the input dim unless `allowZero`) against an input
 * shape whose batch is `'N'`, so that the output keeps `'N'` first. `staticBatch` is the batch size the
 * source model was exported with, if it was fixed: a literal `target[0]` equal to it means "the batch".
 * Returns undefined when the target would mix the batch into other axes (msat cannot represent that).
 */
export function resolveReshapeTarget(input: Shape, target: readonly Dim[], allowZero: boolean, staticBatch?: number): Dim[] | undefined {
  if (input[0] !== 'N' || target.length === 0) return undefined;
  const perSample = sizePerSample(input);
  const dims: Dim[] = target.map((t, i) => (t === 0 && !allowZero && i < input.length ? input[i] : t));
  const first = dims[0];
  const rest = dims.slice(1);
  if (rest.some((d) => d === 'N' || (typeof d === 'number' && d < -1))) return undefined;
  const restKnown = rest.filter((d): d is number => d !== -1) as number[];
  const knownProduct = restKnown.reduce((p, d) => p * d, 1);
  const minusOnes = rest.filter((d) => d === -1).length;
  const batchFirst = first === 'N' || first === -1 || (typeof first === 'number' && first === staticBatch);
  if (!batchFirst || minusOnes > 1) return undefined;
  if (first === -1 && minusOnes > 0) return undefined;
  if (minusOnes === 1) {
    if (knownProduct === 0 || perSample % knownProduct !== 0) return undefined;
    return ['N', ...rest.map((d) => (d === -1 ? perSample / knownProduct : d))];
  }
  if (knownProduct !== perSample) return undefined;
  return ['N', ...restKnown];
}

/** Normalizes a possibly negative axis for a tensor of rank `rank`; undefined if out of range. */
export function normalizeAxis(axis: number, rank: number): number | undefined {
  const a = axis < 0 ? axis + rank : axis;
  return a >= 0 && a < rank ? a : undefined;
}
