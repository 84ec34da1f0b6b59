/**
 * `every`: every k-th sample of a dataset's order. Image folders and CIFAR files are sorted by class, so
 * `--limit` alone takes one class; `--every 10` spreads a deterministic subset over all classes instead.
 */
import { MsatError } from '../core/index.js';
import type { Batch, BatchOptions, Dataset } from './dataset.js';

/** A view of `base` holding samples 0, k, 2k, … (at most `limit` of them). */
export function stridedDataset(base: Dataset, every: number, limit: number): Dataset {
  if (!Number.isInteger(every) || every < 1) throw new MsatError('DATA_OPTIONS', `every must be a positive integer, got ${every}`);
  const length = Math.min(Math.ceil(base.length / every), limit);
  const positions = Int32Array.from({ length }, (_, i) => i * every);
  const baseLabels = base.labels();
  return {
    format: base.format,
    root: base.root,
    split: base.split,
    length,
    sampleShape: base.sampleShape,
    classes: base.classes,
    ...(base.text ? { text: base.text } : {}),
    labels: () => positions.map((p) => baseLabels[p]),
    async *batches(batchSize: number, options: BatchOptions = {}): AsyncIterable<Batch> {
      const order = options.order ? Int32Array.from(options.order, (i) => positions[i]) : positions;
      for await (const b of base.batches(batchSize, { order })) {
        yield { ...b, indices: b.indices.map((p) => p / every) };
      }
    },
  };
}
