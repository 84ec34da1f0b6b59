/**
 * The one place msat talks to onnxruntime-node. Everything else hands a serialized ONNX model
 * (`Uint8Array`) and msat `Tensor`s to a `Runner` and gets `Tensor`s back.
 */
import * as ort from 'onnxruntime-node';
import { MsatError, type DataType, type Tensor } from '../core/index.js';
import { assertExecutionProviders } from './execution-providers.js';

/** Options of a `Runner`; every field is optional. */
export interface RunnerOptions {
  /** Threads onnxruntime may use inside one operator (intra-op). Default: 0 = onnxruntime's choice (all cores). */
  readonly threads?: number;
  /** Graph optimization level. Default `'all'`. */
  readonly graphOptimizationLevel?: 'disabled' | 'basic' | 'extended' | 'all';
  /**
   * Execution providers in order of preference, as onnxruntime takes them (`'cuda'`, `'cpu'`; operators the
   * first cannot run fall back to the next, and to the CPU). Default `['cpu']`. Checked when the runner is
   * made: a provider this onnxruntime-node lacks is an `EXECUTION_PROVIDER` error naming the ones it has
   * (`availableExecutionProviders`). Results agree across providers to float tolerance, not bit for bit.
   */
  readonly executionProviders?: readonly string[];
  /**
   * onnxruntime's profiler: when not empty, each session writes `<prefix>_<date>.json` (a Chrome trace, one event
   * per operator run, with its operator type and microseconds) when it is released (`release`, `dispose`).
   * Default `''` (off): profiling slows every run. `bench/scaling.bench.ts` sums it per operator type.
   */
  readonly profileFilePrefix?: string;
}

export const DEFAULT_RUNNER_OPTIONS: Required<RunnerOptions> = {
  threads: 0,
  graphOptimizationLevel: 'all',
  executionProviders: ['cpu'],
  profileFilePrefix: '',
};

/** A compiled model: create once through `Runner.session`, run many times. */
export interface Session {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  /** Runs the model; `fetches` restricts which outputs are computed (default: all). */
  run(feeds: Readonly<Record<string, Tensor>>, fetches?: readonly string[]): Promise<Record<string, Tensor>>;
  /**
   * Runs the model and writes the outputs named in `outputs` into those tensors (their shapes must be the
   * outputs' shapes); only those outputs are computed. Nothing is allocated or copied on the way: onnxruntime
   * reads the feeds' buffers and its last node of each output writes straight into the given buffer, which
   * is what a loop that feeds state from run to run wants (keep two sets of state buffers and alternate).
   * An output buffer must not also be a feed of the same run.
   */
  runInto(feeds: Readonly<Record<string, Tensor>>, outputs: Readonly<Record<string, Tensor>>): Promise<void>;
}

/**
 * Owns onnxruntime sessions. Sessions are cached by a caller-chosen key (a model id), because creating one
 * costs milliseconds to seconds while a run of a small graph costs microseconds.
 */
export class Runner {
  readonly options: Required<RunnerOptions>;
  readonly #sessions = new Map<string, Promise<SessionImpl>>();
  readonly #ids = new WeakMap<object, number>();
  #nextId = 0;

  constructor(options: RunnerOptions = {}) {
    const threads = options.threads ?? DEFAULT_RUNNER_OPTIONS.threads;
    if (!Number.isInteger(threads) || threads < 0) {
      throw new MsatError('RUNTIME_OPTIONS', `threads must be a non-negative integer, got ${threads}`);
    }
    const executionProviders = [...(options.executionProviders ?? DEFAULT_RUNNER_OPTIONS.executionProviders)];
    assertExecutionProviders(executionProviders);
    this.options = { ...DEFAULT_RUNNER_OPTIONS, ...options, threads, executionProviders };
  }

  /**
   * A key prefix unique to `owner` (by identity) within this runner: two networks that came from the same file
   * (say, before and after batch-norm folding) must not share a cached session.
   */
  keyOf(owner: object, prefix: string): string {
    let id = this.#ids.get(owner);
    if (id === undefined) {
      id = this.#nextId++;
      this.#ids.set(owner, id);
    }
    return `${prefix}#${id}`;
  }

