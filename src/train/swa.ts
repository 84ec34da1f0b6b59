/**
 * Stochastic weight averaging (SWA; Izmailov et al., UAI 2018, as `torch.optim.swa_utils` does it): the mean of
 * the trainable parameters at the end of every epoch from a start epoch on, and, because the mean of the weights
 * is a network no batch statistics were measured for, batch-norm running statistics recomputed for it by one
 * pass over the training data, augmented as in training (PyTorch's `update_bn` over the training loader: the
 * equal-weight mean over batches of each batch's mean and unbiased variance).
 */
import type { Batch, Dataset } from '../data/index.js';
import type { StepRunner, TrainBatch } from './step-runner.js';

/** Prefix of the averaged tensors in a checkpoint's state (`swa:<parameter>`). */
export const SWA_PREFIX = 'swa:';

/** Folds `params` into `average`, the running mean of `count` earlier snapshots (`count` 0: it becomes a copy of `params`). */
export function foldIntoAverage(average: Map<string, Float32Array>, params: ReadonlyMap<string, Float32Array>, count: number): void {
  if (count === 0) {
    average.clear();
    for (const [name, v] of params) average.set(name, v.slice());
    return;
  }
  const w = 1 / (count + 1);
  for (const [name, avg] of average) {
    const p = params.get(name)!;
    for (let i = 0; i < avg.length; i++) avg[i] += (p[i] - avg[i]) * w;
  }
}

/**
 * The batch-norm running statistics of `params`: the mean over the batches of `data` (in dataset order, each
 * through `toBatch`, where the trainer applies the run's augmentation) of each batch's values.
 */
export async function recomputeBatchNorm(
  steps: StepRunner,
  data: Dataset,
  batchSize: number,
  params: ReadonlyMap<string, Float32Array>,
  scalars: Readonly<Record<string, number>>,
  toBatch: (raw: Batch) => TrainBatch,
  onBatch?: (done: number) => void,
): Promise<Map<string, Float32Array>> {
  const sums = new Map<string, Float64Array>();
  let batches = 0;
  let done = 0;
  for await (const raw of data.batches(batchSize)) {
    const stats = await steps.batchStatistics(toBatch(raw), params, scalars);
    for (const [name, v] of stats) {
      let sum = sums.get(name);
      if (!sum) sums.set(name, (sum = new Float64Array(v.length)));
      for (let i = 0; i < v.length; i++) sum[i] += v[i];
    }
    batches++;
    done += raw.labels.length;
    onBatch?.(done);
  }
  return new Map([...sums].map(([name, sum]) => [name, Float32Array.from(sum, (s) => s / batches)]));
}
