/**
 * What the simulator is asked and what it answers: `SimulationOptions` with their defaults and validation,
 * and the result types. Options are resolved once, by whoever starts a simulation (`simulate`, or a
 * `BatchSimulator`/`ParallelSimulator` made directly); the resolved value is plain data apart from the two
 * callbacks, so it is handed on as is, to worker threads too (without the callbacks).
 */
import { MsatError } from '../core/index.js';
import type { InputEncoding } from './graph/build-chunk-graph.js';
import type { NeuronDynamics } from './neuron-config.js';
import type { SinCounts } from './metrics/index.js';
import { resolveExitRule, stopsEarly, type ExitRule, type ResolvedExitRule } from './exit/exit-rule.js';
import type { ReadoutRecord, ReadoutRecordPart } from './exit/readout-record.js';

/**
 * Called after every step of a group of samples with the group's readout accumulated so far.
 * - `step`: index of the step just simulated, 0 … T − 1 (the docs/method.md step t is `step + 1`, so the mean
 *   readout is `logits / (step + 1)`).
 * - `logits`: Σ_{k ≤ t} y(k) of the group, float64, [samples × classes] sample-major. The simulator keeps
 *   adding to this array: read it during the call, copy what must outlive it.
 * - `labels`: the group's labels.
 * - `first`: the run position of the group's first sample (the `first` of `BatchSimulator.run` plus the
 *   group's offset in the batch), so sample i of the group is sample `first + i` of the run.
 * A group's steps arrive in order 0 … T − 1 before the next group starts; groups come in batch order.
 */
export type ReadoutHook = (step: number, logits: Float64Array, labels: Int32Array, first: number) => void;

/** Options of `simulate`; every field but `steps` is optional. */
export interface SimulationOptions {
  /** T, the number of time steps. */
  readonly steps: number;
  /** Neuron dynamics. Default: constant θ = λ, γ = 1, soft reset (the classic converter). */
  readonly dynamics?: NeuronDynamics;
  /** Default `'direct'`: the analog input at every step (docs/method.md §1.4). */
  readonly encoding?: InputEncoding;
  /**
   * Steps per onnxruntime run. Default 16: each run has a fixed cost (reading the state back into the cache,
   * the chunk-end LIPool and spike-count work), so fewer, longer runs are faster; chunks never cross the SIN
   * step or the confidence window anyway (16 by default). With an exit rule that can stop a sample early the
   * default is 4 (`DEFAULT_EXIT_CHUNK`): a sample that exits is computed to the end of its chunk.
   */
  readonly chunk?: number;
  /** Samples per batch (read from the dataset and run through the ANN together). Default 64. */
  readonly batchSize?: number;
  /**
   * Samples per onnxruntime run inside a batch; each group runs all T steps before the next. Default
   * `'auto'` (`autoMicroBatch`): the most samples whose largest spiking layer has at most 2^18 neurons per step
   * and onnxruntime thread (8 per thread for a CIFAR network whose largest layer is 32×32×32), which keeps a
   * step's elementwise passes in the CPU cache. Results do not depend on it: every sample has its own draws.
   */
  readonly microBatch?: number | 'auto';
  /**
   * Seed of Poisson noise and spike-confidence draws. Default 0. Each sample draws from its own stream, seeded
   * by (seed, its position in the run), so results do not depend on batch size, micro-batch or workers.
   */
  readonly seed?: number;
  /**
   * Run position of the dataset's first sample. Default 0. A shard of a larger run (`--shard`) passes where its
   * slice starts, so each sample draws what it draws in the whole run and only the whole run's first sample is
   * traced; positions inside the result (`readoutRecord`, `onReadout`) still count from 0.
   */
  readonly firstPosition?: number;
  /** Spike confidence c per relu layer (docs/method.md §4); layers not listed keep every spike. */
  readonly confidence?: ReadonlyMap<string, number>;
  /** Steps during which spike confidence applies. Default 16. */
  readonly confidenceWindow?: number;
  /** Step after which SIN is measured (docs/method.md §4). Default 16 (or T if smaller). */
  readonly sinStep?: number;
  /** Neurons per spiking layer whose membrane, threshold and spikes are recorded for the run's first sample (`pickTracedNeurons`). Default 0. */
  readonly traceNeurons?: number;
  /**
   * Run the ANN on every batch, for `annAccuracy`, SIN and the rate correlation. Default true. `false` skips
   * that pass and everything that needs it, for callers that want only the SNN's accuracy per step, its spike
   * rates or its readout (`onReadout`): `annAccuracy` is then 0, every SIN count 0, `rateCorrelation` NaN, and
   * chunks no longer end at `sinStep`. Cannot be combined with `traceNeurons` (traces pick neurons by the
   * ANN's output).
   */
  readonly compareWithAnn?: boolean;
  /**
   * Worker threads that simulate batches in parallel, each with its own single-threaded onnxruntime sessions
   * (`ParallelSimulator`); the runner's own sessions (the ANN) are not used then. Default 1: batches run one
   * after another on `runner`, with its threads inside each operator. Results are the same for any number
   * (up to float rounding of the rate correlation).
   */
  readonly workers?: number;
  /**
   * Early exit: each sample stops when this rule fires on its accumulated readout (`ExitRule`), and the
   * simulator stops computing it at the end of that chunk. Its answer then stands at every later step, its
   * spikes count only up to its exit step, and the result says when samples exited (`SimulationResult.exit`).
   * Not with `onReadout`.
   */
  readonly exit?: ExitRule;
  /**
   * Keep every sample's readout features at every step (`SimulationResult.readoutRecord`), to sweep exit rules
   * offline from this one run. Default false.
   */
  readonly recordReadout?: boolean;
  /**
   * With `recordReadout`: also keep every step's output y(t) of every sample (4 bytes per class and step), so
   * that the record can be read through a leaky readout of any decay afterwards (`recordWithDecay`). Default false.
   */
  readonly recordOutputs?: boolean;
  /** Called after each batch with the samples done so far and the dataset's length. */
  readonly onProgress?: (done: number, total: number) => void;
  /**
   * Each step's accumulated readout of each group of samples (`ReadoutHook`). Only with one worker: functions
   * do not cross threads.
   */
  readonly onReadout?: ReadoutHook;
}

