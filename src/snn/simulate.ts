/**
 * The SNN simulator: runs a converted network for T steps over a dataset on onnxruntime and measures accuracy
 * at every step, spikes per layer and step, SIN at step 16, synaptic operations and energy (METHOD.md §1–§4, §7).
 *
 * Each batch runs in groups of samples, each group chunk by chunk (`buildChunkGraph`); state tensors go from
 * one chunk's outputs to the next chunk's inputs and are zero at the start of every group, so every sample
 * starts from reset state.
 */
import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { MsatError } from '../core/errors.js';
import { asInputType, type Tensor } from '../core/tensor.js';
import type { Dataset } from '../data/index.js';
import { encodeOnnxModel } from '../onnx/index.js';
import { networkToOnnxBytes, type Layer, type Network } from '../model/index.js';
import type { Runner, Session } from '../runtime/index.js';
import { buildChunkGraph, type ChunkGraph, type ChunkStart, type InputEncoding, type StateSlot } from './graph/build-chunk-graph.js';
import type { NeuronDynamics } from './neuron-config.js';
import { countSin, addSinCounts, type SinCounts } from './metrics/index.js';
import { createRng, type Rng } from './reference/index.js';
import { addPearsonPairs, emptyTallies, tallyResult, type LayerTallies, type SimulationTallies } from './simulation-tallies.js';

/** Options of `simulate`; every field but `steps` is optional. */
export interface SimulationOptions {
  /** T, the number of time steps. */
  readonly steps: number;
  /** Neuron dynamics. Default: constant θ = λ, γ = 1, soft reset (the classic converter). */
  readonly dynamics?: NeuronDynamics;
  /** Default `'direct'`: the analog input at every step (METHOD.md §1.4). */
  readonly encoding?: InputEncoding;
  /**
   * Steps per onnxruntime run. Default 16: each run has a fixed cost (reading the state back into the cache,
   * the chunk-end LIPool and spike-count work), so fewer, longer runs are faster; chunks never cross the SIN
   * step or the confidence window anyway (16 by default).
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
   * How analog layers run over a chunk's steps (`ChunkGraphSpec.timeFolding`). Default `'none'`: once per step
   * on the micro-batch, so each step's conv output is still in the CPU cache when the spiking layer reads it and
   * no Split/Concat copies are made (faster than folding K steps into the batch, bench/RESULTS.md).
   */
  readonly timeFolding?: 'batch' | 'none';
  /**
   * Seed of Poisson noise and spike-confidence draws. Default 0. Each sample draws from its own stream, seeded
   * by (seed, its position in the run), so results do not depend on batch size, micro-batch or workers.
   */
  readonly seed?: number;
  /** Spike confidence c per relu layer (METHOD.md §4); layers not listed keep every spike. */
  readonly confidence?: ReadonlyMap<string, number>;
  /** Steps during which spike confidence applies. Default 16. */
  readonly confidenceWindow?: number;
  /** Step after which SIN is measured (METHOD.md §4). Default 16 (or T if smaller). */
  readonly sinStep?: number;
  /** Neurons per spiking layer whose membrane, threshold and spikes are recorded for the run's first sample (`pickTracedNeurons`). Default 0. */
  readonly traceNeurons?: number;
  /**
   * Worker threads that simulate batches in parallel, each with its own single-threaded onnxruntime sessions
   * (`ParallelSimulator`); the runner's own sessions (the ANN) are not used then. Default 1: batches run one
   * after another on `runner`, with its threads inside each operator. Results are the same for any number
   * (up to float rounding of the rate correlation).
   */
  readonly workers?: number;
  /** Called after each batch with the samples done so far and the dataset's length. */
  readonly onProgress?: (done: number, total: number) => void;
}

export const DEFAULT_SIMULATION_OPTIONS = Object.freeze({
  dynamics: Object.freeze({ rule: Object.freeze({ kind: 'constant', k: 1 }), gamma: 1, reset: 'soft' }) as NeuronDynamics,
  encoding: 'direct' as InputEncoding,
  chunk: 16,
  batchSize: 64,
  microBatch: 'auto' as number | 'auto',
  timeFolding: 'none' as 'batch' | 'none',
  seed: 0,
  confidenceWindow: 16,
  sinStep: 16,
  traceNeurons: 0,
  workers: 1,
});

