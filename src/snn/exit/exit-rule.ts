/**
 * Early exit ("anytime" inference): a sample stops as soon as its accumulated readout O(t) = Σ_{k≤t} y(k) is
 * settled. The rule reads three features of the time-averaged readout O(t)/t after each step t, computed by
 * `readoutFeatures` in one place for the simulator (online) and for the offline sweep, so both decide alike:
 * - confidence: the softmax probability of the top class. The averaged readout approximates the ANN's logits
 *   (the output layer is analog and sums λ-scaled spikes), so this is the ANN's own softmax scale;
 * - margin: the top class's averaged readout minus the runner-up's, in the same logit units;
 * - stable: for how many consecutive steps the top class has not changed (1 at its first step on top).
 * A rule may also make the readout forget: with `decay` β < 1 it reads R(t) = β·R(t−1) + y(t), a leaky
 * integrator, instead of the plain sum, and answers with its argmax. The first steps' output of a deep SNN is
 * a transient (the deep layers have not started firing, the biases dominate) that the plain sum carries along
 * for dozens of steps; a leaky readout lets it fade (β = 0.85 keeps 20 % of a step's output after 10 steps).
 * The time average becomes R(t) / Σ_{k<t} β^k (`readoutWeight`), on the same logit scale as before.
 * A rule may also ask a stopping policy (`settled` with `policy`): a logistic model of these features and the
 * step that gives the probability that the top class is settled, the one the sample will hold to the end
 * (`fitSettledPolicy` fits it on a recorded run). It weighs confidence and margin by the step and by how long
 * the answer has held, which no single threshold does.
 */
import { MsatError } from '../../core/index.js';

/** When a sample stops. Conditions combine with `mode`; `min` and `max` bound every sample's exit step. */
export interface ExitRule {
  /** Exit when the softmax of the averaged readout gives the top class at least this probability (0 < c ≤ 1). */
  readonly confidence?: number;
  /** Exit when the top class leads the runner-up by at least this much (logit units of the averaged readout, ≥ 0). */
  readonly margin?: number;
  /** Exit when the top class has been the same for this many consecutive steps (≥ 1). */
  readonly stable?: number;
  /** Exit when the stopping policy `policy` gives the top class at least this probability of being settled (0 < p < 1). */
  readonly settled?: number;
  /** The stopping policy (`settledProbability`): one weight per `POLICY_FEATURES`, then the intercept. Given with `settled`. */
  readonly policy?: readonly number[];
  /** `'all'`: every given condition must hold (default); `'any'`: the first that holds. */
  readonly mode?: 'all' | 'any';
  /** No sample exits before this step (default 1). */
  readonly min?: number;
  /** Every sample still running exits at this step (default T). */
  readonly max?: number;
  /**
   * The readout keeps this fraction of its value at each step before adding the step's output (0 < β ≤ 1;
   * default 1, the plain sum). Applies to the answer too: a rule of nothing but `decay` is a fixed-T run with
   * a leaky readout.
   */
  readonly decay?: number;
}

/** An `ExitRule` with `mode`, `min`, `max` and `decay` filled in for a run of T steps. */
export interface ResolvedExitRule extends ExitRule {
  readonly mode: 'all' | 'any';
  readonly min: number;
  readonly max: number;
  readonly decay: number;
}

const KEYS = ['confidence', 'margin', 'stable', 'settled', 'policy', 'mode', 'min', 'max', 'decay'] as const;

/**
 * What the stopping policy reads after step t, in this order: the confidence c, log(1 + margin), log(stable),
 * log t, and the products of the first three with log t (so the weight of each may change with time).
 */
export const POLICY_FEATURES = [
  'confidence',
  'log(1+margin)',
  'log(stable)',
  'log(t)',
  'confidence·log(t)',
  'log(1+margin)·log(t)',
  'log(stable)·log(t)',
] as const;

/** The stopping policy's features after step `t` (`POLICY_FEATURES`), written into `out` (length 7). */
export function policyFeatures(t: number, confidence: number, margin: number, stable: number, out: Float64Array): void {
  const logT = Math.log(t);
  const m = Math.log1p(margin);
  const s = Math.log(stable);
  out[0] = confidence;
  out[1] = m;
  out[2] = s;
  out[3] = logT;
  out[4] = confidence * logT;
  out[5] = m * logT;
  out[6] = s * logT;
}

const policyScratch = new Float64Array(POLICY_FEATURES.length);

