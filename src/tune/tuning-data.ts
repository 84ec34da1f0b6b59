/**
 * The samples `msat tune` scores candidates on: a seeded random subset of the training split that leaves out
 * the calibration samples (the first `calibrationSamples` of every `calibrationEvery`-th) and never touches the test
 * split; or, for the early-exit choice, of the validation split where the dataset has one, or on request of the
 * test samples an evaluation leaves out (the same rule: every k-th left out). They are decoded once and
 * held in memory (a few MB), with the ANN's logits computed once, so each trial only runs the SNN.
 */
import { MsatError, Mulberry32, concatFloat32, type Tensor } from '../core/index.js';
import { openDataset, type Batch, type BatchOptions, type Dataset } from '../data/index.js';
import { annSession } from '../ann/index.js';
import type { Network } from '../model/index.js';
import type { ModelDataOptions } from '../pipeline/index.js';
import type { Runner } from '../runtime/index.js';

/** What `loadTuningData` needs. */
export interface TuningDataOptions {
  readonly data: string;
  /**
   * Default `'train'`; `'validation'` has nothing to leave out; `'test'` leaves out the evaluated samples (every
   * `calibrationEvery`-th, `calibrationSamples` of them), so that what is chosen on it is never scored on itself.
   */
  readonly split?: 'train' | 'validation' | 'test';
  /** Normalisation and text options of the model (`ModelDataOptions`). */
  readonly dataOptions?: ModelDataOptions;
  /** The calibration samples are left out: the first N of every k-th training sample (k = 1 when absent). */
  readonly calibrationSamples: number;
  readonly calibrationEvery?: number;
  /** How many samples to hold out for tuning. */
  readonly samples: number;
  readonly seed: number;
  /** The (folded) network whose ANN logits are computed once. */
  readonly network: Network;
  readonly runner: Runner;
  readonly onProgress?: (done: number, total: number) => void;
}

/** The tuning samples in memory. Sample i is training sample `positions[i]`; prefixes are the halving rungs. */
export interface TuningData {
  /** Training-split positions (dataset order) of the tuning samples, in tuning order. */
  readonly positions: Int32Array;
  readonly labels: Int32Array;
  /** The ANN's logits [samples, classes]. */
  readonly annLogits: Float32Array;
  readonly classes: number;
  /** Whether the ANN classifies each sample correctly. */
  readonly annCorrect: Uint8Array;
  /** Tuning samples [from, to) as a dataset (in memory, tuning order). */
  slice(from: number, to: number): Dataset;
  /** Tuning samples [from, to) as one tensor (a view). */
  tensor(from: number, to: number): Tensor<'float32'>;
  /** The plain arrays behind it, which a worker thread receives (`tuningDataOf` rebuilds the rest). */
  readonly arrays: TuningArrays;
}

/** `TuningData` without its functions: what can be posted to a worker thread. */
export interface TuningArrays {
  readonly positions: Int32Array;
  readonly labels: Int32Array;
  readonly annLogits: Float32Array;
  readonly annCorrect: Uint8Array;
  /** The samples [count, ...sampleShape]. */
  readonly x: Float32Array;
  /** What the in-memory dataset reports (`Dataset`'s fields of the training split). */
  readonly dataset: Pick<Dataset, 'format' | 'root' | 'split' | 'sampleShape' | 'classes' | 'text'>;
}

/** How many of `length` positions the first `calibration` of every `every`-th leave out. */
function leftOutCount(length: number, calibration: number, every: number): number {
  return Math.min(calibration, Math.ceil(length / every));
}

/**
 * `count` distinct positions of [0, length) that are not calibration samples (positions 0, every, 2·every, …,
 * `calibration` of them), in a seeded random order (a partial Fisher–Yates shuffle).
 * @throws MsatError `TUNE_DATA` when fewer than `count` positions are available.
 */
export function heldOutPositions(length: number, calibration: number, count: number, seed: number, every = 1): Int32Array {
  const calibrated = leftOutCount(length, calibration, every);
  const free = new Int32Array(length - calibrated);
  for (let p = 0, at = 0; p < length; p++) if (p % every !== 0 || p / every >= calibrated) free[at++] = p;
  const pool = free.length;
  if (pool < count) {
    throw new MsatError(
      'TUNE_DATA',
      `tuning needs ${count} training samples besides the ${calibrated} calibration samples, but the training split has only ${length}; lower samples or calibration samples`,
    );
  }
  const rng = new Mulberry32(seed);
  const swapped = new Map<number, number>();
  const out = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const j = i + rng.nextInt(pool - i);
    const vi = swapped.get(i) ?? i;
    const vj = swapped.get(j) ?? j;
    swapped.set(j, vi);
    out[i] = free[vj];
  }
  return out;
}

