/**
 * The readout features of every sample at every step of a run (`SimulationOptions.recordReadout`), kept so
 * that exit rules can be swept offline from one simulation: 10 bytes per sample and step (10,000 samples ×
 * 256 steps: 26 MB), and 4 more per class with the outputs.
 */
import { MsatError } from '../../core/index.js';
import { addToReadout, readoutFeatures, readoutWeight } from './exit-rule.js';

/** Sample i's features after step t (1-based) are at index i·T + t − 1. Plain data: it crosses threads. */
export interface ReadoutRecord {
  readonly samples: number;
  readonly steps: number;
  readonly labels: Int32Array;
  /** The top class (first maximum) of the accumulated readout. */
  readonly top: Uint16Array;
  /** Softmax probability of the top class of the time-averaged readout (`readoutFeatures`). */
  readonly confidence: Float32Array;
  /** Top minus runner-up of the time-averaged readout, in logit units. */
  readonly margin: Float32Array;
  /** The readout's `decay` (`ExitRule.decay`) the features were computed with; absent: 1, the plain sum. */
  readonly decay?: number;
  /**
   * With `SimulationOptions.recordOutputs`: every step's output y(t), [samples × T × classes], the float32
   * values the readout added; `recordWithDecay` reads them through another decay.
   */
  readonly outputs?: Float32Array;
}

/** The record of a group of samples that starts at run position `first`. */
export interface ReadoutRecordPart extends ReadoutRecord {
  readonly first: number;
}

/** `classes`: keep every step's output too. */
export function emptyRecordPart(first: number, labels: Int32Array, steps: number, decay = 1, classes?: number): ReadoutRecordPart {
  const n = labels.length * steps;
  return {
    ...(decay !== 1 ? { decay } : {}),
    ...(classes !== undefined ? { outputs: new Float32Array(n * classes) } : {}),
    first,
    samples: labels.length,
    steps,
    labels: Int32Array.from(labels),
    top: new Uint16Array(n),
    confidence: new Float32Array(n),
    margin: new Float32Array(n),
  };
}

/**
 * The parts of a run (any order, e.g. from several workers) as one record in run order.
 * @throws MsatError `SNN_DATA` when the parts overlap or leave a gap.
 */
export function joinRecordParts(parts: readonly ReadoutRecordPart[], steps: number): ReadoutRecord {
  const sorted = [...parts].sort((a, b) => a.first - b.first);
  const samples = sorted.reduce((n, p) => n + p.samples, 0);
  const decay = sorted[0]?.decay;
  if (sorted.some((p) => p.decay !== decay)) throw new MsatError('SNN_DATA', 'readout record: parts of different readout decays');
  const withOutputs = sorted.length > 0 && sorted.every((p) => p.outputs);
  const classes = withOutputs ? sorted[0].outputs!.length / (sorted[0].samples * steps) : 0;
  const out = {
    ...(decay !== undefined ? { decay } : {}),
    ...(withOutputs ? { outputs: new Float32Array(samples * steps * classes) } : {}),
    samples,
    steps,
    labels: new Int32Array(samples),
    top: new Uint16Array(samples * steps),
    confidence: new Float32Array(samples * steps),
    margin: new Float32Array(samples * steps),
  };
  let next = 0;
  for (const p of sorted) {
    if (p.first !== next) throw new MsatError('SNN_DATA', `readout record: samples ${next}… expected, a part starts at ${p.first}`);
    out.labels.set(p.labels, next);
    out.top.set(p.top, next * steps);
    out.confidence.set(p.confidence, next * steps);
    out.margin.set(p.margin, next * steps);
    out.outputs?.set(p.outputs!, next * steps * classes);
    next += p.samples;
  }
  return out;
}

/**
 * The record a run would have made reading its readout through `decay` (`ExitRule.decay`), recomputed from the
 * outputs of a run without exits with the simulator's own arithmetic: its features and answers are those of a
 * run with that decay, bit for bit.
 * @throws MsatError `SNN_OPTIONS` when the record keeps no outputs.
 */
export function recordWithDecay(record: ReadoutRecord, decay: number): ReadoutRecord {
  const y = record.outputs;
  if (!y) throw new MsatError('SNN_OPTIONS', 'this readout record keeps no outputs to read through another decay (recordOutputs)');
  const T = record.steps;
  const classes = y.length / (record.samples * T);
  const n = record.samples * T;
  const out = {
    ...(decay !== 1 ? { decay } : {}),
    samples: record.samples,
    steps: T,
    labels: record.labels,
    top: new Uint16Array(n),
    confidence: new Float32Array(n),
    margin: new Float32Array(n),
  };
  const sum = new Float64Array(classes);
  const f = new Float64Array(3);
  for (let i = 0; i < record.samples; i++) {
    sum.fill(0);
    for (let s = 0; s < T; s++) {
      const r = i * T + s;
      addToReadout(sum, 0, y, r * classes, classes, decay);
      readoutFeatures(sum, 0, classes, readoutWeight(decay, s + 1), f);
      out.top[r] = f[0];
      out.confidence[r] = f[1];
      out.margin[r] = f[2];
    }
  }
  return out;
}
