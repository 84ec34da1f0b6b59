/**
 * Runs training steps: owns the step graph's session and the state tensors (parameters, buffers, optimizer
 * slots) that each run consumes and replaces. The state is a plain name -> Float32Array map, which is also what
 * a checkpoint stores, so resuming is "load the map, go on".
 */
import { MsatError, type Tensor } from '../core/index.js';
import type { Network } from '../model/index.js';
import { encodeOnnxModel } from '../onnx/index.js';
import type { Runner, Session } from '../runtime/index.js';
import type { TrainRng } from './rng.js';
import {
  DEFAULT_BN_MOMENTUM,
  buildEvalGraph,
  buildTrainStepGraph,
  nextName,
  type EvalGraph,
  type StepGraphOptions,
  type TrainStepGraph,
} from './step-graph.js';
import { readParameters } from './parameters.js';

/** What one step measured. */
export interface StepResult {
  /** Mean loss over the batch (before the update). */
  readonly loss: number;
  /** Samples of the batch whose argmax was the label. */
  readonly correct: number;
}

/** A batch as the step graph takes it. */
export interface TrainBatch {
  readonly x: Tensor;
  /** Class indices, `[B]`. */
  readonly labels: Int32Array;
}

const toInt64 = (labels: Int32Array): Tensor<'int64'> => ({
  type: 'int64',
  dims: [labels.length],
  data: BigInt64Array.from(labels, (v) => BigInt(v)),
});

/** The initial state of a run: the network's tensors, and zeros for every optimizer slot. */
export function initialState(graph: TrainStepGraph, network: Network): Map<string, Float32Array> {
  const params = readParameters(network);
  const state = new Map<string, Float32Array>();
  for (const s of graph.state) {
    const size = s.dims.reduce((a, b) => a * b, 1);
    state.set(s.name, s.kind === 'slot' ? new Float32Array(size) : params.get(s.name)!);
  }
  return state;
}

/**
 * Dropout masks for a batch of `batchSize`: each entry is 0 with probability p, else 1/(1 − p) (PyTorch's
 * inverted dropout), drawn from `rng` in mask order, then sample by sample.
 */
export function drawDropoutMasks(graph: TrainStepGraph, batchSize: number, rng: TrainRng): Record<string, Tensor> {
  const masks: Record<string, Tensor> = {};
  for (const m of graph.masks) {
    const size = batchSize * m.sampleDims.reduce((a, b) => a * b, 1);
    const keep = 1 / (1 - m.p);
    const data = new Float32Array(size);
    for (let i = 0; i < size; i++) data[i] = rng.nextFloat() < m.p ? 0 : keep;
    masks[m.input] = { type: 'float32', dims: [batchSize, ...m.sampleDims], data };
  }
  return masks;
}

/** Runs the training step of one network; see the file comment. */
export class StepRunner {
  readonly graph: TrainStepGraph;
  readonly #session: Session;
  readonly #bnMomentum: number;
  #state: Map<string, Float32Array>;

  private constructor(graph: TrainStepGraph, session: Session, state: Map<string, Float32Array>, bnMomentum: number) {
    this.graph = graph;
    this.#session = session;
    this.#state = state;
    this.#bnMomentum = bnMomentum;
  }

  /**
   * Builds the step graph and its session. `state` defaults to `initialState` (a checkpoint passes its own).
   * @throws MsatError `TRAIN_STATE` when a given state lacks a tensor or has one of the wrong size.
   */
  static async create(
    runner: Runner,
    network: Network,
    options: StepGraphOptions,
    state?: ReadonlyMap<string, Float32Array>,
    key = `train:${network.source}`,
  ): Promise<StepRunner> {
    const bnMomentum = options.bnMomentum ?? DEFAULT_BN_MOMENTUM;
    const graph = buildTrainStepGraph(network, { ...options, bnMomentum });
    const initial = state ? new Map(state) : initialState(graph, network);
    for (const s of graph.state) {
      const v = initial.get(s.name);
      const size = s.dims.reduce((a, b) => a * b, 1);
      if (!v || v.length !== size) {
        throw new MsatError('TRAIN_STATE', `state tensor ${s.name}: expected ${size} values [${s.dims.join(', ')}], found ${v ? v.length : 'none'}`);
      }
    }
    const session = await runner.session(key, () => encodeOnnxModel(graph.model));
    return new StepRunner(graph, session, initial, bnMomentum);
  }

