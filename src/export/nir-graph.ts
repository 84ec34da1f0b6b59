/**
 * A converted SNN as a NIR graph (Neuromorphic Intermediate Representation, the graph format of the `nir`
 * Python package, read by Sinabs, snnTorch, Norse, Rockpool, Lava, SpiNNaker2). Built as plain objects here;
 * `nir-file.ts` writes and reads the HDF5 file.
 *
 * Semantics exported (one NIR time step = one msat step): every `relu` is an `IF` node (r = 1, v_threshold = θ =
 * k·λ per neuron, less one float32 ulp: see `belowEach`; v_reset = 0) followed by a `Scale` node of θ, so the next
 * node receives s·θ exactly as in msat.
 * θ is not folded into the next layer's weights: a spiking layer often feeds two consumers (the next conv and a
 * residual shortcut that goes straight into a later IF), and a shortcut edge has no weights to fold into.
 *
 * Shapes are NIR's: per sample, no batch axis. Parameter field names are NIR's own (snake_case) because they are
 * the HDF5 dataset names. Reset: NIR's IF resets V to v_reset (a hard reset), so only msat's `reset: 'hard'` is
 * exported; msat's default subtractive reset is refused (NIR has no parameter for it, and consumers disagree on
 * what an IF without one means: see `refuseDynamics`).
 */
import { MsatError, sizeOf, type Tensor } from '../core/index.js';
import type { Layer } from '../model/index.js';
import type { NeuronDynamics } from '../snn/index.js';
import type { SnnDefinition } from './snn-definition.js';

/** The NIR version whose file layout `writeNir` follows (neuromorphs/NIR v1.0.7: IF has `v_reset`). */
export const NIR_VERSION = '1.0.7';

/** A float32 array parameter (row-major). */
export type NirArray = Tensor<'float32'>;

/** Graph entry point; `shape` is the per-sample input shape, e.g. `[3, 32, 32]`. */
export interface NirInput { readonly type: 'Input'; readonly shape: readonly number[] }
/** Graph exit; the sum of its incoming edges is the readout, `shape` e.g. `[10]`. */
export interface NirOutput { readonly type: 'Output'; readonly shape: readonly number[] }
/** 1-D convolution: `weight` `[C_out, C_in/groups, K]`, `bias` `[C_out]`, `input_shape` the input length. */
export interface NirConv1d {
  readonly type: 'Conv1d';
  readonly input_shape?: number;
  readonly weight: NirArray;
  readonly stride: number;
  readonly padding: number;
  readonly dilation: number;
  readonly groups: number;
  readonly bias: NirArray;
}
/** 2-D convolution: `weight` `[C_out, C_in/groups, KH, KW]`; pairs are (height, width); padding is symmetric. */
export interface NirConv2d {
  readonly type: 'Conv2d';
  readonly input_shape?: readonly [number, number];
  readonly weight: NirArray;
  readonly stride: readonly [number, number];
  readonly padding: readonly [number, number];
  readonly dilation: readonly [number, number];
  readonly groups: number;
  readonly bias: NirArray;
}
/** `W·x + b`, `weight` `[out, in]`. */
export interface NirAffine { readonly type: 'Affine'; readonly weight: NirArray; readonly bias: NirArray }
/** `W·x` (read only: the exporter always writes `Affine`, which every consumer imports). */
export interface NirLinear { readonly type: 'Linear'; readonly weight: NirArray }
/** Integrate-and-fire: V ← V + r·x; fire when V > v_threshold, then V ← v_reset. Every array has the layer's shape. */
export interface NirIf { readonly type: 'IF'; readonly r: NirArray; readonly v_threshold: NirArray; readonly v_reset: NirArray }
/** Elementwise product with `scale` (the layer's shape). */
export interface NirScale { readonly type: 'Scale'; readonly scale: NirArray }
/** Flattens axes `start_dim..end_dim` of a per-sample tensor of shape `input_type`. */
export interface NirFlatten { readonly type: 'Flatten'; readonly input_type?: readonly number[]; readonly start_dim: number; readonly end_dim: number }
/** 2-D average or sum pooling; pairs are (height, width). */
export interface NirPool2d {
  readonly type: 'AvgPool2d' | 'SumPool2d';
  readonly kernel_size: readonly [number, number];
  readonly stride: readonly [number, number];
  readonly padding: readonly [number, number];
}

