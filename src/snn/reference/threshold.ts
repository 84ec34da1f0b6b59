import { MsatError } from '../../core/index.js';

/**
 * Per-model hyper-parameters of the MSAT threshold (docs/method.md §2, values in §5).
 *
 * - `alpha`: weight of the membrane-potential deviation ΔV in DTT.
 * - `ka`, `ki`: amplitude and scale of the softplus term `ka · ln(1 + exp(ΔV / ki))` in DTT.
 * - `C`: input scale of DET, `exp(−x / C)`.
 * - `taump`: gain τ_mp of the whole DTT term; `taurd`: gain τ_rd of the DET term.
 */
export interface MsatHyperParams {
  readonly alpha: number;
  readonly ka: number;
  readonly ki: number;
  readonly C: number;
  readonly taump: number;
  readonly taurd: number;
}

/** The authors' VGG-16 set (CIFAR-10 and CIFAR-100), docs/method.md §5: 0.03, 1, 1, 5, 1, 1. */
export const VGG_HYPER_PARAMS: MsatHyperParams = Object.freeze({ alpha: 0.03, ka: 1, ki: 1, C: 5, taump: 1, taurd: 1 });

/** The authors' ResNet set (CIFAR-10 and CIFAR-100), docs/method.md §5: 0.3, 1, 1, 5, 0.5, 0.5. */
export const RESNET_HYPER_PARAMS: MsatHyperParams = Object.freeze({
  alpha: 0.3,
  ka: 1,
  ki: 1,
  C: 5,
  taump: 0.5,
  taurd: 0.5,
});

/** Which MSAT terms enter the sigmoid: the full method (`'dtt+det'`) or one of the two ablations. */
export type MsatMode = 'dtt' | 'det' | 'dtt+det';

/** Every valid `MsatMode`, for validation messages. */
export const MSAT_MODES: readonly MsatMode[] = Object.freeze(['dtt', 'det', 'dtt+det'] as const);

/**
 * Upper clamp on the DET exponent −x / C. float32 `exp` overflows to +∞ above ≈ 88.72; 80 keeps
 * `exp` finite (≈ 5.5e34) in float32 as well, and sigmoid of such an argument is exactly 1 anyway, so the
 * clamp never changes θ. The ONNX graph must clamp at the same value so that both paths agree.
 */
export const DET_EXPONENT_MAX = 80;

/**
 * Lower clamp on the sigmoid argument DTT + DET. Without it a huge negative ΔV (≈ −3000 activation units
 * in float32) would underflow sigmoid to 0, giving θ = 0 and V / θ = NaN. sigmoid(−80) ≈ 1.8e-35 keeps
 * θ = λ · sigmoid(·) a positive normal float32 for any λ ≥ 1e-3, which is the "θ is always > 0" of
 * docs/method.md §2. It is unreachable for realistic activations, so it never changes a published number.
 */
export const THRESHOLD_LOGIT_MIN = -80;

/**
 * ln(1 + exp(z)) without overflow: `max(z, 0) + log1p(exp(−|z|))`. This equals the textbook formula
 * for every z (it is an identity, not an approximation), returns z for large z and exp(z) for very
 * negative z, and never evaluates exp of a positive number.
 */
export function stableSoftplus(z: number): number {
  return Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z)));
}

/** Logistic function 1 / (1 + exp(−z)), evaluated on the side where exp cannot overflow. */
export function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

/**
 * Dynamic threshold term of docs/method.md §2:
 * `DTT = τ_mp · (α·ΔV + V_T + k_a · ln(1 + exp(ΔV / k_i)))` with V_T = −λ.
 *
 * @param deltaV ΔV = Vlast − Vsum / t, the previous post-reset potential minus its running mean.
 * @param lambda the neuron's base threshold λ (> 0), in activation units.
 */
export function dttTerm(deltaV: number, hp: MsatHyperParams, lambda: number): number {
  return hp.taump * (hp.alpha * deltaV - lambda + hp.ka * stableSoftplus(deltaV / hp.ki));
}

