/**
 * The simulator's graph: K time steps of the whole converted network in one onnxruntime run.
 *
 * A spiking layer or LIPool, whose state carries from one step to the next, is unrolled over the K steps. An
 * analog layer (conv, linear, pooling, glue) either runs once on all K steps folded into the batch
 * ([K·B, ...], `timeFolding: 'batch'`) or once per step (`'none'`, what the simulator uses: onnxruntime's
 * convolutions are as fast per image at batch 8 as at 128, and a step's output is then consumed while it is
 * still in the CPU cache, with no Concat/Split copies). A tensor that cannot change between steps (the
 * direct-encoded input and every analog layer computed only from it) is computed once for the chunk.
 *
 * State (membranes, running sums, spike counts, LIPool accumulators) comes in as graph inputs and goes out as
 * outputs, so consecutive chunks continue exactly where the last one stopped: a chunk of K steps equals K
 * chunks of one step. The chunk's last step writes each state output directly (no Identity copies), so a
 * caller that binds pre-allocated output buffers (`Session.runInto`) gets the new state without any copy.
 */
import { MsatError, type Tensor } from '../../core/index.js';
import { attr, GraphBuilder, type OnnxModel } from '../../onnx/index.js';
import { emitLayer, layerRole, poolWindow, type Layer, type Network } from '../../model/index.js';
import type { NeuronDynamics } from '../neuron-config.js';
import { Constants } from './constants.js';
import { emitLIPoolChunk, emitLIPoolConstants, lipoolStateShape } from './emit-lipool.js';
import { emitDet, emitNeuronConstants, emitNeuronStep, needsVSum, type NeuronStateNames, type NeuronStepInputs } from './emit-neuron.js';

/** How the input reaches the first layer each step. */
export type InputEncoding = 'direct' | 'poisson';

/** What `buildChunkGraph` needs. */
export interface ChunkGraphSpec {
  /** The network to simulate (batch-norm folded). Every `spiking` layer (relu) becomes spiking neurons, every `pool` (maxpool) LIPool. */
  readonly network: Network;
  /** λ per relu layer name: one number (layer-wise) or one per channel. */
  readonly lambdas: ReadonlyMap<string, number | Float32Array>;
  readonly dynamics: NeuronDynamics;
  /** K, the steps per run. */
  readonly steps: number;
  readonly encoding: InputEncoding;
  /** Relu layers whose spikes are masked by a 0/1 keep input (spike confidence, docs/method.md §4). */
  readonly keepMasks?: readonly string[];
  /**
   * What the graph may assume about its `t0` input (only MSAT thresholds depend on it): `'zero'` (the first
   * chunk of a simulation: step 0 uses θ = λ, decided when the graph is built), `'positive'` (every later
   * chunk: no step has t = 0), or `'any'` (default: one graph for every t0, step 0 selects θ with a Where).
   * A `'zero'` graph ignores the value fed as t0; a `'positive'` graph fed t0 = 0 divides by zero.
   */
  readonly start?: ChunkStart;
  /**
   * How analog layers (conv, linear, pools, glue) whose input changes every step run: `'batch'` once
   * per chunk on the K steps folded into the batch ([K·B, ...], Concat before and Split after), or `'none'`
   * (default) once per step on [B, ...], each step's output consumed while it is still in the CPU cache.
   */
  readonly timeFolding?: 'batch' | 'none';
  /** Also output every spiking layer's charged membrane, threshold and spikes at each step (`ChunkGraph.traces`). */
  readonly traces?: boolean;
  /**
   * A graph to run outside msat (the exported SNN): the step index and the readout's running sum are state
   * too (`t0` → `t0:out` = t0 + K; `readout_sum` → `readout_sum:out`, float64 so that the sum is exactly the
   * simulator's, which adds each step's float32 readout in float64), and the per-layer spike totals
   * (`spikeCounts`, a metric of the simulator) are left out. Default false.
   */
  readonly standalone?: boolean;
}

/** See `ChunkGraphSpec.start`. */
export type ChunkStart = 'zero' | 'positive' | 'any';