/** Every node type msat writes or reads. */
export type NirNode = NirInput | NirOutput | NirConv1d | NirConv2d | NirAffine | NirLinear | NirIf | NirScale | NirFlatten | NirPool2d;

/** A NIR graph: named nodes (insertion order kept) and directed edges; a node's input is the sum of its incoming edges. */
export interface NirGraph {
  readonly version: string;
  readonly nodes: ReadonlyMap<string, NirNode>;
  readonly edges: readonly (readonly [string, string])[];
}

/** What `nirGraph` exports (`SnnDefinition`). */
export type NirExportSource = SnnDefinition;

const EXPORTABLE =
  'NIR export covers conv (1-D/2-D), linear, relu (IF neurons), avgpool and globalavgpool (2-D), flatten, residual add, ' +
  'with constant thresholds θ = k·λ, γ = 1 and hard reset (--method const --reset hard)';

function refuse(layer: Pick<Layer, 'name' | 'kind'>, reason: string): never {
  throw new MsatError('EXPORT_UNSUPPORTED', `${layer.name} (${layer.kind}): ${reason}. ${EXPORTABLE}`);
}

/** A NIR node name for an msat layer name: characters other than letters, digits, `_` and `-` become `_` ('.' addresses subgraphs in NIR). */
export function toNirNodeName(layerName: string): string {
  const clean = layerName.replace(/[^A-Za-z0-9_-]/g, '_').replace(/^_+/, '');
  return clean === '' ? 'node' : clean;
}

/**
 * Throws EXPORT_UNSUPPORTED naming `layer` (the first spiking layer) when `dynamics` has no NIR form. NIR's IF has
 * a fixed threshold (so no MSAT rule), emits one spike per step (γ = 1) and resets to v_reset. For the subtractive
 * reset there is no agreed NIR form: Sinabs exports its subtract-reset IAF as a plain IF and imports every IF as
 * a subtract-reset IAF (sinabs/nir.py), snnTorch imports IF as a subtract-reset Leaky but exports neurons with
 * v_reset = 0 (snntorch/import_nir.py, export_nir.py), and the NIR spec resets to v_reset; so it is refused.
 */
function refuseDynamics(layer: Layer, dynamics: NeuronDynamics): void {
  const { rule, gamma, reset } = dynamics;
  if (rule.kind !== 'constant') refuse(layer, `the ${rule.kind.toUpperCase()} threshold rule adapts θ every step, NIR's IF has a fixed v_threshold`);
  if (!(rule.k > 0) || !Number.isFinite(rule.k)) refuse(layer, `threshold scale k = ${rule.k} must be a positive number`);
  if (gamma !== 1) refuse(layer, `γ = ${gamma} allows bursts of several spikes per step, NIR's IF emits at most one`);
  if (reset !== 'hard') {
    refuse(layer, `the subtractive (soft) reset has no NIR form (NIR's IF resets to v_reset); simulate and export with reset 'hard' (--reset hard)`);
  }
}

const filled = (dims: readonly number[], value: number): NirArray => ({ type: 'float32', dims: [...dims], data: new Float32Array(sizeOf(dims)).fill(value) });

/** θ = k·λ (float32, as msat's graph computes it) broadcast to the layer's per-sample shape (λ per channel is axis 0 here). */
function thresholdArray(layer: Layer, lambda: number | Float32Array, k: number, shape: readonly number[]): NirArray {
  const data = new Float32Array(sizeOf(shape));
  if (typeof lambda === 'number') {
    if (!(lambda > 0)) refuse(layer, `λ = ${lambda} must be positive`);
    data.fill(Math.fround(k * lambda));
  } else {
    if (lambda.length !== shape[0]) refuse(layer, `${lambda.length} channel thresholds for ${shape[0]} channels`);
    const inner = data.length / shape[0];
    for (let c = 0; c < shape[0]; c++) {
      if (!(lambda[c] > 0)) refuse(layer, `λ[${c}] = ${lambda[c]} must be positive`);
      data.fill(Math.fround(k * lambda[c]), c * inner, (c + 1) * inner);
    }
  }
  return { type: 'float32', dims: [...shape], data };
}

