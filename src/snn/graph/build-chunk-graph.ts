/**
 * The simulator's graph: K time steps of the whole converted network in one onnxruntime run (DESIGN.md).
 *
 * Time is folded into the batch where a layer is feed-forward: an analog layer (conv, linear, pooling, glue)
 * runs once on all K steps as a [K·B, ...] batch, while a spiking layer or LIPool, whose state carries from one
 * step to the next, is unrolled over the K steps. A tensor that cannot change between steps (the direct-encoded
 * input and every analog layer computed only from it) is computed once for the chunk.
 *
 * State (membranes, running sums, spike counts, LIPool accumulators) comes in as graph inputs and goes out as
 * outputs, so consecutive chunks continue exactly where the last one stopped: a chunk of K steps equals K
 * chunks of one step.
 */
import { MsatError } from '../../core/errors.js';
import { GraphBuilder, type OnnxModel } from '../../onnx/index.js';
import { emitLayer, type Layer, type Network } from '../../model/index.js';
import type { ResetMode, ThresholdRule } from '../reference/index.js';
import { Constants } from './constants.js';
import { emitLIPoolConstants, emitLIPoolStep, lipoolStateShape } from './emit-lipool.js';
import { emitNeuronStep } from './emit-neuron.js';

/** Neuron dynamics shared by every spiking layer of one simulation (METHOD.md §2). */
export interface NeuronDynamics {
  readonly rule: ThresholdRule;
  /** Max spikes per step γ (1 = IF; Infinity allowed). */
  readonly gamma: number;
  readonly reset: ResetMode;
}

/** How the input reaches the first layer each step. */
export type InputEncoding = 'direct' | 'poisson';

/** What `buildChunkGraph` needs. */
export interface ChunkGraphSpec {
  /** The network to simulate (batch-norm folded). Every `relu` becomes a spiking layer, every `maxpool` LIPool. */
  readonly network: Network;
  /** λ per relu layer name: one number (layer-wise) or one per channel. */
  readonly lambdas: ReadonlyMap<string, number | Float32Array>;
  readonly dynamics: NeuronDynamics;
  /** K, the steps per run. */
  readonly steps: number;
  readonly encoding: InputEncoding;
  /** Relu layers whose spikes are masked by a 0/1 keep input (spike confidence, METHOD.md §4). */
  readonly keepMasks?: readonly string[];
}

/** A state tensor of the chunk graph: `input` in, `output` out, zeros at reset, `shape` per sample. */
export interface StateSlot {
  readonly layer: string;
  readonly role: 'v' | 'vSum' | 'n' | 'acc';
  readonly input: string;
  readonly output: string;
  readonly shape: readonly number[];
}

/** The built graph and the names the simulator feeds and reads. */
export interface ChunkGraph {
  readonly model: OnnxModel;
  readonly steps: number;
  /** [B, ...] analog input (both encodings). */
  readonly input: string;
  /** float [1]: index of the chunk's first step. */
  readonly t0: string;
  /** Poisson encoding only: uniform noise [K·B, ...input]. */
  readonly noise?: string;
  /** Keep masks [K·B, ...layer] per relu layer name. */
  readonly keep: ReadonlyMap<string, string>;
  readonly state: readonly StateSlot[];
  /** [K·B, classes]: the readout layer's output of each step (step-major). */
  readonly readout: string;
  /** Per spiking layer: an output [K] with the spikes of each step, summed over batch and neurons. */
  readonly spikeCounts: readonly { readonly layer: string; readonly output: string; readonly neurons: number }[];
}

const OPSET = 13;

type Value = { kind: 'once'; name: string } | { kind: 'folded'; name: string } | { kind: 'steps'; names: string[] };

