/**
 * Elementwise `y = a + b` with NumPy broadcasting (a residual connection, or a bias constant). Each operand's
 * gradient is dy summed down to its own shape.
 */
import { broadcastShapes } from '../../shape-utils.js';
import { MsatError } from '../../../core/index.js';
import { sumToShape, type Tape, type Var } from '../tape.js';

export function add(t: Tape, a: Var, b: Var): Var {
  const dims = broadcastShapes(a.dims, b.dims);
  if (!dims) throw new MsatError('TRAIN_SHAPE', `cannot add [${a.dims.join(', ')}] and [${b.dims.join(', ')}]`);
  const y = t.node('Add', [a.name, b.name]);
  return t.record('add', [a, b], y, dims, (g, needs) => [
    needs[0] ? sumToShape(t, g, dims, a.dims) : undefined,
    needs[1] ? sumToShape(t, g, dims, b.dims) : undefined,
  ]);
}