/**
 * Each θ replaced by the largest float32 below it. msat fires when V ≥ θ; NIR's IF fires when V > v_threshold. For
 * float32 V (msat's membranes are float32), V > below(θ) ⟺ V ≥ θ, so the file reproduces msat's spikes exactly
 * under NIR's rule (V = θ exactly does occur: 8 of 4.3 M spikes in 20 CIFAR-10 images × 32 steps of ResNet-20).
 */
function belowEach(theta: NirArray): NirArray {
  const data = theta.data.slice();
  const bits = new Uint32Array(data.buffer);
  for (let i = 0; i < bits.length; i++) bits[i] -= 1; // θ > 0: the previous bit pattern is the next float32 down
  return { type: 'float32', dims: [...theta.dims], data };
}

/** Symmetric ONNX pads `[b0, b1, e0, e1]` as NIR's one-per-axis padding, or undefined when a side differs. */
function symmetricPads(pads: readonly number[], rank: number): number[] | undefined {
  const begin = pads.slice(0, rank);
  return begin.every((p, i) => p === pads[rank + i]) ? begin : undefined;
}

/**
 * The NIR graph of a converted SNN. Throws EXPORT_UNSUPPORTED, naming the layer and the reason, for anything NIR
 * cannot express exactly (max-pool, which msat runs as LIPool; MSAT thresholds; γ > 1; soft reset; concat, …).
 */
