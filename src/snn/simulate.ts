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
import { buildChunkGraph, type ChunkGraph, type ChunkStart, type InputEncoding, type NeuronDynamics, type StateSlot } from './graph/build-chunk-graph.js';
import { countSin, addSinCounts, ZERO_SIN_COUNTS, type SinCounts } from './metrics/index.js';
import { createRng, type Rng } from './reference/index.js';

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
   * step's elementwise passes in the CPU cache.
   * Poisson noise and confidence draws are made per group, so with those the results depend on it.
   */
  readonly microBatch?: number | 'auto';
  /**
   * How analog layers run over a chunk's steps (`ChunkGraphSpec.timeFolding`). Default `'none'`: once per step
   * on the micro-batch, so each step's conv output is still in the CPU cache when the spiking layer reads it and
   * no Split/Concat copies are made (faster than folding K steps into the batch, bench/RESULTS.md).
   */
  readonly timeFolding?: 'batch' | 'none';
  /** Seed of Poisson noise and spike-confidence draws. Default 0. */
  readonly seed?: number;
  /** Spike confidence c per relu layer (METHOD.md §4); layers not listed keep every spike. */
  readonly confidence?: ReadonlyMap<string, number>;
  /** Steps during which spike confidence applies. Default 16. */
  readonly confidenceWindow?: number;
  /** Step after which SIN is measured (METHOD.md §4). Default 16 (or T if smaller). */
  readonly sinStep?: number;
  /** Neurons per spiking layer whose membrane, threshold and spikes are recorded for the first sample (`pickTracedNeurons`). Default 0. */
  readonly traceNeurons?: number;
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
  /** `traceNeurons` neurons of each spiking layer, for the first sample. */
  readonly traces: readonly NeuronTrace[];
  readonly seconds: number;
}

interface ResolvedOptions extends Required<Omit<SimulationOptions, 'confidence' | 'onProgress'>> {
  readonly confidence: ReadonlyMap<string, number>;
  readonly onProgress?: (done: number, total: number) => void;
}

