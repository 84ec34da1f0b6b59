/**
 * The NIR node(s) of each layer kind, or the reason it has none: `NIR_LAYERS`, one entry per `LayerKind` (a
 * mapped type, so tsc refuses a missing kind). nir-graph.ts walks the network and calls the entry of each layer.
 */
import { MsatError, sizeOf } from '../core/index.js';
import type { Layer, LayerKind } from '../model/index.js';
import type { NeuronDynamics } from '../snn/index.js';
import type { NirArray, NirNode } from './nir-nodes.js';

export const EXPORTABLE =
  'NIR export covers conv (1-D/2-D), linear, relu (IF neurons), avgpool and globalavgpool (2-D), flatten, residual add, ' +
  'with constant thresholds θ = k·λ, γ = 1 and hard reset (--method const --reset hard)';

export function refuse(layer: Pick<Layer, 'name' | 'kind'>, reason: string): never {
  throw new MsatError('EXPORT_UNSUPPORTED', `${layer.name} (${layer.kind}): ${reason}. ${EXPORTABLE}`);
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

const filled = (dims: readonly number[], value: number): NirArray => ({
  type: 'float32',
  dims: [...dims],
  data: new Float32Array(sizeOf(dims)).fill(value),
});

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

/** What a kind's entry gets: per-sample shapes (no batch axis), the thresholds and writers of NIR nodes. */
export interface NirLayerContext {
  readonly inputShapes: readonly (readonly number[])[];
  readonly outShape: readonly number[];
  readonly lambdas: ReadonlyMap<string, number | Float32Array>;
  readonly dynamics: NeuronDynamics;
  /** Adds `node` fed by the layer's first input as the layer's output; returns its name. */
  single(node: NirNode): string;
  /** Adds `node` (named from `wanted`) fed by node `from` as the layer's output. */
  after(from: string, wanted: string, node: NirNode): void;
  /** The layer's output is the sum of its inputs: their nodes' edges all go where the output goes. */
  sumInputs(): void;
}

type NirLowering<L extends Layer> = (layer: L, c: NirLayerContext) => void;

const none = (layer: Layer): never => refuse(layer, `NIR has no ${layer.kind} primitive`);

/** Flatten, reshape and squeeze are exported only when they flatten a sample to a vector (NIR's Flatten without the batch axis). */
const asFlatten: NirLowering<Layer> = (layer, { inputShapes: [inputShape], outShape, single }) => {
  if (outShape.length !== 1 || outShape[0] !== sizeOf(inputShape))
    refuse(layer, `[${inputShape.join(', ')}] -> [${outShape.join(', ')}] is not a flatten`);
  single({ type: 'Flatten', input_type: inputShape, start_dim: 0, end_dim: -1 });
};

export const NIR_LAYERS: { readonly [K in LayerKind]: NirLowering<Extract<Layer, { kind: K }>> } = {
  conv(layer, { inputShapes: [inputShape], single }) {
    const rank = layer.weight.dims.length - 2;
    const padding = symmetricPads(layer.pads, rank);
    if (!padding) refuse(layer, `asymmetric padding [${layer.pads.join(', ')}]; NIR pads both sides of an axis equally`);
    const bias = layer.bias ?? filled([layer.weight.dims[0]], 0);
    if (rank === 1) {
      single({
        type: 'Conv1d',
        input_shape: inputShape[1],
        weight: layer.weight,
        stride: layer.strides[0],
        padding: padding[0],
        dilation: layer.dilations[0],
        groups: layer.group,
        bias,
      });
    } else if (rank === 2) {
      const pair = (a: readonly number[]) => [a[0], a[1]] as const;
      single({
        type: 'Conv2d',
        input_shape: pair(inputShape.slice(1)),
        weight: layer.weight,
        stride: pair(layer.strides),
        padding: pair(padding),
        dilation: pair(layer.dilations),
        groups: layer.group,
        bias,
      });
    } else refuse(layer, `${rank}-D convolution; NIR has Conv1d and Conv2d`);
  },
  linear(layer, { inputShapes: [inputShape], single }) {
    if (inputShape.length !== 1) refuse(layer, `input [${inputShape.join(', ')}] is not a vector; NIR's Affine maps vectors`);
    // Affine even without a bias: Sinabs imports Affine but not Linear
    single({ type: 'Affine', weight: layer.weight, bias: layer.bias ?? filled([layer.weight.dims[0]], 0) });
  },
  relu(layer, { outShape, lambdas, dynamics, single, after }) {
    refuseDynamics(layer, dynamics);
    const lambda = lambdas.get(layer.name);
    if (lambda === undefined) refuse(layer, 'no threshold λ (calibrate first)');
    const rule = dynamics.rule as { kind: 'constant'; k: number };
    const theta = thresholdArray(layer, lambda, rule.k, outShape);
    const ifName = single({ type: 'IF', r: filled(outShape, 1), v_threshold: belowEach(theta), v_reset: filled(outShape, 0) });
    after(ifName, `${ifName}_scale`, { type: 'Scale', scale: theta });
  },
  avgpool(layer, { inputShapes: [inputShape], outShape, single }) {
    if (layer.kernel.length !== 2) refuse(layer, `${layer.kernel.length}-D average pooling; NIR has AvgPool2d only`);
    const padding = symmetricPads(layer.pads, 2);
    if (!padding) refuse(layer, `asymmetric padding [${layer.pads.join(', ')}]`);
    if (padding.some((p) => p > 0) && !layer.countIncludePad)
      refuse(layer, 'padding excluded from the divisor; NIR consumers (PyTorch AvgPool2d) count it');
    const floorOut = [0, 1].map((a) => Math.floor((inputShape[a + 1] + 2 * padding[a] - layer.kernel[a]) / layer.strides[a]) + 1);
    if (floorOut[0] !== outShape[1] || floorOut[1] !== outShape[2]) refuse(layer, 'ceil_mode changes the output size; NIR pools round down');
    single({
      type: 'AvgPool2d',
      kernel_size: [layer.kernel[0], layer.kernel[1]],
      stride: [layer.strides[0], layer.strides[1]],
      padding: [padding[0], padding[1]],
    });
  },
  globalavgpool(layer, { inputShapes: [inputShape], single }) {
    if (inputShape.length !== 3) refuse(layer, `input [${inputShape.join(', ')}] is not [C, H, W]; NIR has AvgPool2d only`);
    single({ type: 'AvgPool2d', kernel_size: [inputShape[1], inputShape[2]], stride: [inputShape[1], inputShape[2]], padding: [0, 0] });
  },
  flatten(layer, c) {
    if (layer.axis !== 1) refuse(layer, `axis ${layer.axis} does not keep the batch axis alone`);
    asFlatten(layer, c);
  },
  reshape: asFlatten,
  squeeze: asFlatten,
  add(layer, { inputShapes, outShape, sumInputs }) {
    if (layer.constant) refuse(layer, 'adds a constant; only residual adds of two layers are exported (as two edges into one node)');
    if (inputShapes.some((s) => s.join() !== outShape.join()))
      refuse(layer, `broadcasting [${inputShapes.map((s) => s.join('×')).join(' + ')}]; NIR sums edges of equal shape`);
    sumInputs();
  },
  maxpool: (layer) =>
    refuse(layer, 'max-pooling runs as LIPool in msat and NIR has no max-pool or LIPool primitive; use average pooling in the model'),
  batchnorm: (layer) => refuse(layer, 'batch norm is not folded (export the converted network)'),
  transpose: none,
  unsqueeze: none,
  concat: none,
  embedding: none,
};

/** Lowers `layer` through its kind's entry. */
export function lowerToNir(layer: Layer, c: NirLayerContext): void {
  (NIR_LAYERS[layer.kind] as NirLowering<Layer>)(layer, c);
}
