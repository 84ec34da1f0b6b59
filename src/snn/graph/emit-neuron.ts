/**
 * One step of a spiking layer as ONNX nodes (docs/method.md §2), the graph twin of `reference/neuron.ts`:
 * charge → threshold → fire → reset → confidence, each a few elementwise ops.
 *
 * State is explicit: V (post-reset membrane) and, when DTT needs it, Vsum (sum of post-reset V over past
 * steps) come in as tensors and go out updated; Vlast is the incoming V, so it needs no tensor of its own.
 * The spike count n is recorded by the caller once per chunk (one Sum over the chunk's spikes, not K Adds).
 *
 * Every elementwise op here is a full pass over the layer's tensor, and those passes are what the simulation
 * costs beside the convolutions, so the step is written with the fewest ops that keep the exact semantics:
 * constants are folded in TypeScript (`NeuronConstants`), s·θ is computed once for the reset and the output,
 * γ = 1 fires with one comparison, and the t = 0 case of MSAT is decided when the graph is built, not per
 * element at run time (see `NeuronStepInputs.t`).
 */
import { MsatError, type Tensor } from '../../core/index.js';
import { attr, type GraphBuilder } from '../../onnx/index.js';
import type { NeuronDynamics } from '../neuron-config.js';
import type { MsatHyperParams, ThresholdRule } from '../reference/index.js';
import { DET_EXPONENT_MAX, THRESHOLD_LOGIT_MIN } from '../reference/index.js';
import type { Constants } from './constants.js';

/** Tensor names of a neuron layer's state inside a graph. `vSum` only when the rule uses DTT. */
export interface NeuronStateNames {
  readonly v: string;
  readonly vSum?: string;
}

/**
 * Per-layer initializers, computed once in TypeScript so no step spends an op on a constant product:
 * `lambda` (λ) and `theta` (k·λ, constant rule); for MSAT's exp form (`emitExpFormThreshold`) the numerator,
 * offset and clamp of θ = numerator / (offset + e^(min(−w′, clampMax))·σ(|u|)^c), where DTT's constant term
 * τ_mp·λ is folded into them (numerator λ·e^(−τ_mp·λ), offset e^(−τ_mp·λ), clampMax 80 − τ_mp·λ) when
 * |τ_mp·λ| ≤ 40 keeps them normal float32 numbers, and otherwise left as `bias` (τ_mp·λ) to add per step.
 */
export interface NeuronConstants {
  readonly spec: NeuronDynamics;
  readonly lambda: string;
  readonly theta?: string;
  readonly numerator?: string;
  readonly offset?: string;
  readonly clampMax?: string;
  readonly clampMaxIsScalar?: boolean;
  readonly bias?: string;
}

/**
 * Inputs of one emitted step. `t` says what is known about the step index when the graph is built:
 * `'zero'` (the first step of a simulation: MSAT uses θ = λ), `'positive'` (a float [1] tensor that is ≥ 1 at run
 * time: the adaptive threshold without any t = 0 case), or `'any'` (a float [1] tensor that may be 0: both
 * thresholds, selected by a Where). `keep` is an optional 0/1 mask (spike confidence). `det` is `emitDet`'s
 * term when the caller computed it once for a step-invariant x.
 */
export interface NeuronStepInputs {
  readonly x: string;
  readonly t: { readonly kind: 'zero' } | { readonly kind: 'positive' | 'any'; readonly name: string };
  readonly state: NeuronStateNames;
  readonly keep?: string;
  readonly det?: string;
  /** Names for the new state tensors (the chunk's last step writes the graph outputs directly). */
  readonly outputNames?: { readonly v?: string; readonly vSum?: string };
}

/** Tensor names of one emitted step: the event value s·θ, the spikes s (after confidence) and the new state (the reference's values of a step are `NeuronStepOutputs`). */
export interface EmittedNeuronStep {
  readonly out: string;
  readonly spikes: string;
  readonly state: NeuronStateNames;
  /** The charged membrane V + x before fire and reset, and θ(t) (possibly a broadcastable constant): for traces. */
  readonly membrane: string;
  readonly theta: string;
}

