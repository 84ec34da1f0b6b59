/**
 * Average pooling (windowed and global) and their gradients.
 *
 * Windowed: each output's gradient is spread evenly over its window, i.e. dx = ConvTranspose(dy / count, 1)
 * with a depthwise all-ones kernel and the forward strides and pads. `count` (each window's divisor) is
 * computed here in JS from the static shape, so `count_include_pad` and ceil-mode windows that hang over the
 * border get exactly onnxruntime's and PyTorch's divisors.
 * Global: dx = dy / (H·W), broadcast back over the spatial axes.
 */
import { windowOutputSize } from '../../shape-utils.js';
import { attr } from '../../../onnx/index.js';
import type { Tape, Var } from '../tape.js';

export interface AvgPoolAttributes {
  readonly kernel: readonly number[];
  readonly strides: readonly number[];
  /** All begins, then all ends. */
  readonly pads: readonly number[];
  readonly countIncludePad: boolean;
  readonly ceilMode: boolean;
}

/** The divisor of each output position along one axis, as ONNX AveragePool defines it. */
export function windowCounts(n: number, k: number, s: number, padBegin: number, padEnd: number, out: number, includePad: boolean): number[] {
  const counts: number[] = [];
  for (let o = 0; o < out; o++) {
    const start = o * s - padBegin;
    const end = start + k;
    const lo = includePad ? -padBegin : 0;
    const hi = includePad ? n + padEnd : n;
    counts.push(Math.max(0, Math.min(end, hi) - Math.max(start, lo)));
  }
  return counts;
}

export function avgPool(t: Tape, x: Var, a: AvgPoolAttributes): Var {
  const spatial = a.kernel.length;
  const channels = x.dims[1] as number;
  const inSize = x.dims.slice(2) as number[];
  const outSize = inSize.map((n, i) => windowOutputSize(n, a.kernel[i], a.strides[i], a.pads[i], a.pads[spatial + i], 1, a.ceilMode));
  const y = t.node('AveragePool', [x.name], {
    kernel_shape: attr.ints(a.kernel),
    strides: attr.ints(a.strides),
    pads: attr.ints(a.pads),
    count_include_pad: attr.int(a.countIncludePad ? 1 : 0),
    ceil_mode: attr.int(a.ceilMode ? 1 : 0),
  });
  return t.record('avgpool', [x], y, [x.dims[0], channels, ...outSize], (g) => {
    const perAxis = inSize.map((n, i) => windowCounts(n, a.kernel[i], a.strides[i], a.pads[i], a.pads[spatial + i], outSize[i], a.countIncludePad));
    const size = outSize.reduce((p, v) => p * v, 1);
    const inverse = new Float32Array(size);
    for (let j = 0; j < size; j++) {
      let rest = j;
      let count = 1;
      for (let i = spatial - 1; i >= 0; i--) {
        count *= perAxis[i][rest % outSize[i]];
        rest = Math.floor(rest / outSize[i]);
      }
      inverse[j] = count > 0 ? 1 / count : 0;
    }
    const scaled = t.node('Mul', [g, t.tensor('avgpool_inverse_count', { type: 'float32', dims: [1, 1, ...outSize], data: inverse })]);
    const ones = new Float32Array(channels * a.kernel.reduce((p, v) => p * v, 1)).fill(1);
    const kernel = t.tensor('avgpool_ones', { type: 'float32', dims: [channels, 1, ...a.kernel], data: ones });
    const outputPadding = inSize.map((n, i) => Math.max(0, n - ((outSize[i] - 1) * a.strides[i] + a.kernel[i] - a.pads[i] - a.pads[spatial + i])));
    let dx = t.node('ConvTranspose', [scaled, kernel], {
      kernel_shape: attr.ints(a.kernel),
      strides: attr.ints(a.strides),
      pads: attr.ints(a.pads),
      output_padding: attr.ints(outputPadding),
      group: attr.int(channels),
    });
    // Ceil mode can make the transposed result longer than x (the last window hangs over the end): cut it.
    const produced = inSize.map((_, i) => (outSize[i] - 1) * a.strides[i] + a.kernel[i] - a.pads[i] - a.pads[spatial + i] + outputPadding[i]);
    if (produced.some((n, i) => n !== inSize[i])) {
      const axes = inSize.map((_, i) => i + 2);
      dx = t.node('Slice', [dx, t.i64(inSize.map(() => 0)), t.i64(inSize), t.i64(axes)]);
    }
    return [dx];
  });
}

/** Mean over every axis after the channel axis, kept as size 1: [N, C, ...S] -> [N, C, 1, ...]. */
export function globalAvgPool(t: Tape, x: Var): Var {
  const spatial = x.dims.slice(2) as number[];
  const area = spatial.reduce((p, v) => p * v, 1);
  const y = t.node('GlobalAveragePool', [x.name]);
  return t.record('globalavgpool', [x], y, [x.dims[0], x.dims[1], ...spatial.map(() => 1)], (g) => [
    t.node('Expand', [t.node('Mul', [g, t.f32(1 / area)]), t.shapeOf(x)]),
  ]);
}
