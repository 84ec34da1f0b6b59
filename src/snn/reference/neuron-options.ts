import { MsatError } from '../../core/index.js';
import type { Rng } from './rng.js';
import { type MsatHyperParams, type MsatMode, validateMsatHyperParams, validateMsatMode } from './threshold.js';

/**
 * How θ(t) is chosen (docs/method.md §2):
 * - `constant`: θ = k·λ at every step (k = 1 is the classic converter; 0.1..0.9 are the lowered baselines).
 * - `msat`: θ = λ at t = 0, then λ·sigmoid(DTT + DET) with the terms `mode` keeps and the model's `hp`.
 */
export type ThresholdRule =
  { readonly kind: 'constant'; readonly k: number } | { readonly kind: 'msat'; readonly mode: MsatMode; readonly hp: MsatHyperParams };

/**
 * What happens to V after s > 0 spikes:
 * - `soft` (docs/method.md §2, the authors' choice): reset by subtraction, V ← V − s·θ. Keeps the residual
 *   charge, so Σ s·θ = Σ x − V holds exactly.
 * - `hard`: V ← 0 whenever s > 0. The residual V − s·θ is discarded (the usual "reset to zero"), so the
 *   charge identity does not hold; offered because users compare against it.
 */
export type ResetMode = 'soft' | 'hard';

/**
 * Channel-wise base thresholds. Neuron i (flat index into the layer's data, batch included) uses
 * `values[floor(i / channelStride) % values.length]`. For an NCHW tensor `channelStride = H·W`, for NCL
 * it is L, for NC it is 1.
 */
export interface ChannelLambda {
  readonly kind: 'channel';
  readonly values: ArrayLike<number>;
  readonly channelStride: number;
}

/** λ_l of a layer: one number (layer-wise, docs/method.md §1.2) or one per channel. */
export type LambdaSpec = number | ChannelLambda;

/**
 * Spike confidence (docs/method.md §4): during the first `window` steps each neuron's spikes of the step are
 * kept with probability `c` (one Bernoulli draw per neuron per step, applied after the reset, so a dropped
 * spike's charge is lost).
 */
export interface SpikeConfidenceOptions {
  /** Keep probability c_l in [0, 1]; docs/method.md §4 sets c = 1 − r_l. */
  readonly c: number;
  /** Number of initial steps the mask applies to (default `DEFAULT_CONFIDENCE_WINDOW` = 16). */
  readonly window?: number;
  /** Seeded source of the Bernoulli draws (see `createRng`); consumed only by `NeuronLayer.step`. */
  readonly rng: Rng;
}

/** The authors apply spike confidence during the first 16 steps (docs/method.md §2). */
export const DEFAULT_CONFIDENCE_WINDOW = 16;

/** Options of one spiking layer. `size` and `lambda` are required, everything else has a default. */
export interface NeuronLayerOptions {
  /** Number of neurons N (the flat size of the tensor the layer replaces, batch included). */
  readonly size: number;
  /** Base threshold λ_l in activation units (> 0), layer-wise or channel-wise. */
  readonly lambda: LambdaSpec;
  /** Threshold rule; default constant k = 1. */
  readonly threshold?: ThresholdRule;
  /** Max spikes per neuron per step γ (integer ≥ 1, or Infinity); 1 = plain IF, > 1 = burst. Default 1. */
  readonly gamma?: number;
  /** Reset after firing; default `'soft'`. */
  readonly reset?: ResetMode;
  /** Spike confidence; default none (equivalent to c = 1). */
  readonly confidence?: SpikeConfidenceOptions | null;
}

/** Defaults of the optional `NeuronLayerOptions` fields: the classic IF converter. */
export const DEFAULT_NEURON_LAYER_OPTIONS = Object.freeze({
  threshold: Object.freeze({ kind: 'constant', k: 1 }) as ThresholdRule,
  gamma: 1,
  reset: 'soft' as ResetMode,
  confidence: null,
});

/** The part of spike confidence the pure step needs (the RNG stays with the layer object). */
export interface ResolvedConfidence {
  readonly c: number;
  readonly window: number;
}

