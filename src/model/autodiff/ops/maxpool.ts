/**
 * Max pooling over the 1 or 2 trailing axes, and its gradient through MaxPool's `Indices` output.
 *
 * Why Indices + ScatterElements: the rule must send each window's gradient to exactly one input, the one
 * PyTorch picked. A mask built with `Equal(x, upsampled max)` sends it to every tied maximum and so
 * double-counts exact ties, which do occur after ReLU (many zeros) and in images.
 * MaxPool's Indices are flat positions in the whole input tensor (row-major over N·C·H·W, padding not
 * counted), so one ScatterElements with `reduction = 'add'` into a flat zero tensor accumulates every window's
 * gradient, overlapping windows included. When windows cannot overlap (stride ≥ window span, the usual 2×2/2
 * pool) no input receives two contributions and ONNX MaxUnpool, which assigns instead of adding, computes the
 * same thing about 1.5× faster (measured on the MNIST CNN's pools).
 */
import { windowOutputSize } from '../../shape-utils.js';
import { attr } from '../../../onnx/index.js';
import type { Tape, Var } from '../tape.js';

export interface MaxPoolAttributes {
  readonly kernel: readonly number[];
  readonly strides: readonly number[];
  /** All begins, then all ends. */
  readonly pads: readonly number[];
  readonly dilations: readonly number[];
  readonly ceilMode: boolean;
}

export function maxPool(t: Tape, x: Var, a: MaxPoolAttributes): Var {
  const spatial = a.kernel.length;
  const inSize = x.dims.slice(2) as number[];
  const outSize = inSize.map((n, i) => windowOutputSize(n, a.kernel[i], a.strides[i], a.pads[i], a.pads[spatial + i], a.dilations[i], a.ceilMode));
  const y = t.g.fresh('maxpool');
  const indices = t.g.fresh('maxpool_indices');
  t.g.node(
    'MaxPool',
    [x.name],
    {
      kernel_shape: attr.ints(a.kernel),
      strides: attr.ints(a.strides),
      pads: attr.ints(a.pads),
      dilations: attr.ints(a.dilations),
      ceil_mode: attr.int(a.ceilMode ? 1 : 0),
    },
    { outputs: [y, indices] },
  );
  // MaxUnpool also insists that its own size formula, (out − 1)·stride + kernel − pads, fits in x.
  const unpoolable = a.kernel.every(
    (k, i) =>
      a.strides[i] >= (k - 1) * a.dilations[i] + 1 &&
      a.dilations[i] === 1 &&
      (outSize[i] - 1) * a.strides[i] + k - a.pads[i] - a.pads[spatial + i] <= inSize[i],
  );
  return t.record('maxpool', [x], y, [x.dims[0], x.dims[1], ...outSize], (g) => {
    if (unpoolable) {
      return [
        t.node('MaxUnpool', [g, indices, t.shapeOf(x)], {
          kernel_shape: attr.ints(a.kernel),
          strides: attr.ints(a.strides),
          pads: attr.ints(a.pads),
        }),
      ];
    }
    const flat = t.i64([-1]);
    const zeros = t.node('ConstantOfShape', [t.node('Reshape', [t.node('Size', [x.name]), t.i64([1])])], {
      value: attr.tensor({ type: 'float32', dims: [1], data: Float32Array.of(0) }),
    });
    const scattered = t.node('ScatterElements', [zeros, t.node('Reshape', [indices, flat]), t.node('Reshape', [g, flat])], {
      axis: attr.int(0),
      reduction: attr.string('add'),
    });
    return [t.node('Reshape', [scattered, t.shapeOf(x)])];
  });
}
