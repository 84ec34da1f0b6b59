/**
 * The one `Dataset` implementation: formats differ only in how they read samples (a `SampleReader`), while
 * batching, ordering, validation and read-ahead live here once.
 */
import { MsatError, sizeOf } from '../core/index.js';
import type { Batch, BatchOptions, Dataset, DatasetFormat, DatasetSplit, TextEncoding } from './dataset.js';

/** Reads normalized samples of one dataset. */
export interface SampleReader {
  /**
   * Writes the samples at `positions` (dataset order) into `dst`, sample `j` at `j · sampleSize`, normalized
   * and NCHW. Rejects with an `MsatError` naming the file when a sample cannot be read.
   */
  read(positions: Int32Array, dst: Float32Array): Promise<void>;
}

/** What a format hands to `BatchedDataset`. */
export interface BatchedDatasetInit {
  readonly format: DatasetFormat;
  readonly root: string;
  readonly split: DatasetSplit;
  readonly sampleShape: readonly number[];
  readonly classes: readonly string[];
  /** Labels in dataset order, already cut to `limit`; its length is the dataset length. */
  readonly labels: Int32Array;
  readonly reader: SampleReader;
  /** Text datasets: how the samples were encoded. */
  readonly text?: TextEncoding;
}

export class BatchedDataset implements Dataset {
  readonly format: DatasetFormat;
  readonly root: string;
  readonly split: DatasetSplit;
  readonly length: number;
  readonly sampleShape: readonly number[];
  readonly classes: readonly string[];
  readonly text?: TextEncoding;
  readonly #labels: Int32Array;
  readonly #reader: SampleReader;
  readonly #sampleSize: number;

  constructor(init: BatchedDatasetInit) {
    this.format = init.format;
    this.root = init.root;
    this.split = init.split;
    this.length = init.labels.length;
    this.sampleShape = [...init.sampleShape];
    this.classes = [...init.classes];
    if (init.text) this.text = { ...init.text };
    this.#labels = init.labels;
    this.#reader = init.reader;
    this.#sampleSize = sizeOf(init.sampleShape);
  }

  labels(): Int32Array {
    return this.#labels.slice();
  }

  batches(batchSize: number, options: BatchOptions = {}): AsyncIterable<Batch> {
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new MsatError('DATA_OPTIONS', `batch size must be a positive integer, got ${batchSize}`);
    }
    const positions = this.#positions(options.order);
    const count = Math.ceil(positions.length / batchSize);
    const readBatch = (k: number): Promise<Batch> =>
      this.#readBatch(positions.subarray(k * batchSize, Math.min((k + 1) * batchSize, positions.length)));
    return {
      [Symbol.asyncIterator]: async function* () {
        if (count === 0) return;
        let pending = readBatch(0);
        for (let k = 0; k < count; k++) {
          const batch = await pending;
          if (k + 1 < count) {
            pending = readBatch(k + 1);
            // If the consumer stops early nobody awaits this read; keep its failure from becoming an
            // unhandled rejection. A consumer that goes on still gets the error from `await pending`.
            pending.catch(() => undefined);
          }
          yield batch;
        }
      },
    };
  }

  #positions(order: ArrayLike<number> | undefined): Int32Array {
    if (order === undefined) {
      const all = new Int32Array(this.length);
      for (let i = 0; i < all.length; i++) all[i] = i;
      return all;
    }
    const positions = Int32Array.from(order);
    for (let i = 0; i < positions.length; i++) {
      const p = order[i];
      if (!Number.isInteger(p) || p < 0 || p >= this.length) {
        throw new MsatError(
          'DATA_OPTIONS',
          `batch order entry ${i} is ${p}, but ${this.root} has ${this.length} samples (positions 0..${this.length - 1})`,
        );
      }
    }
    return positions;
  }

  async #readBatch(indices: Int32Array): Promise<Batch> {
    const n = indices.length;
    const data = new Float32Array(n * this.#sampleSize);
    await this.#reader.read(indices, data);
    const labels = new Int32Array(n);
    for (let j = 0; j < n; j++) labels[j] = this.#labels[indices[j]];
    return { x: { type: 'float32', dims: [n, ...this.sampleShape], data }, labels, indices: indices.slice() };
  }
}