/** True when the rule needs the Vsum state (MSAT with the DTT term). */
export function needsVSum(rule: ThresholdRule): boolean {
  return rule.kind === 'msat' && rule.mode !== 'det';
}

/** Adds the initializers of one spiking layer; `lambda` broadcasts against [B, ...layer shape]. */
export function emitNeuronConstants(b: GraphBuilder, layer: string, spec: NeuronDynamics, lambda: Tensor<'float32'>): NeuronConstants {
  const lambdaName = b.initializer(`${layer}.lambda`, lambda);
  // one value per λ entry, stored as a scalar when all are equal (Clip takes scalar bounds only)
  const perLambda = (name: string, f: (l: number) => number): { name: string; scalar: boolean } => {
    const values = lambda.data.map(f);
    const scalar = values.every((v) => v === values[0]);
    return {
      name: b.initializer(`${layer}.${name}`, {
        type: 'float32',
        dims: scalar ? [] : [...lambda.dims],
        data: scalar ? values.subarray(0, 1) : values,
      }),
      scalar,
    };
  };
  const { rule } = spec;
  if (rule.kind === 'constant') return { spec, lambda: lambdaName, theta: rule.k === 1 ? lambdaName : perLambda('theta', (l) => rule.k * l).name };
  const tau = rule.hp.taump;
  const fold = needsVSum(rule) && lambda.data.every((l) => Math.abs(tau * l) <= 40);
  const bias = needsVSum(rule) && !fold ? perLambda('dtt_bias', (l) => tau * l).name : undefined;
  const shift = (l: number) => (fold ? tau * l : 0);
  const clamp = perLambda('logit_clamp', (l) => -THRESHOLD_LOGIT_MIN - shift(l));
  return {
    spec,
    lambda: lambdaName,
    numerator: fold ? perLambda('theta_numerator', (l) => l * Math.exp(-shift(l))).name : lambdaName,
    offset: perLambda('theta_offset', (l) => Math.exp(-shift(l))).name,
    clampMax: clamp.name,
    clampMaxIsScalar: clamp.scalar,
    bias,
  };
}

/**
 * The x-dependent term of an MSAT threshold (docs/method.md §2): DET = τ_rd·exp(−x/C), or DET − τ_mp·λ where
 * DTT+DET keeps DTT's constant term per step (`NeuronConstants.bias`); undefined for DTT alone and the
 * constant rule. For a step-invariant x, emit it once per chunk and pass it as `det`.
 */
export function emitDet(b: GraphBuilder, c: Constants, k: NeuronConstants, x: string): string | undefined {
  const { rule } = k.spec;
  if (rule.kind !== 'msat' || rule.mode === 'dtt') return undefined;
  const { C, taurd } = rule.hp;
  let exponent = b.node('Mul', [x, c.scalar(-1 / C)]);
  // With τ_rd > 0 the exponent needs no clamp: exp overflows to +∞ only where −x/C > 88.7, there DET and
  // DTT + DET (DTT is finite) are +∞, and sigmoid(+∞) = 1 gives θ = λ, as the reference's clamp at
  // DET_EXPONENT_MAX does (sigmoid rounds to 1 in float32 above z ≈ 17). For τ_rd ≤ 0 the clamp stays
  // (0·∞ would be NaN).
  if (!(taurd > 0)) exponent = b.node('Min', [exponent, c.scalar(DET_EXPONENT_MAX)]);
  const e = b.node('Exp', [exponent]);
  const det = taurd === 1 ? e : b.node('Mul', [e, c.scalar(taurd)]);
  return k.bias !== undefined ? b.node('Sub', [det, k.bias]) : det;
}

