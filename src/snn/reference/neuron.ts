import { MsatError } from '../../core/index.js';
import {
  type NeuronLayerOptions,
  type ResetMode,
  type ResolvedConfidence,
  type ResolvedNeuronLayerOptions,
  type ThresholdRule,
  resolveNeuronLayerOptions,
} from './neuron-options.js';
import { type Rng, fillUniform } from './rng.js';
import { msatThresholdValue } from './threshold.js';

// Numeric choice: state and outputs are Float64Array and all arithmetic is plain JS float64. This loop is
// the oracle the float32 onnxruntime graphs are compared against; float64 keeps its own rounding ~1e-16,
// so a 1e-6 tolerance in those tests measures the graph's error, not the reference's.

/**
 * Explicit state of a layer of N spiking neurons (docs/method.md §2). Every per-neuron array has length N.
 * `t` is shared by the layer: all neurons advance together.
 */
export interface NeuronState {
  /** Membrane potential V after the last reset. */
  readonly v: Float64Array;
  /** Σ of post-reset V over past steps 0..t−1. */
  readonly vSum: Float64Array;
  /** Post-reset V of the previous step. */
  readonly vLast: Float64Array;
  /** Spike count n (Σ s over past steps; confidence-dropped spikes excluded). */
  readonly n: Float64Array;
  /** Steps taken since the last reset. */
  t: number;
}

/** The value each state field takes on reset (docs/method.md §1.6: all state is reset for every sample). */
export const NEURON_STATE_RESET_VALUES = Object.freeze({ v: 0, vSum: 0, vLast: 0, n: 0, t: 0 });

/** A fresh state of `size` neurons at its reset values. */
export function createNeuronState(size: number): NeuronState {
  const state: NeuronState = {
    v: new Float64Array(size),
    vSum: new Float64Array(size),
    vLast: new Float64Array(size),
    n: new Float64Array(size),
    t: 0,
  };
  resetNeuronState(state);
  return state;
}

/** Restores every field of `state` to `NEURON_STATE_RESET_VALUES`, in place. */
export function resetNeuronState(state: NeuronState): void {
  state.v.fill(NEURON_STATE_RESET_VALUES.v);
  state.vSum.fill(NEURON_STATE_RESET_VALUES.vSum);
  state.vLast.fill(NEURON_STATE_RESET_VALUES.vLast);
  state.n.fill(NEURON_STATE_RESET_VALUES.n);
  state.t = NEURON_STATE_RESET_VALUES.t;
}

/** A deep copy of `state` (for snapshots and for the non-aliased form of `stepNeuronLayer`). */
export function cloneNeuronState(state: NeuronState): NeuronState {
  return { v: state.v.slice(), vSum: state.vSum.slice(), vLast: state.vLast.slice(), n: state.n.slice(), t: state.t };
}

/** Per-step outputs of a layer; each array has length N. */
export interface NeuronStepOutputs {
  /** s·θ, the value the event carries to the next layer (docs/method.md §2). */
  readonly output: Float64Array;
  /** s, the number of spikes this step (after confidence). */
  readonly spikes: Float64Array;
  /** θ(t) used this step (threshold trace). */
  readonly theta: Float64Array;
}

/** Zeroed output buffers for `size` neurons. */
export function createNeuronStepOutputs(size: number): NeuronStepOutputs {
  return { output: new Float64Array(size), spikes: new Float64Array(size), theta: new Float64Array(size) };
}

/** Charge: V ← V + x(t). */
export function charge(v: number, x: number): number {
  return v + x;
}

/**
 * θ(t) of one neuron (docs/method.md §2). Constant rule: k·λ. MSAT: λ at t = 0, otherwise
 * λ·sigmoid(DTT + DET) with ΔV = Vlast − Vsum / t and x the current of this step.
 */
export function threshold(rule: ThresholdRule, lambda: number, t: number, vLast: number, vSum: number, x: number): number {
  if (rule.kind === 'constant') return rule.k * lambda;
  if (t === 0) return lambda;
  return msatThresholdValue(rule.mode, lambda, rule.hp, vLast - vSum / t, x);
}

/** Fire: s = clamp(floor(V / θ), 0, γ). θ > 0 is guaranteed by the threshold rules. */
export function fire(v: number, theta: number, gamma: number): number {
  const s = Math.floor(v / theta);
  return s < 0 ? 0 : s > gamma ? gamma : s;
}

/** Reset after s spikes: soft V − s·θ, or hard 0 when s > 0 (see `ResetMode`). */
export function reset(v: number, s: number, theta: number, mode: ResetMode): number {
  if (mode === 'hard') return s > 0 ? 0 : v;
  return v - s * theta;
}

/**
 * Spike confidence for one neuron in the window: keep s when the uniform draw u < c, else drop all of it
 * (s·Bernoulli(c), docs/method.md §2). Called after `reset`, so the charge of a dropped spike is already gone.
 */
export function applyConfidence(s: number, c: number, u: number): number {
  return u < c ? s : 0;
}

