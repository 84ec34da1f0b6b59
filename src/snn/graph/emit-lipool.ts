/**
 * Lateral-inhibition max-pooling (docs/method.md §3) as ONNX nodes, the graph twin of `reference/lipool.ts`.
 *
 * One accumulator per (window, element) pair, so overlapping windows (3×3 stride 2) are exact: a grouped
 * Conv with one-hot kernels copies every window's elements into their own channel ([B, C·k, ...out]), the
 * accumulators add them, the window output is their max, and every accumulator of the window gives it back.
 * Zero-padded positions receive no input; a large negative mask keeps them from ever winning the max.
 *
 * The common case, windows that tile the input exactly (kernel = stride, no padding, sizes divisible, as in
 * VGG's 2×2/2), needs no patch copy: every input element is in exactly one window, so the accumulators keep
 * the input's own layout. And since every accumulator of a window gives back the same out(t), within a chunk
 * S_j(t) = P_j(t) − O(t) with P_j the input summed since the chunk began (on top of the accumulators it
 * started from) and O(t) the window's output summed since then. At a chunk boundary every window's largest
 * accumulator is exactly 0 (its own max was just subtracted, or it is the zero reset state), so O(t) =
 * max_j P_j(t) and out(t) = MaxPool(P(t)) − MaxPool(P(t − 1)). A step is one Add, one MaxPool and a Sub on
 * the pooled size; the chunk's end subtracts its last MaxPool, upsampled, from P (a 0/1 MatMul along the last
 * axis, exact, and a broadcast Sub), which gives the accumulators back and keeps the values as small as the
 * step-by-step form's. Onnxruntime has no fast broadcast back over a 2×2 window in the input layout (a Sub
 * against [B, C, H', 1, W', 1] runs at 16 ns per element), so per-step subtraction is avoided.
 */
import type { Tensor } from '../../core/index.js';
import { attr, type GraphBuilder } from '../../onnx/index.js';
import type { Constants } from './constants.js';

/** Geometry of a max-pool layer (1-D or 2-D), as in the network IR. */
export interface LIPoolGeometry {
  /** Input shape of one sample: [C, L] or [C, H, W]. */
  readonly inShape: readonly number[];
  /** Output shape of one sample: [C, L'] or [C, H', W']. */
  readonly outShape: readonly number[];
  readonly kernel: readonly number[];
  readonly strides: readonly number[];
  /** ONNX order: all begins, then all ends. */
  readonly pads: readonly number[];
  readonly dilations: readonly number[];
}

/** Initializers shared by every step of one LIPool layer: the general form, or the tiling form's shapes. */
export type LIPoolConstants =
  | {
      readonly kind: 'patches';
      readonly patchWeight: string;
      readonly padMask: string | undefined;
      readonly patchShape: string;
      readonly geometry: LIPoolGeometry;
    }
  | {
      readonly kind: 'tiles';
      /** [0, C, ...in]: the accumulators as an image, for MaxPool. */
      readonly imageShape: string;
      /** [out_last, in_last] 0/1 matrix: upsamples the last axis by its kernel size. */
      readonly upsampleLast: string;
      /** 2-D only: [0, C, o1, 1, W], the last-axis-upsampled output broadcast over the kernel's rows. */
      readonly upRows?: string;
      readonly geometry: LIPoolGeometry;
    };

/** True when the windows tile the input exactly (1-D or 2-D): kernel = stride, no padding, no dilation, sizes divisible. */
export function lipoolTiles(g: LIPoolGeometry): boolean {
  return (
    (g.kernel.length === 1 || g.kernel.length === 2) &&
    g.kernel.every(
      (k, a) =>
        g.strides[a] === k &&
        g.dilations[a] === 1 &&
        g.pads[a] === 0 &&
        g.pads[a + g.kernel.length] === 0 &&
        g.inShape[a + 1] === g.outShape[a + 1] * k,
    )
  );
}

/**
 * Per-sample shape of the accumulator state: [C, k, ...out] with k the window size (general form); when the
 * windows tile the input, the input's own elements: [C, L] (1-D) or [C, o1, k1, W] (2-D, rows grouped by window
 * row, the layout the chunk's final broadcast Sub writes).
 */
export function lipoolStateShape(g: LIPoolGeometry): number[] {
  if (lipoolTiles(g)) return g.kernel.length === 1 ? [...g.inShape] : [g.inShape[0], g.outShape[1], g.kernel[0], g.inShape[2]];
  const k = g.kernel.reduce((a, b) => a * b, 1);
  return [g.inShape[0], k, ...g.outShape.slice(1)];
}

/** Adds the constants of one LIPool layer: one-hot patch kernel, padding mask and reshape target, or the tiling shapes. */
export function emitLIPoolConstants(b: GraphBuilder, name: string, g: LIPoolGeometry): LIPoolConstants {
  const channels = g.inShape[0];
  const int64 = (suffix: string, values: readonly number[]) =>
    b.initializer(`${name}.${suffix}`, { type: 'int64', dims: [values.length], data: BigInt64Array.from(values.map(BigInt)) });
  if (lipoolTiles(g)) {
    const last = g.kernel.length - 1;
    const [outLast, inLast, kLast] = [g.outShape[last + 1], g.inShape[last + 1], g.kernel[last]];
    const up = new Float32Array(outLast * inLast);
    for (let i = 0; i < inLast; i++) up[Math.floor(i / kLast) * inLast + i] = 1;
    return {
      kind: 'tiles',
      imageShape: int64('lipool_image', [0, ...g.inShape]),
      upsampleLast: b.initializer(`${name}.lipool_upsample`, { type: 'float32', dims: [outLast, inLast], data: up }),
      upRows: g.kernel.length === 2 ? int64('lipool_up_rows', [0, channels, g.outShape[1], 1, g.inShape[2]]) : undefined,
      geometry: g,
    };
  }
  const k = g.kernel.reduce((a, c) => a * c, 1);
  // weight [C·k, 1, ...kernel]: output channel c·k + j copies window element j of input channel c
  const weight = new Float32Array(channels * k * k);
  for (let c = 0; c < channels; c++) for (let j = 0; j < k; j++) weight[(c * k + j) * k + j] = 1;
  const patchWeight = b.initializer(`${name}.lipool_patch`, { type: 'float32', dims: [channels * k, 1, ...g.kernel], data: weight });
  const stateShape = lipoolStateShape(g);
  const patchShape = int64('lipool_shape', [0, ...stateShape]);
  const mask = paddingMask(g);
  const padMask = mask ? b.initializer(`${name}.lipool_pad_mask`, mask) : undefined;
  return { kind: 'patches', patchWeight, padMask, patchShape, geometry: g };
}

