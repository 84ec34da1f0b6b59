/**
 * What a tuning trial measures (`Tallies`, additive over samples so a candidate promoted to more samples only
 * simulates the new ones) and the objectives that turn tallies into one score (lower is better).
 */
import * as v from 'valibot';
import { finite, integer, list, MsatError, pathTo, record, type Infer } from '../core/index.js';
import { latencyToAnn } from '../snn/index.js';

/**
 * The objective `msat tune` minimises.
 * - `latency` (default): steps until the SNN's accuracy reaches the ANN's − `margin` on the tuning samples and
 *   stays there up to T (`settlingStep`): docs/method.md §7's "steps to ANN − 1 %", but a candidate that gets there
 *   early and then drifts away (small thresholds saturating, clipped λ) is not rewarded for it. Not being
 *   there at step T costs T plus T/8 per percentage point still missing at step T, so failing candidates are
 *   still ranked. Ties (same step) go to the higher area under the accuracy curve: 1 − mean accuracy over the
 *   T steps is added (always < 1 step).
 * - `auc`: 1 − the mean accuracy over steps 1..T (area under the accuracy-vs-step curve up to T).
 * - `kl`: the mean over steps 1..T and samples of KL(ANN softmax ‖ softmax(O(t)/t)), O(t) the accumulated
 *   readout: agreement with the ANN's outputs, labels not needed.
 * `energyWeight` (latency and auc) adds weight × (synaptic operations per step per sample ÷ the ANN's MACs per
 * sample): with weight w, an SNN doing one ANN-forward-worth of SOP per step pays w steps (or w AUC units).
 */
export type TuneObjective =
  | { readonly kind: 'latency'; readonly margin: number; readonly energyWeight: number }
  | { readonly kind: 'auc'; readonly energyWeight: number }
  | { readonly kind: 'kl' };

export const OBJECTIVE_KINDS = ['latency', 'auc', 'kl'] as const;

/** The default objective: steps to ANN − 1 %, no energy term. */
export const DEFAULT_OBJECTIVE: TuneObjective = Object.freeze({ kind: 'latency', margin: 0.01, energyWeight: 0 });

/**
 * Sums over the evaluated samples of one candidate; merging two disjoint sample ranges adds them. The schema
 * is what the trial log records and checks on resume: counts are whole numbers no larger than `samples`.
 */
export const talliesSchema = v.pipe(
  record({
    samples: integer(1),
    /** Samples the ANN classifies correctly. */
    annCorrect: integer(0),
    /** Correct SNN predictions at steps 1..T (length T). */
    correct: list(integer(0)),
    /** Σ over samples of the mean synaptic operations per step (when measured). */
    sop: v.optional(v.pipe(finite('a finite number ≥ 0'), v.minValue(0, 'expected a finite number ≥ 0'))),
    /** Σ over samples of KL(ANN ‖ SNN) at steps 1..T (when measured). */
    kl: v.optional(list(finite())),
  }),
  v.rawCheck(({ dataset, addIssue }) => {
    if (!dataset.typed) return;
    const t = dataset.value;
    const over = (n: number) => `expected at most ${t.samples} (the samples), got ${n}`;
    if (t.annCorrect > t.samples) return addIssue({ message: over(t.annCorrect), path: pathTo(t, 'annCorrect') });
    const i = t.correct.findIndex((c) => c > t.samples);
    if (i >= 0) return addIssue({ message: over(t.correct[i]), path: pathTo(t, 'correct', i) });
    if (t.kl && t.kl.length !== t.correct.length) {
      addIssue({ message: `expected ${t.correct.length} entries, one per step as in correct, got ${t.kl.length}`, path: pathTo(t, 'kl') });
    }
  }),
);
export type Tallies = Infer<typeof talliesSchema>;

/** `a` + `b` (disjoint samples of the same candidate). */
export function addTallies(a: Tallies, b: Tallies): Tallies {
  if (a.correct.length !== b.correct.length)
    throw new MsatError('TUNE_INTERNAL', `cannot add tallies of ${a.correct.length} and ${b.correct.length} steps`);
  const add = (x: readonly number[], y: readonly number[]) => x.map((v, i) => v + y[i]);
  return {
    samples: a.samples + b.samples,
    annCorrect: a.annCorrect + b.annCorrect,
    correct: add(a.correct, b.correct),
    ...(a.sop !== undefined && b.sop !== undefined ? { sop: a.sop + b.sop } : {}),
    ...(a.kl && b.kl ? { kl: add(a.kl, b.kl) } : {}),
  };
}

/** A trial's score and the readings it came from. Accuracies are fractions. */
export interface TrialScore {
  /** What the search minimises. */
  readonly score: number;
  readonly annAccuracy: number;
  /** First step with accuracy ≥ ANN − margin (margin 0.01 unless the objective says otherwise), or null. */
  readonly stepsToTarget: number | null;
  /** Mean accuracy over steps 1..T. */
  readonly auc: number;
  readonly finalAccuracy: number;
  /** Mean synaptic operations per step per sample, when measured. */
  readonly sopPerStep?: number;
  /** Mean KL over steps and samples, when measured. */
  readonly kl?: number;
}