/** Record: n ← n + s; Vlast ← V; Vsum ← Vsum + V; and the new V, into `stateOut` at neuron i. */
export function record(stateIn: NeuronState, stateOut: NeuronState, i: number, v: number, s: number): void {
  stateOut.n[i] = stateIn.n[i] + s;
  stateOut.vSum[i] = stateIn.vSum[i] + v;
  stateOut.vLast[i] = v;
  stateOut.v[i] = v;
}

/** True when the confidence mask applies at step t (so a step needs uniform draws). */
export function confidenceActive(confidence: ResolvedConfidence | null, t: number): confidence is ResolvedConfidence {
  return confidence !== null && t < confidence.window;
}

function checkLength(what: string, got: number, want: number): void {
  if (got !== want) {
    throw new MsatError('SNN_SHAPE_MISMATCH', `neuron layer step: ${what} has ${got} elements, expected ${want} (the layer size).`);
  }
}

/**
 * One step of the layer: `(x, uniforms, stateIn) -> (out, stateOut)`, charge → threshold → fire → reset →
 * confidence → record per neuron (docs/method.md §2). This is the exact shape of the one-step ONNX graph.
 *
 * Pure given its inputs: the randomness of spike confidence comes in as `uniforms` (one U[0,1) per neuron,
 * needed only while `t < window`), not from an RNG, so a graph fed the same draws must match exactly.
 * `stateOut` may be the same object as `stateIn` (in-place update, no allocation); neuron i reads and
 * writes only index i, so aliasing is safe. `stateOut.t = stateIn.t + 1`.
 */
export function stepNeuronLayer(
  options: ResolvedNeuronLayerOptions,
  x: ArrayLike<number>,
  uniforms: ArrayLike<number> | null,
  stateIn: NeuronState,
  stateOut: NeuronState,
  out: NeuronStepOutputs,
): void {
  const { size, lambda, threshold: rule, gamma, reset: resetMode, confidence } = options;
  checkLength('input x', x.length, size);
  const t = stateIn.t;
  const masked = confidenceActive(confidence, t);
  if (masked) {
    if (uniforms === null) {
      throw new MsatError(
        'SNN_MISSING_INPUT',
        `neuron layer step ${t}: spike confidence is on (window ${confidence.window}) but no uniform draws were passed; pass one U[0,1) per neuron.`,
      );
    }
    checkLength('uniforms', uniforms.length, size);
  }
  for (let i = 0; i < size; i++) {
    const xi = x[i];
    let v = charge(stateIn.v[i], xi);
    const theta = threshold(rule, lambda[i], t, stateIn.vLast[i], stateIn.vSum[i], xi);
    let s = fire(v, theta, gamma);
    v = reset(v, s, theta, resetMode);
    if (masked) s = applyConfidence(s, confidence.c, (uniforms as ArrayLike<number>)[i]);
    out.output[i] = s * theta;
    out.spikes[i] = s;
    out.theta[i] = theta;
    record(stateIn, stateOut, i, v, s);
  }
  stateOut.t = t + 1;
}

/**
 * A layer of N spiking neurons with its own state, output buffers and (for spike confidence) RNG, in the
 * style of SpikingJelly's nodes: `resetState()` before every sample, then `step(x)` once per time step.
 *
 * `step` returns the layer's own output buffers, overwritten by the next call: copy what you keep.
 * `resetState()` does not rewind the RNG (like `torch.rand`, draws continue across samples); construct the
 * layer with a fresh seeded RNG to replay a run.
 */
export class NeuronLayer {
  readonly options: ResolvedNeuronLayerOptions;
  readonly state: NeuronState;
  readonly outputs: NeuronStepOutputs;
  readonly #rng: Rng | null;
  readonly #uniforms: Float64Array | null;

  constructor(options: NeuronLayerOptions) {
    this.options = resolveNeuronLayerOptions(options);
    this.state = createNeuronState(this.options.size);
    this.outputs = createNeuronStepOutputs(this.options.size);
    this.#rng = options.confidence ? options.confidence.rng : null;
    this.#uniforms = this.#rng ? new Float64Array(this.options.size) : null;
  }

  /** Number of neurons. */
  get size(): number {
    return this.options.size;
  }

  /** Puts every state field back to its reset value (start of a sample). */
  resetState(): void {
    resetNeuronState(this.state);
  }

  /**
   * Advances one step with input current `x` (length N). While spike confidence is active it draws N
   * uniforms from the RNG in neuron order, whatever the spikes are, so the stream position depends only on
   * N and t.
   */
  step(x: ArrayLike<number>): NeuronStepOutputs {
    let uniforms: Float64Array | null = null;
    if (this.#rng && this.#uniforms && confidenceActive(this.options.confidence, this.state.t)) {
      uniforms = fillUniform(this.#rng, this.#uniforms);
    }
    stepNeuronLayer(this.options, x, uniforms, this.state, this.state, this.outputs);
    return this.outputs;
  }
}