/** A state tensor of the chunk graph: `input` in, `output` out, zeros at reset, `shape` per sample. */
export interface StateSlot {
  readonly layer: string;
  /** `vSum` exists only for MSAT rules with the DTT term. */
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
  /** Per spiking layer: an output [K, B] with each sample's spikes of each step, summed over neurons (none when `standalone`). */
  readonly spikeCounts: readonly { readonly layer: string; readonly output: string; readonly neurons: number }[];
  /** With `spec.traces`: per spiking layer, outputs [K·B, ...layer] (step-major) of V + x before firing, θ(t) and s. */
  readonly traces: readonly { readonly layer: string; readonly membrane: string; readonly theta: string; readonly spikes: string }[];
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
    values.set(spec0.name, { kind: 'folded', name: emitPoisson(b, c, input, noise, K, spec0.dims.length) });
  } else {
    values.set(spec0.name, { kind: 'once', name: input });
  }
  const keepNames = new Set(spec.keepMasks ?? []);
  const keep = new Map<string, string>();
  const state: StateSlot[] = [];
  const spikeCounts: { layer: string; output: string; neurons: number }[] = [];
  const traces: { layer: string; membrane: string; theta: string; spikes: string }[] = [];
  const start = spec.start ?? 'any';
  // The step index of step j as `emitNeuronStep` takes it: known to be 0, known to be ≥ 1, or possibly 0.
  const stepT = Array.from({ length: K }, (_, j): NeuronStepInputs['t'] => {
    if (j === 0) return start === 'zero' ? { kind: 'zero' } : { kind: start, name: t0 };
    return { kind: 'positive', name: start === 'zero' ? c.scalar(j) : b.node('Add', [t0, c.scalar(j)]) };
  });

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
    const role = layerRole(layer);
    if (role === 'spiking') {
      const lambda = spec.lambdas.get(layer.name);
      if (lambda === undefined) throw new MsatError('SNN_NETWORK', `${network.source}: relu "${layer.name}" has no threshold λ (calibrate first)`);
      const shape = perSample(layer.outShape);
      const k = emitNeuronConstants(b, layer.name, spec.dynamics, lambdaTensor(lambda, shape, layer.name));
      const v = addState(layer, 'v', shape);
      const vSum = needsVSum(spec.dynamics.rule) ? addState(layer, 'vSum', shape) : undefined;
      const n = addState(layer, 'n', shape);
      const outName = (role: StateSlot['role']) => state.find((s) => s.layer === layer.name && s.role === role)!.output;
      let sv: NeuronStateNames = { v, vSum };
      const keepSteps = keepNames.has(layer.name)
        ? perStep({ kind: 'folded', name: keep.set(layer.name, b.input(`keep:${layer.name}`, 'float32', ['KN', ...shape])).get(layer.name)! })
        : undefined;
      const xs = perStep(ins[0]);
      // DET depends only on x: a step-invariant x (direct input) gets it once for the chunk
      const detOnce = ins[0].kind === 'once' && (K > 1 || start !== 'zero') ? emitDet(b, c, k, ins[0].name) : undefined;
      const outs: string[] = [];
      const spikes: string[] = [];
      const counts: string[] = [];
      const membranes: string[] = [];
      const thetas: string[] = [];
      for (let j = 0; j < K; j++) {
        const last = j === K - 1;
        const step = emitNeuronStep(b, c, k, {
          x: xs[j],
          t: stepT[j],
          state: sv,
          keep: keepSteps?.[j],
          det: detOnce,
          outputNames: last ? { v: outName('v'), vSum: vSum && outName('vSum') } : undefined,
        });
        sv = step.state;
        outs.push(step.out);
        spikes.push(step.spikes);
        membranes.push(step.membrane);
        // a constant θ is a broadcastable initializer: expand it to the layer's shape
        thetas.push(spec.traces ? b.node('Expand', [step.theta, b.node('Shape', [step.membrane])]) : step.theta);
        if (!spec.standalone) {
          // per sample (the simulator leaves out samples that have exited), as a row [1, B] of the chunk's [K, B]
          const bySample = b.node(
            'ReduceSum',
            [
              step.spikes,
              c.int64(
                `axes_1_to_${shape.length}`,
                shape.map((_, a) => a + 1),
              ),
            ],
            { keepdims: attr.int(1) },
          );
          counts.push(b.node('Reshape', [bySample, c.int64('shape_1_n', [1, -1])]));
        }
      }
      // record: n + Σ_j s_j, one Sum for the chunk
      b.node('Sum', [n, ...spikes], {}, { outputs: [outName('n')] });
      for (const slot of state.filter((s) => s.layer === layer.name)) b.output(slot.output, 'float32', ['N', ...slot.shape]);
      if (!spec.standalone) {
        const countName = `spikes:${layer.name}`;
        b.node(K === 1 ? 'Identity' : 'Concat', counts, K === 1 ? {} : { axis: { type: 'int', value: 0 } }, { outputs: [countName] });
        b.output(countName, 'float32', [K, 'N']);
        spikeCounts.push({ layer: layer.name, output: countName, neurons: shape.reduce((a, d) => a * d, 1) });
      }
      if (spec.traces) {
        const traceOutput = (role: string, names: string[]) => {
          const name = `trace:${role}:${layer.name}`;
          b.node(K === 1 ? 'Identity' : 'Concat', names, K === 1 ? {} : { axis: { type: 'int', value: 0 } }, { outputs: [name] });
          b.output(name, 'float32', ['KN', ...shape]);
          return name;
        };
        traces.push({
          layer: layer.name,
          membrane: traceOutput('v', membranes),
          theta: traceOutput('theta', thetas),
          spikes: traceOutput('s', spikes),
        });
      }
      out = { kind: 'steps', names: outs };
    } else if (role === 'pool') {
      const inShape = perSample(shapes.get(layer.inputs[0])!);
      const w = poolWindow(layer);
      const geometry = { inShape, outShape: perSample(layer.outShape), kernel: w.kernel, strides: w.strides, pads: w.pads, dilations: w.dilations };
      const k = emitLIPoolConstants(b, layer.name, geometry);
      const shape = lipoolStateShape(geometry);
      const acc = addState(layer, 'acc', shape);
      const slot = state[state.length - 1];
      const outs = emitLIPoolChunk(b, c, k, perStep(ins[0]), acc, slot.output);
      b.output(slot.output, 'float32', ['N', ...shape]);
      out = { kind: 'steps', names: outs };
    } else {
      // Analog: once per chunk if every input is step-invariant, else once on the folded [K·B, ...] batch,
      // or (timeFolding 'none') once per step.
      const once = ins.every((v) => v.kind === 'once');
      const params = new Map<string, string>();
      const emit = (names: string[]) =>
        emitLayer(
          b,
          layer,
          names,
          layer.inputs.map((n) => shapes.get(n)!),
          b.fresh(layer.output),
          {
            opset: OPSET,
            param: (role, t) => params.get(role) ?? params.set(role, b.initializer(`${layer.name}.${role}`, t)).get(role)!,
            intermediate: (base) => b.fresh(base),
          },
        );
      if (once) out = { kind: 'once', name: emit(ins.map((v) => (v as { name: string }).name)) };
      else if ((spec.timeFolding ?? 'none') === 'batch') out = { kind: 'folded', name: emit(ins.map(folded)) };
      else {
        const steps = ins.map(perStep);
        out = { kind: 'steps', names: Array.from({ length: K }, (_, j) => emit(steps.map((names) => names[j]))) };
      }
    }
    values.set(layer.output, out);
    shapes.set(layer.output, layer.outShape);
  }

  const result = values.get(network.outputs[0]);
  if (!result) throw new MsatError('SNN_NETWORK', `${network.source}: output "${network.outputs[0]}" is not computed`);
  const classes = perSample(shapes.get(network.outputs[0])!);
  b.node('Identity', [folded(result)], {}, { outputs: ['readout'] });
  b.output('readout', 'float32', ['KN', ...classes]);
  if (spec.standalone) {
    // Σ readout over the chunk's steps, one step at a time in float64 (the simulator's order of additions)
    let sum = b.input('readout_sum', 'float64', ['N', ...classes]);
    perStep(result).forEach((y, j) => {
      const y64 = b.node('Cast', [y], { to: attr.int(11) });
      sum = b.node('Add', [sum, y64], {}, j === K - 1 ? { outputs: ['readout_sum:out'] } : {});
    });
    b.output('readout_sum:out', 'float64', ['N', ...classes]);
    b.node('Add', [t0, c.scalar(K)], {}, { outputs: ['t0:out'] });
    b.output('t0:out', 'float32', [1]);
  }
  return { model: b.build(OPSET), steps: K, input, t0, noise, keep, state, readout: 'readout', spikeCounts, traces };
}