/** Scores `t` under `objective`; `annMacs` (the ANN's MACs per sample) normalises the energy term. */
export function scoreTallies(t: Tallies, objective: TuneObjective, annMacs: number): TrialScore {
  if (t.samples === 0) throw new MsatError('TUNE_INTERNAL', 'cannot score a trial without samples');
  const T = t.correct.length;
  const accuracy = t.correct.map((c) => c / t.samples);
  const annAccuracy = t.annCorrect / t.samples;
  const margin = objective.kind === 'latency' ? objective.margin : 0.01;
  const stepsToTarget = latencyToAnn(accuracy, annAccuracy, { margin: Math.min(margin, annAccuracy) });
  const auc = accuracy.reduce((a, b) => a + b, 0) / T;
  const finalAccuracy = accuracy[T - 1];
  const sopPerStep = t.sop !== undefined ? t.sop / t.samples : undefined;
  const kl = t.kl ? t.kl.reduce((a, b) => a + b, 0) / T / t.samples : undefined;
  const energy =
    objective.kind !== 'kl' && objective.energyWeight > 0 ? objective.energyWeight * ((sopPerStep ?? missing('synaptic operations')) / annMacs) : 0;
  let score: number;
  switch (objective.kind) {
    case 'latency': {
      const target = annAccuracy - Math.min(margin, annAccuracy);
      const primary = settlingStep(accuracy, target) ?? T + (T / 8) * Math.max(0, (target - finalAccuracy) * 100);
      score = primary + (1 - auc) + energy;
      break;
    }
    case 'auc':
      score = 1 - auc + energy;
      break;
    case 'kl':
      score = kl ?? missing('KL divergences');
      break;
  }
  return {
    score,
    annAccuracy,
    stepsToTarget,
    auc,
    finalAccuracy,
    ...(sopPerStep !== undefined ? { sopPerStep } : {}),
    ...(kl !== undefined ? { kl } : {}),
  };
}

/** The first step t (1-based) with accuracy ≥ target at every step from t to T, or null if step T is below it. */
export function settlingStep(accuracy: readonly number[], target: number): number | null {
  let t = accuracy.length;
  if (t === 0 || accuracy[t - 1] < target) return null;
  while (t > 1 && accuracy[t - 2] >= target) t--;
  return t;
}

function missing(what: string): never {
  throw new MsatError('TUNE_INTERNAL', `the objective needs ${what}, but the trial did not measure them`);
}

/** Validates an objective given by a caller. */
export function validateObjective(o: TuneObjective): TuneObjective {
  if (!OBJECTIVE_KINDS.includes(o.kind))
    throw new MsatError('TUNE_OPTIONS', `unknown objective "${(o as { kind: string }).kind}"; must be one of ${OBJECTIVE_KINDS.join(', ')}`);
  if (o.kind === 'latency' && !(o.margin > 0 && o.margin < 1))
    throw new MsatError('TUNE_OPTIONS', `margin must be a fraction in (0, 1), got ${o.margin}; pass 0.01 for one point`);
  if (o.kind !== 'kl' && !(o.energyWeight >= 0)) throw new MsatError('TUNE_OPTIONS', `energy weight must be ≥ 0, got ${o.energyWeight}`);
  return o;
}

/** A finalist of the search re-simulated to the check horizon (`msat tune --check-T`). */
export interface CheckedFinalist<C> {
  readonly candidate: C;
  /** Its score at the check horizon. */
  readonly score: TrialScore;
  /** Accuracy at the last step of the check horizon ≥ ANN − the final tolerance. */
  readonly passes: boolean;
}

/**
 * Why a check at all: the search simulates T steps (64 by default) to be affordable, so it cannot see a
 * candidate whose accuracy drifts away later (small thresholds that saturate, a clipped λ). The finalists, in
 * the search's order, are simulated to the horizon users evaluate at until one ends within `finalTolerance` of
 * the ANN's accuracy: that one is chosen (`chosen`), and the rest are not simulated. If none does, the one with
 * the best score at the horizon is chosen. `checked` lists the finalists simulated, in order. With `concurrency`
 * k > 1 they are simulated k at a time, so up to k − 1 after the chosen one are simulated (and listed) too.
 */
export async function checkFinalists<C>(
  finalists: readonly C[],
  scoreAtHorizon: (candidate: C) => Promise<TrialScore>,
  finalTolerance: number,
  concurrency = 1,
): Promise<{ readonly checked: CheckedFinalist<C>[]; readonly chosen: CheckedFinalist<C> }> {
  const checked: CheckedFinalist<C>[] = [];
  // `concurrency` finalists at a time; the first that passes, in order, is chosen either way.
  const k = Math.max(1, concurrency);
  for (let at = 0; at < finalists.length; at += k) {
    const group = finalists.slice(at, at + k);
    const scores = await Promise.all(group.map(scoreAtHorizon));
    for (const [i, candidate] of group.entries()) {
      const score = scores[i];
      checked.push({ candidate, score, passes: score.finalAccuracy >= score.annAccuracy - finalTolerance - 1e-12 });
    }
    const chosen = checked.find((c) => c.passes);
    if (chosen) return { checked, chosen };
  }
  if (checked.length === 0) throw new MsatError('TUNE_INTERNAL', 'no finalist to check');
  return { checked, chosen: checked.reduce((a, b) => (b.score.score < a.score.score ? b : a)) };
}