/** The most time steps a simulation may have: its tallies hold one value per step (and per sample, when recorded). */
export const MAX_STEPS = 65536;

/** Steps per onnxruntime run with an exit rule, unless `chunk` is given (bench/RESULTS.md). */
export const DEFAULT_EXIT_CHUNK = 4;

export const DEFAULT_SIMULATION_OPTIONS = Object.freeze({
  dynamics: Object.freeze({ rule: Object.freeze({ kind: 'constant', k: 1 }), gamma: 1, reset: 'soft' }) as NeuronDynamics,
  encoding: 'direct' as InputEncoding,
  chunk: 16,
  batchSize: 64,
  microBatch: 'auto' as number | 'auto',
  seed: 0,
  firstPosition: 0,
  confidenceWindow: 16,
  sinStep: 16,
  traceNeurons: 0,
  compareWithAnn: true,
  recordReadout: false,
  recordOutputs: false,
  workers: 1,
});

/** Membrane potential and threshold of one neuron of the first sample at every step (docs/method.md §7). */
export interface NeuronTrace {
  readonly layer: string;
  /** Flat index of the neuron within the layer's output of one sample (C·H·W order). */
  readonly neuron: number;
  /** The ANN's ReLU output of this neuron, which the rate λ·n/T approximates. */
  readonly annActivation: number;
  /** Membrane potential V + x after integrating step t's input, before firing (length T). */
  readonly membrane: number[];
  /** Threshold θ(t) (length T). */
  readonly threshold: number[];
  /** Spikes emitted at step t, after spike confidence (length T). */
  readonly spikes: number[];
}

/** Activity of one spiking layer over the simulated samples. */
export interface LayerActivity {
  readonly layer: string;
  /** Neurons per sample. */
  readonly neurons: number;
  /** Spikes per neuron at each step, averaged over samples (length T). */
  readonly ratePerStep: Float64Array;
  /** Mean spikes per neuron per step over all T steps (with an exit rule: per step a sample ran). */
  readonly firingRate: number;
  /** SIN/POS counts after `sinStep` steps, against the ANN's pre-activations. */
  readonly sin: SinCounts;
  /**
   * Pearson correlation over neurons and samples between the SNN's rate-coded value after T steps,
   * n·k·λ / T (n spikes, k the constant rule's scale, 1 for MSAT), and the ANN's ReLU output: the classic
   * converter's identity, close to 1 for a good conversion at large T.
   */
  readonly rateCorrelation: number;
}

/** When the samples of a run with an exit rule stopped. */
export interface ExitSummary {
  readonly rule: ResolvedExitRule;
  /** Samples that exited after t steps (index t, 1..T; index 0 is always 0). */
  readonly histogram: Float64Array;
  readonly meanSteps: number;
  readonly medianSteps: number;
  /** The step by which 95 % of the samples had exited. */
  readonly p95Steps: number;
  /** Steps the simulator computed per sample on average: at least `meanSteps`, since a chunk runs to its end. */
  readonly computedSteps: number;
}

/** What `simulate` measured. */
export interface SimulationResult {
  readonly samples: number;
  readonly steps: number;
  /** The ANN's accuracy on the same samples. */
  readonly annAccuracy: number;
  /**
   * Accuracy of argmax Σ_{k≤t} y(k) for t = 1..T (index t − 1). With an exit rule, a sample that exited keeps
   * its answer: the accuracy at step t is that of a budget of t steps, and at T that of the rule.
   */
  readonly accuracyPerStep: Float64Array;
  readonly layers: readonly LayerActivity[];
  readonly sinStep: number;
  /** `traceNeurons` neurons of each spiking layer, for the run's first sample. */
  readonly traces: readonly NeuronTrace[];
  /** With an exit rule: when the samples stopped. */
  readonly exit?: ExitSummary;
  /** With `recordReadout`: every sample's readout features at every step it ran. */
  readonly readoutRecord?: ReadoutRecord;
  /** The counts everything above was computed from (`resultOfTallies`): what a shard keeps so that shards merge exactly. */
  readonly tallies?: SimulationTallies;
  readonly seconds: number;
}

