/** Concatenation along a non-batch axis; the gradient is dy split back into the inputs' sizes along that axis. */
import { MsatError } from '../../../core/index.js';
import { attr } from '../../../onnx/index.js';
import type { Tape, Var } from '../tape.js';

export function concat(t: Tape, xs: readonly Var[], axis: number): Var {
  if (axis < 1) throw new MsatError('TRAIN_SHAPE', `concat axis must be a non-batch axis, got ${axis}`);
  const sizes = xs.map((x) => x.dims[axis] as number);
  const dims = xs[0].dims.map((d, i) => (i === axis ? sizes.reduce((a, b) => a + b, 0) : d));
  const y = t.node(
    'Concat',
    xs.map((x) => x.name),
    { axis: attr.int(axis) },
  );
  return t.record('concat', xs, y, dims, (g) => {
    const outs = xs.map(() => t.g.fresh('concat_grad'));
    t.g.node('Split', [g, t.i64(sizes)], { axis: attr.int(axis) }, { outputs: outs });
    return outs;
  });
}