/** Membrane potential and threshold of one neuron of the first sample at every step (METHOD.md §7). */
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
  /** Mean spikes per neuron per step over all T steps. */
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

/** What `simulate` measured. */
export interface SimulationResult {
  readonly samples: number;
  readonly steps: number;
  /** The ANN's accuracy on the same samples. */
  readonly annAccuracy: number;
  /** Accuracy of argmax Σ_{k≤t} y(k) for t = 1..T (index t − 1). */
  readonly accuracyPerStep: Float64Array;
  readonly layers: readonly LayerActivity[];
  readonly sinStep: number;
  /** `traceNeurons` neurons of each spiking layer, for the run's first sample. */
  readonly traces: readonly NeuronTrace[];
  readonly seconds: number;
}

/** `SimulationOptions` after defaults and validation. */
export interface ResolvedSimulationOptions extends Required<Omit<SimulationOptions, 'confidence' | 'onProgress'>> {
  readonly confidence: ReadonlyMap<string, number>;
  readonly onProgress?: (done: number, total: number) => void;
}

/** Merges `options` with `DEFAULT_SIMULATION_OPTIONS` and validates them. */
export function resolveSimulationOptions(options: SimulationOptions): ResolvedSimulationOptions {
  const given = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as SimulationOptions;
  const r = { ...DEFAULT_SIMULATION_OPTIONS, confidence: new Map<string, number>(), ...given };
  const positive = (name: string, v: number) => {
    if (!Number.isInteger(v) || v < 1) throw new MsatError('SNN_OPTIONS', `${name} must be a positive integer, got ${v}`);
  };
  positive('steps', r.steps);
  positive('chunk', r.chunk);
  positive('batchSize', r.batchSize);
  positive('workers', r.workers);
  if (!Number.isInteger(r.seed)) throw new MsatError('SNN_OPTIONS', `seed must be an integer, got ${r.seed}`);
  if (r.microBatch !== 'auto') positive('microBatch', r.microBatch);
  if (!Number.isInteger(r.traceNeurons) || r.traceNeurons < 0) throw new MsatError('SNN_OPTIONS', `traceNeurons must be a non-negative integer, got ${r.traceNeurons}`);
  if (r.timeFolding !== 'batch' && r.timeFolding !== 'none') {
    throw new MsatError('SNN_OPTIONS', `timeFolding must be 'batch' or 'none', got ${String(r.timeFolding)}`);
  }
  for (const [layer, c] of r.confidence) {
    if (!(c >= 0 && c <= 1)) throw new MsatError('SNN_OPTIONS', `spike confidence of ${layer} must be in [0, 1], got ${c}`);
  }
  return { ...r, sinStep: Math.min(r.sinStep, r.steps) };
}

/**
 * Simulates `network` (batch-norm folded, every relu with a λ in `lambdas`) over `dataset`, on `runner` or,
 * with `options.workers` > 1, on that many worker threads (`simulateInWorkers`).
 * @throws MsatError `SNN_OPTIONS` for bad options, `SNN_NETWORK` for a network the simulator cannot run.
 */
export async function simulate(
  network: Network,
  lambdas: ReadonlyMap<string, number | Float32Array>,
  dataset: Dataset,
  runner: Runner,
  options: SimulationOptions,
): Promise<SimulationResult> {
  if ((options.workers ?? 1) !== 1) {
    // imported here, not at the top: parallel-simulate imports this module
    const { simulateInWorkers } = await import('./parallel-simulate.js');
    return simulateInWorkers(network, lambdas, dataset, runner, options);
  }
  const started = performance.now();
  const sim = new BatchSimulator(network, lambdas, runner, options);
  try {
    for await (const batch of dataset.batches(sim.options.batchSize)) {
      await sim.run(batch.x, batch.labels);
      sim.options.onProgress?.(sim.samples, dataset.length);
    }
  } finally {
    await sim.dispose();
  }
  return sim.result((performance.now() - started) / 1000);
}