/** Builds the graph of one chunk of `spec.steps` steps. */
export function buildChunkGraph(spec: ChunkGraphSpec): ChunkGraph {
  const { network, steps: K } = spec;
  if (!Number.isInteger(K) || K < 1) throw new MsatError('SNN_OPTIONS', `steps per chunk must be a positive integer, got ${K}`);
  if (network.inputs.length !== 1) throw new MsatError('SNN_NETWORK', `${network.source}: the simulator takes networks with one input`);
  const b = new GraphBuilder('msat-snn-chunk');
  const c = new Constants(b);
  const spec0 = network.inputs[0];
  const perSample = (dims: readonly (number | 'N')[]): number[] => dims.slice(1) as number[];
  const input = b.input('input', spec0.type, ['N', ...perSample(spec0.dims)]);
  const t0 = b.input('t0', 'float32', [1]);
  const values = new Map<string, Value>();
  const shapes = new Map<string, readonly (number | 'N')[]>([[spec0.name, spec0.dims]]);
  let noise: string | undefined;
  if (spec.encoding === 'poisson') {
    noise = b.input('noise', 'float32', ['KN', ...perSample(spec0.dims)]);
    values.set(spec0.name, { kind: 'folded', name: emitPoisson(b, c, input, noise, K) });
  } else {
    values.set(spec0.name, { kind: 'once', name: input });
  }
  const keepNames = new Set(spec.keepMasks ?? []);
  const keep = new Map<string, string>();
  const state: StateSlot[] = [];
  const spikeCounts: { layer: string; output: string; neurons: number }[] = [];
  const stepT = Array.from({ length: K }, (_, j) => (j === 0 ? t0 : b.node('Add', [t0, c.scalar(j)])));

  const folded = (v: Value): string => {
    if (v.kind === 'folded') return v.name;
    const names = v.kind === 'steps' ? v.names : Array<string>(K).fill(v.name);
    return K === 1 ? names[0] : b.node('Concat', names, { axis: { type: 'int', value: 0 } });
  };
  const perStep = (v: Value): string[] => {
    if (v.kind === 'steps') return v.names;
    if (v.kind === 'once') return Array<string>(K).fill(v.name);
    return K === 1 ? [v.name] : splitSteps(b, v.name, K);
  };
  const addState = (layer: Layer, role: StateSlot['role'], shape: readonly number[]): string => {
    const name = b.input(`${role}:${layer.name}`, 'float32', ['N', ...shape]);
    state.push({ layer: layer.name, role, input: name, output: `${name}:out`, shape });
    return name;
  };

  for (const layer of network.layers) {
    const ins = layer.inputs.map((n) => {
      const v = values.get(n);
      if (!v) throw new MsatError('SNN_NETWORK', `${network.source}: layer "${layer.name}" reads "${n}", which is not computed before it`);
      return v;
    });
    let out: Value;
    if (layer.kind === 'relu') {
      const lambda = spec.lambdas.get(layer.name);
      if (lambda === undefined) throw new MsatError('SNN_NETWORK', `${network.source}: relu "${layer.name}" has no threshold λ (calibrate first)`);
      const shape = perSample(layer.outShape);
      const lambdaName = b.initializer(`${layer.name}.lambda`, lambdaTensor(lambda, shape, layer.name));
      let sv = { v: addState(layer, 'v', shape), vSum: addState(layer, 'vSum', shape), n: addState(layer, 'n', shape) };
      const keepSteps = keepNames.has(layer.name)
        ? perStep({ kind: 'folded', name: keep.set(layer.name, b.input(`keep:${layer.name}`, 'float32', ['KN', ...shape])).get(layer.name)! })
        : undefined;
      const xs = perStep(ins[0]);
      const outs: string[] = [];
      const counts: string[] = [];
      for (let j = 0; j < K; j++) {
        const step = emitNeuronStep(b, c, { lambda: lambdaName, ...spec.dynamics }, { x: xs[j], t: stepT[j], state: sv, keep: keepSteps?.[j] });
        sv = step.state;
        outs.push(step.out);
        counts.push(b.node('Reshape', [b.node('ReduceSum', [step.spikes], { keepdims: { type: 'int', value: 0 } }), c.int64('shape_1', [1])]));
      }
      for (const slot of state.filter((s) => s.layer === layer.name)) {
        b.node('Identity', [sv[slot.role as 'v' | 'vSum' | 'n']], {}, { outputs: [slot.output] });
        b.output(slot.output, 'float32', ['N', ...slot.shape]);
      }
      const countName = `spikes:${layer.name}`;
      b.node(K === 1 ? 'Identity' : 'Concat', counts, K === 1 ? {} : { axis: { type: 'int', value: 0 } }, { outputs: [countName] });
      b.output(countName, 'float32', [K]);
      spikeCounts.push({ layer: layer.name, output: countName, neurons: shape.reduce((a, d) => a * d, 1) });
      out = { kind: 'steps', names: outs };
    } else if (layer.kind === 'maxpool') {
      const inShape = perSample(shapes.get(layer.inputs[0])!);
      const geometry = { inShape, outShape: perSample(layer.outShape), kernel: layer.kernel, strides: layer.strides, pads: layer.pads, dilations: layer.dilations };
      const k = emitLIPoolConstants(b, layer.name, geometry);
      const shape = lipoolStateShape(geometry);
      let acc = addState(layer, 'acc', shape);
      const outs: string[] = [];
      for (const x of perStep(ins[0])) {
        const step = emitLIPoolStep(b, c, k, x, acc);
        acc = step.acc;
        outs.push(step.out);
      }
      const slot = state[state.length - 1];
      b.node('Identity', [acc], {}, { outputs: [slot.output] });
      b.output(slot.output, 'float32', ['N', ...shape]);
      out = { kind: 'steps', names: outs };
    } else {
      // Analog: once per chunk if every input is step-invariant, else once on the folded [K·B, ...] batch.
      const once = ins.every((v) => v.kind === 'once');
      const names = once ? ins.map((v) => (v as { name: string }).name) : ins.map(folded);
      const name = emitLayer(b, layer, names, layer.inputs.map((n) => shapes.get(n)!), b.fresh(layer.output), {
        opset: OPSET,
        param: (role, t) => b.initializer(`${layer.name}.${role}`, t),
        intermediate: (base) => b.fresh(base),
      });
      out = once ? { kind: 'once', name } : { kind: 'folded', name };
    }
    values.set(layer.output, out);
    shapes.set(layer.output, layer.outShape);
  }

  const result = values.get(network.outputs[0]);
  if (!result) throw new MsatError('SNN_NETWORK', `${network.source}: output "${network.outputs[0]}" is not computed`);
  b.node('Identity', [folded(result)], {}, { outputs: ['readout'] });
  b.output('readout', 'float32', ['KN', ...perSample(shapes.get(network.outputs[0])!)]);
  return { model: b.build(OPSET), steps: K, input, t0, noise, keep, state, readout: 'readout', spikeCounts };
}