/** `NeuronLayerOptions` after defaults and validation; λ expanded to one value per neuron. */
export interface ResolvedNeuronLayerOptions {
  readonly size: number;
  /** λ of each neuron, length `size`. */
  readonly lambda: Float64Array;
  readonly threshold: ThresholdRule;
  readonly gamma: number;
  readonly reset: ResetMode;
  readonly confidence: ResolvedConfidence | null;
}

function invalid(message: string): MsatError {
  return new MsatError('SNN_INVALID_OPTIONS', message);
}

/** Expands a `LambdaSpec` to one λ per neuron and checks every λ is finite and > 0. */
export function expandLambda(spec: LambdaSpec, size: number): Float64Array {
  const out = new Float64Array(size);
  if (typeof spec === 'number') {
    out.fill(spec);
  } else {
    const { values, channelStride } = spec;
    const channels = values.length;
    if (channels === 0 || !Number.isInteger(channelStride) || channelStride < 1) {
      throw invalid(
        `channel-wise lambda needs at least one value and an integer channelStride >= 1, got ${channels} values and stride ${channelStride}.`,
      );
    }
    if (size % (channels * channelStride) !== 0) {
      throw invalid(
        `channel-wise lambda: layer size ${size} is not a multiple of channels (${channels}) x channelStride (${channelStride}); for NCHW pass channelStride = H*W.`,
      );
    }
    for (let i = 0; i < size; i++) out[i] = values[Math.floor(i / channelStride) % channels];
  }
  for (let i = 0; i < size; i++) {
    if (!(out[i] > 0) || !Number.isFinite(out[i])) {
      throw invalid(
        `lambda must be finite and > 0 for every neuron, got ${out[i]} at neuron ${i}; a layer whose calibrated maximum is 0 never fires, give it a tiny positive lambda.`,
      );
    }
  }
  return out;
}

/** Merges `options` with `DEFAULT_NEURON_LAYER_OPTIONS` and validates everything once. */
export function resolveNeuronLayerOptions(options: NeuronLayerOptions): ResolvedNeuronLayerOptions {
  const { size } = options;
  if (!Number.isInteger(size) || size < 1) throw invalid(`neuron layer size must be an integer >= 1, got ${size}.`);
  const threshold = options.threshold ?? DEFAULT_NEURON_LAYER_OPTIONS.threshold;
  if (threshold.kind === 'constant') {
    if (!(threshold.k > 0) || !Number.isFinite(threshold.k)) {
      throw invalid(`constant threshold factor k must be finite and > 0, got ${threshold.k}.`);
    }
  } else if (threshold.kind === 'msat') {
    validateMsatMode(threshold.mode, 'msat threshold');
    validateMsatHyperParams(threshold.hp, 'msat threshold');
  } else {
    throw invalid(`unknown threshold kind '${(threshold as { kind: string }).kind}'. Must be one of [constant, msat].`);
  }
  const gamma = options.gamma ?? DEFAULT_NEURON_LAYER_OPTIONS.gamma;
  if (!(gamma === Infinity || (Number.isInteger(gamma) && gamma >= 1))) {
    throw invalid(`gamma (max spikes per step) must be an integer >= 1 or Infinity, got ${gamma}.`);
  }
  const reset = options.reset ?? DEFAULT_NEURON_LAYER_OPTIONS.reset;
  if (reset !== 'soft' && reset !== 'hard') throw invalid(`unknown reset '${reset}'. Must be one of [soft, hard].`);
  let confidence: ResolvedConfidence | null = null;
  if (options.confidence) {
    const { c } = options.confidence;
    const window = options.confidence.window ?? DEFAULT_CONFIDENCE_WINDOW;
    if (!(c >= 0 && c <= 1)) throw invalid(`spike confidence c must be in [0, 1], got ${c}.`);
    if (!Number.isInteger(window) || window < 0) {
      throw invalid(`spike confidence window must be an integer >= 0, got ${window}.`);
    }
    confidence = { c, window };
  }
  return { size, lambda: expandLambda(options.lambda, size), threshold, gamma, reset, confidence };
}
