/**
 * Tallying the network's readout: the SNN's accumulated readout O(t) = Σ_{k≤t} y(k) with its correct argmax
 * predictions per step, and the ANN's correct predictions. Kept apart from the simulator's loop so that the
 * counting rule (first maximum wins) lives in one place.
 */

/**
 * Adds steps t0 … t0 + k − 1 of a chunk's readout ([k·B, classes], step-major) to the running sums `logits`
 * ([B, classes], float64) and counts correct argmax predictions per step into `correct`. `onStep(t)` runs
 * after step t has been added for every sample (the simulator's `onReadout`).
 */
export function accumulateReadout(
  readout: Float32Array,
  logits: Float64Array,
  labels: Int32Array,
  k: number,
  t0: number,
  correct: Float64Array,
  onStep?: (step: number) => void,
): void {
  const B = labels.length;
  const classes = logits.length / B;
  for (let j = 0; j < k; j++) {
    let hits = 0;
    for (let i = 0; i < B; i++) {
      let best = 0;
      let bestValue = -Infinity;
      for (let c = 0; c < classes; c++) {
        const v = (logits[i * classes + c] += readout[(j * B + i) * classes + c]);
        if (v > bestValue) {
          bestValue = v;
          best = c;
        }
      }
      if (best === labels[i]) hits++;
    }
    correct[t0 + j] += hits;
    onStep?.(t0 + j);
  }
}

/** Samples whose argmax of `logits` ([B, classes]) equals their label. */
export function countCorrect(logits: Float32Array, labels: Int32Array): number {
  const classes = logits.length / labels.length;
  let hits = 0;
  for (let i = 0; i < labels.length; i++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (logits[i * classes + c] > logits[i * classes + best]) best = c;
    if (best === labels[i]) hits++;
  }
  return hits;
}