/** The probability `policy` gives that the top class is settled after step `t`: σ(w · features + intercept). */
export function settledProbability(policy: readonly number[], t: number, confidence: number, margin: number, stable: number): number {
  policyFeatures(t, confidence, margin, stable, policyScratch);
  let z = policy[POLICY_FEATURES.length];
  for (let j = 0; j < POLICY_FEATURES.length; j++) z += policy[j] * policyScratch[j];
  return 1 / (1 + Math.exp(-z));
}

/**
 * Parses the command-line form: comma-separated `key:value` pairs, e.g. `confidence:0.9,stable:4,min:2`
 * or `confidence:0.99,margin:4,mode:any`. Keys: confidence, margin, stable, settled, policy (its numbers
 * separated by `/`), mode (all|any), min, max, decay.
 */
export function parseExitRule(text: string): ExitRule {
  const rule: Record<string, number | string | number[]> = {};
  for (const part of text.split(',')) {
    const [key, value, extra] = part.split(':').map((s) => s.trim());
    if (!key || value === undefined || extra !== undefined)
      throw new MsatError('SNN_OPTIONS', `exit rule "${text}": "${part}" is not key:value (keys: ${KEYS.join(', ')})`);
    if (!(KEYS as readonly string[]).includes(key))
      throw new MsatError('SNN_OPTIONS', `exit rule "${text}": unknown key "${key}" (keys: ${KEYS.join(', ')})`);
    if (key in rule) throw new MsatError('SNN_OPTIONS', `exit rule "${text}": "${key}" is given twice`);
    if (key === 'mode') rule.mode = value;
    else if (key === 'policy') {
      const parts = value.split('/');
      const weights = parts.map(Number);
      if (parts.some((w) => w.trim() === '') || !weights.every(Number.isFinite))
        throw new MsatError('SNN_OPTIONS', `exit rule "${text}": policy must be numbers separated by "/", got "${value}"`);
      rule.policy = weights;
    } else {
      const n = Number(value);
      if (value === '' || !Number.isFinite(n)) throw new MsatError('SNN_OPTIONS', `exit rule "${text}": ${key} must be a number, got "${value}"`);
      rule[key] = n;
    }
  }
  validateExitRule(rule as ExitRule);
  return rule as ExitRule;
}

/**
 * The command-line form of `rule` (keys in a fixed order; `parseExitRule` reads it back), without the defaults
 * `mode:all`, `min:1` and `decay:1`; with `steps`, without `max:T` either.
 */
export function formatExitRule(rule: ExitRule, steps?: number): string {
  const isDefault = (k: (typeof KEYS)[number]) =>
    (k === 'mode' && rule.mode === 'all') ||
    (k === 'min' && rule.min === 1) ||
    (k === 'max' && rule.max === steps) ||
    (k === 'decay' && rule.decay === 1);
  const shown = KEYS.filter((k) => rule[k] !== undefined && !isDefault(k));
  const text = shown.map((k) => `${k}:${k === 'policy' ? rule.policy!.join('/') : rule[k]}`).join(',');
  // a fixed-T run (nothing but defaults, perhaps a decay) still names its T
  const max = rule.max ?? steps;
  if (max === undefined || shown.some((k) => k !== 'decay')) return text;
  return text ? `max:${max},${text}` : `max:${max}`;
}

/**
 * Checks ranges; with `steps`, also that `min` and `max` lie within 1..T.
 * @throws MsatError `SNN_OPTIONS` naming the field.
 */
export function validateExitRule(rule: ExitRule, steps?: number): void {
  const bad = (what: string) => {
    throw new MsatError('SNN_OPTIONS', `exit rule: ${what}`);
  };
  if (rule.confidence !== undefined && !(rule.confidence > 0 && rule.confidence <= 1)) bad(`confidence must be in (0, 1], got ${rule.confidence}`);
  if (rule.margin !== undefined && !(rule.margin >= 0 && Number.isFinite(rule.margin))) bad(`margin must be a finite number ≥ 0, got ${rule.margin}`);
  if (rule.decay !== undefined && !(rule.decay > 0 && rule.decay <= 1)) bad(`decay must be in (0, 1], got ${rule.decay}`);
  if (rule.settled !== undefined && !(rule.settled > 0 && rule.settled < 1)) bad(`settled must be in (0, 1), got ${rule.settled}`);
  if ((rule.settled === undefined) !== (rule.policy === undefined))
    bad('settled and policy go together (the probability and the policy that gives it)');
  if (
    rule.policy !== undefined &&
    !(Array.isArray(rule.policy) && rule.policy.length === POLICY_FEATURES.length + 1 && rule.policy.every(Number.isFinite))
  )
    bad(`policy must be ${POLICY_FEATURES.length + 1} finite numbers (a weight for each of ${POLICY_FEATURES.join(', ')}, then the intercept)`);
  for (const key of ['stable', 'min', 'max'] as const) {
    const v = rule[key];
    if (v !== undefined && !(Number.isInteger(v) && v >= 1)) bad(`${key} must be a positive integer, got ${v}`);
  }
  if (rule.mode !== undefined && rule.mode !== 'all' && rule.mode !== 'any') bad(`mode must be "all" or "any", got "${String(rule.mode)}"`);
  if (rule.min !== undefined && rule.max !== undefined && rule.min > rule.max) bad(`min (${rule.min}) is after max (${rule.max})`);
  if (steps !== undefined && rule.max !== undefined && rule.max > steps) bad(`max (${rule.max}) is after the last step T = ${steps}`);
  if (steps !== undefined && rule.min !== undefined && rule.min > steps) bad(`min (${rule.min}) is after the last step T = ${steps}`);
}

