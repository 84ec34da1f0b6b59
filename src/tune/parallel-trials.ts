/**
 * Trials in parallel: `workers` threads, each simulating whole trials (one candidate on a range of the tuning
 * samples) on its own single-threaded `Runner`, started once per tuning run. A trial of a few dozen samples is
 * too small to split over threads (per-trial start-up and graph compilation dominate; bench/RESULTS.md), but
 * the candidates of a halving rung are independent, so running several at once uses every core.
 */
import { availableParallelism } from 'node:os';
import { MsatError } from '../core/index.js';
import type { RunnerOptions } from '../runtime/index.js';
import { moduleBeside, WorkerChannel, type WorkerFailure } from '../runtime/index.js';
import { evaluateConfig, type EvaluationContext } from './evaluate-config.js';
import type { Tallies } from './objectives.js';
import type { TunedConfig } from './search-space.js';
import type { TuningArrays } from './tuning-data.js';

/** What a worker starts from (its `workerData`). */
export interface TrialWorkerSetup {
  readonly context: Omit<EvaluationContext, 'data' | 'runner' | 'workers'>;
  readonly arrays: TuningArrays;
  readonly runner: RunnerOptions;
}

/** Main thread → worker; each gets one `FromTrialWorker`, in order. */
export type ToTrialWorker =
  | { readonly kind: 'evaluate'; readonly config: TunedConfig; readonly from: number; readonly to: number; readonly steps: number }
  | { readonly kind: 'close' };

/** Worker → main thread. */
export type FromTrialWorker = { readonly kind: 'tallies'; readonly tallies: Tallies } | { readonly kind: 'done' } | WorkerFailure;

/** Runs trials: on the calling thread when `parallel` is 1, else in worker threads. */
export interface TrialRunner {
  /** Trials that can run at once. */
  readonly parallel: number;
  /** `config` simulated for `steps` steps on tuning samples [from, to) (`evaluateConfig`). */
  evaluate(config: TunedConfig, from: number, to: number, steps: number): Promise<Tallies>;
  /** Ends the worker threads (always call it). */
  dispose(): Promise<void>;
}

/**
 * A `TrialRunner` for `ctx` with `workers` parallel trials. With one, trials run on the calling thread with
 * `ctx.runner` (and `ctx.workers` splitting each trial's batches, as `simulate` does).
 */
export function createTrialRunner(ctx: EvaluationContext, workers: number): TrialRunner {
  if (workers <= 1) {
    return { parallel: 1, evaluate: (config, from, to, steps) => evaluateConfig({ ...ctx, steps }, config, from, to), dispose: async () => {} };
  }
  return new TrialWorkers(ctx, workers);
}

type TrialWorker = WorkerChannel<ToTrialWorker, FromTrialWorker>;

/** The worker-thread `TrialRunner`: each trial goes to an idle worker, waiting for one when all are busy. */
class TrialWorkers implements TrialRunner {
  readonly parallel: number;
  readonly #workers: TrialWorker[] = [];
  readonly #idle: TrialWorker[];
  readonly #waiting: ((w: TrialWorker) => void)[] = [];

  constructor(ctx: EvaluationContext, workers: number) {
    this.parallel = workers;
    const { data, runner, workers: _, ...context } = ctx;
    // the runner's cores shared out: one thread each on a machine with as many cores as workers; its other
    // options (the execution providers among them) as they are
    const threads = Math.max(1, Math.floor((runner.options.threads || availableParallelism()) / workers));
    const setup: TrialWorkerSetup = { context, arrays: data.arrays, runner: { ...runner.options, threads } };
    const entry = moduleBeside(import.meta.url, 'trial-worker');
    try {
      for (let i = 0; i < workers; i++) this.#workers.push(new WorkerChannel(entry, setup, 'tuning worker', 'TUNE_WORKER'));
    } catch (e) {
      for (const w of this.#workers) void w.close({ kind: 'close' });
      throw new MsatError('TUNE_WORKER', `could not start a tuning worker: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
    this.#idle = [...this.#workers];
  }

  async evaluate(config: TunedConfig, from: number, to: number, steps: number): Promise<Tallies> {
    const worker = this.#idle.pop() ?? (await new Promise<TrialWorker>((resolve) => this.#waiting.push(resolve)));
    try {
      const reply = await worker.request({ kind: 'evaluate', config, from, to, steps });
      if (reply.kind !== 'tallies') throw new MsatError('TUNE_WORKER', `tuning worker answered ${reply.kind} to a trial`);
      return reply.tallies;
    } finally {
      const next = this.#waiting.shift();
      if (next) next(worker);
      else this.#idle.push(worker);
    }
  }

  async dispose(): Promise<void> {
    await Promise.all(this.#workers.map((w) => w.close({ kind: 'close' })));
  }
}
