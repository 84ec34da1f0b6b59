/**
 * `BatchSimulator`, the per-batch work of a simulation with its running tallies: the ANN pass (for its
 * accuracy, SIN and the rate correlation), then every group of samples chunk by chunk through the chunk
 * graphs, with state carried from chunk to chunk. `simulate` drives it over a dataset, and each worker of
 * `ParallelSimulator` holds one.
 */
import { availableParallelism } from 'node:os';
import { asInputType, type Tensor } from '../core/index.js';
import { layerRole, networkToOnnxBytes, type Layer, type Network } from '../model/index.js';
import type { Runner, Session } from '../runtime/index.js';
import { ChunkGraphs } from './chunk-graph-cache.js';
import type { ChunkGraph, StateSlot } from './graph/build-chunk-graph.js';
import { addSinCounts, countSin } from './metrics/index.js';
import { neuronShape, recordTraces } from './neuron-traces.js';
import { accumulateReadout, countCorrect } from './readout.js';
import { createRng } from './reference/index.js';
import { drawPerSample, sampleSeed } from './sample-draws.js';
import {
  resolveSimulationOptions,
  type PlainSimulationOptions,
  type ResolvedSimulationOptions,
  type SimulationOptions,
  type SimulationResult,
} from './simulation-options.js';
import { addPearsonPairs, emptyTallies, tallyResult, type LayerTallies, type SimulationTallies } from './simulation-tallies.js';

