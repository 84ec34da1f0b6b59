/**
 * Tallying the network's readout: the SNN's accumulated readout O(t) = Σ_{k≤t} y(k) of a group of samples
 * (or, when the exit rule has a `decay` β < 1, the leaky R(t) = β·R(t−1) + y(t))
 * with its correct argmax predictions per step, each sample's early exit, and the ANN's correct predictions.
 * Kept apart from the simulator's loop so that the counting rule (first maximum wins) lives in one place.
 */
import { addToReadout, exitFires, readoutFeatures, readoutWeight, type ResolvedExitRule } from './exit/exit-rule.js';
import { emptyRecordPart, type ReadoutRecordPart } from './exit/readout-record.js';

/** Where a group's counts go: correct predictions per step and, with an exit rule, exits per step. */
export interface ReadoutSink {
  /** Correct predictions at step t = 1..T (index t − 1). */
  readonly correct: Float64Array;
  /** Samples that exited after t steps (index t, 1..T). */
  readonly exitHistogram?: Float64Array;
}

/**
 * The readout of one group of samples over T steps. Without an exit rule every sample runs all T steps.
 * With one, a sample that exits keeps its answer from then on: it counts as correct or not at every later
 * step (the accuracy at step t is that of a budget of t steps), its readout stops, and `compact` drops it so
 * that the simulator stops computing it.
 */
export class GroupReadout {
  readonly classes: number;
  readonly #steps: number;
  readonly #rule: ResolvedExitRule | undefined;
  #sum: Float64Array;
  #labels: Int32Array;
  /** Current row → the sample's row when the group started. */
  #rows: Int32Array;
  /** Per current row: the step after which it exited, 0 while running. */
  #exitStep: Int32Array;
  #top: Int32Array;
  #stable: Int32Array;
  readonly #record: ReadoutRecordPart | undefined;
  readonly #features = new Float64Array(3);

  /**
   * `first`: the group's first run position (for the record); `record`: keep every step's features, and with
   * `outputs` every step's output too.
   */
  constructor(labels: Int32Array, classes: number, steps: number, rule: ResolvedExitRule | undefined, record: boolean, first = 0, outputs = false) {
    const B = labels.length;
    this.classes = classes;
    this.#steps = steps;
    this.#rule = rule;
    this.#sum = new Float64Array(B * classes);
    this.#labels = labels;
    this.#rows = Int32Array.from({ length: B }, (_, i) => i);
    this.#exitStep = new Int32Array(B);
    this.#top = new Int32Array(B).fill(-1);
    this.#stable = new Int32Array(B);
    this.#record = record ? emptyRecordPart(first, labels, steps, rule?.decay, outputs ? classes : undefined) : undefined;
  }

  /** Samples still in the group (running, or exited during the last chunk). */
  get size(): number {
    return this.#labels.length;
  }

  /** Current row → the sample's row when the group started. */
  get rows(): Int32Array {
    return this.#rows;
  }

  /** The running sums Σ y(k) (leaky with the rule's `decay`), [size × classes] (the simulator's `onReadout` hook reads them). */
  get sums(): Float64Array {
    return this.#sum;
  }

  get labels(): Int32Array {
    return this.#labels;
  }

  /** The features of every step, when recorded. */
  get record(): ReadoutRecordPart | undefined {
    return this.#record;
  }

  /** Whether current row `r` was still running at step index `s` (0-based), i.e. its work at that step counts. */
  counts(r: number, s: number): boolean {
    const e = this.#exitStep[r];
    return e === 0 || s < e;
  }

  /**
   * Adds steps t0 … t0 + k − 1 of a chunk's readout ([k·size, classes], step-major) to the running samples'
   * sums, counts correct predictions into `sink`, and decides exits. `onStep(s)` runs after step s has been
   * added for every sample.
   */
  addChunk(readout: Float32Array, k: number, t0: number, sink: ReadoutSink, onStep?: (step: number) => void): void {
    const B = this.#labels.length;
    const classes = this.classes;
    const T = this.#steps;
    const sum = this.#sum;
    const f = this.#features;
    const rule = this.#rule;
    const record = this.#record;
    const decay = rule?.decay ?? 1;
    for (let j = 0; j < k; j++) {
      const s = t0 + j;
      const weight = readoutWeight(decay, s + 1);
      let hits = 0;
      for (let i = 0; i < B; i++) {
        if (this.#exitStep[i] !== 0) continue;
        const at = i * classes;
        const from = (j * B + i) * classes;
        addToReadout(sum, at, readout, from, classes, decay);
        // the softmax features only when something reads them
        const top = rule || record ? (readoutFeatures(sum, at, classes, weight, f), f[0]) : firstMax(sum, at, classes);
        this.#stable[i] = top === this.#top[i] ? this.#stable[i] + 1 : 1;
        this.#top[i] = top;
        const right = top === this.#labels[i];
        if (right) hits++;
        if (record) {
          const r = this.#rows[i] * T + s;
          record.top[r] = top;
          record.confidence[r] = f[1];
          record.margin[r] = f[2];
          record.outputs?.set(readout.subarray(from, from + classes), r * classes);
        }
        if (rule && exitFires(rule, s + 1, f[1], f[2], this.#stable[i])) {
          this.#exitStep[i] = s + 1;
          sink.exitHistogram![s + 1]++;
          // its answer stands for every later step
          if (right) for (let later = s + 1; later < T; later++) sink.correct[later]++;
        }
      }
      sink.correct[s] += hits;
      onStep?.(s);
    }
  }

  /**
   * Drops the samples that have exited. Returns the current rows that stay (to gather the simulator's state
   * and inputs with), or undefined when nobody has exited.
   */
  compact(): Int32Array | undefined {
    let kept = 0;
    for (const e of this.#exitStep) if (e === 0) kept++;
    if (kept === this.#exitStep.length) return undefined;
    const keep = new Int32Array(kept);
    for (let i = 0, n = 0; i < this.#exitStep.length; i++) if (this.#exitStep[i] === 0) keep[n++] = i;
    const classes = this.classes;
    const sum = new Float64Array(kept * classes);
    keep.forEach((r, n) => sum.set(this.#sum.subarray(r * classes, (r + 1) * classes), n * classes));
    this.#sum = sum;
    this.#labels = Int32Array.from(keep, (r) => this.#labels[r]);
    this.#rows = Int32Array.from(keep, (r) => this.#rows[r]);
    this.#top = Int32Array.from(keep, (r) => this.#top[r]);
    this.#stable = Int32Array.from(keep, (r) => this.#stable[r]);
    this.#exitStep = new Int32Array(kept);
    return keep;
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

/** Index of the first maximum of `v[at … at + n)`. */
function firstMax(v: Float64Array, at: number, n: number): number {
  let best = 0;
  for (let c = 1; c < n; c++) if (v[at + c] > v[at + best]) best = c;
  return best;
}
