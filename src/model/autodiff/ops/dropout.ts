/**
 * Dropout as `y = x · mask`, where the mask (zeros and `1/(1-p)`, PyTorch's inverted dropout) is a graph input
 * drawn by the trainer's seeded JS RNG: ONNX's Dropout draws from onnxruntime's own generator, which a seed
 * cannot make reproducible across sessions or resumes. Gradient: dy · mask.
 */
import type { Tape, Var } from '../tape.js';

/** `mask` has x's shape (it is a non-differentiable leaf). */
export function dropout(t: Tape, x: Var, mask: Var): Var {
  const y = t.node('Mul', [x.name, mask.name]);
  return t.record('dropout', [x, mask], y, x.dims, (g, needs) => [needs[0] ? t.node('Mul', [g, mask.name]) : undefined, undefined]);
}
