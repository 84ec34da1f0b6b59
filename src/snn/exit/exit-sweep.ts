/**
 * Exit rules evaluated offline on a `ReadoutRecord` (one full-length simulation): the same decision the
 * simulator makes online (`exitFires` on the recorded features), the oracle bound, and sweeps of each rule's
 * threshold that trace accuracy against mean steps.
 */
import { exitFires, formatExitRule, resolveExitRule, settledProbability, type ExitRule, type ResolvedExitRule } from './exit-rule.js';
import { ACCURACY_COMPARISON_SLACK } from '../metrics/index.js';
import { MsatError } from '../../core/index.js';
import type { ReadoutRecord } from './readout-record.js';

/** Accuracy and mean exit step of a way to stop. */
export interface ExitOutcome {
  readonly accuracy: number;
  readonly meanSteps: number;
}

/** One rule of a sweep and what it gave. */
export interface ExitPoint extends ExitOutcome {
  /**
   * The rule family swept: `'confidence'`, `'margin'`, `'stable'`, `'confidence+stable'`, `'confidence+min'`,
   * `'confidence+max'`, `'stable+max'`, `'confidence+min+max'`, or (`sweepSettledRules`) `'settled'` and
   * `'settled+max'`.
   */
  readonly family: string;
  readonly rule: string;
}

/** What a replay of a rule gives for every sample. */
export interface ExitReplay {
  /** Exit step of each sample (1..T). */
  readonly exitSteps: Int32Array;
  /** Samples that exited after t steps (index t, length T + 1), as `SimulationResult.exit.histogram`. */
  readonly histogram: Float64Array;
  /** Correct answers with a budget of t steps (index t − 1), as the simulator counts them under the rule. */
  readonly correct: Float64Array;
}

/** Replays `rule` on `record`: exactly what a simulation with that exit rule decides (same features, same test). */
export function replayExit(record: ReadoutRecord, rule: ExitRule): ExitReplay {
  const T = record.steps;
  const r = resolveFor(record, rule);
  const exitSteps = new Int32Array(record.samples);
  const histogram = new Float64Array(T + 1);
  const correct = new Float64Array(T);
  for (let i = 0; i < record.samples; i++) {
    const at = i * T;
    const label = record.labels[i];
    const e = exitIndex(record, r, i);
    exitSteps[i] = e + 1;
    histogram[e + 1]++;
    for (let s = 0; s <= e; s++) if (record.top[at + s] === label) correct[s]++;
    // its answer stands for every later step
    if (record.top[at + e] === label) for (let later = e + 1; later < T; later++) correct[later]++;
  }
  return { exitSteps, histogram, correct };
}

/** Each sample's exit step (1..T) under `rule` and whether its answer there is correct (1) or not (0). */
export function exitDecisions(record: ReadoutRecord, rule: ExitRule): { exitSteps: Int32Array; correct: Uint8Array } {
  const T = record.steps;
  const r = resolveFor(record, rule);
  const exitSteps = new Int32Array(record.samples);
  const correct = new Uint8Array(record.samples);
  for (let i = 0; i < record.samples; i++) {
    const e = exitIndex(record, r, i);
    exitSteps[i] = e + 1;
    correct[i] = record.top[i * T + e] === record.labels[i] ? 1 : 0;
  }
  return { exitSteps, correct };
}

/** Accuracy and mean steps of `rule` on `record` (`replayExit` without the per-step counts). */
export function exitOutcome(record: ReadoutRecord, rule: ExitRule): ExitOutcome {
  const T = record.steps;
  const r = resolveFor(record, rule);
  let right = 0;
  let steps = 0;
  for (let i = 0; i < record.samples; i++) {
    const e = exitIndex(record, r, i);
    steps += e + 1;
    if (record.top[i * T + e] === record.labels[i]) right++;
  }
  return { accuracy: right / record.samples, meanSteps: steps / record.samples };
}

/**
 * `rule` resolved for the record's T.
 * @throws MsatError `SNN_OPTIONS` when the rule reads a readout of another decay than the record holds.
 */