/** `rule` for a run of `steps` steps, validated, with its defaults. */
export function resolveExitRule(rule: ExitRule, steps: number): ResolvedExitRule {
  validateExitRule(rule, steps);
  return { ...rule, mode: rule.mode ?? 'all', min: rule.min ?? 1, max: rule.max ?? steps, decay: rule.decay ?? 1 };
}

/**
 * Whether a sample exits after step `t` (1-based) with these features. Without any condition only `max`
 * stops a sample, which makes the run a fixed-T run of `max` steps.
 */
export function exitFires(rule: ResolvedExitRule, t: number, confidence: number, margin: number, stable: number): boolean {
  if (t < rule.min) return false;
  if (t >= rule.max) return true;
  let given = 0;
  let held = 0;
  if (rule.confidence !== undefined) {
    given++;
    if (confidence >= rule.confidence) held++;
  }
  if (rule.margin !== undefined) {
    given++;
    if (margin >= rule.margin) held++;
  }
  if (rule.stable !== undefined) {
    given++;
    if (stable >= rule.stable) held++;
  }
  if (rule.settled !== undefined) {
    given++;
    if (settledProbability(rule.policy!, t, confidence, margin, stable) >= rule.settled) held++;
  }
  return given > 0 && (rule.mode === 'any' ? held > 0 : held === given);
}

/**
 * Adds one step's output `y[from … from + classes)` to a sample's readout `sum[at …]`: R ← β·R + y (β = 1 is
 * the plain sum, exactly). The simulator and `recordWithDecay` both step the readout with it, so they agree bit
 * for bit.
 */
export function addToReadout(sum: Float64Array, at: number, y: Float32Array, from: number, classes: number, decay: number): void {
  for (let c = 0; c < classes; c++) sum[at + c] = decay * sum[at + c] + y[from + c];
}

/** Whether `rule` can stop a sample before step `steps`: a condition, or a budget `max` below it. */
export function stopsEarly(rule: ExitRule, steps: number): boolean {
  return (
    rule.confidence !== undefined ||
    rule.margin !== undefined ||
    rule.stable !== undefined ||
    rule.settled !== undefined ||
    (rule.max !== undefined && rule.max < steps)
  );
}

/** Σ_{k<t} β^k: what the readout weighs after `t` steps when a step's output counts once (t for β = 1). */
export function readoutWeight(decay: number, t: number): number {
  return decay === 1 ? t : (1 - decay ** t) / (1 - decay);
}

/**
 * The features of one sample's readout `sum[at … at + classes)` whose time weight is `weight` (`readoutWeight`:
 * t after t steps of the plain sum), written into `out`: [top class, confidence, margin]. Confidence and margin are rounded to float32, the precision the
 * offline record keeps, so an online decision and its offline recomputation compare the same numbers.
 * The top class is the first maximum (as every accuracy count in msat).
 */
export function readoutFeatures(sum: Float64Array, at: number, classes: number, weight: number, out: Float64Array): void {
  let top = 0;
  let a = -Infinity;
  let b = -Infinity;
  for (let c = 0; c < classes; c++) {
    const v = sum[at + c];
    if (v > a) {
      b = a;
      a = v;
      top = c;
    } else if (v > b) b = v;
  }
  let z = 0;
  for (let c = 0; c < classes; c++) z += Math.exp((sum[at + c] - a) / weight);
  out[0] = top;
  out[1] = Math.fround(1 / z);
  out[2] = Math.fround(classes > 1 ? (a - b) / weight : Infinity);
}
