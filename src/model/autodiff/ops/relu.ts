/**
 * `y = max(x, 0)`. The gradient is written as `Where(x > 0, dy, 0)`: as tinygrad notes for its `relu`, a rule
 * derived from `max(x, 0)` gets the point x = 0 wrong; PyTorch's ReLU passes no gradient at exactly 0, and so
 * does this.
 */
import type { Tape, Var } from '../tape.js';

export function relu(t: Tape, x: Var): Var {
  const y = t.node('Relu', [x.name]);
  return t.record('relu', [x], y, x.dims, (g) => [t.node('Where', [t.node('Greater', [x.name, t.f32(0)]), g, t.f32(0)])]);
}