function resolveFor(record: ReadoutRecord, rule: ExitRule): ResolvedExitRule {
  const r = resolveExitRule(rule, record.steps);
  const decay = record.decay ?? 1;
  if (r.decay !== decay)
    throw new MsatError('SNN_OPTIONS', `exit rule ${formatExitRule(rule)} reads a readout of decay ${r.decay}; this record holds decay ${decay}`);
  return r;
}

/** The step index (0-based) after which sample `i` exits under `rule`: the simulator's decision, from the record. */
function exitIndex(record: ReadoutRecord, rule: ResolvedExitRule, i: number): number {
  const T = record.steps;
  const at = i * T;
  let stable = 0;
  let previous = -1;
  for (let s = 0; s < T; s++) {
    const top = record.top[at + s];
    stable = top === previous ? stable + 1 : 1;
    previous = top;
    if (exitFires(rule, s + 1, record.confidence[at + s], record.margin[at + s], stable)) return s;
  }
  return T - 1; // not reached: a resolved rule's max is at most T
}

/**
 * The oracle: each sample stops at the first step from which its answer stays correct up to T, and a sample
 * wrong at T stops after one step (no step would make it right). Its accuracy is that at T; no rule that reads
 * only the readout so far can reach it in fewer mean steps.
 */
export function exitOracle(record: ReadoutRecord): ExitOutcome {
  const T = record.steps;
  let right = 0;
  let steps = 0;
  for (let i = 0; i < record.samples; i++) {
    const at = i * T;
    const label = record.labels[i];
    if (record.top[at + T - 1] !== label) {
      steps += 1;
      continue;
    }
    right++;
    let s = T - 1;
    while (s > 0 && record.top[at + s - 1] === label) s--;
    steps += s + 1;
  }
  return { accuracy: right / record.samples, meanSteps: steps / record.samples };
}

const CONFIDENCES = [0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.93, 0.95, 0.97, 0.98, 0.99, 0.995, 0.998, 0.999, 0.9995, 0.9999, 0.99999];
const STABLE = [1, 2, 3, 4, 5, 6, 8, 10, 12, 16, 20, 24, 32, 48, 64, 96, 128, 192];
const PAIRED_STABLE = [2, 4, 8];
const PAIRED_MIN = [2, 3, 4, 6, 8, 12, 16];
const BUDGETS = [4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128];

/**
 * Accuracy and mean steps of each rule family as its threshold sweeps: confidence c, margin m (quantiles of the
 * recorded margins, so the grid fits the model's logit scale), stable s, confidence with a stability window,
 * confidence from a first step on, confidence or stability within a budget of steps (`max`), and confidence
 * from a first step on within a budget. Every rule reads the readout the record holds (its `decay`).
 */
export function sweepExitRules(record: ReadoutRecord): ExitPoint[] {
  const T = record.steps;
  const rules: { family: string; rule: ExitRule }[] = [];
  for (const confidence of CONFIDENCES) rules.push({ family: 'confidence', rule: { confidence } });
  for (const margin of marginGrid(record)) rules.push({ family: 'margin', rule: { margin } });
  for (const stable of STABLE.filter((s) => s <= T)) rules.push({ family: 'stable', rule: { stable } });
  for (const stable of PAIRED_STABLE.filter((s) => s <= T))
    for (const confidence of CONFIDENCES) rules.push({ family: 'confidence+stable', rule: { confidence, stable } });
  // the first steps' readout is noise for slow converters: confidence counted only from step `min` on
  for (const min of PAIRED_MIN.filter((m) => m < T))
    for (const confidence of CONFIDENCES) rules.push({ family: 'confidence+min', rule: { confidence, min } });
  // a budget: the few samples that never settle stop at `max` instead of running to T, where they dominate the mean
  for (const max of BUDGETS.filter((m) => m < T)) {
    for (const confidence of CONFIDENCES) rules.push({ family: 'confidence+max', rule: { confidence, max } });
    for (const stable of STABLE.filter((s) => s < max)) rules.push({ family: 'stable+max', rule: { stable, max } });
  }
  // both: a converter whose first steps are noise and whose slow samples never settle (the tuned speech neuron)
  for (const min of PAIRED_MIN)
    for (const max of BUDGETS.filter((m) => m > min && m < T))
      for (const confidence of CONFIDENCES) rules.push({ family: 'confidence+min+max', rule: { confidence, min, max } });
  const decay = record.decay ?? 1;
  return rules.map(({ family, rule }) => {
    const read = decay === 1 ? rule : { ...rule, decay };
    return { family, rule: formatExitRule(read), ...exitOutcome(record, read) };
  });
}