/** Splits a [K·B, ...] tensor into K step tensors [B, ...] (step-major). */
function splitSteps(b: GraphBuilder, name: string, K: number): string[] {
  const outs = Array.from({ length: K }, () => b.fresh('step'));
  b.node('Split', [name], { axis: { type: 'int', value: 0 } }, { outputs: outs });
  return outs;
}

/**
 * Poisson rate coding: each step an input element emits sign(x)·s with probability |x|/s, s = max(1, max|x|)
 * over the batch, so the expected input per step equals the analog x. `noise` holds the uniform draws.
 */
function emitPoisson(b: GraphBuilder, c: Constants, x: string, noise: string, K: number): string {
  const abs = b.node('Abs', [x]);
  const scale = b.node('Max', [b.node('ReduceMax', [abs], { keepdims: { type: 'int', value: 0 } }), c.scalar(1)]);
  const xs = K === 1 ? x : b.node('Concat', Array<string>(K).fill(x), { axis: { type: 'int', value: 0 } });
  const absK = K === 1 ? abs : b.node('Abs', [xs]);
  const fires = b.node('Cast', [b.node('Less', [b.node('Mul', [noise, scale]), absK])], { to: { type: 'int', value: 1 } });
  return b.node('Mul', [b.node('Mul', [b.node('Sign', [xs]), scale]), fires]);
}

/** λ as a tensor that broadcasts against [B, ...shape]: a scalar, or [1, C, 1, ...] for channel-wise λ. */
function lambdaTensor(lambda: number | Float32Array, shape: readonly number[], layer: string) {
  if (typeof lambda === 'number') return { type: 'float32' as const, dims: [], data: Float32Array.of(lambda) };
  if (lambda.length !== shape[0]) {
    throw new MsatError('SNN_NETWORK', `relu "${layer}": ${lambda.length} channel thresholds for ${shape[0]} channels`);
  }
  return { type: 'float32' as const, dims: [1, shape[0], ...shape.slice(1).map(() => 1)], data: lambda };
}
