/** Summary statistics of a histogram of exit steps. */

/**
 * Mean, median and 95th percentile of the exit steps counted in `histogram` (index t: samples that exited
 * after t steps). A percentile is the first step by which at least that share of the samples had exited.
 */
export function exitStatistics(histogram: ArrayLike<number>): { meanSteps: number; medianSteps: number; p95Steps: number } {
  let n = 0;
  let total = 0;
  for (let t = 0; t < histogram.length; t++) {
    n += histogram[t];
    total += t * histogram[t];
  }
  const quantile = (q: number) => {
    let seen = 0;
    for (let t = 0; t < histogram.length; t++) {
      seen += histogram[t];
      if (seen >= q * n) return t;
    }
    return histogram.length - 1;
  };
  return { meanSteps: n > 0 ? total / n : 0, medianSteps: quantile(0.5), p95Steps: quantile(0.95) };
}