/**
 * The per-batch work of `simulate` with its running tallies, for callers that bring their own batches (the
 * simulator benchmark, the workers of `ParallelSimulator`). Create, `run` each batch, read `result` (or the
 * raw `tallies`), `dispose`.
 *
 * A batch runs in groups of `microBatch` samples, each group for all T steps in chunks (`buildChunkGraph`).
 * Groups keep each step's tensors small enough for the CPU cache: a spiking layer is a chain of ~7 (constant)
 * to ~22 (MSAT) elementwise passes per step, and on a [64, 32, 32, 32] tensor those passes run at memory
 * speed, several times slower than on a group of 8 (bench/RESULTS.md). State tensors alternate between two
 * pre-allocated sets that onnxruntime reads and writes in place (`Session.runInto`), and the ANN run that
 * SIN and the rate correlation need writes into buffers kept from batch to batch.
 */
export class BatchSimulator {
  readonly options: ResolvedSimulationOptions;
  readonly #network: Network;
  readonly #lambdas: ReadonlyMap<string, number | Float32Array>;
  readonly #runner: Runner;
  readonly #graphs: ChunkGraphs;
  readonly #relus: readonly Layer[];
  readonly #tallies: SimulationTallies;
  /** The entries of `#tallies.layers` by layer name. */
  readonly #layers: ReadonlyMap<string, LayerTallies>;
  readonly #buffers = new Map<string, Record<string, Tensor<'float32'>>>();
  #ann: Promise<Session> | undefined;

  constructor(network: Network, lambdas: ReadonlyMap<string, number | Float32Array>, runner: Runner, options: SimulationOptions) {
    this.options = resolveSimulationOptions(options);
    this.#network = network;
    this.#lambdas = lambdas;
    this.#runner = runner;
    this.#graphs = new ChunkGraphs(network, lambdas, this.options, runner);
    this.#relus = network.layers.filter((l) => l.kind === 'relu');
    this.#tallies = emptyTallies(this.#relus, this.options.steps);
    this.#layers = new Map(this.#tallies.layers.map((l) => [l.layer, l]));
  }

  /** Samples simulated so far. */
  get samples(): number {
    return this.#tallies.samples;
  }

