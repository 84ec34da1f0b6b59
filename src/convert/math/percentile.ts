import { MsatError } from '../../core/index.js';

/**
 * How the p-th percentile picks a value from the n sorted values v[0] ≤ … ≤ v[n−1]:
 * - `'linear'` (default): position q = p·(n−1), result v[⌊q⌋] + (q − ⌊q⌋)·(v[⌊q⌋+1] − v[⌊q⌋]). This is
 *   numpy's default `method='linear'` and `torch.quantile(..., interpolation='linear')` (torch evaluates the
 *   same interpolation in float32 with `lerp`, so results agree to float32 rounding).
 * - `'authors-rank'`: v[max(0, ⌊n·p⌋ − 1)], no interpolation. This is what the authors' calibration hook
 *   (`HookScale` in Brain-Cog-Lab/MSAT `utils.py`) computes; it equals `'linear'` at p = 1.
 *
 * Both return the maximum at p = 1 (docs/method.md §1.2: every published run uses p = 1).
 */
export type PercentileMethod = 'linear' | 'authors-rank';

/** Options of the percentile functions. */
export interface PercentileOptions {
  /** Default `'linear'`. */
  readonly method?: PercentileMethod;
}

/** Default percentile options: numpy / torch linear interpolation. */
export const DEFAULT_PERCENTILE_OPTIONS = Object.freeze({ method: 'linear' as PercentileMethod });

function checkP(p: number): void {
  if (!(p > 0 && p <= 1)) {
    throw new MsatError('CONVERT_INVALID_PERCENTILE', `percentile p must be in (0, 1] (1 = max), got ${p}; for 99.99 % pass 0.9999.`);
  }
}

function checkValues(values: ArrayLike<number>, where: string): void {
  if (values.length === 0) throw new MsatError('CONVERT_EMPTY_TENSOR', `${where}: cannot take a percentile of 0 values.`);
  for (let i = 0; i < values.length; i++) {
    // an infinite value would become an infinite λ at p = 1 and skew every interpolated percentile near it
    if (!Number.isFinite(values[i])) {
      throw new MsatError(
        'CONVERT_NAN',
        `${where}: value ${i} is ${values[i]}; the calibration activations are broken (check the model and input normalization).`,
      );
    }
  }
}

/** Percentile of values already sorted ascending (no checks); the core both public forms share. */
function percentileOfSorted(sorted: ArrayLike<number>, p: number, method: PercentileMethod): number {
  const n = sorted.length;
  if (method === 'authors-rank') return sorted[Math.max(0, Math.floor(n * p) - 1)];
  const q = p * (n - 1);
  const lo = Math.floor(q);
  const hi = Math.min(lo + 1, n - 1);
  const frac = q - lo;
  return sorted[lo] + frac * (sorted[hi] - sorted[lo]);
}

function maxOf(values: ArrayLike<number>): number {
  let m = -Infinity;
  for (let i = 0; i < values.length; i++) if (values[i] > m) m = values[i];
  return m;
}

/**
 * The p-th percentile (p in (0, 1]) of `values`, in float64. p = 1 is the maximum and skips the sort.
 * Layer-wise calibration (docs/method.md §1.2) is this over the whole ReLU output tensor, zeros included.
 * Throws on an empty input, a NaN or an infinite value.
 */
export function percentile(values: ArrayLike<number>, p: number, options: PercentileOptions = {}): number {
  checkP(p);
  checkValues(values, 'percentile');
  const method = options.method ?? DEFAULT_PERCENTILE_OPTIONS.method;
  if (p === 1) return maxOf(values);
  const sorted = Float64Array.from(values).sort();
  return percentileOfSorted(sorted, p, method);
}

/**
 * Several percentiles of the same `values` with one sort (what tuning the calibration percentile needs: every
 * candidate p from one calibration pass). Element i is exactly `percentile(values, ps[i], options)`.
 */
export function percentiles(values: ArrayLike<number>, ps: readonly number[], options: PercentileOptions = {}): number[] {
  ps.forEach(checkP);
  checkValues(values, 'percentile');
  const method = options.method ?? DEFAULT_PERCENTILE_OPTIONS.method;
  if (ps.every((p) => p === 1)) return ps.map(() => maxOf(values));
  const sorted = Float64Array.from(values).sort();
  return ps.map((p) => (p === 1 ? sorted[sorted.length - 1] : percentileOfSorted(sorted, p, method)));
}

/** Layer-wise λ: the percentile of every value of the tensor, all channels together (docs/method.md §1.2). */
export function layerPercentile(data: ArrayLike<number>, p: number, options: PercentileOptions = {}): number {
  return percentile(data, p, options);
}

/**
 * Channel-wise λ: one percentile per channel of an NC, NCL or NCHW tensor (channel axis 1), over the batch and
 * spatial positions of that channel. Returns `Float64Array(C)`.
 */
export function channelPercentiles(data: ArrayLike<number>, dims: readonly number[], p: number, options: PercentileOptions = {}): Float64Array {
  return channelPercentilesMany(data, dims, [p], options)[0];
}

/**
 * `channelPercentiles` for several p with one sort per channel; element i is exactly
 * `channelPercentiles(data, dims, ps[i], options)`.
 */
export function channelPercentilesMany(
  data: ArrayLike<number>,
  dims: readonly number[],
  ps: readonly number[],
  options: PercentileOptions = {},
): Float64Array[] {
  ps.forEach(checkP);
  if (dims.length < 2 || dims.length > 4) {
    throw new MsatError('CONVERT_BAD_SHAPE', `channelPercentiles: expected NC, NCL or NCHW dims, got [${dims.join(', ')}].`);
  }
  const [n, c] = dims;
  let inner = 1;
  for (let a = 2; a < dims.length; a++) inner *= dims[a];
  if (n * c * inner !== data.length) {
    throw new MsatError('CONVERT_BAD_SHAPE', `channelPercentiles: dims [${dims.join(', ')}] need ${n * c * inner} values, got ${data.length}.`);
  }
  const method = options.method ?? DEFAULT_PERCENTILE_OPTIONS.method;
  const out = ps.map(() => new Float64Array(c));
  const onlyMax = ps.every((p) => p === 1);
  const buf = new Float64Array(n * inner);
  for (let ch = 0; ch < c; ch++) {
    for (let b = 0; b < n; b++) {
      const src = (b * c + ch) * inner;
      for (let k = 0; k < inner; k++) buf[b * inner + k] = data[src + k];
    }
    checkValues(buf, `channelPercentiles channel ${ch}`);
    if (onlyMax) {
      const m = maxOf(buf);
      for (const o of out) o[ch] = m;
    } else {
      buf.sort();
      ps.forEach((p, i) => (out[i][ch] = p === 1 ? buf[buf.length - 1] : percentileOfSorted(buf, p, method)));
    }
  }
  return out;
}
