/**
 * How sure a choice made on a sample of data can be that it holds on unseen data: a one-sided lower confidence
 * bound on a classifier's accuracy relative to a reference (the ANN) on the same samples. The difference is
 * paired — each sample counts +1 where only the candidate is right, −1 where only the reference is — so its
 * noise is that of the samples they disagree on, not of the whole accuracy.
 */
import { MsatError } from '../core/index.js';

/**
 * The lower bound at confidence `level` of the mean of correct[i] − reference[i] (the normal approximation:
 * mean − z·s/√n, z the standard normal quantile at `level`, s the sample standard deviation). At level 0.5 it is
 * the mean itself.
 */
export function pairedLowerBound(correct: ArrayLike<number>, reference: ArrayLike<number>, level: number): number {
  const n = correct.length;
  if (n !== reference.length || n === 0)
    throw new MsatError('TUNE_DATA', `paired bound: ${n} candidate answers against ${reference.length} reference answers`);
  let sum = 0;
  let squares = 0;
  for (let i = 0; i < n; i++) {
    const d = correct[i] - reference[i];
    sum += d;
    squares += d * d;
  }
  const mean = sum / n;
  const variance = n > 1 ? Math.max(0, (squares - n * mean * mean) / (n - 1)) : 0;
  return mean - normalQuantile(level) * Math.sqrt(variance / n);
}

/**
 * The standard normal quantile Φ⁻¹(p) for 0 < p < 1 (P. J. Acklam's rational approximation, relative error
 * below 1.2e-9).
 */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new MsatError('TUNE_OPTIONS', `a probability in (0, 1) is needed, got ${p}`);
  const low = 0.02425;
  if (p < low) return tail(Math.sqrt(-2 * Math.log(p)));
  if (p > 1 - low) return -tail(Math.sqrt(-2 * Math.log(1 - p)));
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((-3.969683028665376e1 * r + 2.209460984245205e2) * r - 2.759285104469687e2) * r + 1.38357751867269e2) * r - 3.066479806614716e1) * r +
      2.506628277459239) *
      q) /
    (((((-5.447609879822406e1 * r + 1.615858368580409e2) * r - 1.556989798598866e2) * r + 6.680131188771972e1) * r - 1.328068155288572e1) * r + 1)
  );
}

/** The lower tail's rational function of q = √(−2 ln p). */
function tail(q: number): number {
  return (
    (((((-7.784894002430293e-3 * q - 3.223964580411365e-1) * q - 2.400758277161838) * q - 2.549732539343734) * q + 4.374664141464968) * q +
      2.938163982698783) /
    ((((7.784695709041462e-3 * q + 3.224671290700398e-1) * q + 2.445134137142996) * q + 3.754408661907416) * q + 1)
  );
}