  /**
   * Simulates one batch `x` [B, ...] with its labels for T steps and adds it to the tallies. `first` is the
   * position of the batch's first sample in the run (default: the samples run so far): it seeds each sample's
   * Poisson and confidence draws, and position 0 is the sample traced.
   */
  async run(batch: Tensor, labels: Int32Array, first = this.#tallies.samples): Promise<void> {
    const network = this.#network;
    const x = asInputType(batch, network.inputs[0].type);
    const B = labels.length;
    this.#ann ??= this.#runner.session(this.#runner.keyOf(network, 'ann-sin'), () =>
      networkToOnnxBytes(network, { extraOutputs: this.#relus.map((l) => l.inputs[0]) }),
    );
    // the ANN's output and every relu's pre-activation, into buffers kept from batch to batch
    const annOut = this.#annBuffers(B);
    await (await this.#ann).runInto({ [network.inputs[0].name]: x }, annOut);
    this.#tallies.annCorrect += countCorrect(annOut[network.outputs[0]].data as Float32Array, labels);
    const micro = Math.min(B, this.options.microBatch === 'auto' ? autoMicroBatch(network, this.#runner.options.threads || availableParallelism()) : this.options.microBatch);
    for (let g0 = 0; g0 < B; g0 += micro) {
      const g = Math.min(micro, B - g0);
      const pre = (name: string) => sliceSamples(annOut[name], g0, g).data as Float32Array;
      const trace = first + g0 === 0 && this.options.traceNeurons > 0 && this.#tallies.traces.length === 0;
      await this.#runGroup(sliceSamples(x, g0, g), labels.subarray(g0, g0 + g), first + g0, pre, trace);
    }
    this.#tallies.samples += B;
  }

  /**
   * T steps of one group of samples, from reset state; `first` is the group's first position in the run.
   * `pre(name)`: the group's ANN tensor `name`. With `trace`, the graphs also output every neuron's membrane
   * and threshold, and the first sample's picked neurons are recorded (separate graphs, so untraced groups pay
   * nothing for it).
   */
  async #runGroup(x: Tensor, labels: Int32Array, first: number, pre: (name: string) => Float32Array, trace = false): Promise<void> {
    const opts = this.options;
    const T = opts.steps;
    const B = labels.length;
    const tallies = this.#tallies;
    const rngs = Array.from({ length: B }, (_, i) => createRng(sampleSeed(opts.seed, first + i)));
    const k0 = opts.dynamics.rule.kind === 'constant' ? opts.dynamics.rule.k : 1;
    const logits = new Float64Array(pre(this.#network.outputs[0]).length);
    // two sets of state buffers: one is fed, the other written, then they swap
    let stateIn: Record<string, Tensor<'float32'>> | undefined;
    let stateOut: Record<string, Tensor<'float32'>> | undefined;
    const t0Tensor: Tensor<'float32'> = { type: 'float32', dims: [1], data: new Float32Array(1) };
    for (let t0 = 0; t0 < T; ) {
      const masked = opts.confidence.size > 0 && t0 < opts.confidenceWindow;
      const k = chunkLength(t0, T, opts.chunk, masked ? opts.confidenceWindow : Infinity, opts.sinStep);
      const { graph, session } = await this.#graphs.get(k, masked, t0 === 0, trace);
      if (!stateIn || !stateOut) {
        [stateIn, stateOut] = [this.#stateBuffers(graph.state, B, 0), this.#stateBuffers(graph.state, B, 1)];
        for (const t of Object.values(stateIn)) t.data.fill(0);
      }
      t0Tensor.data[0] = t0;
      const feeds: Record<string, Tensor> = { [graph.input]: x, [graph.t0]: t0Tensor };
      const outputs: Record<string, Tensor> = { ...this.#chunkBuffers(graph, B) };
      for (const tr of graph.traces) for (const name of [tr.membrane, tr.theta, tr.spikes]) outputs[name] = zeros([k * B, ...neuronShape(graph, tr.layer)]);
      for (const slot of graph.state) {
        feeds[slot.input] = stateIn[slot.input];
        outputs[slot.output] = stateOut[slot.input];
      }
      if (graph.noise) feeds[graph.noise] = drawPerSample(rngs, k, x.dims.slice(1));
      for (const [layer, name] of graph.keep) feeds[name] = drawPerSample(rngs, k, neuronShape(graph, layer), opts.confidence.get(layer)!);
      await session.runInto(feeds, outputs);
      [stateIn, stateOut] = [stateOut, stateIn];
      accumulateReadout(outputs[graph.readout].data as Float32Array, logits, labels, k, t0, tallies.correct);
      for (const s of graph.spikeCounts) {
        const perStep = outputs[s.output].data as Float32Array;
        const acc = this.#layers.get(s.layer)!.spikes;
        for (let j = 0; j < k; j++) acc[t0 + j] += perStep[j];
      }
      if (trace) this.#recordTraces(graph, outputs, pre, k, B, t0);
      t0 += k;
      if (t0 === opts.sinStep) {
        for (const relu of this.#relus) {
          const layer = this.#layers.get(relu.name)!;
          layer.sin = addSinCounts(layer.sin, countSin(stateIn![`n:${relu.name}`].data, pre(relu.inputs[0])));
        }
      }
    }
    for (const relu of this.#relus) {
      const n = stateIn![`n:${relu.name}`].data;
      const preAct = pre(relu.inputs[0]);
      const lambda = this.#lambdas.get(relu.name)!;
      const sums = this.#layers.get(relu.name)!.correlation;
      if (typeof lambda === 'number') addPearsonPairs(sums, n, preAct, (k0 * lambda) / T, 0, n.length);
      else {
        // channel-major per sample: runs of n.length / B / C neurons share one λ
        const run = n.length / B / lambda.length;
        for (let r = 0, c = 0; r < n.length; r += run, c = (c + 1) % lambda.length) addPearsonPairs(sums, n, preAct, (k0 * lambda[c]) / T, r, r + run);
      }
    }
  }

  /** Appends steps [t0, t0 + k) of the first sample's picked neurons to the traces (created at t0 = 0). */
  #recordTraces(graph: ChunkGraph, outputs: Record<string, Tensor>, pre: (name: string) => Float32Array, k: number, B: number, t0: number): void {
    for (const tr of graph.traces) {
      const per = neuronShape(graph, tr.layer).reduce((a, d) => a * d, 1);
      if (t0 === 0) {
        const relu = this.#relus.find((l) => l.name === tr.layer)!;
        const annOut = pre(relu.inputs[0]).subarray(0, per).map((v) => Math.max(v, 0));
        for (const neuron of pickTracedNeurons(annOut, this.options.traceNeurons)) {
          this.#tallies.traces.push({ layer: tr.layer, neuron, annActivation: annOut[neuron], membrane: [], threshold: [], spikes: [] });
        }
      }
      const [v, theta, s] = [tr.membrane, tr.theta, tr.spikes].map((n) => outputs[n].data as Float32Array);
      for (const trace of this.#tallies.traces.filter((t) => t.layer === tr.layer)) {
        for (let j = 0; j < k; j++) {
          const i = j * B * per + trace.neuron;
          trace.membrane.push(v[i]);
          trace.threshold.push(theta[i]);
          trace.spikes.push(s[i]);
        }
      }
    }
  }

  /** Output buffers of the ANN run for a batch of B samples: the network output and each relu's input. */
  #annBuffers(B: number): Record<string, Tensor<'float32'>> {
    const key = `ann:${B}`;
    let buffers = this.#buffers.get(key);
    if (!buffers) {
      const network = this.#network;
      const perSample = (name: string) => network.layers.find((l) => l.output === name)!.outShape.slice(1) as number[];
      buffers = { [network.outputs[0]]: zeros([B, ...perSample(network.outputs[0])]) };
      for (const relu of this.#relus) buffers[relu.inputs[0]] = zeros([B, ...(relu.outShape.slice(1) as number[])]);
      this.#buffers.set(key, buffers);
    }
    return buffers;
  }

  /** State buffers (set 0 or 1) for groups of B samples, keyed by the state inputs' names (the same in every chunk graph). */
  #stateBuffers(slots: readonly StateSlot[], B: number, set: 0 | 1): Record<string, Tensor<'float32'>> {
    const key = `state:${B}:${set}`;
    let buffers = this.#buffers.get(key);
    if (!buffers) {
      buffers = {};
      for (const slot of slots) buffers[slot.input] = zeros([B, ...slot.shape]);
      this.#buffers.set(key, buffers);
    }
    return buffers;
  }

  /** Readout and spike-count buffers of a chunk graph for groups of B samples. */
  #chunkBuffers(graph: ChunkGraph, B: number): Record<string, Tensor<'float32'>> {
    const key = `chunk:${graph.steps}:${B}`;
    let buffers = this.#buffers.get(key);
    if (!buffers) {
      const classes = this.#network.layers.find((l) => l.output === this.#network.outputs[0])!.outShape.slice(1) as number[];
      buffers = { [graph.readout]: zeros([graph.steps * B, ...classes]) };
      for (const s of graph.spikeCounts) buffers[s.output] = zeros([graph.steps]);
      this.#buffers.set(key, buffers);
    }
    return buffers;
  }

  /** What the batches so far measured; `seconds` is the caller's wall time. */
  result(seconds: number): SimulationResult {
    return tallyResult(this.#network, this.#tallies, this.options.sinStep, seconds);
  }

  /** The raw counts of the batches so far (a snapshot), to merge with other simulators' (`mergeTallies`). */
  tallies(): SimulationTallies {
    return structuredClone(this.#tallies);
  }

  /** Releases the chunk graphs' sessions (the ANN session stays cached in the runner, as before). */
  async dispose(): Promise<void> {
    await this.#graphs.dispose();
  }
}

/** Elements per onnxruntime thread of one step's tensor of the largest spiking layer that `'auto'` aims at (1 MiB of float32). */
const MICRO_BATCH_ELEMENTS = 1 << 18;

/**
 * The most samples whose largest spiking-layer tensor of one step has at most `threads`·2^18 elements (≥ 1).
 * Small enough for the cache, large enough that onnxruntime splits an op over its threads with profit: on the
 * 2-core benchmark machine, groups of 8 were fastest with 1 thread and groups of 16 with 2 (bench/RESULTS.md).
 */
export function autoMicroBatch(network: Network, threads = 1): number {
  let largest = 1;
  for (const l of network.layers) {
    if (l.kind === 'relu') largest = Math.max(largest, (l.outShape.slice(1) as number[]).reduce((a, d) => a * d, 1));
  }
  return Math.max(1, Math.floor((MICRO_BATCH_ELEMENTS * Math.max(1, threads)) / largest));
}

/** Chunk graphs by (steps, masked, start), each compiled once per simulation and released at the end. */
class ChunkGraphs {
  readonly #cache = new Map<string, Promise<{ graph: ChunkGraph; session: Session }>>();
  readonly #keys: string[] = [];
  readonly #id: string;

  constructor(
    private readonly network: Network,
    private readonly lambdas: ReadonlyMap<string, number | Float32Array>,
    private readonly opts: ResolvedSimulationOptions,
    private readonly runner: Runner,
  ) {
    // The same network, thresholds and dynamics give the same graphs.
    const hash = createHash('sha1');
    for (const [layer, lambda] of lambdas) hash.update(layer).update(typeof lambda === 'number' ? String(lambda) : new Uint8Array(lambda.buffer, lambda.byteOffset, lambda.byteLength));
    hash.update(JSON.stringify([opts.dynamics, opts.encoding, [...opts.confidence.keys()], opts.timeFolding], (_, v) => (v === Infinity ? 'Infinity' : v)));
    this.#id = `${runner.keyOf(network, 'snn')}:${hash.digest('hex')}`;
  }

  /**
   * The graph of `steps` steps, with keep masks if `masked`, for the first chunk of a simulation (`first`) or
   * a later one. Only MSAT thresholds differ between the two (`ChunkGraphSpec.start`); constant ones share.
   */
  get(steps: number, masked: boolean, first: boolean, traces = false): Promise<{ graph: ChunkGraph; session: Session }> {
    const start: ChunkStart = this.opts.dynamics.rule.kind === 'constant' ? 'any' : first ? 'zero' : 'positive';
    const key = `${this.#id}:${steps}:${masked}:${start}${traces ? ':traces' : ''}`;
    let entry = this.#cache.get(key);
    if (!entry) {
      const graph = buildChunkGraph({
        network: this.network,
        lambdas: this.lambdas,
        dynamics: this.opts.dynamics,
        steps,
        encoding: this.opts.encoding,
        keepMasks: masked ? [...this.opts.confidence.keys()] : [],
        start,
        timeFolding: this.opts.timeFolding,
        traces,
      });
      entry = this.runner.session(key, () => encodeOnnxModel(graph.model)).then((session) => ({ graph, session }));
      this.#cache.set(key, entry);
      this.#keys.push(key);
    }
    return entry;
  }

  async dispose(): Promise<void> {
    await Promise.allSettled(this.#keys.map((k) => this.runner.release(k)));
  }
}

/**
 * Which neurons of a layer to trace, given the first sample's ANN outputs: the most active one, then neurons
 * at evenly spaced ranks among the active ones (so the traces show fast, medium and slow firers), then, if
 * too few are active, silent ones (whose threshold still moves under MSAT). Distinct, ascending by rank.
 */
export function pickTracedNeurons(annOut: ArrayLike<number>, count: number): number[] {
  const order = Array.from({ length: annOut.length }, (_, i) => i).sort((a, b) => annOut[b] - annOut[a] || a - b);
  const active = order.filter((i) => annOut[i] > 0);
  const picked = new Set<number>();
  const want = Math.min(count, annOut.length);
  for (let r = 0; r < want && r < active.length; r++) picked.add(active[Math.floor((r * active.length) / Math.min(want, active.length))]);
  for (const i of order) {
    if (picked.size >= want) break;
    picked.add(i);
  }
  return [...picked];
}

/** Steps of the chunk starting at t0: at most `chunk`, and never across T, the confidence window or the SIN step. */
function chunkLength(t0: number, T: number, chunk: number, window: number, sinStep: number): number {
  let k = Math.min(chunk, T - t0);
  if (t0 < window) k = Math.min(k, window - t0);
  if (t0 < sinStep) k = Math.min(k, sinStep - t0);
  return k;
}

function zeros(dims: number[]): Tensor<'float32'> {
  return { type: 'float32', dims, data: new Float32Array(dims.reduce((a, d) => a * d, 1)) };
}

/** Samples [from, from + count) of a [B, ...] tensor, as a view (no copy). */
function sliceSamples(t: Tensor, from: number, count: number): Tensor {
  const per = t.data.length / t.dims[0];
  return { ...t, dims: [count, ...t.dims.slice(1)], data: t.data.subarray(from * per, (from + count) * per) } as Tensor;
}

function neuronShape(graph: ChunkGraph, layer: string): readonly number[] {
  return graph.state.find((s) => s.layer === layer && s.role === 'v')!.shape;
}

/**
 * Uniform draws for k steps of a group, laid out [k·B, ...sampleDims] (step-major), sample i's from `rngs[i]`
 * so that its draws do not depend on the other samples of its group; with `keep`, 1 with probability `keep`
 * and 0 otherwise (spike confidence masks).
 */
function drawPerSample(rngs: readonly Rng[], k: number, sampleDims: readonly number[], keep?: number): Tensor<'float32'> {
  const B = rngs.length;
  const per = sampleDims.reduce((a, d) => a * d, 1);
  const data = new Float32Array(k * B * per);
  for (let i = 0; i < B; i++) {
    const rng = rngs[i];
    for (let j = 0; j < k; j++) {
      const at = (j * B + i) * per;
      if (keep === undefined) for (let e = 0; e < per; e++) data[at + e] = rng.nextFloat();
      else for (let e = 0; e < per; e++) data[at + e] = rng.nextFloat() < keep ? 1 : 0;
    }
  }
  return { type: 'float32', dims: [k * B, ...sampleDims], data };
}

/**
 * Seed of the draws of the sample at `position` in a run: a murmur3 finalizer of (seed, position), so that
 * neighbouring positions get unrelated streams.
 */
function sampleSeed(seed: number, position: number): number {
  let h = (seed ^ Math.imul(position + 1, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Adds each step's readout to the running sums and counts correct argmax predictions per step. */
function accumulateReadout(readout: Float32Array, logits: Float64Array, labels: Int32Array, k: number, t0: number, correct: Float64Array): void {
  const B = labels.length;
  const classes = logits.length / B;
  for (let j = 0; j < k; j++) {
    let hits = 0;
    for (let i = 0; i < B; i++) {
      let best = 0;
      let bestValue = -Infinity;
      for (let c = 0; c < classes; c++) {
        const v = (logits[i * classes + c] += readout[(j * B + i) * classes + c]);
        if (v > bestValue) {
          bestValue = v;
          best = c;
        }
      }
      if (best === labels[i]) hits++;
    }
    correct[t0 + j] += hits;
  }
}

function countCorrect(logits: Float32Array, labels: Int32Array): number {
  const classes = logits.length / labels.length;
  let hits = 0;
  for (let i = 0; i < labels.length; i++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (logits[i * classes + c] > logits[i * classes + best]) best = c;
    if (best === labels[i]) hits++;
  }
  return hits;
}