/** Reads the held-out training (or validation) samples into memory and runs the ANN on them once. */
export async function loadTuningData(options: TuningDataOptions): Promise<TuningData> {
  const wanted = options.split ?? 'train';
  const train = await openDataset(options.data, { split: wanted, ...options.dataOptions });
  if (train.split !== wanted) throw new MsatError('TUNE_DATA', `${options.data}: tuning needs the ${wanted} split, got ${train.split}`);
  const calibration = wanted === 'validation' ? 0 : options.calibrationSamples;
  // the validation and test splits lend all they have up to `samples`; the training split must have them
  const leftOut = leftOutCount(train.length, calibration, options.calibrationEvery ?? 1);
  const count = wanted === 'train' ? options.samples : Math.min(options.samples, train.length - leftOut);
  const positions = heldOutPositions(train.length, calibration, count, options.seed, options.calibrationEvery);
  const perSample = train.sampleShape.reduce((a, d) => a * d, 1);
  const x = new Float32Array(count * perSample);
  const labels = new Int32Array(count);
  const ann = await annSession(options.network, options.runner);
  const logits: Float32Array[] = [];
  let at = 0;
  for await (const batch of train.batches(64, { order: positions })) {
    x.set(batch.x.data, at * perSample);
    labels.set(batch.labels, at);
    logits.push((await ann.forward(batch.x)).data);
    at += batch.labels.length;
    options.onProgress?.(at, count);
  }
  const annLogits = concatFloat32(logits);
  const classes = annLogits.length / count;
  const annCorrect = new Uint8Array(count);
  for (let i = 0; i < count; i++) annCorrect[i] = argmax(annLogits, i * classes, classes) === labels[i] ? 1 : 0;
  const { format, root, split, sampleShape, classes: names, text } = train;
  return tuningDataOf({ positions, labels, annLogits, annCorrect, x, dataset: { format, root, split, sampleShape, classes: names, text } });
}

/** The `TuningData` over `arrays` (views, no copies). */
export function tuningDataOf(arrays: TuningArrays): TuningData {
  const { positions, labels, annLogits, annCorrect, x, dataset } = arrays;
  const perSample = dataset.sampleShape.reduce((a, d) => a * d, 1);
  return {
    positions,
    labels,
    annLogits,
    classes: annLogits.length / labels.length,
    annCorrect,
    arrays,
    slice: (from, to) => memoryDataset(dataset, x, labels, perSample, from, to),
    tensor: (from, to) => ({ type: 'float32', dims: [to - from, ...dataset.sampleShape], data: x.subarray(from * perSample, to * perSample) }),
  };
}

/** Samples [from, to) of the in-memory arrays as a `Dataset` (views, no copies). */
function memoryDataset(base: TuningArrays['dataset'], x: Float32Array, labels: Int32Array, perSample: number, from: number, to: number): Dataset {
  const length = to - from;
  return {
    format: base.format,
    root: base.root,
    split: base.split,
    length,
    sampleShape: base.sampleShape,
    ...(base.text ? { text: base.text } : {}),
    classes: base.classes,
    labels: () => labels.slice(from, to),
    async *batches(batchSize: number, options: BatchOptions = {}): AsyncIterable<Batch> {
      const order = options.order ? Int32Array.from(options.order) : Int32Array.from({ length }, (_, i) => i);
      for (let b = 0; b < order.length; b += batchSize) {
        const idx = order.subarray(b, Math.min(order.length, b + batchSize));
        const contiguous = idx.every((v, i) => v === idx[0] + i);
        const data = contiguous
          ? x.subarray((from + idx[0]) * perSample, (from + idx[0] + idx.length) * perSample)
          : concatFloat32(Array.from(idx, (i) => x.subarray((from + i) * perSample, (from + i + 1) * perSample)));
        const tensor: Tensor<'float32'> = { type: 'float32', dims: [idx.length, ...base.sampleShape], data };
        yield { x: tensor, labels: Int32Array.from(idx, (i) => labels[from + i]), indices: idx.slice() };
      }
    },
  };
}

function argmax(v: Float32Array, from: number, n: number): number {
  let best = 0;
  for (let c = 1; c < n; c++) if (v[from + c] > v[from + best]) best = c;
  return best;
}
