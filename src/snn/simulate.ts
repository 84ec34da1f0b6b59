/**
 * The SNN simulator: runs a converted network for T steps over a dataset on onnxruntime and measures accuracy
 * at every step, spikes per layer and step, SIN at step 16, synaptic operations and energy (METHOD.md §1–§4, §7).
 *
 * Each batch runs chunk by chunk (`buildChunkGraph`); state tensors go from one chunk's outputs to the next
 * chunk's inputs and are zero at the start of every batch, so every sample starts from reset state.
 */
import { createHash } from 'node:crypto';
import { MsatError } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import type { Dataset } from '../data/index.js';
import { encodeOnnxModel } from '../onnx/index.js';
import { networkToOnnxBytes, type Network } from '../model/index.js';
import type { Runner, Session } from '../runtime/index.js';
import { buildChunkGraph, type ChunkGraph, type InputEncoding, type NeuronDynamics } from './graph/build-chunk-graph.js';
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
  /** Steps per onnxruntime run (time folded into the batch). Default 8. */
  readonly chunk?: number;
  /** Samples per batch. Default 64. */
  readonly batchSize?: number;
  /** Seed of Poisson noise and spike-confidence draws. Default 0. */
  readonly seed?: number;
  /** Spike confidence c per relu layer (METHOD.md §4); layers not listed keep every spike. */
  readonly confidence?: ReadonlyMap<string, number>;
  /** Steps during which spike confidence applies. Default 16. */
  readonly confidenceWindow?: number;
  /** Step after which SIN is measured (METHOD.md §4). Default 16 (or T if smaller). */
  readonly sinStep?: number;
  readonly onProgress?: (done: number, total: number) => void;
}

export const DEFAULT_SIMULATION_OPTIONS = Object.freeze({
  dynamics: Object.freeze({ rule: Object.freeze({ kind: 'constant', k: 1 }), gamma: 1, reset: 'soft' }) as NeuronDynamics,
  encoding: 'direct' as InputEncoding,
  chunk: 8,
  batchSize: 64,
  seed: 0,
  confidenceWindow: 16,
  sinStep: 16,
});

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
  const opts = resolveOptions(options);
  const started = performance.now();
  const T = opts.steps;
  const graphs = new ChunkGraphs(network, lambdas, opts, runner);
  const relus = network.layers.filter((l) => l.kind === 'relu');
  const ann = await runner.session(runner.keyOf(network, 'ann-sin'), () =>
    networkToOnnxBytes(network, { extraOutputs: relus.map((l) => l.inputs[0]) }),
  );
  const rng = createRng(opts.seed);
  const correct = new Float64Array(T);
  const spikes = new Map(relus.map((l) => [l.name, new Float64Array(T)]));
  const sin = new Map(relus.map((l) => [l.name, ZERO_SIN_COUNTS]));
  const correlation = new Map(relus.map((l) => [l.name, new PearsonSums()]));
  const k = opts.dynamics.rule.kind === 'constant' ? opts.dynamics.rule.k : 1;
  let annCorrect = 0;
  let done = 0;
  try {
    for await (const batch of dataset.batches(opts.batchSize)) {
      const B = batch.labels.length;
      const annOut = await ann.run({ [network.inputs[0].name]: batch.x });
      annCorrect += countCorrect(annOut[network.outputs[0]].data as Float32Array, batch.labels);
      const logits = new Float64Array(annOut[network.outputs[0]].data.length);
      let state: Record<string, Tensor> | undefined;
      for (let t0 = 0; t0 < T; ) {
        const masked = opts.confidence.size > 0 && t0 < opts.confidenceWindow;
        const k = chunkLength(t0, T, opts.chunk, masked ? opts.confidenceWindow : Infinity, opts.sinStep);
        const { graph, session } = await graphs.get(k, masked);
        state ??= zeroState(graph, B);
        const feeds: Record<string, Tensor> = { ...state, [graph.input]: batch.x, [graph.t0]: { type: 'float32', dims: [1], data: Float32Array.of(t0) } };
        if (graph.noise) feeds[graph.noise] = uniformTensor(rng, [k * B, ...batch.x.dims.slice(1)]);
        for (const [layer, name] of graph.keep) feeds[name] = keepMask(rng, opts.confidence.get(layer)!, [k * B, ...neuronShape(graph, layer)]);
        const out = await session.run(feeds);
        accumulateReadout(out[graph.readout].data as Float32Array, logits, batch.labels, k, t0, correct);
        for (const s of graph.spikeCounts) {
          const perStep = out[s.output].data as Float32Array;
          const acc = spikes.get(s.layer)!;
          for (let j = 0; j < k; j++) acc[t0 + j] += perStep[j];
        }
        state = Object.fromEntries(graph.state.map((slot) => [slot.input, out[slot.output]]));
        t0 += k;
        if (t0 === opts.sinStep) {
          for (const relu of relus) {
            const n = state[`n:${relu.name}`].data as Float32Array;
            sin.set(relu.name, addSinCounts(sin.get(relu.name)!, countSin(n, annOut[relu.inputs[0]].data as Float32Array)));
          }
        }
      }
      for (const relu of relus) {
        const n = state![`n:${relu.name}`].data as Float32Array;
        const pre = annOut[relu.inputs[0]].data as Float32Array;
        const lambda = lambdas.get(relu.name)!;
        const perChannel = typeof lambda === 'number' ? 0 : n.length / B / lambda.length;
        const sums = correlation.get(relu.name)!;
        for (let i = 0; i < n.length; i++) {
          const l = typeof lambda === 'number' ? lambda : lambda[Math.floor(i / perChannel) % lambda.length];
          sums.add((n[i] * k * l) / T, Math.max(pre[i], 0));
        }
      }
      done += B;
      opts.onProgress?.(done, dataset.length);
    }
  } finally {
    await graphs.dispose();
  }
  if (done === 0) throw new MsatError('SNN_DATA', 'the dataset has no samples to simulate');
  const layers = relus.map((relu): LayerActivity => {
    const neurons = (relu.outShape.slice(1) as number[]).reduce((a, d) => a * d, 1);
    const ratePerStep = spikes.get(relu.name)!.map((s) => s / (neurons * done));
    return {
      layer: relu.name,
      neurons,
      ratePerStep,
      firingRate: ratePerStep.reduce((a, r) => a + r, 0) / T,
      sin: sin.get(relu.name)!,
      rateCorrelation: correlation.get(relu.name)!.value(),
    };
  });
  return {
    samples: done,
    steps: T,
    annAccuracy: annCorrect / done,
    accuracyPerStep: correct.map((c) => c / done),
    layers,
    sinStep: opts.sinStep,
    seconds: (performance.now() - started) / 1000,
  };
}