/**
 * The steps of one chunk: inputs xs[j] [B, C, ...in], accumulators [B, ...lipoolStateShape] -> outputs
 * [B, C, ...out] per step and the new accumulators, written to `accName` (a graph output).
 */
export function emitLIPoolChunk(b: GraphBuilder, c: Constants, k: LIPoolConstants, xs: readonly string[], acc: string, accName: string): string[] {
  const outs: string[] = [];
  if (k.kind === 'patches') {
    xs.forEach((x, j) => {
      const step = emitLIPoolStep(b, c, k, x, acc, j === xs.length - 1 ? accName : undefined);
      acc = step.acc;
      outs.push(step.out);
    });
    return outs;
  }
  const g = k.geometry;
  const pool = { kernel_shape: attr.ints(g.kernel), strides: attr.ints(g.strides) };
  let p = b.node('Reshape', [acc, k.imageShape]);
  let max: string | undefined;
  for (const x of xs) {
    p = b.node('Add', [p, x]);
    const next = b.node('MaxPool', [p], pool);
    // the first step's previous max is the chunk-start max, exactly 0
    outs.push(max === undefined ? next : b.node('Sub', [next, max]));
    max = next;
  }
  // accumulators back: P − upsampled max, in the state layout [B, C, L] or [B, C, o1, k1, W]
  const up = b.node('MatMul', [max!, k.upsampleLast]);
  if (k.upRows === undefined) b.node('Sub', [p, up], {}, { outputs: [accName] });
  else
    b.node(
      'Sub',
      [b.node('Reshape', [p, c.int64(`${accName}.shape`, [0, ...lipoolStateShape(g)])]), b.node('Reshape', [up, k.upRows])],
      {},
      { outputs: [accName] },
    );
  return outs;
}

/** One step of the general form: x [B, C, ...in] and accumulators [B, C, k, ...out] -> out, new accumulators. */
function emitLIPoolStep(
  b: GraphBuilder,
  c: Constants,
  k: Extract<LIPoolConstants, { kind: 'patches' }>,
  x: string,
  acc: string,
  accName?: string,
): { out: string; acc: string } {
  const g = k.geometry;
  const named = accName ? { outputs: [accName] } : {};
  const patches = b.node('Conv', [x, k.patchWeight], {
    kernel_shape: attr.ints(g.kernel),
    strides: attr.ints(g.strides),
    pads: attr.ints(g.pads),
    dilations: attr.ints(g.dilations),
    group: attr.int(g.inShape[0]),
  });
  const summed = b.node('Add', [acc, b.node('Reshape', [patches, k.patchShape])]);
  const candidates = k.padMask ? b.node('Add', [summed, k.padMask]) : summed;
  const out = b.node('ReduceMax', [candidates], { axes: attr.ints([2]), keepdims: attr.int(0) });
  const next = b.node('Sub', [summed, b.node('Unsqueeze', [out, axesTensor(b, c)])], {}, named);
  return { out, acc: next };
}

/** The int64 [2] axes tensor Unsqueeze takes as an input from opset 13 on. */
function axesTensor(b: GraphBuilder, c: Constants): string {
  return c.int64('unsqueeze_axis_2', [2]);
}

/**
 * [1, 1, k, ...out] with −1e30 where window element j of output position o falls in the padding, or
 * undefined when no window touches the padding.
 */
function paddingMask(g: LIPoolGeometry): Tensor<'float32'> | undefined {
  const spatial = g.kernel.length;
  const inSize = g.inShape.slice(1);
  const outSize = g.outShape.slice(1);
  const k = g.kernel.reduce((a, b) => a * b, 1);
  const outCount = outSize.reduce((a, b) => a * b, 1);
  const data = new Float32Array(k * outCount);
  let any = false;
  for (let j = 0; j < k; j++) {
    // window element j -> offsets per axis (row-major over the kernel)
    const offs: number[] = [];
    let rest = j;
    for (let a = spatial - 1; a >= 0; a--) {
      offs[a] = rest % g.kernel[a];
      rest = Math.floor(rest / g.kernel[a]);
    }
    for (let o = 0; o < outCount; o++) {
      let rem = o;
      let inside = true;
      for (let a = spatial - 1; a >= 0; a--) {
        const pos = rem % outSize[a];
        rem = Math.floor(rem / outSize[a]);
        const p = pos * g.strides[a] - g.pads[a] + offs[a] * g.dilations[a];
        if (p < 0 || p >= inSize[a]) inside = false;
      }
      if (!inside) {
        data[j * outCount + o] = -1e30;
        any = true;
      }
    }
  }
  return any ? { type: 'float32', dims: [1, 1, k, ...outSize], data } : undefined;
}
