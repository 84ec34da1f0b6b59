/**
 * Table lookup `y = w[ids]`: int64 ids [N, ...] -> [N, ..., D] rows of `w` [V, D], one Gather.
 *
 * Gradient: the rows of dy are added into a zero [V, D] table at their ids, one ScatterND with
 * `reduction = 'add'` (opset 16), so an id that occurs several times in the batch gets the sum of its rows,
 * as PyTorch's dense embedding gradient does. The ids get no gradient.
 */
import { attr } from '../../../onnx/index.js';
import type { Tape, Var } from '../tape.js';

export function embedding(t: Tape, ids: Var, w: Var): Var {
  const y = t.node('Gather', [w.name, ids.name], { axis: attr.int(0) });
  return t.record('embedding', [ids, w], y, [...ids.dims, w.dims[1]], (g, needs) => {
    if (!needs[1]) return [undefined, undefined];
    const zeros = t.node('ConstantOfShape', [t.i64(w.dims as number[])], {
      value: attr.tensor({ type: 'float32', dims: [1], data: Float32Array.of(0) }),
    });
    const index = t.node('Unsqueeze', [ids.name, t.i64([-1])]);
    return [undefined, t.node('ScatterND', [zeros, index, g], { reduction: attr.string('add') })];
  });
}