/**
 * Depolarization-rate term of docs/method.md §2: `DET = τ_rd · exp(−x / C)`, the exponent clamped at
 * `DET_EXPONENT_MAX` (see there) so a strongly negative input current never overflows.
 *
 * @param x the input current x(t) of this step (not the membrane potential).
 */
export function detTerm(x: number, hp: MsatHyperParams): number {
  return hp.taurd * Math.exp(Math.min(-x / hp.C, DET_EXPONENT_MAX));
}

/**
 * θ = λ · sigmoid(DTT + DET) for t ≥ 1, with only the terms `mode` keeps (docs/method.md §2). Scalar and
 * allocation-free: this is the form the neuron's inner loop calls. At t = 0 the neuron uses θ = λ instead
 * (there is no history yet); that branch lives in the neuron, not here.
 */
export function msatThresholdValue(mode: MsatMode, lambda: number, hp: MsatHyperParams, deltaV: number, x: number): number {
  let logit = 0;
  if (mode !== 'det') logit += dttTerm(deltaV, hp, lambda);
  if (mode !== 'dtt') logit += detTerm(x, hp);
  return lambda * sigmoid(Math.max(logit, THRESHOLD_LOGIT_MIN));
}

/** Arguments of `msatThreshold`; see `msatThresholdValue` for each one's meaning. */
export interface MsatThresholdInput {
  readonly mode: MsatMode;
  readonly lambda: number;
  readonly hp: MsatHyperParams;
  readonly deltaV: number;
  readonly x: number;
}

/**
 * The two MSAT terms and θ, for diagnostics, threshold traces and the docs/method.md §6 test vectors.
 * A term the mode leaves out is reported as 0 (it then adds nothing to the sigmoid argument), so
 * `theta === lambda · sigmoid(dtt + det)` always holds (up to the `THRESHOLD_LOGIT_MIN` clamp).
 */
export interface MsatThresholdTerms {
  readonly dtt: number;
  readonly det: number;
  readonly theta: number;
}

/** DTT, DET and θ for one neuron at one step t ≥ 1 (docs/method.md §2). Allocates a result; use `msatThresholdValue` in loops. */
export function msatThreshold(input: MsatThresholdInput): MsatThresholdTerms {
  const { mode, lambda, hp, deltaV, x } = input;
  const dtt = mode === 'det' ? 0 : dttTerm(deltaV, hp, lambda);
  const det = mode === 'dtt' ? 0 : detTerm(x, hp);
  return { dtt, det, theta: msatThresholdValue(mode, lambda, hp, deltaV, x) };
}

/**
 * Checks that `hp` can be used: every field finite, and `ki`, `C` strictly positive (they divide).
 * @param where names the layer or option in the error message.
 */
export function validateMsatHyperParams(hp: MsatHyperParams, where: string): void {
  for (const key of ['alpha', 'ka', 'ki', 'C', 'taump', 'taurd'] as const) {
    if (!Number.isFinite(hp[key])) {
      throw new MsatError(
        'SNN_INVALID_HYPER_PARAMS',
        `${where}: MSAT hyper-parameter ${key} must be a finite number, got ${hp[key]}; start from VGG_HYPER_PARAMS or RESNET_HYPER_PARAMS.`,
      );
    }
  }
  if (!(hp.ki > 0) || !(hp.C > 0)) {
    throw new MsatError('SNN_INVALID_HYPER_PARAMS', `${where}: MSAT hyper-parameters ki and C divide and must be > 0, got ki=${hp.ki}, C=${hp.C}.`);
  }
}

/** Throws unless `mode` is one of `MSAT_MODES`. */
export function validateMsatMode(mode: string, where: string): asserts mode is MsatMode {
  if (!(MSAT_MODES as readonly string[]).includes(mode)) {
    throw new MsatError('SNN_INVALID_OPTIONS', `${where}: unknown MSAT mode '${mode}'. Must be one of [${MSAT_MODES.join(', ')}].`);
  }
}
