/**
 * A dataset held in memory (typed arrays from the caller's own loader), so the library takes data that is
 * not in one of the on-disk formats. Samples are normalised here when `mean`/`std` are given, exactly as the
 * folder formats do after scaling pixels to [0, 1]: x' = (x − mean[c]) / std[c]. Every value and its normalised
 * float32 value must be finite.
 */
import { MsatError, sizeOf } from '../core/index.js';
import { BatchedDataset } from './batched-dataset.js';
import type { Dataset, DatasetSplit } from './dataset.js';

/** Options of `arrayDataset`. */
export interface ArrayDatasetOptions {
  /** The samples, `[N, ...sampleShape]` row-major (NCHW for images), already scaled (e.g. pixels in [0, 1]). */
  readonly x: Float32Array;
  /** Shape of one sample, e.g. `[1, 28, 28]`. */
  readonly sampleShape: readonly number[];
  /** `[N]` class indices in [0, classes). */
  readonly labels: Int32Array | readonly number[];
  /** Per-channel mean subtracted (one value or one per channel of axis 0 of a sample). Default: none (already normalised). */
  readonly mean?: readonly number[];
  /** Per-channel standard deviation the samples are divided by. Default: none. */
  readonly std?: readonly number[];
  /** Class names; default `'0'`, `'1'`, … up to the largest label. */
  readonly classes?: readonly string[];
  /** What reports call the data. Default `'<arrays>'`. */
  readonly name?: string;
  /** Which split the samples are (recorded in reports). Default `'test'`. */
  readonly split?: DatasetSplit;
}

/** A `Dataset` over `options.x`; the arrays are not copied, so do not change them while it is in use. */
export function arrayDataset(options: ArrayDatasetOptions): Dataset {
  const { x, sampleShape } = options;
  const labels = Int32Array.from(options.labels);
  const per = sizeOf(sampleShape);
  const fail = (message: string) => new MsatError('DATA_OPTIONS', `${options.name ?? 'in-memory dataset'}: ${message}`);
  if (!(x instanceof Float32Array)) throw fail('x must be a Float32Array');
  if (sampleShape.length === 0 || sampleShape.some((d) => !Number.isInteger(d) || d < 1))
    throw fail(`sampleShape must be positive integers, got [${sampleShape.join(', ')}]`);
  if (x.length !== labels.length * per)
    throw fail(`x has ${x.length} values, but ${labels.length} labels of samples [${sampleShape.join(', ')}] need ${labels.length * per}`);
  const classCount = options.classes?.length ?? Math.max(0, ...labels) + 1;
  const bad = labels.findIndex((l) => !(l >= 0 && l < classCount));
  if (bad >= 0) throw fail(`label ${labels[bad]} of sample ${bad} is not a class index in [0, ${classCount})`);
  const channels = sampleShape.length > 1 ? sampleShape[0] : 1;
  const perChannel = per / channels;
  const scale = (values: readonly number[] | undefined, what: string, fallback: number, positive: boolean): Float32Array => {
    const v = values ?? [fallback];
    if (v.length !== 1 && v.length !== channels) throw fail(`${what} has ${v.length} values for ${channels} channels`);
    if (v.some((a) => !Number.isFinite(a) || (positive && !(a > 0))))
      throw fail(`${what} must be ${positive ? 'positive' : 'finite'} numbers, got [${v.join(', ')}]`);
    return Float32Array.from({ length: channels }, (_, c) => v[v.length === 1 ? 0 : c]);
  };
  const mean = scale(options.mean, 'mean', 0, false);
  const std = scale(options.std, 'std', 1, true);
  const identity = mean.every((m) => m === 0) && std.every((s) => s === 1);
  // Checked once here, where the values enter: a NaN or infinite input would reach calibration and evaluation
  // as broken activations and outputs instead of as this one line naming the sample.
  const at = (i: number) => `sample ${Math.floor(i / per)} (value ${i % per})`;
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    if (!Number.isFinite(v)) throw fail(`${at(i)} is ${v}; samples must be finite numbers`);
    if (identity) continue;
    const c = Math.floor((i % per) / perChannel);
    if (!Number.isFinite(Math.fround((v - mean[c]) / std[c]))) {
      const given = (values: readonly number[] | undefined, fallback: number) => (values ? values[values.length === 1 ? 0 : c] : fallback);
      throw fail(
        `${at(i)} is ${v}, which normalises beyond float32 with mean ${given(options.mean, 0)} and std ${given(options.std, 1)}; check mean/std and the scale of x`,
      );
    }
  }
  return new BatchedDataset({
    format: 'arrays',
    root: options.name ?? '<arrays>',
    split: options.split ?? 'test',
    sampleShape,
    classes: options.classes ?? Array.from({ length: classCount }, (_, i) => String(i)),
    labels,
    reader: {
      async read(positions, dst) {
        positions.forEach((p, j) => {
          const src = x.subarray(p * per, (p + 1) * per);
          if (identity) dst.set(src, j * per);
          else for (let e = 0; e < per; e++) dst[j * per + e] = (src[e] - mean[Math.floor(e / perChannel)]) / std[Math.floor(e / perChannel)];
        });
      },
    },
  });
}