  /** The session for `key`, created from `model()` on first use. */
  session(key: string, model: () => Uint8Array): Promise<Session> {
    let s = this.#sessions.get(key);
    if (!s) {
      s = SessionImpl.create(key, model(), this.options);
      this.#sessions.set(key, s);
      s.catch(() => this.#sessions.delete(key));
    }
    return s;
  }

  /** Releases the session cached under `key`, if any (callers that build many graphs, such as a tuner). */
  async release(key: string): Promise<void> {
    const s = this.#sessions.get(key);
    if (!s) return;
    this.#sessions.delete(key);
    await (await s).release();
  }

  /** Releases every cached session. */
  async dispose(): Promise<void> {
    const all = [...this.#sessions.values()];
    this.#sessions.clear();
    await Promise.allSettled(all.map(async (s) => (await s).release()));
  }
}

class SessionImpl implements Session {
  readonly #key: string;
  readonly #session: ort.InferenceSession;

  private constructor(key: string, session: ort.InferenceSession) {
    this.#key = key;
    this.#session = session;
  }

  static async create(key: string, bytes: Uint8Array, options: Required<RunnerOptions>): Promise<SessionImpl> {
    try {
      return new SessionImpl(key, await createOrtSession(bytes, options, options.executionProviders));
    } catch (e) {
      // An installed provider can still fail to start (CUDA without a GPU, WebGPU without an adapter): when the
      // CPU alone loads the model, the provider is what failed, not the model.
      if (options.executionProviders.some((p) => p !== 'cpu') && (await loadsOnCpu(bytes, options))) {
        throw new MsatError(
          'EXECUTION_PROVIDER',
          `${key}: onnxruntime could not start execution providers ${options.executionProviders.join(', ')} (the CPU alone loads the model): ${firstLine(e)}`,
          { cause: e },
        );
      }
      throw new MsatError('RUNTIME_SESSION', `${key}: onnxruntime could not load the model: ${firstLine(e)}`, { cause: e });
    }
  }

  get inputNames(): readonly string[] {
    return this.#session.inputNames;
  }

  get outputNames(): readonly string[] {
    return this.#session.outputNames;
  }

  async run(feeds: Readonly<Record<string, Tensor>>, fetches?: readonly string[]): Promise<Record<string, Tensor>> {
    const missing = this.inputNames.filter((n) => !(n in feeds));
    if (missing.length > 0) {
      throw new MsatError('RUNTIME_FEEDS', `${this.#key}: missing inputs ${missing.join(', ')} (model inputs: ${this.inputNames.join(', ')})`);
    }
    const ortFeeds: Record<string, ort.Tensor> = {};
    for (const name of this.inputNames) ortFeeds[name] = toOrt(feeds[name]);
    let out: ort.InferenceSession.ReturnType;
    try {
      out = fetches ? await this.#session.run(ortFeeds, [...fetches]) : await this.#session.run(ortFeeds);
    } catch (e) {
      const shapes = this.inputNames.map((n) => `${n}: ${feeds[n].type}[${feeds[n].dims.join(', ')}]`).join('; ');
      throw new MsatError('RUNTIME_RUN', `${this.#key}: run failed with inputs ${shapes}: ${firstLine(e)}`, { cause: e });
    }
    const result: Record<string, Tensor> = {};
    for (const [name, t] of Object.entries(out)) result[name] = fromOrt(name, t);
    return result;
  }

  async runInto(feeds: Readonly<Record<string, Tensor>>, outputs: Readonly<Record<string, Tensor>>): Promise<void> {
    const missing = this.inputNames.filter((n) => !(n in feeds));
    if (missing.length > 0) {
      throw new MsatError('RUNTIME_FEEDS', `${this.#key}: missing inputs ${missing.join(', ')} (model inputs: ${this.inputNames.join(', ')})`);
    }
    const unknown = Object.keys(outputs).filter((n) => !this.outputNames.includes(n));
    if (unknown.length > 0) {
      throw new MsatError('RUNTIME_FEEDS', `${this.#key}: unknown outputs ${unknown.join(', ')} (model outputs: ${this.outputNames.join(', ')})`);
    }
    const ortFeeds: Record<string, ort.Tensor> = {};
    for (const name of this.inputNames) ortFeeds[name] = toOrt(feeds[name]);
    const fetches: Record<string, ort.Tensor> = {};
    for (const [name, t] of Object.entries(outputs)) fetches[name] = toOrt(t);
    try {
      await this.#session.run(ortFeeds, fetches);
    } catch (e) {
      const shapes = this.inputNames.map((n) => `${n}: ${feeds[n].type}[${feeds[n].dims.join(', ')}]`).join('; ');
      const outs = Object.entries(outputs)
        .map(([n, t]) => `${n}: ${t.type}[${t.dims.join(', ')}]`)
        .join('; ');
      throw new MsatError('RUNTIME_RUN', `${this.#key}: run failed with inputs ${shapes} into outputs ${outs}: ${firstLine(e)}`, { cause: e });
    }
  }

  async release(): Promise<void> {
    await this.#session.release();
  }
}

function createOrtSession(bytes: Uint8Array, options: Required<RunnerOptions>, providers: readonly string[]): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(bytes, {
    intraOpNumThreads: options.threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: options.graphOptimizationLevel,
    executionProviders: [...providers],
    logSeverityLevel: 3,
    ...(options.profileFilePrefix ? { enableProfiling: true, profileFilePrefix: options.profileFilePrefix } : {}),
  });
}

async function loadsOnCpu(bytes: Uint8Array, options: Required<RunnerOptions>): Promise<boolean> {
  try {
    await (await createOrtSession(bytes, { ...options, profileFilePrefix: '' }, ['cpu'])).release();
    return true;
  } catch {
    return false;
  }
}

function toOrt(t: Tensor): ort.Tensor {
  return new ort.Tensor(t.type, t.data, t.dims);
}

function fromOrt(name: string, t: ort.Tensor): Tensor {
  const type = t.type as DataType;
  if (type !== 'float32' && type !== 'float64' && type !== 'int64' && type !== 'int32') {
    throw new MsatError('RUNTIME_DTYPE', `output ${name}: unsupported data type ${t.type}`);
  }
  return { type, dims: [...t.dims], data: t.data as Tensor['data'] } as Tensor;
}

function firstLine(e: unknown): string {
  return String(e instanceof Error ? e.message : e).split('\n')[0];
}
