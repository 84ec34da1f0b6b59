/**
 * One step of a spiking layer as ONNX nodes (METHOD.md §2), the graph twin of `reference/neuron.ts`:
 * charge → threshold → fire → reset → confidence → record, each a few elementwise ops.
 *
 * State is explicit: V (post-reset membrane), Vsum (sum of post-reset V over past steps) and n (spike count)
 * come in as tensors and go out updated; Vlast is the incoming V, so it needs no tensor of its own. The step
 * index t is a float scalar tensor, because one graph serves every chunk of steps.
 */
import { attr, type GraphBuilder } from '../../onnx/index.js';
import type { ResetMode, ThresholdRule } from '../reference/index.js';
import { DET_EXPONENT_MAX, THRESHOLD_LOGIT_MIN } from '../reference/index.js';
import type { Constants } from './constants.js';

/** Tensor names of a neuron layer's state inside a graph. */
export interface NeuronStateNames {
  readonly v: string;
  readonly vSum: string;
  readonly n: string;
}

/** What a spiking layer needs to emit its step; `lambda` names an initializer that broadcasts against x. */
export interface NeuronEmitSpec {
  readonly lambda: string;
  readonly rule: ThresholdRule;
  readonly gamma: number;
  readonly reset: ResetMode;
}

/** Inputs of one emitted step. `keep` is an optional 0/1 mask (spike confidence); `t` a float [1] tensor. */
export interface NeuronStepInputs {
  readonly x: string;
  readonly t: string;
  readonly state: NeuronStateNames;
  readonly keep?: string;
}

/** Outputs of one emitted step: the event value s·θ, the spikes s and the new state. */
export interface NeuronStepOutputs {
  readonly out: string;
  readonly spikes: string;
  readonly state: NeuronStateNames;
}

/** Emits one neuron step; returns the names of its outputs. */
export function emitNeuronStep(b: GraphBuilder, c: Constants, spec: NeuronEmitSpec, io: NeuronStepInputs): NeuronStepOutputs {
  const { x, t, state } = io;
  const v = b.node('Add', [state.v, x]); // charge
  const theta = emitThreshold(b, c, spec, io);
  // fire: s = clamp(floor(V / θ), 0, γ)
  let s = b.node('Floor', [b.node('Div', [v, theta])]);
  s = b.node('Max', [s, c.scalar(0)]);
  if (Number.isFinite(spec.gamma)) s = b.node('Min', [s, c.scalar(spec.gamma)]);
  // reset
  const vReset =
    spec.reset === 'soft'
      ? b.node('Sub', [v, b.node('Mul', [s, theta])])
      : b.node('Where', [b.node('Greater', [s, c.scalar(0)]), c.scalar(0), v]);
  // spike confidence: after the reset, so a dropped spike's charge is lost
  const sKept = io.keep ? b.node('Mul', [s, io.keep]) : s;
  const out = b.node('Mul', [sKept, theta]);
  // record
  const vSum = b.node('Add', [state.vSum, vReset]);
  const n = b.node('Add', [state.n, sKept]);
  return { out, spikes: sKept, state: { v: vReset, vSum, n } };
}

/** θ(t): k·λ, or for MSAT λ at t = 0 and λ·sigmoid(DTT + DET) after (`reference/threshold.ts`). */
function emitThreshold(b: GraphBuilder, c: Constants, spec: NeuronEmitSpec, io: NeuronStepInputs): string {
  const { rule, lambda } = spec;
  if (rule.kind === 'constant') return rule.k === 1 ? lambda : b.node('Mul', [lambda, c.scalar(rule.k)]);
  const { hp, mode } = rule;
  let logit: string | undefined;
  if (mode !== 'det') {
    // ΔV = Vlast − Vsum / t; t = 0 is masked below, so divide by max(t, 1)
    const mean = b.node('Div', [io.state.vSum, b.node('Max', [io.t, c.scalar(1)])]);
    const dv = b.node('Sub', [io.state.v, mean]);
    const softplus = b.node('Softplus', [b.node('Mul', [dv, c.scalar(1 / hp.ki)])]);
    // DTT = τmp·(α·ΔV + V_T + ka·softplus(ΔV/ki)), V_T = −λ
    let inner = b.node('Sub', [b.node('Mul', [dv, c.scalar(hp.alpha)]), lambda]);
    inner = b.node('Add', [inner, b.node('Mul', [softplus, c.scalar(hp.ka)])]);
    logit = b.node('Mul', [inner, c.scalar(hp.taump)]);
  }
  if (mode !== 'dtt') {
    // DET = τrd·exp(−x/C), exponent clamped so float32 never overflows
    const exponent = b.node('Min', [b.node('Mul', [io.x, c.scalar(-1 / hp.C)]), c.scalar(DET_EXPONENT_MAX)]);
    const det = b.node('Mul', [b.node('Exp', [exponent]), c.scalar(hp.taurd)]);
    logit = logit ? b.node('Add', [logit, det]) : det;
  }
  const sig = b.node('Sigmoid', [b.node('Max', [logit as string, c.scalar(THRESHOLD_LOGIT_MIN)])]);
  const adaptive = b.node('Mul', [lambda, sig]);
  // t = 0: θ = λ. Where broadcasts λ to the shape of the adaptive threshold.
  const first = b.node('Equal', [io.t, c.scalar(0)]);
  return b.node('Where', [first, b.node('Expand', [lambda, b.node('Shape', [adaptive])]), adaptive]);
}