/** Emits one neuron step; returns the names of its outputs. */
export function emitNeuronStep(b: GraphBuilder, c: Constants, k: NeuronConstants, io: NeuronStepInputs): EmittedNeuronStep {
  const { spec } = k;
  const { state } = io;
  const names = io.outputNames ?? {};
  const v = b.node('Add', [state.v, io.x]); // charge
  const theta = emitThreshold(b, c, k, io);
  const { s, sTheta, vReset } = emitFireAndReset(b, c, spec, v, theta, names.v);
  // spike confidence: after the reset, so a dropped spike's charge is lost
  const spikes = io.keep ? b.node('Mul', [s, io.keep]) : s;
  const out = io.keep ? b.node('Mul', [sTheta ?? b.node('Mul', [s, theta]), io.keep]) : (sTheta ?? b.node('Mul', [s, theta]));
  // record (Vlast is the new V itself)
  const next: NeuronStateNames = {
    v: vReset,
    vSum: state.vSum === undefined ? undefined : b.node('Add', [state.vSum, vReset], {}, names.vSum ? { outputs: [names.vSum] } : {}),
  };
  return { out, spikes, state: next, membrane: v, theta };
}

/**
 * Fire and reset. γ = 1: s = [V ≥ θ], which equals clamp(floor(V/θ), 0, 1) exactly in float32 for θ > 0
 * (fl(V/θ) ≥ 1 exactly when V ≥ θ: below θ the quotient is at most 1 − 2⁻²⁴, a float below 1). Otherwise
 * s = clamp(floor(V/θ), 0, γ) with one Clip. The soft reset's s·θ is also the event value, so it is shared.
 */
function emitFireAndReset(
  b: GraphBuilder,
  c: Constants,
  spec: NeuronDynamics,
  v: string,
  theta: string,
  vName: string | undefined,
): { s: string; sTheta?: string; vReset: string } {
  const named = vName ? { outputs: [vName] } : {};
  if (spec.gamma === 1) {
    const fired = b.node('GreaterOrEqual', [v, theta]);
    const s = b.node('Cast', [fired], { to: attr.int(1) });
    if (spec.reset === 'hard') return { s, vReset: b.node('Where', [fired, c.scalar(0), v], {}, named) };
    const sTheta = b.node('Mul', [s, theta]);
    return { s, sTheta, vReset: b.node('Sub', [v, sTheta], {}, named) };
  }
  if (!(spec.gamma > 1)) throw new MsatError('SNN_OPTIONS', `γ (max spikes per step) must be ≥ 1, got ${spec.gamma}`);
  const max = Number.isFinite(spec.gamma) ? [c.scalar(spec.gamma)] : [];
  const s = b.node('Clip', [b.node('Floor', [b.node('Div', [v, theta])]), c.scalar(0), ...max]);
  if (spec.reset === 'hard') return { s, vReset: b.node('Where', [b.node('Greater', [s, c.scalar(0)]), c.scalar(0), v], {}, named) };
  const sTheta = b.node('Mul', [s, theta]);
  return { s, sTheta, vReset: b.node('Sub', [v, sTheta], {}, named) };
}

/** θ(t): k·λ, or for MSAT λ at t = 0 and λ·sigmoid(DTT + DET) after (`reference/threshold.ts`). */
function emitThreshold(b: GraphBuilder, c: Constants, k: NeuronConstants, io: NeuronStepInputs): string {
  const { rule } = k.spec;
  if (rule.kind === 'constant') return k.theta!;
  if (io.t.kind === 'zero') return k.lambda;
  const { hp, mode } = rule;
  const det = io.det ?? emitDet(b, c, k, io.x);
  let adaptive: string;
  if (mode === 'det' && hp.taurd >= 0) {
    // z = DET ≥ 0, where onnxruntime's Sigmoid is accurate to a few 1e-8 (it returns 0 below z ≈ −18)
    adaptive = b.node('Mul', [k.lambda, b.node('Sigmoid', [det!])]);
  } else {
    adaptive = emitExpFormThreshold(b, c, k, hp, io.state, io.t.kind === 'any' ? b.node('Max', [io.t.name, c.scalar(1)]) : io.t.name, det);
  }
  if (io.t.kind === 'positive') return adaptive;
  // t may be 0: θ = λ there (Where broadcasts λ); with t = 0 the division above used max(t, 1)
  return b.node('Where', [b.node('Equal', [io.t.name, c.scalar(0)]), k.lambda, adaptive]);
}