export function nirGraph(snn: NirExportSource): NirGraph {
  const { network, lambdas, dynamics } = snn;
  const nodes = new Map<string, NirNode>();
  const edges: [string, string][] = [];
  // the NIR nodes whose outputs sum to each msat tensor (a residual add is just both nodes' edges)
  const sources = new Map<string, string[]>();
  const shapes = new Map<string, readonly number[]>();
  const addNode = (wanted: string, node: NirNode): string => {
    let name = wanted;
    for (let i = 2; nodes.has(name); i++) name = `${wanted}_${i}`;
    nodes.set(name, node);
    return name;
  };
  const connect = (tensor: string, to: string) => {
    for (const from of sources.get(tensor)!) edges.push([from, to]);
  };

  if (network.inputs.length !== 1 || network.inputs[0].type !== 'float32') {
    throw new MsatError('EXPORT_UNSUPPORTED', `${network.source}: NIR export takes networks with one float32 input. ${EXPORTABLE}`);
  }
  const input = network.inputs[0];
  const inShape = input.dims.slice(1) as number[];
  sources.set(input.name, [addNode('input', { type: 'Input', shape: inShape })]);
  shapes.set(input.name, inShape);

  for (const layer of network.layers) {
    const ins = layer.inputs.map((n) => {
      const s = shapes.get(n);
      if (!s) refuse(layer, `reads "${n}", which is not computed before it`);
      return s;
    });
    const inputShape = ins[0];
    const outShape = layer.outShape.slice(1) as number[];
    const single = (node: NirNode): void => {
      const name = addNode(toNirNodeName(layer.name), node);
      connect(layer.inputs[0], name);
      sources.set(layer.output, [name]);
    };
    switch (layer.kind) {
      case 'conv': {
        const rank = layer.weight.dims.length - 2;
        const padding = symmetricPads(layer.pads, rank);
        if (!padding) refuse(layer, `asymmetric padding [${layer.pads.join(', ')}]; NIR pads both sides of an axis equally`);
        const bias = layer.bias ?? filled([layer.weight.dims[0]], 0);
        if (rank === 1) {
          single({ type: 'Conv1d', input_shape: inputShape[1], weight: layer.weight, stride: layer.strides[0], padding: padding[0], dilation: layer.dilations[0], groups: layer.group, bias });
        } else if (rank === 2) {
          const pair = (a: readonly number[]) => [a[0], a[1]] as const;
          single({ type: 'Conv2d', input_shape: pair(inputShape.slice(1)), weight: layer.weight, stride: pair(layer.strides), padding: pair(padding), dilation: pair(layer.dilations), groups: layer.group, bias });
        } else refuse(layer, `${rank}-D convolution; NIR has Conv1d and Conv2d`);
        break;
      }
      case 'linear':
        if (inputShape.length !== 1) refuse(layer, `input [${inputShape.join(', ')}] is not a vector; NIR's Affine maps vectors`);
        // Affine even without a bias: Sinabs imports Affine but not Linear
        single({ type: 'Affine', weight: layer.weight, bias: layer.bias ?? filled([layer.weight.dims[0]], 0) });
        break;
      case 'relu': {
        refuseDynamics(layer, dynamics);
        const lambda = lambdas.get(layer.name);
        if (lambda === undefined) refuse(layer, 'no threshold λ (calibrate first)');
        const rule = dynamics.rule as { kind: 'constant'; k: number };
        const theta = thresholdArray(layer, lambda, rule.k, outShape);
        single({ type: 'IF', r: filled(outShape, 1), v_threshold: belowEach(theta), v_reset: filled(outShape, 0) });
        const ifName = sources.get(layer.output)![0];
        const scaleName = addNode(`${ifName}_scale`, { type: 'Scale', scale: theta });
        edges.push([ifName, scaleName]);
        sources.set(layer.output, [scaleName]);
        break;
      }
      case 'avgpool': {
        if (layer.kernel.length !== 2) refuse(layer, `${layer.kernel.length}-D average pooling; NIR has AvgPool2d only`);
        const padding = symmetricPads(layer.pads, 2);
        if (!padding) refuse(layer, `asymmetric padding [${layer.pads.join(', ')}]`);
        if (padding.some((p) => p > 0) && !layer.countIncludePad) refuse(layer, 'padding excluded from the divisor; NIR consumers (PyTorch AvgPool2d) count it');
        const floorOut = [0, 1].map((a) => Math.floor((inputShape[a + 1] + 2 * padding[a] - layer.kernel[a]) / layer.strides[a]) + 1);
        if (floorOut[0] !== outShape[1] || floorOut[1] !== outShape[2]) refuse(layer, 'ceil_mode changes the output size; NIR pools round down');
        single({ type: 'AvgPool2d', kernel_size: [layer.kernel[0], layer.kernel[1]], stride: [layer.strides[0], layer.strides[1]], padding: [padding[0], padding[1]] });
        break;
      }
      case 'globalavgpool':
        if (inputShape.length !== 3) refuse(layer, `input [${inputShape.join(', ')}] is not [C, H, W]; NIR has AvgPool2d only`);
        single({ type: 'AvgPool2d', kernel_size: [inputShape[1], inputShape[2]], stride: [inputShape[1], inputShape[2]], padding: [0, 0] });
        break;
      case 'flatten':
      case 'reshape':
      case 'squeeze':
        // all three are exported only when they flatten a sample to a vector (NIR's Flatten without the batch axis)
        if (layer.kind === 'flatten' && layer.axis !== 1) refuse(layer, `axis ${layer.axis} does not keep the batch axis alone`);
        if (outShape.length !== 1 || outShape[0] !== sizeOf(inputShape)) refuse(layer, `[${inputShape.join(', ')}] -> [${outShape.join(', ')}] is not a flatten`);
        single({ type: 'Flatten', input_type: inputShape, start_dim: 0, end_dim: -1 });
        break;
      case 'add': {
        if (layer.constant) refuse(layer, 'adds a constant; only residual adds of two layers are exported (as two edges into one node)');
        if (ins.some((s) => s.join() !== outShape.join())) refuse(layer, `broadcasting [${ins.map((s) => s.join('×')).join(' + ')}]; NIR sums edges of equal shape`);
        sources.set(layer.output, layer.inputs.flatMap((n) => sources.get(n)!));
        break;
      }
      case 'maxpool':
        refuse(layer, 'max-pooling runs as LIPool in msat and NIR has no max-pool or LIPool primitive; use average pooling in the model');
        break;
      case 'batchnorm':
        refuse(layer, 'batch norm is not folded (export the converted network)');
        break;
      default:
        refuse(layer, `NIR has no ${layer.kind} primitive`);
    }
    shapes.set(layer.output, outShape);
  }

  network.outputs.forEach((tensor, i) => {
    const shape = shapes.get(tensor);
    if (!shape) throw new MsatError('EXPORT_UNSUPPORTED', `${network.source}: output "${tensor}" is not computed`);
    const name = addNode(network.outputs.length === 1 ? 'output' : `output_${i}`, { type: 'Output', shape });
    connect(tensor, name);
  });
  return { version: NIR_VERSION, nodes, edges };
}
