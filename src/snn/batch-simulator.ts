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
import { countCorrect, GroupReadout } from './readout.js';
import { createRng, type Rng } from './reference/index.js';
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
  /** Readout values per sample (the product of `#classes`). */
  readonly #classCount: number;
  /** The constant rule's scale k (1 for MSAT): a spike is worth k·λ in the rate-coded value. */
  readonly #k0: number;
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
    this.#classCount = this.#classes.reduce((a, d) => a * d, 1);
    this.#k0 = this.options.dynamics.rule.kind === 'constant' ? this.options.dynamics.rule.k : 1;
    this.#tallies = emptyTallies(this.#relus, this.options.steps, this.options.exit !== undefined);
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
    if (this.options.exit) await this.#runWithExit(x, labels, first, annOut, micro);
    else {
      for (let g0 = 0; g0 < B; g0 += micro) {
        const g = Math.min(micro, B - g0);
        const pre = annOut && ((name: string) => sliceSamples(annOut[name], g0, g).data as Float32Array);
        const trace = this.options.firstPosition + first + g0 === 0 && this.options.traceNeurons > 0 && this.#tallies.traces.length === 0;
        await this.#runGroup(sliceSamples(x, g0, g), labels.subarray(g0, g0 + g), first + g0, pre, trace);
      }
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
    const rngs = Array.from({ length: B }, (_, i) => createRng(sampleSeed(opts.seed, opts.firstPosition + first + i)));
    const readout = new GroupReadout(labels, this.#classCount, T, undefined, opts.recordReadout, first, opts.recordOutputs);
    const onStep = opts.onReadout && ((step: number) => opts.onReadout!(step, readout.sums, labels, first));
    // without the ANN there is no SIN to measure, so chunks need not end at sinStep
    const sinStep = pre ? opts.sinStep : Infinity;
    // two sets of state buffers: one is fed, the other written, then they swap
    let stateIn: Record<string, Tensor<'float32'>> | undefined;
    let stateOut: Record<string, Tensor<'float32'>> | undefined;
    for (let t0 = 0; t0 < T;) {
      const masked = opts.confidence.size > 0 && t0 < opts.confidenceWindow;
      const k = chunkLength(t0, T, opts.chunk, masked ? opts.confidenceWindow : Infinity, sinStep);
      const { graph, session } = await this.#graphs.get(k, masked, t0 === 0, trace);
      if (!stateIn || !stateOut) {
        [stateIn, stateOut] = [this.#stateBuffers(graph.state, B, 0), this.#stateBuffers(graph.state, B, 1)];
        for (const t of Object.values(stateIn)) t.data.fill(0);
      }
      const outputs = await this.#runChunk(graph, session, x, stateIn, stateOut, rngs, t0, k);
      [stateIn, stateOut] = [stateOut, stateIn];
      readout.addChunk(outputs[graph.readout].data as Float32Array, k, t0, tallies, onStep);
      for (const s of graph.spikeCounts) this.#addSpikes(s.layer, outputs[s.output].data as Float32Array, readout, k, t0, B);
      if (trace && pre) this.#recordTraces(graph, outputs, pre, k, B, t0);
      t0 += k;
      tallies.sampleSteps += k * B;
      if (pre && t0 === opts.sinStep) this.#addSin(stateIn, pre, readout, B);
    }
    if (pre) this.#addRateCorrelation(stateIn!, pre, this.#k0, T, B);
    if (readout.record) tallies.records.push(readout.record);
  }

  /**
   * T steps of a whole batch with an exit rule. All its samples advance together, chunk by chunk, in runs of at
   * most `micro` samples; after each chunk the samples that exited leave and the rest are packed together, so
   * the runs stay full until fewer than `micro` samples are left (groups of their own would shrink to single
   * samples, whose runs cost nearly as much as full ones). `annOut`: the batch's ANN tensors.
   */
  async #runWithExit(
    x: Tensor,
    labels: Int32Array,
    first: number,
    annOut: Record<string, Tensor<'float32'>> | undefined,
    micro: number,
  ): Promise<void> {
    const opts = this.options;
    const T = opts.steps;
    const tallies = this.#tallies;
    let rngs = Array.from({ length: labels.length }, (_, i) => createRng(sampleSeed(opts.seed, opts.firstPosition + first + i)));
    const readout = new GroupReadout(labels, this.#classCount, T, opts.exit, opts.recordReadout, first, opts.recordOutputs);
    const pre = annOut && ((name: string) => annOut[name].data);
    let trace = opts.firstPosition + first === 0 && opts.traceNeurons > 0 && tallies.traces.length === 0;
    const sinStep = pre ? opts.sinStep : Infinity;
    let state: Record<string, Tensor<'float32'>> | undefined;
    let next: Record<string, Tensor<'float32'>> | undefined;
    for (let t0 = 0; t0 < T;) {
      const size = readout.size;
      const masked = opts.confidence.size > 0 && t0 < opts.confidenceWindow;
      const k = chunkLength(t0, T, opts.chunk, masked ? opts.confidenceWindow : Infinity, sinStep);
      const readoutAll = new Float32Array(k * size * this.#classCount);
      const spikesAll = new Map<string, Float32Array>();
      for (let g0 = 0; g0 < size; g0 += micro) {
        const g = Math.min(micro, size - g0);
        const traced = trace && g0 === 0;
        const { graph, session } = await this.#graphs.get(k, masked, t0 === 0, traced);
        if (!state || !next) {
          [state, next] = [this.#stateBuffers(graph.state, size, 0), this.#stateBuffers(graph.state, size, 1)];
          for (const t of Object.values(state)) t.data.fill(0);
        }
        const rows = (set: Record<string, Tensor<'float32'>>) =>
          Object.fromEntries(Object.entries(set).map(([name, t]) => [name, sliceSamples(t, g0, g) as Tensor<'float32'>]));
        const outputs = await this.#runChunk(graph, session, sliceSamples(x, g0, g), rows(state), rows(next), rngs.slice(g0, g0 + g), t0, k);
        // step-major [k·g] rows into the chunk's [k·size]
        const out = outputs[graph.readout].data as Float32Array;
        const c = this.#classCount;
        for (let j = 0; j < k; j++) readoutAll.set(out.subarray(j * g * c, (j + 1) * g * c), (j * size + g0) * c);
        for (const s of graph.spikeCounts) {
          const all = spikesAll.get(s.layer) ?? spikesAll.set(s.layer, new Float32Array(k * size)).get(s.layer)!;
          const counts = outputs[s.output].data as Float32Array;
          for (let j = 0; j < k; j++) all.set(counts.subarray(j * g, (j + 1) * g), j * size + g0);
        }
        if (traced && pre) this.#recordTraces(graph, outputs, pre, k, g, t0);
      }
      [state, next] = [next!, state!];
      readout.addChunk(readoutAll, k, t0, tallies);
      for (const [layer, counts] of spikesAll) this.#addSpikes(layer, counts, readout, k, t0, size);
      t0 += k;
      tallies.sampleSteps += k * size;
      if (pre && t0 === opts.sinStep) this.#addSin(state, pre, readout, size);
      // the samples that exited in this chunk leave: their rate-coded values over the steps they ran
      const exited = Int32Array.from({ length: size }, (_, r) => r).filter((r) => !readout.counts(r, t0 - 1));
      if (exited.length === 0) continue;
      if (pre) this.#addRateCorrelation(state, pre, this.#k0, t0, size, exited, readout.rows);
      const keep = readout.compact()!;
      if (keep.length === 0) break;
      x = gatherRows(x, keep);
      rngs = Array.from(keep, (r) => rngs[r]);
      state = packRows(state, keep);
      next = Object.fromEntries(Object.entries(next).map(([name, t]) => [name, sliceSamples(t, 0, keep.length) as Tensor<'float32'>]));
      trace &&= readout.rows[0] === 0;
    }
    if (readout.record) tallies.records.push(readout.record);
  }

  /** Runs chunk [t0, t0 + k) of a group: its state from `stateIn` into `stateOut`; returns the outputs bound. */
  async #runChunk(
    graph: ChunkGraph,
    session: Session,
    x: Tensor,
    stateIn: Record<string, Tensor<'float32'>>,
    stateOut: Record<string, Tensor<'float32'>>,
    rngs: readonly Rng[],
    t0: number,
    k: number,
  ): Promise<Record<string, Tensor>> {
    const B = rngs.length;
    const feeds: Record<string, Tensor> = { [graph.input]: x, [graph.t0]: { type: 'float32', dims: [1], data: Float32Array.of(t0) } };
    const outputs: Record<string, Tensor> = { ...this.#chunkBuffers(graph, B) };
    for (const tr of graph.traces)
      for (const name of [tr.membrane, tr.theta, tr.spikes]) outputs[name] = zeros([k * B, ...neuronShape(graph, tr.layer)]);
    for (const slot of graph.state) {
      feeds[slot.input] = stateIn[slot.input];
      outputs[slot.output] = stateOut[slot.input];
    }
    if (graph.noise) feeds[graph.noise] = drawPerSample(rngs, k, x.dims.slice(1));
    for (const [layer, name] of graph.keep) feeds[name] = drawPerSample(rngs, k, neuronShape(graph, layer), this.options.confidence.get(layer)!);
    await session.runInto(feeds, outputs);
    return outputs;
  }

  /** Adds a chunk's spikes per step and sample ([k, B]) of `layer`: a sample's count up to its exit step. */
  #addSpikes(layer: string, perSample: Float32Array, readout: GroupReadout, k: number, t0: number, B: number): void {
    const acc = this.#layers.get(layer)!.spikes;
    for (let j = 0; j < k; j++) {
      let sum = 0;
      for (let r = 0; r < B; r++) if (readout.counts(r, t0 + j)) sum += perSample[j * B + r];
      acc[t0 + j] += sum;
    }
  }

  /** Records the first sample's traced neurons of a chunk of a group of B samples (`recordTraces`). */
  #recordTraces(graph: ChunkGraph, outputs: Record<string, Tensor>, pre: (name: string) => Float32Array, k: number, B: number, t0: number): void {
    recordTraces(
      this.#tallies.traces,
      graph,
      outputs,
      (layer) => pre(this.#relus.find((l) => l.name === layer)!.inputs[0]),
      this.options.traceNeurons,
      k,
      B,
      t0,
    );
  }

  /**
   * Adds the group's SIN counts after `sinStep` steps: every sample's, or with an exit rule those of the samples
   * that were still running at that step (`pre` is indexed by the group's first rows, `readout.rows`).
   */
  #addSin(state: Record<string, Tensor<'float32'>>, pre: (name: string) => Float32Array, readout: GroupReadout, B: number): void {
    const running = this.options.exit && Int32Array.from({ length: B }, (_, r) => r).filter((r) => readout.counts(r, this.options.sinStep - 1));
    for (const relu of this.#relus) {
      const layer = this.#layers.get(relu.name)!;
      const n = state[`n:${relu.name}`].data;
      const preAct = pre(relu.inputs[0]);
      if (!running) {
        layer.sin = addSinCounts(layer.sin, countSin(n, preAct));
        continue;
      }
      const per = n.length / B;
      for (const r of running) {
        const o = readout.rows[r];
        layer.sin = addSinCounts(layer.sin, countSin(n.subarray(r * per, (r + 1) * per), preAct.subarray(o * per, (o + 1) * per)));
      }
    }
  }

  /**
   * Adds pairs (rate-coded value n·k0·λ/steps, ANN ReLU output) of every spiking layer to its Pearson sums: of
   * the whole group of B samples, or of the current `rows` only, whose ANN values sit at `origin[row]`.
   */
  #addRateCorrelation(
    state: Record<string, Tensor<'float32'>>,
    pre: (name: string) => Float32Array,
    k0: number,
    steps: number,
    B: number,
    rows?: Int32Array,
    origin?: Int32Array,
  ): void {
    for (const relu of this.#relus) {
      const n = state[`n:${relu.name}`].data;
      const preAct = pre(relu.inputs[0]);
      const lambda = this.#lambdas.get(relu.name)!;
      const sums = this.#layers.get(relu.name)!.correlation;
      const per = n.length / B;
      // channel-major per sample: runs of per / C neurons share one λ
      const run = typeof lambda === 'number' ? per : per / lambda.length;
      const scale = (at: number) => (k0 * (typeof lambda === 'number' ? lambda : lambda[(at / run) % lambda.length])) / steps;
      if (!rows) {
        for (let r = 0; r < n.length; r += run) addPearsonPairs(sums, n, preAct, scale(r), r, r + run);
        continue;
      }
      for (const r of rows) {
        const nRow = n.subarray(r * per, (r + 1) * per);
        const preRow = preAct.subarray(origin![r] * per, (origin![r] + 1) * per);
        for (let at = 0; at < per; at += run) addPearsonPairs(sums, nRow, preRow, scale(at), at, at + run);
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
      for (const s of graph.spikeCounts) buffers[s.output] = zeros([graph.steps, B]);
      this.#buffers.set(key, buffers);
    }
    return buffers;
  }

  /** What the batches so far measured; `seconds` is the caller's wall time. */
  result(seconds: number): SimulationResult {
    return tallyResult(this.#network, this.#tallies, this.options, seconds);
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

/** Rows `keep` of a [B, ...] tensor, copied into a new one. */
function gatherRows(t: Tensor, keep: Int32Array): Tensor {
  const per = t.data.length / t.dims[0];
  const data = new (t.data.constructor as new (n: number) => typeof t.data)(keep.length * per);
  keep.forEach((r, i) => (data as Float32Array).set((t.data as Float32Array).subarray(r * per, (r + 1) * per), i * per));
  return { ...t, dims: [keep.length, ...t.dims.slice(1)], data } as Tensor;
}

/** Moves rows `keep` (ascending) of each [B, ...] tensor to its front, in place; returns views of those rows. */
function packRows(set: Record<string, Tensor<'float32'>>, keep: Int32Array): Record<string, Tensor<'float32'>> {
  const packed: Record<string, Tensor<'float32'>> = {};
  for (const [name, t] of Object.entries(set)) {
    const per = t.data.length / t.dims[0];
    keep.forEach((r, i) => {
      if (r !== i) t.data.copyWithin(i * per, r * per, (r + 1) * per);
    });
    packed[name] = sliceSamples(t, 0, keep.length) as Tensor<'float32'>;
  }
  return packed;
}
