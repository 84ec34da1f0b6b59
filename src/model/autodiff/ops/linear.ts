/**
 * Fully connected layer over the last axis: `y = x · wᵀ + b` (PyTorch's `[out, in]` weight).
 *
 * Rules, closed form on the 2-D view X [R, in] of x (R = N, or N·T for a `[N, T, in]` input):
 * dX = dY · w; dw = dYᵀ · X; db = Σ_rows dY. A 2-D input is one Gemm forward and one MatMul + one Gemm back;
 * higher ranks are reshaped to 2-D and back inside the primitive.
 */
import { MsatError } from '../../../core/index.js';
import type { Dim } from '../../layer-types.js';
import { attr } from '../../../onnx/index.js';
import type { Tape, Var } from '../tape.js';

/** `x` [N, ..., in], `w` [out, in], `b` [out] -> [N, ..., out]. */
export function linear(t: Tape, x: Var, w: Var, b: Var | undefined): Var {
  const [outF, inF] = w.dims as number[];
  if (x.dims.length < 2 || x.dims[x.dims.length - 1] !== inF) {
    throw new MsatError('TRAIN_SHAPE', `linear [${outF}, ${inF}] cannot take an input shaped [${x.dims.join(', ')}]`);
  }
  const flat = x.dims.length > 2;
  const x2 = flat ? t.node('Reshape', [x.name, t.i64([-1, inF])]) : x.name;
  let y = t.node('Gemm', b ? [x2, w.name, b.name] : [x2, w.name], { transB: attr.int(1) });
  const lead = x.dims.slice(1, -1) as number[];
  if (flat) y = t.node('Reshape', [y, t.i64([-1, ...lead, outF])]);
  const dims: Dim[] = [...x.dims.slice(0, -1), outF];
  return t.record('linear', b ? [x, w, b] : [x, w], y, dims, (g, needs) => {
    const g2 = flat ? t.node('Reshape', [g, t.i64([-1, outF])]) : g;
    let dx: string | undefined;
    if (needs[0]) {
      dx = t.node('MatMul', [g2, w.name]);
      if (flat) dx = t.node('Reshape', [dx, t.shapeOf(x)]);
    }
    return [
      dx,
      needs[1] ? t.node('Gemm', [g2, x2], { transA: attr.int(1) }) : undefined,
      b && needs[2] ? t.node('ReduceSum', [g2, t.i64([0])], { keepdims: attr.int(0) }) : undefined,
    ];
  });
}
