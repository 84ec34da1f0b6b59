/**
 * The raw counts a simulation adds up batch by batch, and how two of them merge. `simulate` with several
 * workers gets one set of tallies per worker thread and merges them into the same `SimulationResult` that one
 * thread would have measured: everything but the Pearson sums is an integer count, so the merge is exact.
 */
import { MsatError } from '../core/index.js';
import type { Layer, Network } from '../model/index.js';
import { addSinCounts, ZERO_SIN_COUNTS, type SinCounts } from './metrics/index.js';
import type { ExitSummary, LayerActivity, NeuronTrace, ResolvedSimulationOptions, SimulationResult } from './simulation-options.js';
import { exitStatistics } from './exit/exit-statistics.js';
import { joinRecordParts, type ReadoutRecordPart } from './exit/readout-record.js';

/** Running sums of a Pearson correlation between x and y (float64); plain data, so it crosses threads. */
export interface PearsonSums {
  n: number;
  x: number;
  y: number;
  xx: number;
  yy: number;
  xy: number;
}

export function emptyPearsonSums(): PearsonSums {
  return { n: 0, x: 0, y: 0, xx: 0, yy: 0, xy: 0 };
}

/**
 * Adds the pairs (scale·counts[i], max(pre[i], 0)) for i in [from, to) to `sums`: the SNN's rate-coded value
 * and the ANN's ReLU output.
 */
export function addPearsonPairs(sums: PearsonSums, counts: Float32Array, pre: Float32Array, scale: number, from: number, to: number): void {
  let [sx, sy, sxx, syy, sxy] = [0, 0, 0, 0, 0];
  for (let i = from; i < to; i++) {
    const x = counts[i] * scale;
    const y = pre[i] > 0 ? pre[i] : 0;
    sx += x;
    sy += y;
    sxx += x * x;
    syy += y * y;
    sxy += x * y;
  }
  sums.n += to - from;
  sums.x += sx;
  sums.y += sy;
  sums.xx += sxx;
  sums.yy += syy;
  sums.xy += sxy;
}

/** The correlation, or NaN when either variable is constant. */
export function pearsonOf(s: PearsonSums): number {
  const cov = s.xy - (s.x * s.y) / s.n;
  const vx = s.xx - (s.x * s.x) / s.n;
  const vy = s.yy - (s.y * s.y) / s.n;
  return vx > 0 && vy > 0 ? cov / Math.sqrt(vx * vy) : NaN;
}

/** What one spiking layer counted. */
export interface LayerTallies {
  readonly layer: string;
  /** Spikes summed over neurons and samples at each step (length T). */
  readonly spikes: Float64Array;
  sin: SinCounts;
  readonly correlation: PearsonSums;
}

/**
 * Everything a simulation counted over its samples: plain data, so it crosses threads (structured clone).
 * `BatchSimulator` adds to its own in place.
 */
export interface SimulationTallies {
  samples: number;
  /** Samples the ANN classified correctly. */
  annCorrect: number;
  /** Correct SNN predictions at step t = 1..T (index t − 1). */
  readonly correct: Float64Array;
  /** One entry per relu layer, in network order. */
  readonly layers: readonly LayerTallies[];
  /** Traces of the run's first sample (position 0), empty if that sample was not simulated here. */
  readonly traces: NeuronTrace[];
  /** Steps simulated, summed over samples (with an exit rule: up to the end of the chunk in which each exited). */
  sampleSteps: number;
  /** With an exit rule: samples that exited after t steps (index t, length T + 1). */
  readonly exitHistogram?: Float64Array;
  /** With `recordReadout`: each group's readout features. */
  readonly records: ReadoutRecordPart[];
}

/** Tallies of no samples for `relus`, the identity of `mergeTallies`; with an exit histogram when `exit` is set. */
export function emptyTallies(relus: readonly Layer[], steps: number, exit = false): SimulationTallies {
  return {
    samples: 0,
    annCorrect: 0,
    correct: new Float64Array(steps),
    layers: relus.map((l) => ({ layer: l.name, spikes: new Float64Array(steps), sin: ZERO_SIN_COUNTS, correlation: emptyPearsonSums() })),
    traces: [],
    sampleSteps: 0,
    exitHistogram: exit ? new Float64Array(steps + 1) : undefined,
    records: [],
  };
}

/** The tallies of both sets of samples (same network and steps). */
export function mergeTallies(a: SimulationTallies, b: SimulationTallies): SimulationTallies {
  const add = (p: Float64Array, q: Float64Array) => p.map((v, i) => v + q[i]);
  return {
    samples: a.samples + b.samples,
    annCorrect: a.annCorrect + b.annCorrect,
    correct: add(a.correct, b.correct),
    layers: a.layers.map((l, i) => {
      const m = b.layers[i];
      const c = m.correlation;
      return {
        layer: l.layer,
        spikes: add(l.spikes, m.spikes),
        sin: addSinCounts(l.sin, m.sin),
        correlation: {
          n: l.correlation.n + c.n,
          x: l.correlation.x + c.x,
          y: l.correlation.y + c.y,
          xx: l.correlation.xx + c.xx,
          yy: l.correlation.yy + c.yy,
          xy: l.correlation.xy + c.xy,
        },
      };
    }),
    traces: a.traces.length > 0 ? a.traces : b.traces,
    sampleSteps: a.sampleSteps + b.sampleSteps,
    exitHistogram: a.exitHistogram && b.exitHistogram && add(a.exitHistogram, b.exitHistogram),
    records: [...a.records, ...b.records],
  };
}

/** The `SimulationResult` of `tallies` over `network`'s relu layers; `seconds` is the caller's wall time. */
export function tallyResult(network: Network, tallies: SimulationTallies, options: ResolvedSimulationOptions, seconds: number): SimulationResult {
  const done = tallies.samples;
  if (done === 0) throw new MsatError('SNN_DATA', 'the dataset has no samples to simulate');
  const T = tallies.correct.length;
  const exit: ExitSummary | undefined =
    options.exit && tallies.exitHistogram
      ? { rule: options.exit, histogram: tallies.exitHistogram, ...exitStatistics(tallies.exitHistogram), computedSteps: tallies.sampleSteps / done }
      : undefined;
  const stepsRun = exit ? exit.meanSteps : T;
  const shapes = new Map(network.layers.map((l) => [l.name, l.outShape.slice(1) as number[]]));
  const layers = tallies.layers.map((l): LayerActivity => {
    const neurons = shapes.get(l.layer)!.reduce((a, d) => a * d, 1);
    const ratePerStep = l.spikes.map((s) => s / (neurons * done));
    return {
      layer: l.layer,
      neurons,
      ratePerStep,
      firingRate: ratePerStep.reduce((a, r) => a + r, 0) / stepsRun,
      sin: l.sin,
      rateCorrelation: pearsonOf(l.correlation),
    };
  });
  return {
    samples: done,
    steps: T,
    annAccuracy: tallies.annCorrect / done,
    accuracyPerStep: tallies.correct.map((c) => c / done),
    layers,
    sinStep: options.sinStep,
    traces: tallies.traces,
    exit,
    readoutRecord: options.recordReadout ? joinRecordParts(tallies.records, T) : undefined,
    seconds,
  };
}
