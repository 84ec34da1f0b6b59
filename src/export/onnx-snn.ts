/**
 * The converted SNN as one self-contained, stateful ONNX model that any onnxruntime (Python, C++, C#, Java, the
 * browser) runs without msat: each call advances the network by K time steps. Inputs are the normalised input
 * and every state tensor, outputs the readout of each step and the next state; the caller feeds the outputs
 * back as the next call's state. It is the simulator's own chunk graph (`buildChunkGraph`, `standalone`), so
 * the exported file computes exactly what `msat simulate` computes.
 *
 * The contract (names, shapes, reset values, how to loop and how to read the prediction at step t) is written
 * into the model's metadata as `msat.snn` (JSON, `SnnOnnxContract`); README (`msat export`) explains it for people.
 */
import { MsatError, type DataType } from '../core/index.js';
import type { OnnxModel } from '../onnx/index.js';
import { buildChunkGraph, type InputEncoding, type NeuronDynamics } from '../snn/index.js';
import type { SnnDefinition } from './snn-definition.js';

/** Options of `snnOnnxModel`; every field is optional. */
export interface SnnOnnxOptions {
  /** K, time steps per call. Default 1. */
  readonly stepsPerCall?: number;
  /** `'direct'` (default): the analog input every step; `'poisson'`: the graph takes uniform noise as an input. */
  readonly encoding?: InputEncoding;
  /**
   * Spike confidence c per relu layer: those layers take a 0/1 keep mask per neuron and step as an input (the
   * caller draws it: 1 with probability c during the first `confidenceWindow` steps, else 1). Default none.
   */
  readonly confidence?: ReadonlyMap<string, number>;
  /** Steps during which spike confidence applies (recorded in the contract). Default 16. */
  readonly confidenceWindow?: number;
  /** Metadata to keep beside `msat.snn` (the source model's class names, normalisation, …). */
  readonly metadata?: Readonly<Record<string, string>>;
}

/** One state tensor of the exported model: fed as `input`, returned as `output`, `reset` at the start of a sample. */
export interface SnnOnnxState {
  readonly input: string;
  readonly output: string;
  readonly type: DataType;
  /** The shape; `'N'` is the batch size, the same for every tensor of a call. */
  readonly dims: readonly (number | 'N')[];
  /** Every element's value before the first step of a sample. */
  readonly reset: number;
  /** What it holds: `t0` (index of the call's first step), `readout_sum`, or `<role>:<layer>`. */
  readonly meaning: string;
}

/** The contract of the exported model, written as JSON into its metadata under `msat.snn`. */
export interface SnnOnnxContract {
  readonly format: 'msat-snn-onnx';
  readonly version: 1;
  /** K, time steps per call. */
  readonly stepsPerCall: number;
  readonly input: { readonly name: string; readonly type: DataType; readonly dims: readonly (number | 'N')[]; readonly encoding: InputEncoding };
  /** Poisson encoding: uniform draws in [0, 1), `[K·N, ...input]` step-major. */
  readonly noise?: string;
  /** Spike confidence: per layer the keep-mask input `[K·N, ...layer]` (step-major), its c and window. */
  readonly keep: readonly { readonly layer: string; readonly input: string; readonly c: number; readonly window: number }[];
  readonly state: readonly SnnOnnxState[];
  /** Outputs: `perStep` `[K·N, classes]` (step-major), `sum` the running sum after the call's last step. */
  readonly readout: { readonly perStep: string; readonly sum: string; readonly classes: number };
  /** How to use it, in one sentence. */
  readonly usage: string;
  /** The neuron dynamics (threshold rule, γ, reset) the graph implements. */
  readonly dynamics: NeuronDynamics;
}

const USAGE =
  "Set every state input to its reset value, then call repeatedly with the same input, feeding each state output back as the next call's state input; " +
  'after the call that ends with step t (t = t0 + K), the prediction is argmax over classes of readout_sum:out. Reset the state for every new sample.';

/** The exported model and its contract. */
export function snnOnnxModel(snn: SnnDefinition, options: SnnOnnxOptions = {}): { model: OnnxModel; contract: SnnOnnxContract } {
  const K = options.stepsPerCall ?? 1;
  if (!Number.isInteger(K) || K < 1) throw new MsatError('EXPORT_OPTIONS', `stepsPerCall must be a positive integer, got ${K}`);
  const encoding = options.encoding ?? 'direct';
  const confidence = options.confidence ?? new Map<string, number>();
  const graph = buildChunkGraph({
    network: snn.network,
    lambdas: snn.lambdas,
    dynamics: snn.dynamics,
    steps: K,
    encoding,
    keepMasks: [...confidence.keys()],
    start: 'any',
    timeFolding: 'none',
    standalone: true,
  });
  const perSample = (name: string) => graph.model.graph.inputs.find((i) => i.name === name)!.dims!.slice(1) as number[];
  const input = snn.network.inputs[0];
  const classes = graph.model.graph.outputs.find((o) => o.name === graph.readout)!.dims!.slice(1) as number[];
  const contract: SnnOnnxContract = {
    format: 'msat-snn-onnx',
    version: 1,
    stepsPerCall: K,
    input: { name: graph.input, type: input.type, dims: ['N', ...perSample(graph.input)], encoding },
    ...(graph.noise ? { noise: graph.noise } : {}),
    keep: [...graph.keep].map(([layer, name]) => ({ layer, input: name, c: confidence.get(layer)!, window: options.confidenceWindow ?? 16 })),
    state: [
      { input: graph.t0, output: `${graph.t0}:out`, type: 'float32', dims: [1], reset: 0, meaning: 't0' },
      ...graph.state.map((s): SnnOnnxState => ({
        input: s.input,
        output: s.output,
        type: 'float32',
        dims: ['N', ...s.shape],
        reset: 0,
        meaning: `${s.role}:${s.layer}`,
      })),
      { input: 'readout_sum', output: 'readout_sum:out', type: 'float64', dims: ['N', ...classes], reset: 0, meaning: 'readout_sum' },
    ],
    readout: { perStep: graph.readout, sum: 'readout_sum:out', classes: classes.reduce((a, d) => a * d, 1) },
    usage: USAGE,
    dynamics: snn.dynamics,
  };
  const metadata = { ...(options.metadata ?? {}), 'msat.snn': JSON.stringify(contract, (_, v) => (v === Infinity ? 'Infinity' : v)) };
  return { model: { ...graph.model, producerName: 'msat', metadata }, contract };
}
