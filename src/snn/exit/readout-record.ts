/**
 * The readout features of every sample at every step of a run (`SimulationOptions.recordReadout`), kept so
 * that exit rules can be swept offline from one simulation: 10 bytes per sample and step (10,000 samples ×
 * 256 steps: 26 MB).
 */
import { MsatError } from '../../core/index.js';

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
}

/** The record of a group of samples that starts at run position `first`. */
export interface ReadoutRecordPart extends ReadoutRecord {
  readonly first: number;
}

export function emptyRecordPart(first: number, labels: Int32Array, steps: number): ReadoutRecordPart {
  const n = labels.length * steps;
  return {
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
  const out = {
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
    next += p.samples;
  }
  return out;
}