/**
 * The per-batch work of `simulate` with its running tallies, for callers that bring their own batches (the
 * simulator benchmark, the workers of `ParallelSimulator`, the tuner's readout simulation). Create, `run`
 * each batch, read `result` (or the raw `tallies`), `dispose`. `options` may be resolved already
 * (`resolveSimulationOptions`); they are not resolved again.
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
  /** Readout classes per sample. */
  readonly #classes: number[];
  readonly #tallies: SimulationTallies;
  /** The entries of `#tallies.layers` by layer name. */
  readonly #layers: ReadonlyMap<string, LayerTallies>;
  readonly #buffers = new Map<string, Record<string, Tensor<'float32'>>>();
  #ann: Promise<Session> | undefined;

  constructor(
    network: Network,
    lambdas: ReadonlyMap<string, number | Float32Array>,
    runner: Runner,
    options: SimulationOptions | PlainSimulationOptions,
  ) {
    this.options = resolveSimulationOptions(options);
    this.#network = network;
    this.#lambdas = lambdas;
    this.#runner = runner;
    this.#graphs = new ChunkGraphs(network, lambdas, this.options, runner);
    this.#relus = network.layers.filter((l) => layerRole(l) === 'spiking');
    this.#classes = network.layers.find((l) => l.output === network.outputs[0])!.outShape.slice(1) as number[];
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
    const annOut = this.options.compareWithAnn ? await this.#runAnn(x, labels) : undefined;
    const micro = Math.min(
      B,
      this.options.microBatch === 'auto' ? autoMicroBatch(network, this.#runner.options.threads || availableParallelism()) : this.options.microBatch,
    );
    for (let g0 = 0; g0 < B; g0 += micro) {
      const g = Math.min(micro, B - g0);
      const pre = annOut && ((name: string) => sliceSamples(annOut[name], g0, g).data as Float32Array);
      const trace = first + g0 === 0 && this.options.traceNeurons > 0 && this.#tallies.traces.length === 0;
      await this.#runGroup(sliceSamples(x, g0, g), labels.subarray(g0, g0 + g), first + g0, pre, trace);
    }
    this.#tallies.samples += B;
  }

  /** Runs the ANN on batch `x`, counts its correct predictions, and returns its output and every relu's pre-activation. */
  async #runAnn(x: Tensor, labels: Int32Array): Promise<Record<string, Tensor<'float32'>>> {
    const network = this.#network;
    this.#ann ??= this.#runner.session(this.#runner.keyOf(network, 'ann-sin'), () =>
      networkToOnnxBytes(network, { extraOutputs: this.#relus.map((l) => l.inputs[0]) }),
    );
    // the ANN's output and every relu's pre-activation, into buffers kept from batch to batch
    const annOut = this.#annBuffers(labels.length);
    await (await this.#ann).runInto({ [network.inputs[0].name]: x }, annOut);
    this.#tallies.annCorrect += countCorrect(annOut[network.outputs[0]].data as Float32Array, labels);
    return annOut;
  }

  /**
   * T steps of one group of samples, from reset state; `first` is the group's first position in the run.
   * `pre(name)`: the group's ANN tensor `name` (absent without `compareWithAnn`: no SIN, no correlation). With
   * `trace`, the graphs also output every neuron's membrane and threshold, and the first sample's picked
   * neurons are recorded (separate graphs, so untraced groups pay nothing for it).
   */
  async #runGroup(x: Tensor, labels: Int32Array, first: number, pre: ((name: string) => Float32Array) | undefined, trace = false): Promise<void> {
    const opts = this.options;
    const T = opts.steps;
    const B = labels.length;
    const tallies = this.#tallies;
    const rngs = Array.from({ length: B }, (_, i) => createRng(sampleSeed(opts.seed, first + i)));
    const k0 = opts.dynamics.rule.kind === 'constant' ? opts.dynamics.rule.k : 1;
    const logits = new Float64Array(B * this.#classes.reduce((a, d) => a * d, 1));
    const onStep = opts.onReadout && ((step: number) => opts.onReadout!(step, logits, labels, first));
    // without the ANN there is no SIN to measure, so chunks need not end at sinStep
    const sinStep = pre ? opts.sinStep : Infinity;
    // two sets of state buffers: one is fed, the other written, then they swap
    let stateIn: Record<string, Tensor<'float32'>> | undefined;
    let stateOut: Record<string, Tensor<'float32'>> | undefined;
    const t0Tensor: Tensor<'float32'> = { type: 'float32', dims: [1], data: new Float32Array(1) };
    for (let t0 = 0; t0 < T;) {
      const masked = opts.confidence.size > 0 && t0 < opts.confidenceWindow;
      const k = chunkLength(t0, T, opts.chunk, masked ? opts.confidenceWindow : Infinity, sinStep);
      const { graph, session } = await this.#graphs.get(k, masked, t0 === 0, trace);
      if (!stateIn || !stateOut) {
        [stateIn, stateOut] = [this.#stateBuffers(graph.state, B, 0), this.#stateBuffers(graph.state, B, 1)];
        for (const t of Object.values(stateIn)) t.data.fill(0);
      }
      t0Tensor.data[0] = t0;
      const feeds: Record<string, Tensor> = { [graph.input]: x, [graph.t0]: t0Tensor };
      const outputs: Record<string, Tensor> = { ...this.#chunkBuffers(graph, B) };
      for (const tr of graph.traces)
        for (const name of [tr.membrane, tr.theta, tr.spikes]) outputs[name] = zeros([k * B, ...neuronShape(graph, tr.layer)]);
      for (const slot of graph.state) {
        feeds[slot.input] = stateIn[slot.input];
        outputs[slot.output] = stateOut[slot.input];
      }
      if (graph.noise) feeds[graph.noise] = drawPerSample(rngs, k, x.dims.slice(1));
      for (const [layer, name] of graph.keep) feeds[name] = drawPerSample(rngs, k, neuronShape(graph, layer), opts.confidence.get(layer)!);
      await session.runInto(feeds, outputs);
      [stateIn, stateOut] = [stateOut, stateIn];
      accumulateReadout(outputs[graph.readout].data as Float32Array, logits, labels, k, t0, tallies.correct, onStep);
      for (const s of graph.spikeCounts) {
        const perStep = outputs[s.output].data as Float32Array;
        const acc = this.#layers.get(s.layer)!.spikes;
        for (let j = 0; j < k; j++) acc[t0 + j] += perStep[j];
      }
      if (trace && pre)
        recordTraces(
          tallies.traces,
          graph,
          outputs,
          (layer) => pre(this.#relus.find((l) => l.name === layer)!.inputs[0]),
          opts.traceNeurons,
          k,
          B,
          t0,
        );
      t0 += k;
      if (pre && t0 === opts.sinStep) {
        for (const relu of this.#relus) {
          const layer = this.#layers.get(relu.name)!;
          layer.sin = addSinCounts(layer.sin, countSin(stateIn![`n:${relu.name}`].data, pre(relu.inputs[0])));
        }
      }
    }
    if (pre) this.#addRateCorrelation(stateIn!, pre, k0, T, B);
  }

  /** Adds the group's pairs (rate-coded value n·k0·λ/T, ANN ReLU output) of every spiking layer to its Pearson sums. */
  #addRateCorrelation(state: Record<string, Tensor<'float32'>>, pre: (name: string) => Float32Array, k0: number, T: number, B: number): void {
    for (const relu of this.#relus) {
      const n = state[`n:${relu.name}`].data;
      const preAct = pre(relu.inputs[0]);
      const lambda = this.#lambdas.get(relu.name)!;
      const sums = this.#layers.get(relu.name)!.correlation;
      if (typeof lambda === 'number') addPearsonPairs(sums, n, preAct, (k0 * lambda) / T, 0, n.length);
      else {
        // channel-major per sample: runs of n.length / B / C neurons share one λ
        const run = n.length / B / lambda.length;
        for (let r = 0, c = 0; r < n.length; r += run, c = (c + 1) % lambda.length)
          addPearsonPairs(sums, n, preAct, (k0 * lambda[c]) / T, r, r + run);
      }
    }
  }

  /** Output buffers of the ANN run for a batch of B samples: the network output and each relu's input. */
  #annBuffers(B: number): Record<string, Tensor<'float32'>> {
    const key = `ann:${B}`;
    let buffers = this.#buffers.get(key);
    if (!buffers) {
      const network = this.#network;
      buffers = { [network.outputs[0]]: zeros([B, ...this.#classes]) };
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
      buffers = { [graph.readout]: zeros([graph.steps * B, ...this.#classes]) };
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
    if (layerRole(l) === 'spiking')
      largest = Math.max(
        largest,
        (l.outShape.slice(1) as number[]).reduce((a, d) => a * d, 1),
      );
  }
  return Math.max(1, Math.floor((MICRO_BATCH_ELEMENTS * Math.max(1, threads)) / largest));
}

/** Steps of the chunk starting at t0: at most `chunk`, and never across T, the confidence window or the SIN step. */
function chunkLength(t0: number, T: number, chunk: number, window: number, sinStep: number): number {
  let k = Math.min(chunk, T - t0);
  if (t0 < window) k = Math.min(k, window - t0);
  if (t0 < sinStep) k = Math.min(k, sinStep - t0);
  return k;
}

function zeros(dims: readonly number[]): Tensor<'float32'> {
  return { type: 'float32', dims: [...dims], data: new Float32Array(dims.reduce((a, d) => a * d, 1)) };
}

/** Samples [from, from + count) of a [B, ...] tensor, as a view (no copy). */
function sliceSamples(t: Tensor, from: number, count: number): Tensor {
  const per = t.data.length / t.dims[0];
  return { ...t, dims: [count, ...t.dims.slice(1)], data: t.data.subarray(from * per, (from + count) * per) } as Tensor;
}