  /** The current state (live arrays; replaced, never mutated, by `step`). */
  get state(): ReadonlyMap<string, Float32Array> {
    return this.#state;
  }

  /** One step: forward, backward and update; the state moves on. */
  async step(batch: TrainBatch, scalars: Readonly<Record<string, number>>, masks: Readonly<Record<string, Tensor>> = {}): Promise<StepResult> {
    const out = await this.#run(batch, scalars, masks, this.#state);
    const next = new Map<string, Float32Array>();
    for (const s of this.graph.state) next.set(s.name, out[nextName(s.name)].data as Float32Array);
    this.#state = next;
    return { loss: (out.loss.data as Float32Array)[0], correct: Number((out.correct.data as BigInt64Array)[0]) };
  }

  /**
   * The batch-norm statistics of `batch` under `params` (parameter values by name; the rest of the state is the
   * runner's): every buffer's batch value — the mean, and the unbiased variance a running variance takes in.
   * Nothing moves on. The step graph runs with the running statistics fed as zeros, so each output is
   * momentum × the batch value; no second graph (and no second compilation) is needed.
   */
  async batchStatistics(
    batch: TrainBatch,
    params: ReadonlyMap<string, Float32Array>,
    scalars: Readonly<Record<string, number>>,
  ): Promise<Map<string, Float32Array>> {
    const buffers = this.graph.state.filter((s) => s.kind === 'buffer');
    const state = new Map(this.#state);
    for (const [name, v] of params) if (state.has(name)) state.set(name, v);
    for (const b of buffers) state.set(b.name, new Float32Array(state.get(b.name)!.length));
    const masks: Record<string, Tensor> = {};
    for (const m of this.graph.masks) {
      const size = batch.labels.length * m.sampleDims.reduce((a, c) => a * c, 1);
      masks[m.input] = { type: 'float32', dims: [batch.labels.length, ...m.sampleDims], data: new Float32Array(size).fill(1) };
    }
    const out = await this.#run(batch, scalars, masks, state);
    return new Map(buffers.map((b) => [b.name, (out[nextName(b.name)].data as Float32Array).map((v) => v / this.#bnMomentum)]));
  }

  async #run(
    batch: TrainBatch,
    scalars: Readonly<Record<string, number>>,
    masks: Readonly<Record<string, Tensor>>,
    state: ReadonlyMap<string, Float32Array>,
  ) {
    const feeds: Record<string, Tensor> = { [this.graph.input]: batch.x, labels: toInt64(batch.labels), ...masks };
    for (const s of this.graph.scalars) {
      const v = scalars[s];
      if (v === undefined) throw new MsatError('TRAIN_STATE', `step scalar ${s} was not given`);
      feeds[s] = { type: 'float32', dims: [], data: Float32Array.of(v) };
    }
    for (const s of this.graph.state) feeds[s.name] = { type: 'float32', dims: s.dims, data: state.get(s.name)! };
    return this.#session.run(feeds);
  }
}

/** Runs the evaluation graph with given network tensors. */
export class EvalRunner {
  readonly graph: EvalGraph;
  readonly #session: Session;

  private constructor(graph: EvalGraph, session: Session) {
    this.graph = graph;
    this.#session = session;
  }

  static async create(runner: Runner, network: Network, key = `eval:${network.source}`): Promise<EvalRunner> {
    const graph = buildEvalGraph(network);
    return new EvalRunner(graph, await runner.session(key, () => encodeOnnxModel(graph.model)));
  }

  /** Logits, summed loss and hits of one batch under `params` (parameter and buffer values by name). */
  async run(batch: TrainBatch, params: ReadonlyMap<string, Float32Array>): Promise<{ logits: Tensor<'float32'>; lossSum: number; correct: number }> {
    const feeds: Record<string, Tensor> = { [this.graph.input]: batch.x, labels: toInt64(batch.labels) };
    for (const p of this.graph.parameters) feeds[p.name] = { type: 'float32', dims: p.dims, data: params.get(p.name)! };
    const out = await this.#session.run(feeds);
    return {
      logits: out.logits as Tensor<'float32'>,
      lossSum: (out.loss.data as Float32Array)[0] * batch.labels.length,
      correct: Number((out.correct.data as BigInt64Array)[0]),
    };
  }
}