/** Chunk graphs by (steps, masked), each compiled once per simulation and released at the end. */
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
    hash.update(JSON.stringify([opts.dynamics, opts.encoding, [...opts.confidence.keys()]], (_, v) => (v === Infinity ? 'Infinity' : v)));
    this.#id = `${runner.keyOf(network, 'snn')}:${hash.digest('hex')}`;
  }

  get(steps: number, masked: boolean): Promise<{ graph: ChunkGraph; session: Session }> {
    const key = `${this.#id}:${steps}:${masked}`;
    let entry = this.#cache.get(key);
    if (!entry) {
      const graph = buildChunkGraph({
        network: this.network,
        lambdas: this.lambdas,
        dynamics: this.opts.dynamics,
        steps,
        encoding: this.opts.encoding,
        keepMasks: masked ? [...this.opts.confidence.keys()] : [],
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

  add(x: number, y: number): void {
    this.#n++;
    this.#x += x;
    this.#y += y;
    this.#xx += x * x;
    this.#yy += y * y;
    this.#xy += x * y;
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

/** Steps of the chunk starting at t0: at most `chunk`, and never across T, the confidence window or the SIN step. */
function chunkLength(t0: number, T: number, chunk: number, window: number, sinStep: number): number {
  let k = Math.min(chunk, T - t0);
  if (t0 < window) k = Math.min(k, window - t0);
  if (t0 < sinStep) k = Math.min(k, sinStep - t0);
  return k;
}

function zeroState(graph: ChunkGraph, B: number): Record<string, Tensor> {
  const state: Record<string, Tensor> = {};
  for (const slot of graph.state) {
    const dims = [B, ...slot.shape];
    state[slot.input] = { type: 'float32', dims, data: new Float32Array(dims.reduce((a, d) => a * d, 1)) };
  }
  return state;
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
