/**
 * `--shard K/N`: the K-th of N disjoint, contiguous slices of a dataset's (selected) samples, for runs spread over
 * many machines (Slurm job arrays, Kubernetes Indexed Jobs, GNU parallel). K is 0-based (0 ≤ K < N), as
 * `SLURM_ARRAY_TASK_ID` and `JOB_COMPLETION_INDEX` are. Slices are contiguous blocks in dataset order, so
 * a shard's samples keep their positions in the whole run (`Batch.indices`), and results merge back in order.
 */
import { MsatError } from '../core/index.js';
import type { Batch, BatchOptions, Dataset } from './dataset.js';

/** Which slice: `index` of `count`, 0 ≤ index < count. */
export interface Shard {
  readonly index: number;
  readonly count: number;
}

/** The positions a shard covers: `[first, first + samples)` of the whole run's `length` samples. */
export interface ShardRange {
  readonly first: number;
  readonly samples: number;
}

/** Parses `K/N` (0-based K); `what` names the flag in errors. */
export function parseShard(text: string, what = '--shard'): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  const shard = m ? { index: Number(m[1]), count: Number(m[2]) } : undefined;
  if (!shard) throw new MsatError('DATA_OPTIONS', `${what} takes K/N (0-based: 0/4 … 3/4), got ${JSON.stringify(text)}`);
  checkShard(shard, what);
  return shard;
}

/** @throws MsatError `DATA_OPTIONS` unless 0 ≤ index < count, both integers. */
export function checkShard(shard: Shard, what = 'shard'): void {
  const { index, count } = shard;
  if (!Number.isSafeInteger(count) || count < 1 || !Number.isSafeInteger(index) || index < 0 || index >= count)
    throw new MsatError('DATA_OPTIONS', `${what} ${index}/${count}: expected K/N with N ≥ 1 and 0 ≤ K < N (K is 0-based, as SLURM_ARRAY_TASK_ID)`);
}

/**
 * Positions of shard `index` of `count` over `length` samples: ⌊index·length/count⌋ up to ⌊(index+1)·length/count⌋,
 * so sizes differ by at most one and the shards tile [0, length) exactly.
 */
export function shardRange(length: number, shard: Shard): ShardRange {
  checkShard(shard);
  const at = (k: number) => Math.floor((k * length) / shard.count);
  const first = at(shard.index);
  return { first, samples: at(shard.index + 1) - first };
}

/**
 * A view of `base` holding its shard's samples. Its positions (`Batch.indices`) stay those of `base`, so a
 * sample is the same sample of the same run wherever it is simulated.
 * @throws MsatError `DATA_OPTIONS` for an empty shard (more shards than samples).
 */
export function shardDataset(base: Dataset, shard: Shard): Dataset & { readonly range: ShardRange } {
  const range = shardRange(base.length, shard);
  if (range.samples === 0)
    throw new MsatError('DATA_OPTIONS', `shard ${shard.index}/${shard.count} of ${base.length} samples is empty; use at most ${base.length} shards`);
  const positions = Int32Array.from({ length: range.samples }, (_, i) => range.first + i);
  return {
    format: base.format,
    root: base.root,
    split: base.split,
    length: range.samples,
    sampleShape: base.sampleShape,
    classes: base.classes,
    ...(base.text ? { text: base.text } : {}),
    range,
    labels: () => base.labels().slice(range.first, range.first + range.samples),
    async *batches(batchSize: number, options: BatchOptions = {}): AsyncIterable<Batch> {
      const order = options.order ? Int32Array.from(options.order, (i) => positions[i]) : positions;
      yield* base.batches(batchSize, { order });
    },
  };
}
