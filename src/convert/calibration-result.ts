/**
 * Calibration results and options (docs/method.md §1.2): one base threshold λ per ReLU output, the p-th percentile
 * of that tensor over the calibration samples, layer-wise or channel-wise.
 */
import { MsatError } from '../core/index.js';
import { DEFAULT_PERCENTILE_OPTIONS, type PercentileMethod } from './math/index.js';

/**
 * Which values one λ summarizes:
 * - `layer` (the authors' choice, docs/method.md §1.2): every value of the ReLU output, all channels together.
 * - `channel`: one λ per channel (axis 1 of an NC, NCL or NCHW tensor), over the samples and positions.
 */
export type CalibrationGranularity = { readonly kind: 'layer' } | { readonly kind: 'channel' };

/** Progress of a calibration run, reported after each batch. */
export interface CalibrationProgress {
  /** Samples processed so far. */
  readonly samples: number;
  /** Samples in the calibration set. */
  readonly total: number;
}

/** Options of `calibrate`; every field is optional. */
export interface CalibrationOptions {
  /** p in (0, 1]; 1 is the maximum (every published run, docs/method.md §1.2). Default 1. */
  readonly percentile?: number;
  /** How a percentile below 1 picks a value; see `PercentileMethod`. Default `'linear'`. */
  readonly method?: PercentileMethod;
  /** Default `{ kind: 'layer' }`. */
  readonly granularity?: CalibrationGranularity;
  /** Samples per onnxruntime run. Default 50. */
  readonly batchSize?: number;
  /** Called after every batch. */
  readonly onProgress?: (progress: CalibrationProgress) => void;
}

/** Defaults of `CalibrationOptions`: the authors' max (p = 1), layer-wise, batches of 50. */
export const DEFAULT_CALIBRATION_OPTIONS = Object.freeze({
  percentile: 1,
  method: DEFAULT_PERCENTILE_OPTIONS.method,
  granularity: Object.freeze({ kind: 'layer' }) as CalibrationGranularity,
  batchSize: 50,
});

/** `CalibrationOptions` after defaults and validation. */
export interface ResolvedCalibrationOptions {
  readonly percentile: number;
  readonly method: PercentileMethod;
  readonly granularity: CalibrationGranularity;
  readonly batchSize: number;
  readonly onProgress: ((progress: CalibrationProgress) => void) | undefined;
}

/** Merges `options` with `DEFAULT_CALIBRATION_OPTIONS` and validates once. */
export function resolveCalibrationOptions(options: CalibrationOptions = {}): ResolvedCalibrationOptions {
  const percentile = options.percentile ?? DEFAULT_CALIBRATION_OPTIONS.percentile;
  if (!(percentile > 0 && percentile <= 1)) {
    throw new MsatError('CONVERT_INVALID_OPTIONS', `calibration percentile must be in (0, 1] (1 = max), got ${percentile}; for 99.99 % pass 0.9999.`);
  }
  const method = options.method ?? DEFAULT_CALIBRATION_OPTIONS.method;
  if (method !== 'linear' && method !== 'authors-rank') {
    throw new MsatError('CONVERT_INVALID_OPTIONS', `unknown percentile method '${String(method)}'. Must be one of [linear, authors-rank].`);
  }
  const granularity = options.granularity ?? DEFAULT_CALIBRATION_OPTIONS.granularity;
  if (granularity.kind !== 'layer' && granularity.kind !== 'channel') {
    throw new MsatError(
      'CONVERT_INVALID_OPTIONS',
      `unknown calibration granularity '${(granularity as { kind: string }).kind}'. Must be one of [layer, channel].`,
    );
  }
  const batchSize = options.batchSize ?? DEFAULT_CALIBRATION_OPTIONS.batchSize;
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new MsatError('CONVERT_INVALID_OPTIONS', `calibration batchSize must be a positive integer, got ${batchSize}.`);
  }
  return { percentile, method, granularity, batchSize, onProgress: options.onProgress };
}

/** λ and diagnostics of one ReLU output. */
export interface LayerCalibration {
  /** Name of the `relu` layer. */
  readonly relu: string;
  /** The tensor it writes (what was measured). */
  readonly tensor: string;
  /**
   * Base threshold λ_l > 0 in raw activation units: a number (layer-wise) or one value per channel
   * (channel-wise, `[C]`), rounded to float32 like every tensor the SNN runs on. A percentile of 0 is replaced
   * by a tiny positive value; see `warning`.
   */
  readonly lambda: number | Float32Array;
  /** Largest activation seen (equals λ at p = 1 unless the layer is dead). */
  readonly max: number;
  /** Mean activation over every value (zeros included). */
  readonly mean: number;
  /** Fraction of values > 0. */
  readonly positiveFraction: number;
  /** Set when λ (or some channel's λ) was 0 and was replaced. */
  readonly warning?: string;
}

/** What `calibrate` returns; `layers` follows the network's layer order. */
export interface Calibration {
  readonly percentile: number;
  readonly method: PercentileMethod;
  readonly granularity: CalibrationGranularity;
  /** Calibration samples the ANN ran on. */
  readonly samples: number;
  readonly layers: readonly LayerCalibration[];
}

/**
 * λ of a dead layer or channel, relative to the largest λ of the network. It must be > 0 (θ = λ·… divides V),
 * and tiny is harmless: the neuron's input never turned positive on the calibration data, and if it does later
 * each event carries only θ, so the layer passes roughly relu(x) on instead of exploding.
 */
export const DEAD_LAMBDA_RELATIVE = 1e-6;

/** λ of a dead layer when every layer of the network is dead (no scale to be relative to). */
export const DEAD_LAMBDA_FALLBACK = 1e-3;
