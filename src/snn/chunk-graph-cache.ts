/**
 * The chunk graphs one simulation runs, compiled once and released at its end. A simulation needs a handful
 * of variants (chunk lengths, with or without keep masks, first or later chunk, traced or not); each becomes
 * an onnxruntime session cached in the runner under a key that identifies the network, thresholds and
 * dynamics, so that simulators of the same network and neurons share them.
 */
import { createHash } from 'node:crypto';
import type { Network } from '../model/index.js';
import { encodeOnnxModel } from '../onnx/index.js';
import type { Runner, Session } from '../runtime/index.js';
import { buildChunkGraph, type ChunkGraph, type ChunkStart } from './graph/build-chunk-graph.js';
import type { ResolvedSimulationOptions } from './simulation-options.js';

/** What the graphs depend on besides the network and thresholds. */
export type ChunkGraphOptions = Pick<ResolvedSimulationOptions, 'dynamics' | 'encoding' | 'confidence'>;

/** A compiled chunk graph. */
export interface CompiledChunkGraph {
  readonly graph: ChunkGraph;
  readonly session: Session;
}

/** Chunk graphs by (steps, masked, start, traces), each compiled once per simulation and released at the end. */
export class ChunkGraphs {
  readonly #cache = new Map<string, Promise<CompiledChunkGraph>>();
  readonly #keys: string[] = [];
  readonly #id: string;

  constructor(
    private readonly network: Network,
    private readonly lambdas: ReadonlyMap<string, number | Float32Array>,
    private readonly opts: ChunkGraphOptions,
    private readonly runner: Runner,
  ) {
    // The same network, thresholds and dynamics give the same graphs.
    const hash = createHash('sha1');
    for (const [layer, lambda] of lambdas)
      hash.update(layer).update(typeof lambda === 'number' ? String(lambda) : new Uint8Array(lambda.buffer, lambda.byteOffset, lambda.byteLength));
    hash.update(JSON.stringify([opts.dynamics, opts.encoding, [...opts.confidence.keys()]], (_, v) => (v === Infinity ? 'Infinity' : v)));
    this.#id = `${runner.keyOf(network, 'snn')}:${hash.digest('hex')}`;
  }

  /**
   * The graph of `steps` steps, with keep masks if `masked`, for the first chunk of a simulation (`first`) or
   * a later one. Only MSAT thresholds differ between the two (`ChunkGraphSpec.start`); constant ones share.
   */
  get(steps: number, masked: boolean, first: boolean, traces = false): Promise<CompiledChunkGraph> {
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
        traces,
      });
      entry = this.runner.session(key, () => encodeOnnxModel(graph.model)).then((session) => ({ graph, session }));
      this.#cache.set(key, entry);
      this.#keys.push(key);
    }
    return entry;
  }

  /** Releases every session this cache compiled. */
  async dispose(): Promise<void> {
    await Promise.allSettled(this.#keys.map((k) => this.runner.release(k)));
  }
}