function resolveOptions(options: SimulationOptions): ResolvedOptions {
  const given = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as SimulationOptions;
  const r = { ...DEFAULT_SIMULATION_OPTIONS, confidence: new Map<string, number>(), ...given };
  const positive = (name: string, v: number) => {
    if (!Number.isInteger(v) || v < 1) throw new MsatError('SNN_OPTIONS', `${name} must be a positive integer, got ${v}`);
  };
  positive('steps', r.steps);
  positive('chunk', r.chunk);
  positive('batchSize', r.batchSize);
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
 * Simulates `network` (batch-norm folded, every relu with a λ in `lambdas`) over `dataset`.
 * @throws MsatError `SNN_OPTIONS` for bad options, `SNN_NETWORK` for a network the simulator cannot run.
 */
export async function simulate(
  network: Network,
  lambdas: ReadonlyMap<string, number | Float32Array>,
  dataset: Dataset,
  runner: Runner,
  options: SimulationOptions,
): Promise<SimulationResult> {
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
 * simulator benchmark). Create, `run` each batch, read `result`, `dispose`.
 *
 * A batch runs in groups of `microBatch` samples, each group for all T steps in chunks (`buildChunkGraph`).
 * Groups keep each step's tensors small enough for the CPU cache: a spiking layer is a chain of ~7 (constant)
 * to ~22 (MSAT) elementwise passes per step, and on a [64, 32, 32, 32] tensor those passes run at memory
 * speed, several times slower than on a group of 8 (bench/RESULTS.md). State tensors alternate between two
 * pre-allocated sets that onnxruntime reads and writes in place (`Session.runInto`), and the ANN run that
 * SIN and the rate correlation need writes into buffers kept from batch to batch.
 */
export class BatchSimulator {
  readonly options: ResolvedOptions;
  readonly #network: Network;
  readonly #lambdas: ReadonlyMap<string, number | Float32Array>;
  readonly #runner: Runner;
  readonly #graphs: ChunkGraphs;
  readonly #relus: readonly Layer[];
  readonly #correct: Float64Array;
  readonly #spikes: Map<string, Float64Array>;
  readonly #sin: Map<string, SinCounts>;
  readonly #correlation: Map<string, PearsonSums>;
  readonly #rng: Rng;
  readonly #buffers = new Map<string, Record<string, Tensor<'float32'>>>();
  readonly #traces: NeuronTrace[] = [];
  #ann: Promise<Session> | undefined;
  #annCorrect = 0;
  #samples = 0;

  constructor(network: Network, lambdas: ReadonlyMap<string, number | Float32Array>, runner: Runner, options: SimulationOptions) {
    this.options = resolveOptions(options);
    this.#network = network;
    this.#lambdas = lambdas;
    this.#runner = runner;
    this.#graphs = new ChunkGraphs(network, lambdas, this.options, runner);
    this.#relus = network.layers.filter((l) => l.kind === 'relu');
    this.#correct = new Float64Array(this.options.steps);
    this.#spikes = new Map(this.#relus.map((l) => [l.name, new Float64Array(this.options.steps)]));
    this.#sin = new Map(this.#relus.map((l) => [l.name, ZERO_SIN_COUNTS]));
    this.#correlation = new Map(this.#relus.map((l) => [l.name, new PearsonSums()]));
    this.#rng = createRng(this.options.seed);
  }

  /** Samples simulated so far. */
  get samples(): number {
    return this.#samples;
  }

  /** Simulates one batch `x` [B, ...] with its labels for T steps and adds it to the tallies. */
  async run(batch: Tensor, labels: Int32Array): Promise<void> {
    const network = this.#network;
    const x = asInputType(batch, network.inputs[0].type);
    const B = labels.length;
    this.#ann ??= this.#runner.session(this.#runner.keyOf(network, 'ann-sin'), () =>
      networkToOnnxBytes(network, { extraOutputs: this.#relus.map((l) => l.inputs[0]) }),
    );
    // the ANN's output and every relu's pre-activation, into buffers kept from batch to batch
    const annOut = this.#annBuffers(B);
    await (await this.#ann).runInto({ [network.inputs[0].name]: x }, annOut);
    this.#annCorrect += countCorrect(annOut[network.outputs[0]].data as Float32Array, labels);
    const micro = Math.min(B, this.options.microBatch === 'auto' ? autoMicroBatch(network, this.#runner.options.threads || availableParallelism()) : this.options.microBatch);
    for (let g0 = 0; g0 < B; g0 += micro) {
      const g = Math.min(micro, B - g0);
      const pre = (name: string) => sliceSamples(annOut[name], g0, g).data as Float32Array;
      const trace = this.#samples === 0 && g0 === 0 && this.options.traceNeurons > 0;
      await this.#runGroup(sliceSamples(x, g0, g), labels.subarray(g0, g0 + g), pre, trace);
    }
    this.#samples += B;
  }

  /**
   * T steps of one group of samples, from reset state. `pre(name)`: the group's ANN tensor `name`. With
   * `trace`, the graphs also output every neuron's membrane and threshold, and the first sample's picked
   * neurons are recorded (separate graphs, so untraced groups pay nothing for it).
   */
  async #runGroup(x: Tensor, labels: Int32Array, pre: (name: string) => Float32Array, trace = false): Promise<void> {
    const opts = this.options;
    const T = opts.steps;
    const B = labels.length;
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
      if (graph.noise) feeds[graph.noise] = uniformTensor(this.#rng, [k * B, ...x.dims.slice(1)]);
      for (const [layer, name] of graph.keep) feeds[name] = keepMask(this.#rng, opts.confidence.get(layer)!, [k * B, ...neuronShape(graph, layer)]);
      await session.runInto(feeds, outputs);
      [stateIn, stateOut] = [stateOut, stateIn];
      accumulateReadout(outputs[graph.readout].data as Float32Array, logits, labels, k, t0, this.#correct);
      for (const s of graph.spikeCounts) {
        const perStep = outputs[s.output].data as Float32Array;
        const acc = this.#spikes.get(s.layer)!;
        for (let j = 0; j < k; j++) acc[t0 + j] += perStep[j];
      }
      if (trace) this.#recordTraces(graph, outputs, pre, k, B, t0);
      t0 += k;
      if (t0 === opts.sinStep) {
        for (const relu of this.#relus) {
          const n = stateIn![`n:${relu.name}`].data;
          this.#sin.set(relu.name, addSinCounts(this.#sin.get(relu.name)!, countSin(n, pre(relu.inputs[0]))));
        }
      }
    }
    for (const relu of this.#relus) {
      const n = stateIn![`n:${relu.name}`].data;
      const preAct = pre(relu.inputs[0]);
      const lambda = this.#lambdas.get(relu.name)!;
      const sums = this.#correlation.get(relu.name)!;
      if (typeof lambda === 'number') sums.addAll(n, preAct, (k0 * lambda) / T, 0, n.length);
      else {
        // channel-major per sample: runs of n.length / B / C neurons share one λ
        const run = n.length / B / lambda.length;
        for (let r = 0, c = 0; r < n.length; r += run, c = (c + 1) % lambda.length) sums.addAll(n, preAct, (k0 * lambda[c]) / T, r, r + run);
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
          this.#traces.push({ layer: tr.layer, neuron, annActivation: annOut[neuron], membrane: [], threshold: [], spikes: [] });
        }
      }
      const [v, theta, s] = [tr.membrane, tr.theta, tr.spikes].map((n) => outputs[n].data as Float32Array);
      for (const trace of this.#traces.filter((t) => t.layer === tr.layer)) {
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
    const done = this.#samples;
    if (done === 0) throw new MsatError('SNN_DATA', 'the dataset has no samples to simulate');
    const T = this.options.steps;
    const layers = this.#relus.map((relu): LayerActivity => {
      const neurons = (relu.outShape.slice(1) as number[]).reduce((a, d) => a * d, 1);
      const ratePerStep = this.#spikes.get(relu.name)!.map((s) => s / (neurons * done));
      return {
        layer: relu.name,
        neurons,
        ratePerStep,
        firingRate: ratePerStep.reduce((a, r) => a + r, 0) / T,
        sin: this.#sin.get(relu.name)!,
        rateCorrelation: this.#correlation.get(relu.name)!.value(),
      };
    });
    return {
      samples: done,
      steps: T,
      annAccuracy: this.#annCorrect / done,
      accuracyPerStep: this.#correct.map((c) => c / done),
      layers,
      sinStep: this.options.sinStep,
      traces: this.#traces,
      seconds,
    };
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
    private readonly opts: ResolvedOptions,
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

/** Running sums for a Pearson correlation (in float64). */
class PearsonSums {
  #n = 0;
  #x = 0;
  #y = 0;
  #xx = 0;
  #yy = 0;
  #xy = 0;

  /** Adds the pairs (scale·counts[i], max(pre[i], 0)) for i in [from, to): the SNN's rate-coded value and the ANN's ReLU output. */
  addAll(counts: Float32Array, pre: Float32Array, scale: number, from: number, to: number): void {
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
    this.#n += to - from;
    this.#x += sx;
    this.#y += sy;
    this.#xx += sxx;
    this.#yy += syy;
    this.#xy += sxy;
  }

  /** The correlation, or NaN when either variable is constant. */
  value(): number {
    const n = this.#n;
    const cov = this.#xy - (this.#x * this.#y) / n;
    const vx = this.#xx - (this.#x * this.#x) / n;
    const vy = this.#yy - (this.#y * this.#y) / n;
    return vx > 0 && vy > 0 ? cov / Math.sqrt(vx * vy) : NaN;
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

function uniformTensor(rng: Rng, dims: number[]): Tensor<'float32'> {
  const data = new Float32Array(dims.reduce((a, d) => a * d, 1));
  for (let i = 0; i < data.length; i++) data[i] = rng.nextFloat();
  return { type: 'float32', dims, data };
}

/** Spike confidence draws: 1 with probability c (one Bernoulli per neuron and step), laid out [k·B, ...]. */
function keepMask(rng: Rng, c: number, dims: number[]): Tensor<'float32'> {
  const data = new Float32Array(dims.reduce((a, d) => a * d, 1));
  for (let i = 0; i < data.length; i++) data[i] = rng.nextFloat() < c ? 1 : 0;
  return { type: 'float32', dims, data };
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