/** Probabilities 1 − 10^(−k/10), k = 3 … 30 (0.499 … 0.999), at 4 significant digits. */
const SETTLED = Array.from({ length: 28 }, (_, k) => Number((1 - 10 ** (-(k + 3) / 10)).toPrecision(4)));

/**
 * Accuracy and mean steps of the rules that ask the stopping policy `policy` (`fitSettledPolicy`) whether a
 * sample's answer is settled, as the probability asked sweeps, without a budget and within each budget `max`.
 * Each sample-step's probability is computed once (`settledProbability`, as `exitFires` computes it), and each
 * rule's outcome is that of `exitOutcome` (a test holds them equal).
 */
export function sweepSettledRules(record: ReadoutRecord, policy: readonly number[]): ExitPoint[] {
  const T = record.steps;
  const decay = record.decay ?? 1;
  const probability = new Float64Array(record.samples * T);
  for (let i = 0; i < record.samples; i++) {
    let stable = 0;
    for (let s = 0; s < T; s++) {
      const r = i * T + s;
      stable = s > 0 && record.top[r] === record.top[r - 1] ? stable + 1 : 1;
      probability[r] = settledProbability(policy, s + 1, record.confidence[r], record.margin[r], stable);
    }
  }
  const points: ExitPoint[] = [];
  for (const max of [T, ...BUDGETS.filter((m) => m < T)])
    for (const settled of SETTLED) {
      let right = 0;
      let steps = 0;
      for (let i = 0; i < record.samples; i++) {
        let s = 0;
        while (s + 1 < max && probability[i * T + s] < settled) s++;
        steps += s + 1;
        if (record.top[i * T + s] === record.labels[i]) right++;
      }
      const rule: ExitRule = { settled, policy, ...(max < T ? { max } : {}), ...(decay !== 1 ? { decay } : {}) };
      points.push({
        family: max < T ? 'settled+max' : 'settled',
        rule: formatExitRule(rule),
        accuracy: right / record.samples,
        meanSteps: steps / record.samples,
      });
    }
  return points;
}

/** Margins at evenly spaced quantiles (5 % … 99.5 %) of every recorded step's margin, rounded to 3 significant digits. */
function marginGrid(record: ReadoutRecord): number[] {
  const finite = record.margin.filter((m) => Number.isFinite(m)).sort();
  if (finite.length === 0) return [];
  const qs = [0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 0.98, 0.99, 0.995];
  return [...new Set(qs.map((q) => Number(finite[Math.min(finite.length - 1, Math.floor(q * finite.length))].toPrecision(3))))];
}

/** The points no other point beats on both accuracy and mean steps, by mean steps. */
export function paretoFront<P extends ExitOutcome>(points: readonly P[]): P[] {
  const sorted = [...points].sort((a, b) => a.meanSteps - b.meanSteps || b.accuracy - a.accuracy);
  const front: P[] = [];
  for (const p of sorted) if (front.length === 0 || p.accuracy > front[front.length - 1].accuracy) front.push(p);
  return front;
}

/**
 * The point with the fewest mean steps whose accuracy is at least `minAccuracy` (undefined if none), compared as
 * the fixed-T latency is (`ACCURACY_COMPARISON_SLACK`).
 */
export function fewestStepsAtLeast<P extends ExitOutcome>(points: readonly P[], minAccuracy: number): P | undefined {
  let best: P | undefined;
  for (const p of points) {
    if (p.accuracy < minAccuracy - ACCURACY_COMPARISON_SLACK) continue;
    if (!best || p.meanSteps < best.meanSteps || (p.meanSteps === best.meanSteps && p.accuracy > best.accuracy)) best = p;
  }
  return best;
}
