/**
 * `torch.optim.SGD` as ONNX, step for step:
 *
 *   d   = g + λ·p                      (weight decay λ)
 *   buf = μ·buf + (1 − τ)·d            (momentum μ, dampening τ; the first step sets buf = d)
 *   d   = d + μ·buf  if Nesterov, else buf
 *   p   = p − lr·d
 *
 * The first-step rule needs no branch: the buffer starts at zero and the fed scalar `sgd:dampen` is
 * (1 − τ) from the second step on and 1 on the first, so buf = 0·μ + 1·d = d exactly.
 */
import { checkNonNegative, optionsError, type Optimizer, type SgdConfig } from './optimizer.js';

export const DEFAULT_SGD_CONFIG: Required<SgdConfig> = { kind: 'sgd', momentum: 0.9, dampening: 0, nesterov: false, weightDecay: 5e-4 };

export function createSgd(config: SgdConfig): Optimizer {
  const c: Required<SgdConfig> = { ...DEFAULT_SGD_CONFIG, ...config };
  checkNonNegative('momentum', c.momentum);
  checkNonNegative('dampening', c.dampening);
  checkNonNegative('weight decay', c.weightDecay);
  if (c.nesterov && (c.momentum <= 0 || c.dampening !== 0))
    throw optionsError('Nesterov momentum needs momentum > 0 and dampening = 0 (as in PyTorch)');
  const withMomentum = c.momentum !== 0;
  const dampened = withMomentum && c.dampening !== 0;
  return {
    config: c,
    stateSlots: withMomentum ? ['momentum'] : [],
    scalarNames: dampened ? ['lr', 'sgd:dampen'] : ['lr'],
    scalars: (step, lr): Record<string, number> => (dampened ? { lr, 'sgd:dampen': step === 0 ? 1 : 1 - c.dampening } : { lr }),
    emit(t, p) {
      let d = p.grad;
      if (p.decay && c.weightDecay !== 0) d = t.node('Add', [d, t.node('Mul', [p.param, t.f32(c.weightDecay)])]);
      const state: Record<string, string> = {};
      if (withMomentum) {
        const fresh = dampened ? t.node('Mul', [d, p.scalars['sgd:dampen']]) : d;
        const buf = t.node('Add', [t.node('Mul', [p.state.momentum, t.f32(c.momentum)]), fresh]);
        state.momentum = buf;
        d = c.nesterov ? t.node('Add', [d, t.node('Mul', [buf, t.f32(c.momentum)])]) : buf;
      }
      return { param: t.node('Sub', [p.param, t.node('Mul', [d, p.scalars.lr])]), state };
    },
  };
}
