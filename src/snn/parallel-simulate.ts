/**
 * Sample parallelism for `simulate`: batches go to worker threads, each holding a `BatchSimulator`
 * on its own single-threaded `Runner`, and the workers' tallies are merged at the end. A spiking layer is a
 * chain of many small elementwise ops per step, which onnxruntime's intra-op threads split with little gain;
 * whole batches on separate threads share nothing (bench/RESULTS.md).
 */
import { availableParallelism } from 'node:os';
import { MsatError, type Tensor } from '../core/index.js';
import type { Dataset } from '../data/index.js';
import { layerRole, type Network } from '../model/index.js';
import type { Runner, RunnerOptions } from '../runtime/index.js';
import { moduleBeside, WorkerChannel, type WorkerFailure } from '../runtime/index.js';
import {
  plainSimulationOptions,
  resolveSimulationOptions,
  type PlainSimulationOptions,
  type ResolvedSimulationOptions,
  type SimulationOptions,
  type SimulationResult,
} from './simulation-options.js';
import { emptyTallies, mergeTallies, tallyResult, type SimulationTallies } from './simulation-tallies.js';

/** What a worker starts from (its `workerData`, structured-cloned). */
export interface WorkerSetup {
  readonly network: Network;
  readonly lambdas: ReadonlyMap<string, number | Float32Array>;
  /** The simulation's resolved options without the callbacks (functions do not cross threads). */
  readonly options: PlainSimulationOptions;
  readonly runner: RunnerOptions;
}

/** Main thread → worker; the worker answers each with one `FromWorker`, in order. */
export type ToWorker =
  | { readonly kind: 'batch'; readonly x: Tensor<'float32'>; readonly labels: Int32Array; readonly first: number }
  | { readonly kind: 'tallies' }
  | { readonly kind: 'close' };

/** Worker → main thread. `code` is set when the worker threw an `MsatError`. */
export type FromWorker = { readonly kind: 'done' } | { readonly kind: 'tallies'; readonly tallies: SimulationTallies } | WorkerFailure;

type SimWorker = WorkerChannel<ToWorker, FromWorker>;

/**
 * `simulate` with `opts.workers` threads: the main thread reads the batches and hands each to an idle
 * worker; `onProgress` runs as batches finish. The result equals one thread's (`SimulationOptions.workers`).
 */
export async function simulateInWorkers(
  network: Network,
  lambdas: ReadonlyMap<string, number | Float32Array>,
  dataset: Dataset,
  runner: Runner,
  opts: ResolvedSimulationOptions,
): Promise<SimulationResult> {
  const started = performance.now();
  // A run shorter than one batch per worker is split evenly (results do not depend on the batch size), and
  // never more workers than batches: each one starts a thread and compiles its own graphs.
  const batchSize = Math.max(1, Math.min(opts.batchSize, Math.ceil(dataset.length / opts.workers)));
  const workers = Math.min(opts.workers, Math.max(1, Math.ceil(dataset.length / batchSize)));
  const sim = new ParallelSimulator(network, lambdas, runner, { ...opts, batchSize, workers });
  opts.onProgress?.(0, dataset.length);
  try {
    let first = 0;
    let done = 0;
    for await (const batch of dataset.batches(batchSize)) {
      const n = batch.labels.length;
      await sim.submit(batch.x, batch.labels, first, () => opts.onProgress?.((done += n), dataset.length));
      first += n;
    }
    return tallyResult(network, await sim.tallies(), opts, (performance.now() - started) / 1000);
  } finally {
    await sim.dispose();
  }
}

/**
 * `options.workers` worker threads, each with a `BatchSimulator` on a `Runner` with `runner`'s options and an
 * equal share of its threads (at least one). Create, `submit` each batch, read `tallies`, `dispose` (always: it ends the threads). A worker's
 * failure rejects the next `submit`, `drain` or `tallies` with the worker's `MsatError` code and message.
 */
export class ParallelSimulator {
  readonly options: ResolvedSimulationOptions;
  readonly #network: Network;
  readonly #workers: SimWorker[] = [];
  readonly #idle: SimWorker[];
  /** The batch each busy worker is on, settled once the worker is idle again. */
  readonly #running = new Map<SimWorker, Promise<void>>();
  #failure: unknown;

  /** `options` may be resolved already (`resolveSimulationOptions`); they are not resolved again. */
  constructor(
    network: Network,
    lambdas: ReadonlyMap<string, number | Float32Array>,
    runner: Runner,
    options: SimulationOptions | ResolvedSimulationOptions,
  ) {
    this.options = resolveSimulationOptions(options);
    if (this.options.onReadout) throw new MsatError('SNN_OPTIONS', 'onReadout runs only on the calling thread (functions do not cross threads)');
    this.#network = network;
    // the runner's cores shared out: one thread each on a machine with as many cores as workers; its other
    // options (the execution providers among them) as they are
    const threads = Math.max(1, Math.floor((runner.options.threads || availableParallelism()) / this.options.workers));
    const setup: WorkerSetup = { network, lambdas, options: plainSimulationOptions(this.options), runner: { ...runner.options, threads } };
    try {
      const entry = moduleBeside(import.meta.url, 'simulate-worker');
      for (let i = 0; i < this.options.workers; i++) this.#workers.push(new WorkerChannel(entry, setup, 'simulation worker', 'SNN_WORKER'));
    } catch (e) {
      for (const w of this.#workers) void w.close({ kind: 'close' });
      throw new MsatError('SNN_WORKER', `could not start a simulation worker: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
    this.#idle = [...this.#workers];
  }

  /**
   * Hands batch `x` [B, ...] with its labels to an idle worker, first waiting for one if all are busy.
   * `first` is the batch's position in the run (`BatchSimulator.run`); `onDone` runs when the batch is done.
   */
  async submit(x: Tensor<'float32'>, labels: Int32Array, first: number, onDone?: () => void): Promise<void> {
    if (this.#failure) throw this.#failure;
    while (this.#idle.length === 0) await Promise.race(this.#running.values());
    const worker = this.#idle.pop()!;
    // copies, so that transferring them cannot detach buffers the dataset still uses
    const data = x.data.slice();
    const own = labels.slice();
    const job = worker
      .request({ kind: 'batch', x: { type: 'float32', dims: [...x.dims], data }, labels: own, first }, [data.buffer, own.buffer])
      .then(() => {
        this.#running.delete(worker);
        this.#idle.push(worker);
        onDone?.();
      });
    // a failure is thrown by the next submit or drain; until then it must not count as unhandled
    job.catch((e: unknown) => (this.#failure ??= e));
    this.#running.set(worker, job);
  }

  /** Waits until every submitted batch is done. */
  async drain(): Promise<void> {
    await Promise.all(this.#running.values());
  }

  /** The merged tallies of every batch submitted (after `drain`), merged in worker order. */
  async tallies(): Promise<SimulationTallies> {
    await this.drain();
    const replies = await Promise.all(this.#workers.map((w) => w.request({ kind: 'tallies' })));
    const relus = this.#network.layers.filter((l) => layerRole(l) === 'spiking');
    return replies.reduce(
      (all, r) => (r.kind === 'tallies' ? mergeTallies(all, r.tallies) : all),
      emptyTallies(relus, this.options.steps, this.options.exit !== undefined),
    );
  }

  /** Waits for running batches, lets every worker release its sessions, then ends the threads. */
  async dispose(): Promise<void> {
    await Promise.all(this.#workers.map((w) => w.close({ kind: 'close' })));
  }
}
