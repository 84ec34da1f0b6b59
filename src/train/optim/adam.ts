/**
 * `torch.optim.AdamW` and `torch.optim.Adam` (PyTorch 1.13's single-tensor path) as ONNX:
 *
 *   AdamW: p = p·(1 − lr·λ)            Adam: g = g + λ·p
 *   m = β1·m + (1 − β1)·g
 *   v = β2·v + (1 − β2)·g²
 *   p = p − (lr / (1 − β1ᵗ)) · m / (√v / √(1 − β2ᵗ) + ε)
 *
 * t counts steps from 1. The step-dependent scalars (1 − lr·λ, lr / (1 − β1ᵗ), √(1 − β2ᵗ)) are computed in
 * double precision in JS, as PyTorch does in Python, and fed.
 */
import { checkNonNegative, optionsError, type AdamConfig, type Optimizer } from './optimizer.js';

export function createAdam(config: AdamConfig): Optimizer {
  const decoupled = config.kind === 'adamw';
  const c: Required<AdamConfig> = { betas: [0.9, 0.999], eps: 1e-8, weightDecay: decoupled ? 0.01 : 0, ...config };
  const [b1, b2] = c.betas;
  if (!(b1 >= 0 && b1 < 1 && b2 >= 0 && b2 < 1)) throw optionsError(`Adam betas must be in [0, 1), got [${b1}, ${b2}]`);
  checkNonNegative('eps', c.eps);
  checkNonNegative('weight decay', c.weightDecay);
  const k = c.kind;
  return {
    config: c,
    stateSlots: ['exp_avg', 'exp_avg_sq'],
    scalarNames: ['lr', `${k}:decay`, `${k}:step_size`, `${k}:bc2_sqrt`],
    scalars(step, lr) {
      const n = step + 1;
      return {
        lr,
        [`${k}:decay`]: 1 - lr * c.weightDecay,
        [`${k}:step_size`]: lr / (1 - b1 ** n),
        [`${k}:bc2_sqrt`]: Math.sqrt(1 - b2 ** n),
      };
    },
    emit(t, p) {
      let param = p.param;
      let g = p.grad;
      if (p.decay && c.weightDecay !== 0) {
        if (decoupled) param = t.node('Mul', [param, p.scalars[`${k}:decay`]]);
        else g = t.node('Add', [g, t.node('Mul', [param, t.f32(c.weightDecay)])]);
      }
      const m = t.node('Add', [t.node('Mul', [p.state.exp_avg, t.f32(b1)]), t.node('Mul', [g, t.f32(1 - b1)])]);
      const v = t.node('Add', [t.node('Mul', [p.state.exp_avg_sq, t.f32(b2)]), t.node('Mul', [t.node('Mul', [g, g]), t.f32(1 - b2)])]);
      const denom = t.node('Add', [t.node('Div', [t.node('Sqrt', [v]), p.scalars[`${k}:bc2_sqrt`]]), t.f32(c.eps)]);
      const next = t.node('Sub', [param, t.node('Mul', [t.node('Div', [m, denom]), p.scalars[`${k}:step_size`]])]);
      return { param: next, state: { exp_avg: m, exp_avg_sq: v } };
    },
  };
}
