import { MsatError } from '../../core/index.js';

/**
 * Spikes-of-inactivated-neurons counts of one layer (docs/method.md §4), additive over samples and batches.
 *
 * - `sin`: neurons that spiked (n > 0) although the ANN pre-activation is a ≤ 0.
 * - `pos`: neurons that spiked with a ≥ 0.
 * - `neurons`: neurons compared.
 *
 * A neuron with a = 0 that spiked is counted in both, exactly as docs/method.md §4 (and the authors' code) define them.
 */
export interface SinCounts {
  readonly sin: number;
  readonly pos: number;
  readonly neurons: number;
}

/** Empty counts, the identity of `addSinCounts`. */
export const ZERO_SIN_COUNTS: SinCounts = Object.freeze({ sin: 0, pos: 0, neurons: 0 });

/**
 * Counts SIN and POS for one layer: `spikeCounts[i]` is neuron i's spike count n after the first 16 steps (or
 * whichever step the caller measures at), `preActivations[i]` the ANN pre-activation of the same neuron on
 * the same input. Both are flat arrays over the same layout.
 */
export function countSin(spikeCounts: ArrayLike<number>, preActivations: ArrayLike<number>): SinCounts {
  if (spikeCounts.length !== preActivations.length) {
    throw new MsatError(
      'CONVERT_SHAPE_MISMATCH',
      `countSin: ${spikeCounts.length} spike counts but ${preActivations.length} ANN pre-activations; pass the same layer's tensors.`,
    );
  }
  let sin = 0;
  let pos = 0;
  for (let i = 0; i < spikeCounts.length; i++) {
    if (!(spikeCounts[i] > 0)) continue;
    const a = preActivations[i];
    if (a <= 0) sin++;
    if (a >= 0) pos++;
  }
  return { sin, pos, neurons: spikeCounts.length };
}

/** Sum of two count records (pool over batches, then take one ratio). */
export function addSinCounts(a: SinCounts, b: SinCounts): SinCounts {
  return { sin: a.sin + b.sin, pos: a.pos + b.pos, neurons: a.neurons + b.neurons };
}

/** r_l = SIN / (SIN + POS), 0 when both are 0 (docs/method.md §4). */
export function sinRatio(counts: SinCounts): number {
  const total = counts.sin + counts.pos;
  return total === 0 ? 0 : counts.sin / total;
}

/** Spike confidence c_l = 1 − r_l (docs/method.md §4). */
export function spikeConfidence(counts: SinCounts): number {
  return 1 - sinRatio(counts);
}

/**
 * Mean of the per-batch ratios r, which is how the authors aggregated (`np.mean` over test batches); it
 * differs slightly from `sinRatio` of pooled counts when batches differ in size or spike totals.
 */
export function meanBatchSinRatio(batches: readonly SinCounts[]): number {
  if (batches.length === 0) throw new MsatError('CONVERT_EMPTY_TENSOR', 'meanBatchSinRatio: no batches given.');
  let sum = 0;
  for (const b of batches) sum += sinRatio(b);
  return sum / batches.length;
}

/** The per-layer SIN diagnostic users want on its own (docs/method.md §4). */
export interface LayerSinStatistics extends SinCounts {
  readonly name: string;
  /** r_l. */
  readonly ratio: number;
  /** c_l = 1 − r_l. */
  readonly confidence: number;
}

/** Counts, r_l and c_l of one named layer. */
export function layerSinStatistics(name: string, counts: SinCounts): LayerSinStatistics {
  const ratio = sinRatio(counts);
  return { name, ...counts, ratio, confidence: 1 - ratio };
}