/**
 * `SimulationOptions` after defaults and validation. `resolved` marks them as such (a plain field, so the mark
 * survives the structured clone to a worker), and `resolveSimulationOptions` hands such a value back as is.
 */
export interface ResolvedSimulationOptions extends Required<Omit<SimulationOptions, 'confidence' | 'exit' | 'onProgress' | 'onReadout'>> {
  readonly confidence: ReadonlyMap<string, number>;
  readonly exit: ResolvedExitRule | undefined;
  readonly onProgress?: (done: number, total: number) => void;
  readonly onReadout?: ReadoutHook;
  readonly resolved: true;
}

/** Resolved options without the callbacks: what crosses to a worker thread (structured clone). */
export type PlainSimulationOptions = Omit<ResolvedSimulationOptions, 'onProgress' | 'onReadout'>;

/** Merges `options` with `DEFAULT_SIMULATION_OPTIONS` and validates them; resolved options come back unchanged. */
export function resolveSimulationOptions(options: SimulationOptions | PlainSimulationOptions): ResolvedSimulationOptions {
  if ('resolved' in options && options.resolved === true) return options;
  const given = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as SimulationOptions;
  // with an exit rule that can stop a sample early, shorter chunks: an exited sample is computed to the end of its
  // chunk (a rule of nothing but a decay stops everyone at T)
  const early = given.exit && stopsEarly(given.exit, given.steps ?? Infinity);
  const chunk = given.chunk ?? (early ? DEFAULT_EXIT_CHUNK : DEFAULT_SIMULATION_OPTIONS.chunk);
  const r = { ...DEFAULT_SIMULATION_OPTIONS, confidence: new Map<string, number>(), ...given, chunk };
  const positive = (name: string, v: number) => {
    if (!Number.isInteger(v) || v < 1) throw new MsatError('SNN_OPTIONS', `${name} must be a positive integer, got ${v}`);
  };
  positive('steps', r.steps);
  if (r.steps > MAX_STEPS) throw new MsatError('SNN_OPTIONS', `steps must be at most ${MAX_STEPS}, got ${r.steps}`);
  positive('chunk', r.chunk);
  positive('batchSize', r.batchSize);
  positive('workers', r.workers);
  if (!Number.isInteger(r.seed)) throw new MsatError('SNN_OPTIONS', `seed must be an integer, got ${r.seed}`);
  if (r.microBatch !== 'auto') positive('microBatch', r.microBatch);
  if (!Number.isSafeInteger(r.firstPosition) || r.firstPosition < 0)
    throw new MsatError('SNN_OPTIONS', `firstPosition must be a non-negative integer, got ${r.firstPosition}`);
  if (!Number.isInteger(r.traceNeurons) || r.traceNeurons < 0)
    throw new MsatError('SNN_OPTIONS', `traceNeurons must be a non-negative integer, got ${r.traceNeurons}`);
  for (const [layer, c] of r.confidence) {
    if (!(c >= 0 && c <= 1)) throw new MsatError('SNN_OPTIONS', `spike confidence of ${layer} must be in [0, 1], got ${c}`);
  }
  if (!r.compareWithAnn && r.traceNeurons > 0) throw new MsatError('SNN_OPTIONS', 'traceNeurons needs the ANN run (compareWithAnn)');
  if (r.recordOutputs && !r.recordReadout)
    throw new MsatError('SNN_OPTIONS', 'recordOutputs keeps its outputs in the readout record: give recordReadout');
  if (r.onReadout && r.workers > 1) throw new MsatError('SNN_OPTIONS', 'onReadout runs only with one worker (functions do not cross threads)');
  if (r.onReadout && r.exit) throw new MsatError('SNN_OPTIONS', 'onReadout and an exit rule cannot be combined (exited samples leave the readout)');
  return { ...r, exit: r.exit && resolveExitRule(r.exit, r.steps), sinStep: Math.min(r.sinStep, r.steps), resolved: true };
}

/** `options` without the callbacks, to hand to a worker thread. */
export function plainSimulationOptions(options: ResolvedSimulationOptions): PlainSimulationOptions {
  const { onProgress: _p, onReadout: _r, ...plain } = options;
  return plain;
}

/**
 * Running sums of a Pearson correlation between x and y: plain data, so it crosses threads and files. Each sum
 * is an exact expansion (`addExact`), so sums added in any order (batches, workers, shards) give the same value.
 */
export interface PearsonSums {
  n: number;
  readonly x: number[];
  readonly y: number[];
  readonly xx: number[];
  readonly yy: number[];
  readonly xy: number[];
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
