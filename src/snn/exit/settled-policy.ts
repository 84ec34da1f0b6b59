/**
 * Fitting the stopping policy that `settled` exit rules ask (`settledProbability`): a logistic regression, on
 * every step of every sample of a recorded run, of whether the sample's top class is already the one it holds
 * at the run's last step and keeps from there on ("settled"). It needs no labels: a sample that ends wrong is
 * settled too once its answer stops changing, and stopping it then loses nothing. The fit is the maximum of the
 * log-likelihood with a small ridge (Newton's method on standardized features); the weights returned are for
 * the raw features, rounded to 6 significant digits so that the rule's text form is the policy exactly.
 */
import { POLICY_FEATURES, policyFeatures } from './exit-rule.js';
import type { ReadoutRecord } from './readout-record.js';

const F = POLICY_FEATURES.length;
/**
 * The ridge: (λ/2)·Σ (w_j·sd_j)² is added to the mean negative log-likelihood, sd_j the standard deviation of
 * feature j over the rows (a ridge on standardized weights). It keeps the fit finite when the features separate
 * the rows, and decides between weights the collinear features leave free.
 */
export const SETTLED_POLICY_RIDGE = 1e-4;
const MAX_ITERATIONS = 50;
const SIGNIFICANT_DIGITS = 6;

/** The policy (one weight per `POLICY_FEATURES`, then the intercept) fitted on every sample-step of `record`. */
export function fitSettledPolicy(record: ReadoutRecord): number[] {
  const { x, y } = settledRows(record);
  const n = y.length;
  // no sample ever changes its answer: settled everywhere (the likelihood has no maximum; P = 1 − 10⁻⁶)
  if (y.every((v) => v === 1)) return [...new Array<number>(F).fill(0), Number(Math.log(1e6).toPrecision(SIGNIFICANT_DIGITS))];
  const mean = new Float64Array(F);
  const scale = new Float64Array(F);
  for (let r = 0; r < n; r++) for (let j = 0; j < F; j++) mean[j] += x[r * F + j] / n;
  for (let r = 0; r < n; r++) for (let j = 0; j < F; j++) scale[j] += (x[r * F + j] - mean[j]) ** 2 / n;
  // a constant feature (all rows alike) keeps scale 1; centred to 0, it takes no weight
  for (let j = 0; j < F; j++) scale[j] = Math.sqrt(scale[j]) || 1;
  for (let r = 0; r < n; r++) for (let j = 0; j < F; j++) x[r * F + j] = (x[r * F + j] - mean[j]) / scale[j];

  const w = new Float64Array(F + 1); // standardized weights, then the intercept
  const gradient = new Float64Array(F + 1);
  const hessian = new Float64Array((F + 1) * (F + 1));
  const z = new Float64Array(F + 1);
  z[F] = 1;
  for (let iteration = 0; iteration < MAX_ITERATIONS; iteration++) {
    gradient.fill(0);
    hessian.fill(0);
    for (let r = 0; r < n; r++) {
      for (let j = 0; j < F; j++) z[j] = x[r * F + j];
      let s = 0;
      for (let j = 0; j <= F; j++) s += w[j] * z[j];
      const p = 1 / (1 + Math.exp(-s));
      const d = p * (1 - p);
      for (let j = 0; j <= F; j++) {
        gradient[j] += ((p - y[r]) * z[j]) / n;
        for (let k = 0; k <= j; k++) hessian[j * (F + 1) + k] += (d * z[j] * z[k]) / n;
      }
    }
    for (let j = 0; j <= F; j++) {
      for (let k = 0; k < j; k++) hessian[k * (F + 1) + j] = hessian[j * (F + 1) + k];
      if (j < F) {
        gradient[j] += SETTLED_POLICY_RIDGE * w[j];
        hessian[j * (F + 1) + j] += SETTLED_POLICY_RIDGE;
      }
    }
    const step = solve(hessian, gradient, F + 1);
    let largest = 0;
    for (let j = 0; j <= F; j++) {
      w[j] -= step[j];
      largest = Math.max(largest, Math.abs(step[j]));
    }
    if (largest < 1e-10) break;
  }
  // back to raw features: w·(x − mean)/scale + b = (w/scale)·x + (b − Σ w·mean/scale)
  const policy = Array.from({ length: F + 1 }, (_, j) => (j < F ? w[j] / scale[j] : w[F]));
  for (let j = 0; j < F; j++) policy[F] -= policy[j] * mean[j];
  return policy.map((v) => Number(v.toPrecision(SIGNIFICANT_DIGITS)));
}

/**
 * Every sample-step of `record` as the policy's features (row-major, `POLICY_FEATURES` per row) and whether the
 * sample's top class there is settled: equal to its top class at every later step up to T.
 */
export function settledRows(record: ReadoutRecord): { x: Float64Array; y: Uint8Array } {
  const T = record.steps;
  const x = new Float64Array(record.samples * T * F);
  const y = new Uint8Array(record.samples * T);
  const features = new Float64Array(F);
  for (let i = 0; i < record.samples; i++) {
    const at = i * T;
    const last = record.top[at + T - 1];
    let from = T - 1;
    while (from > 0 && record.top[at + from - 1] === last) from--;
    let stable = 0;
    for (let s = 0; s < T; s++) {
      stable = s > 0 && record.top[at + s] === record.top[at + s - 1] ? stable + 1 : 1;
      policyFeatures(s + 1, record.confidence[at + s], record.margin[at + s], stable, features);
      x.set(features, (at + s) * F);
      y[at + s] = s >= from ? 1 : 0;
    }
  }
  return { x, y };
}

/** Solves the symmetric positive definite system A·v = b of order `m` (Gaussian elimination; A and b are kept). */
function solve(a: Float64Array, b: Float64Array, m: number): Float64Array {
  const A = Float64Array.from(a);
  const v = Float64Array.from(b);
  for (let c = 0; c < m; c++) {
    let pivot = c;
    for (let r = c + 1; r < m; r++) if (Math.abs(A[r * m + c]) > Math.abs(A[pivot * m + c])) pivot = r;
    if (pivot !== c) {
      for (let k = 0; k < m; k++) [A[c * m + k], A[pivot * m + k]] = [A[pivot * m + k], A[c * m + k]];
      [v[c], v[pivot]] = [v[pivot], v[c]];
    }
    for (let r = c + 1; r < m; r++) {
      const f = A[r * m + c] / A[c * m + c];
      for (let k = c; k < m; k++) A[r * m + k] -= f * A[c * m + k];
      v[r] -= f * v[c];
    }
  }
  for (let c = m - 1; c >= 0; c--) {
    for (let k = c + 1; k < m; k++) v[c] -= A[c * m + k] * v[k];
    v[c] /= A[c * m + c];
  }
  return v;
}