/** Splits a [K·B, ...] tensor into K step tensors [B, ...] (step-major). */
function splitSteps(b: GraphBuilder, name: string, K: number): string[] {
  const outs = Array.from({ length: K }, () => b.fresh('step'));
  b.node('Split', [name], { axis: { type: 'int', value: 0 } }, { outputs: outs });
  return outs;
}

/**
 * Poisson rate coding: each step an input element emits sign(x)·s with probability |x|/s, s = max(1, max|x|)
 * over the sample, so the expected input per step equals the analog x. s is per sample so that a sample's
 * spikes do not depend on which samples share its batch or micro-batch. `noise` holds the uniform draws.
 */
function emitPoisson(b: GraphBuilder, c: Constants, x: string, noise: string, K: number, rank: number): string {
  const abs = b.node('Abs', [x]);
  const axes = Array.from({ length: rank - 1 }, (_, a) => a + 1);
  const scale = b.node('Max', [b.node('ReduceMax', [abs], { axes: attr.ints(axes), keepdims: attr.int(1) }), c.scalar(1)]);
  const steps = (name: string) => (K === 1 ? name : b.node('Concat', Array<string>(K).fill(name), { axis: attr.int(0) }));
  const [xs, scales] = [steps(x), steps(scale)];
  const absK = K === 1 ? abs : b.node('Abs', [xs]);
  const fires = b.node('Cast', [b.node('Less', [b.node('Mul', [noise, scales]), absK])], { to: attr.int(1) });
  return b.node('Mul', [b.node('Mul', [b.node('Sign', [xs]), scales]), fires]);
}

/** λ as a tensor that broadcasts against [B, ...shape]: a scalar, or [1, C, 1, ...] for channel-wise λ. */
function lambdaTensor(lambda: number | Float32Array, shape: readonly number[], layer: string): Tensor<'float32'> {
  if (typeof lambda === 'number') return { type: 'float32' as const, dims: [], data: Float32Array.of(lambda) };
  if (lambda.length !== shape[0]) {
    throw new MsatError('SNN_NETWORK', `relu "${layer}": ${lambda.length} channel thresholds for ${shape[0]} channels`);
  }
  return { type: 'float32' as const, dims: [1, shape[0], ...shape.slice(1).map(() => 1)], data: lambda };
}
