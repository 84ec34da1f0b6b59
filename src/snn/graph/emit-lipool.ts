/**
 * Lateral-inhibition max-pooling (METHOD.md §3) as ONNX nodes, the graph twin of `reference/lipool.ts`.
 *
 * One accumulator per (window, element) pair, so overlapping windows (3×3 stride 2) are exact: a grouped
 * Conv with one-hot kernels copies every window's elements into their own channel ([B, C·k, ...out]), the
 * accumulators add them, the window output is their max, and every accumulator of the window gives it back.
 * Zero-padded positions receive no input; a large negative mask keeps them from ever winning the max.
 */
import type { Tensor } from '../../core/tensor.js';
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

/** Initializers shared by every step of one LIPool layer. */
export interface LIPoolConstants {
  readonly patchWeight: string;
  readonly padMask: string | undefined;
  readonly patchShape: string;
  readonly geometry: LIPoolGeometry;
}

/** Per-sample shape of the accumulator state: [C, k, ...out] with k the window size. */
export function lipoolStateShape(g: LIPoolGeometry): number[] {
  const k = g.kernel.reduce((a, b) => a * b, 1);
  return [g.inShape[0], k, ...g.outShape.slice(1)];
}

/** Adds the one-hot patch kernel, the padding mask and the reshape target of one LIPool layer. */
export function emitLIPoolConstants(b: GraphBuilder, name: string, g: LIPoolGeometry): LIPoolConstants {
  const channels = g.inShape[0];
  const k = g.kernel.reduce((a, c) => a * c, 1);
  // weight [C·k, 1, ...kernel]: output channel c·k + j copies window element j of input channel c
  const weight = new Float32Array(channels * k * k);
  for (let c = 0; c < channels; c++) for (let j = 0; j < k; j++) weight[(c * k + j) * k + j] = 1;
  const patchWeight = b.initializer(`${name}.lipool_patch`, { type: 'float32', dims: [channels * k, 1, ...g.kernel], data: weight });
  const stateShape = lipoolStateShape(g);
  const patchShape = b.initializer(`${name}.lipool_shape`, {
    type: 'int64',
    dims: [stateShape.length + 1],
    data: BigInt64Array.from([0, ...stateShape].map(BigInt)),
  });
  const mask = paddingMask(g);
  const padMask = mask ? b.initializer(`${name}.lipool_pad_mask`, mask) : undefined;
  return { patchWeight, padMask, patchShape, geometry: g };
}

/** One LIPool step: x [B, C, ...in] and accumulators [B, C, k, ...out] -> out [B, C, ...out], new accumulators. */
export function emitLIPoolStep(
  b: GraphBuilder,
  c: Constants,
  k: LIPoolConstants,
  x: string,
  acc: string,
): { out: string; acc: string } {
  const g = k.geometry;
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
  const next = b.node('Sub', [summed, b.node('Unsqueeze', [out, axesTensor(b, c)])]);
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
