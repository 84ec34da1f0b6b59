/** Axis permutation; the gradient is dy permuted by the inverse permutation. */
import { attr } from '../../../onnx/index.js';
import type { Tape, Var } from '../tape.js';

export function transpose(t: Tape, x: Var, perm: readonly number[]): Var {
  const inverse = perm.map((_, i) => perm.indexOf(i));
  const y = t.node('Transpose', [x.name], { perm: attr.ints(perm) });
  return t.record(
    'transpose',
    [x],
    y,
    perm.map((p) => x.dims[p]),
    (g) => [t.node('Transpose', [g], { perm: attr.ints(inverse) })],
  );
}
