/**
 * Streaming statistics of one activation tensor over calibration batches: running max (layer and per channel),
 * sum and positive count, and, only when a percentile below 1 is asked for, the values themselves.
 * At p = 1 nothing but the running maxima is kept, so calibration memory does not grow with the sample count.
 */
import { MsatError, concatFloat32 } from '../core/index.js';
import { channelPercentilesMany, percentiles, type PercentileMethod } from './math/index.js';

/** What `ActivationStats` needs to know up front. */
export interface ActivationStatsSpec {
  /** Layer name, for error messages. */
  readonly name: string;
  /** Per-sample shape (without the batch axis), e.g. `[C, H, W]`. */
  readonly sampleDims: readonly number[];
  /** Percentile p in (0, 1]. */
  readonly p: number;
  readonly method: PercentileMethod;
  readonly channelWise: boolean;
}

/** Raw percentile(s) and diagnostics of one tensor, before dead-λ replacement. */
export interface ActivationSummary {
  readonly lambda: number | Float64Array;
  readonly max: number;
  readonly mean: number;
  readonly positiveFraction: number;
}

/** Accumulates one tensor's values over batches; `add` each batch, then `summarize` once. */
export class ActivationStats {
  readonly #spec: ActivationStatsSpec;
  readonly #perSample: number;
  /** Elements per channel per sample (product of the axes after the channel axis). */
  readonly #inner: number;
  readonly #channels: number;
  readonly #channelMax: Float64Array;
  #max = -Infinity;
  #sum = 0;
  #positive = 0;
  #count = 0;
  #samples = 0;
  /** Batches kept for a percentile below 1 (onnxruntime hands out fresh arrays per run, so no copy). */
  readonly #chunks: Float32Array[] = [];

  constructor(spec: ActivationStatsSpec) {
    this.#spec = spec;
    this.#perSample = spec.sampleDims.reduce((a, b) => a * b, 1);
    if (spec.channelWise && spec.sampleDims.length < 1) {
      throw new MsatError('CONVERT_BAD_SHAPE', `relu "${spec.name}": channel-wise calibration needs a channel axis (axis 1), but its output is [N].`);
    }
    if (spec.channelWise && spec.p < 1 && spec.sampleDims.length > 3) {
      throw new MsatError(
        'CONVERT_BAD_SHAPE',
        `relu "${spec.name}": channel-wise percentiles below 1 support NC, NCL and NCHW outputs, got [N, ${spec.sampleDims.join(', ')}].`,
      );
    }
    this.#channels = spec.channelWise ? spec.sampleDims[0] : 1;
    this.#inner = this.#perSample / this.#channels;
    this.#channelMax = new Float64Array(this.#channels).fill(-Infinity);
  }

  /** Adds one batch `[B, ...sampleDims]`, flat. */
  add(data: Float32Array): void {
    const n = data.length / this.#perSample;
    if (!Number.isInteger(n)) {
      throw new MsatError(
        'CONVERT_BAD_SHAPE',
        `relu "${this.#spec.name}": got ${data.length} values, not a multiple of the ${this.#perSample} per sample.`,
      );
    }
    let max = this.#max;
    let sum = 0;
    let positive = 0;
    const cmax = this.#channelMax;
    for (let b = 0, i = 0; b < n; b++) {
      for (let c = 0; c < this.#channels; c++) {
        let m = cmax[c];
        for (let k = 0; k < this.#inner; k++, i++) {
          const v = data[i];
          // v − v is NaN for NaN and ±Infinity alone: one subtraction keeps the loop fast. An infinite λ
          // would make every threshold infinite, a NaN one every comparison false.
          if (v - v !== 0) throw this.#nonFinite(v, b, c, k);
          if (v > m) m = v;
          if (v > 0) positive++;
          sum += v;
        }
        cmax[c] = m;
        if (m > max) max = m;
      }
    }
    this.#max = max;
    this.#sum += sum;
    this.#positive += positive;
    this.#count += data.length;
    this.#samples += n;
    if (this.#spec.p < 1) this.#chunks.push(data);
  }

  /** The error for value `v` of sample `b` of the batch being added, channel `c`, element `k` of that channel. */
  #nonFinite(v: number, b: number, c: number, k: number): MsatError {
    return new MsatError(
      'CONVERT_NAN',
      `relu "${this.#spec.name}": activation ${c * this.#inner + k} of calibration sample ${this.#samples + b} is ${v}; ` +
        'the ANN overflows float32 or is fed NaN (check the model, the input values and their normalization).',
    );
  }

  /** λ (the percentile) and diagnostics over everything added. Releases the kept values. */
  summarize(): ActivationSummary {
    return this.summarizeMany([this.#spec.p])[0];
  }

  /**
   * One summary per percentile in `ps`, each exactly what `summarize` gives for that p, from one sort of the
   * kept values. Every p below 1 must be ≥ the spec's `p` (only then were the values kept). Releases them.
   */
  summarizeMany(ps: readonly number[]): ActivationSummary[] {
    if (this.#count === 0) throw new MsatError('CONVERT_EMPTY_TENSOR', `relu "${this.#spec.name}": no calibration values were recorded.`);
    const { method, channelWise } = this.#spec;
    if (ps.some((p) => p < 1) && this.#spec.p === 1) {
      throw new MsatError(
        'CONVERT_INVALID_OPTIONS',
        `relu "${this.#spec.name}": percentiles below 1 need the values kept; create the stats with the smallest p.`,
      );
    }
    let lambdas: (number | Float64Array)[];
    if (ps.every((p) => p === 1)) {
      lambdas = ps.map(() => (channelWise ? Float64Array.from(this.#channelMax) : this.#max));
    } else {
      const all = concatFloat32(this.#chunks);
      this.#chunks.length = 0;
      lambdas = channelWise
        ? channelPercentilesMany(all, [this.#samples, ...this.#spec.sampleDims], ps, { method })
        : percentiles(all, ps, { method });
    }
    return lambdas.map((lambda) => ({ lambda, max: this.#max, mean: this.#sum / this.#count, positiveFraction: this.#positive / this.#count }));
  }
}
