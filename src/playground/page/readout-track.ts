/**
 * One SNN's answer, step by step, read from its accumulated readout as msat's simulator reads it: the prediction
 * is the first maximum of Σ readout, confidence and margin come from `readoutFeatures`, and the early-exit rule
 * of the SNN file (if any) decides with `exitFires` when the answer is settled. Those two functions are msat's
 * own (src/snn/exit/exit-rule.ts), so the page settles at the step `msat simulate --exit` would. A rule with a
 * `decay` reads the leaky readout, rebuilt here from the model's Σ readout step by step.
 */
import { exitFires, parseExitRule, readoutFeatures, readoutWeight, resolveExitRule, type ResolvedExitRule } from '../../snn/exit/exit-rule.js';

/** What the readout says after one step. */
export interface StepAnswer {
  /** 1-based step. */
  readonly t: number;
  readonly top: number;
  /** Softmax probability of the top class, over the time-averaged readout. */
  readonly confidence: number;
  readonly margin: number;
  /** Consecutive steps the top class has held. */
  readonly stable: number;
}

/** The heading of the readout bars: the plain Σ readout, or the leaky readout the SNN file's exit rule reads. */
export function readoutHeading(exit: string | undefined, classes: number): string {
  const decay = exit === undefined ? 1 : (parseExitRule(exit).decay ?? 1);
  return decay === 1 ? `Σ readout per class (${classes})` : `leaky readout (β = ${decay}) per class (${classes})`;
}

/** The rule as the page shows it: a stopping policy's eight weights as `policy:…` (the SNN file keeps them). */
export function shownExitRule(exit: string): string {
  return exit.replace(/policy:[^,]*/, 'policy:…');
}

export class ReadoutTrack {
  readonly classes: number;
  readonly #rule: ResolvedExitRule | undefined;
  readonly #features = new Float64Array(3);
  answers: StepAnswer[] = [];
  /** The readout the answer comes from after each step: Σ readout, or its leaky form under the rule's `decay`. */
  sums: Float64Array[] = [];
  #plain: Float64Array | undefined;
  /** The step at which the exit rule fired, if it has. */
  settled: number | undefined;

  /** `exit`: the rule's command-line form; `steps`: the run's T (the rule's default `max`). */
  constructor(classes: number, exit: string | undefined, steps: number) {
    this.classes = classes;
    const rule = exit === undefined ? undefined : parseExitRule(exit);
    this.#rule = rule && resolveExitRule(rule, Math.max(steps, rule.max ?? 1));
  }

  /** `sum`: the model's Σ readout after the step. */
  add(sum: Float64Array): StepAnswer {
    const t = this.answers.length + 1;
    const decay = this.#rule?.decay ?? 1;
    if (decay !== 1) sum = this.#leaky(sum, decay);
    readoutFeatures(sum, 0, this.classes, readoutWeight(decay, t), this.#features);
    const [top, confidence, margin] = this.#features;
    const last = this.answers[this.answers.length - 1];
    const answer: StepAnswer = { t, top, confidence, margin, stable: last && last.top === top ? last.stable + 1 : 1 };
    this.answers.push(answer);
    this.sums.push(sum);
    if (this.#rule && this.settled === undefined && exitFires(this.#rule, t, confidence, margin, answer.stable)) this.settled = t;
    return answer;
  }

  /** β·R(t − 1) + y(t), with y(t) the step's growth of the plain sum. */
  #leaky(sum: Float64Array, decay: number): Float64Array {
    const last = this.sums[this.sums.length - 1];
    const out = new Float64Array(sum.length);
    for (let c = 0; c < sum.length; c++) out[c] = (last ? decay * last[c] : 0) + sum[c] - (this.#plain?.[c] ?? 0);
    this.#plain = sum;
    return out;
  }
}
