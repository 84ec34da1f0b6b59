/**
 * The raw counts a simulation adds up batch by batch, and how two of them merge. `simulate` with several
 * workers gets one set of tallies per worker thread and merges them into the same `SimulationResult` that one
 * thread would have measured, and so does `msat merge` with the tallies of shards run on other machines:
 * everything is an integer count but the Pearson sums, which are exact expansions, so the merge is exact.
 */
import { MsatError } from '../core/index.js';
import type { Layer, Network } from '../model/index.js';
import { addSinCounts, ZERO_SIN_COUNTS } from './metrics/index.js';
import type {
  ExitSummary,
  LayerActivity,
  LayerTallies,
  PearsonSums,
  ResolvedSimulationOptions,
  SimulationResult,
  SimulationTallies,
} from './simulation-options.js';
import { exitStatistics } from './exit/exit-statistics.js';
import { joinRecordParts } from './exit/readout-record.js';
import { addExact, addExactSums, exactValue } from './exact-sum.js';

export type { LayerTallies, PearsonSums, SimulationTallies };

export function emptyPearsonSums(): PearsonSums {
  return { n: 0, x: [], y: [], xx: [], yy: [], xy: [] };
}

/**
 * Adds the pairs (scale·counts[i], max(pre[i], 0)) for i in [from, to) to `sums`: the SNN's rate-coded value
 * and the ANN's ReLU output. The range's own sums are plain float64 (a range is one sample's channel, the same
 * wherever that sample runs); they enter the running sums exactly.
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
  addExact(sums.x, sx);
  addExact(sums.y, sy);
  addExact(sums.xx, sxx);
  addExact(sums.yy, syy);
  addExact(sums.xy, sxy);
}

/** `a` and `b` together (a new value). */
export function mergePearsonSums(a: PearsonSums, b: PearsonSums): PearsonSums {
  const out = emptyPearsonSums();
  out.n = a.n + b.n;
  for (const k of ['x', 'y', 'xx', 'yy', 'xy'] as const) {
    addExactSums(out[k], a[k]);
    addExactSums(out[k], b[k]);
  }
  return out;
}

/** The correlation, or NaN when either variable is constant. */
export function pearsonOf(s: PearsonSums): number {
  const [x, y, xx, yy, xy] = [exactValue(s.x), exactValue(s.y), exactValue(s.xx), exactValue(s.yy), exactValue(s.xy)];
  const cov = xy - (x * y) / s.n;
  const vx = xx - (x * x) / s.n;
  const vy = yy - (y * y) / s.n;
  return vx > 0 && vy > 0 ? cov / Math.sqrt(vx * vy) : NaN;
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
        correlation: mergePearsonSums(l.correlation, c),
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
  const shapes = new Map(network.layers.map((l) => [l.name, (l.outShape.slice(1) as number[]).reduce((a, d) => a * d, 1)]));
  return resultOfTallies(tallies, shapes, options, seconds);
}

/**
 * `tallyResult` without the network: `neurons` per spiking layer (per sample) is all it needs of it. The one
 * place a result's rates, accuracies and exit statistics are computed from counts, so that a run merged from
 * shards (`msat merge`) gives what the whole run gives.
 */
export function resultOfTallies(
  tallies: SimulationTallies,
  neurons: ReadonlyMap<string, number>,
  options: Pick<ResolvedSimulationOptions, 'exit' | 'sinStep' | 'recordReadout'>,
  seconds: number,
): SimulationResult {
  const done = tallies.samples;
  if (done === 0) throw new MsatError('SNN_DATA', 'the dataset has no samples to simulate');
  const T = tallies.correct.length;
  const exit: ExitSummary | undefined =
    options.exit && tallies.exitHistogram
      ? { rule: options.exit, histogram: tallies.exitHistogram, ...exitStatistics(tallies.exitHistogram), computedSteps: tallies.sampleSteps / done }
      : undefined;
  const stepsRun = exit ? exit.meanSteps : T;
  const layers = tallies.layers.map((l): LayerActivity => {
    const count = neurons.get(l.layer)!;
    const ratePerStep = l.spikes.map((s) => s / (count * done));
    return {
      layer: l.layer,
      neurons: count,
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
    tallies,
    seconds,
  };
}
