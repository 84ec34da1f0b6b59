/**
 * Reshape to a static per-sample shape, keeping the batch (also flatten, squeeze and unsqueeze). The gradient
 * is dy reshaped back to x's run-time shape.
 */
import { MsatError } from '../../../core/index.js';
import type { Dim } from '../../layer-types.js';
import type { Tape, Var } from '../tape.js';

/** `x` [N, ...] -> [N, ...perSample]. */
export function reshape(t: Tape, x: Var, perSample: readonly number[]): Var {
  const size = (d: readonly Dim[]): number => d.slice(1).reduce<number>((p, v) => p * (v as number), 1);
  if (size(x.dims) !== perSample.reduce((p, v) => p * v, 1)) {
    throw new MsatError('TRAIN_SHAPE', `cannot reshape [${x.dims.join(', ')}] to [N, ${perSample.join(', ')}]`);
  }
  // 0 copies the run-time batch size.
  const y = t.node('Reshape', [x.name, t.i64([0, ...perSample])]);
  return t.record('reshape', [x], y, [x.dims[0], ...perSample], (g) => [t.node('Reshape', [g, t.shapeOf(x)])]);
}