/**
 * θ = λ·sigmoid(z), z = DTT + DET, as θ = λ / (1 + e^(−z)) with e^(−z) built without a logarithm.
 * onnxruntime's Softplus and Log are scalar loops (about 20 and 4 ns per element, against 0.1–0.4 ns for
 * Exp, Sigmoid and the arithmetic ops), so DTT's softplus is split with softplus(u) = relu(u) − ln σ(|u|):
 *
 *   u = ΔV/k_i,  c = τ_mp·k_a,  A = τ_mp·α
 *   −w = A·(−ΔV) + (c/k_i)·min(−ΔV, 0) + τ_mp·λ − DET   (= −(z + c·ln σ(|u|)))
 *   e^(−z) = e^(−w) · σ(|u|)^c            (σ(|u|) ∈ [½, 1]: no under- or overflow, Sigmoid accurate there)
 *
 * The two ΔV terms of −w are one LeakyRelu scaled by A: A·y + b·min(y, 0) = A·LeakyRelu(y, (A + b)/A). The
 * constant τ_mp·λ is folded into the constants of θ = λ/(1 + e^(τ_mp·λ)·Y′) (see `NeuronConstants`), so −w′ =
 * −w − τ_mp·λ takes one op fewer per step. `det` is `emitDet`'s term.
 *
 * The clamp −w ≤ 80 plays THRESHOLD_LOGIT_MIN's role (θ ≥ λ·sigmoid(−80) stays a positive float32); it can
 * differ from clamping z only where z < −79.3, i.e. θ < 1e−34·λ. Unlike Sigmoid(z), whose float32 result is 0
 * below z ≈ −18 in onnxruntime, this form keeps θ's relative accuracy for every z.
 */
function emitExpFormThreshold(
  b: GraphBuilder,
  c: Constants,
  k: NeuronConstants,
  hp: MsatHyperParams,
  state: NeuronStateNames,
  t: string,
  det: string | undefined,
): string {
  const cc = hp.taump * hp.ka;
  let nd: string | undefined; // −ΔV = Vsum/t − Vlast
  let negW: string;
  if (state.vSum !== undefined) {
    nd = b.node('Sub', [b.node('Div', [state.vSum, t]), state.v]);
    const A = hp.taump * hp.alpha;
    const slope = cc / hp.ki; // of min(−ΔV, 0)
    let dvTerm: string;
    if (A !== 0) {
      const lr = slope === 0 ? nd : b.node('LeakyRelu', [nd], { alpha: attr.float((A + slope) / A) });
      dvTerm = A === 1 ? lr : b.node('Mul', [lr, c.scalar(A)]);
    } else {
      dvTerm = b.node('Mul', [b.node('Clip', [nd, '', c.scalar(0)]), c.scalar(slope)]);
    }
    if (det !== undefined) negW = b.node('Sub', [dvTerm, det]);
    else negW = k.bias === undefined ? dvTerm : b.node('Add', [dvTerm, k.bias]);
  } else {
    negW = b.node('Neg', [det!]);
  }
  // Clip takes scalar bounds only; a channel-wise bound needs Min
  const clamped = b.node(k.clampMaxIsScalar ? 'Clip' : 'Min', k.clampMaxIsScalar ? [negW, '', k.clampMax!] : [negW, k.clampMax!]);
  let expNegZ = b.node('Exp', [clamped]);
  if (nd !== undefined && cc !== 0) {
    const absU = b.node('Abs', [hp.ki === 1 ? nd : b.node('Mul', [nd, c.scalar(1 / hp.ki)])]);
    const sig = b.node('Sigmoid', [absU]);
    const power = cc === 1 ? sig : cc === 0.5 ? b.node('Sqrt', [sig]) : cc === 2 ? b.node('Mul', [sig, sig]) : b.node('Pow', [sig, c.scalar(cc)]);
    expNegZ = b.node('Mul', [expNegZ, power]);
  }
  return b.node('Div', [k.numerator!, b.node('Add', [expNegZ, k.offset!])]);
}
