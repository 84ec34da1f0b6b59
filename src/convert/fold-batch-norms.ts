/**
 * Folds every inference-mode batch-norm of a network into the conv or linear layer that feeds it
 * (docs/method.md §1.1). Exact in inference mode, and it removes a per-step analog op from the SNN, so it runs
 * before calibration and conversion. Pure: no onnxruntime, the input network is not modified.
 */
import { isMsatError, MsatError, type Tensor } from '../core/index.js';
import { layerKindSpec, layerTensors, withLayerTensors, type BatchNormLayer, type Layer, type Network } from '../model/index.js';
import { foldBatchNorm } from './math/index.js';

/** A batch-norm that stayed in the network, and why. */
export interface UnfoldedBatchNorm {
  /** The batch-norm layer's name. */
  readonly name: string;
  readonly reason: string;
}

/** What `foldBatchNorms` returns. */
export interface FoldBatchNormsResult {
  /** The network without the folded batch-norms; every tensor name that remains keeps its meaning. */
  readonly network: Network;
  /** Names of the batch-norm layers folded away, in layer order. */
  readonly folded: readonly string[];
  /**
   * Batch-norms left in place. They are still correct (a batch-norm is a per-channel affine map, which the SNN
   * runs as an analog op every step); they only cost an extra op per step.
   */
  readonly unfolded: readonly UnfoldedBatchNorm[];
}

/**
 * Folds each `batchnorm` whose input is written by a layer whose kind absorbs one (`absorbsBatchNorm`: a
 * `conv`, or a `linear` over `[N, features]`) that has no other reader (no other layer, not a network output). The folded layer keeps its own name but writes
 * the batch-norm's output tensor, so every consumer downstream (and calibration's ReLU tensor names) is
 * unchanged and no rewiring is needed; the conv's old output tensor disappears with its only reader.
 *
 * Layers are visited in order against the network as folded so far, so a chain conv → BN → BN folds twice.
 * A linear over `[N, T, features]` is not folded: its BN would normalize axis 1 (T), not the features.
 */
export function foldBatchNorms(network: Network): FoldBatchNormsResult {
  const layers: (Layer | null)[] = [...network.layers];
  const folded: string[] = [];
  const unfolded: UnfoldedBatchNorm[] = [];
  const producerIndex = new Map<string, number>();
  layers.forEach((l, i) => producerIndex.set(l!.output, i));
  const networkInputs = new Set(network.inputs.map((s) => s.name));
  const networkOutputs = new Set(network.outputs);

  for (let i = 0; i < layers.length; i++) {
    const bn = layers[i];
    if (bn === null || bn.kind !== 'batchnorm') continue;
    const input = bn.inputs[0];
    const p = producerIndex.get(input);
    const producer = p === undefined ? undefined : layers[p];
    const reason = cannotFold(bn, input, producer, {
      networkInputs,
      networkOutputs,
      otherReaders: layers.filter((l) => l !== null && l !== bn && l.inputs.includes(input)).map((l) => l!.name),
    });
    if (reason !== null) {
      unfolded.push({ name: bn.name, reason });
      continue;
    }
    const target = producer!;
    const dims = weightOf(target).dims;
    const { weight, bias } = foldInto(target, bn, network.source);
    const merged: Layer = {
      ...withLayerTensors(target, {
        weight: { type: 'float32', dims: [...dims], data: weight },
        bias: { type: 'float32', dims: [bias.length], data: bias },
      }),
      output: bn.output,
      outShape: bn.outShape,
    };
    layers[p!] = merged;
    layers[i] = null;
    producerIndex.delete(input);
    producerIndex.set(bn.output, p!);
    folded.push(bn.name);
  }

  return {
    network: { ...network, layers: layers.filter((l): l is Layer => l !== null) },
    folded,
    unfolded,
  };
}

/** `foldBatchNorm` on the layer's tensors; its errors gain the layer names and file. */
function foldInto(target: Layer, bn: BatchNormLayer, source: string): { weight: Float32Array; bias: Float32Array } {
  const w = weightOf(target);
  try {
    return foldBatchNorm(w.data, w.dims, layerTensors(target).find((t) => t.role === 'bias')?.tensor.data ?? null, {
      scale: bn.scale.data,
      bias: bn.bias.data,
      mean: bn.mean.data,
      variance: bn.variance.data,
      epsilon: bn.epsilon,
    });
  } catch (e) {
    if (!isMsatError(e)) throw e;
    throw new MsatError(e.code, `${source}: folding batch-norm "${bn.name}" into ${target.kind} "${target.name}": ${e.message}`, { cause: e });
  }
}

interface FoldContext {
  readonly networkInputs: ReadonlySet<string>;
  readonly networkOutputs: ReadonlySet<string>;
  /** Layers other than the batch-norm that read its input. */
  readonly otherReaders: readonly string[];
}

/** Why `bn` cannot be folded into `producer`, or `null` when it can. */
function cannotFold(bn: BatchNormLayer, input: string, producer: Layer | null | undefined, ctx: FoldContext): string | null {
  if (ctx.networkInputs.has(input)) return `its input "${input}" is a network input, not a conv or linear output`;
  if (!producer) return `no layer writes its input "${input}"`;
  const absorbs = layerKindSpec(producer.kind).absorbsBatchNorm;
  if (!absorbs) return `its input comes from ${producer.kind} layer "${producer.name}", not from a conv or linear layer`;
  if (ctx.otherReaders.length > 0) {
    return `the output of ${producer.kind} "${producer.name}" is also read by ${ctx.otherReaders.map((n) => `"${n}"`).join(', ')}`;
  }
  if (ctx.networkOutputs.has(input)) return `the output of ${producer.kind} "${producer.name}" is also a network output`;
  const refusal = absorbs(producer);
  if (refusal !== null) return refusal;
  const channels = weightOf(producer).dims[0];
  if (bn.scale.data.length !== channels) {
    return `it has ${bn.scale.data.length} channels but ${producer.kind} "${producer.name}" has ${channels} outputs`;
  }
  return null;
}

/** The `weight` of a layer whose kind absorbs a batch norm (its rows are the output channels). */
function weightOf(layer: Layer): Tensor<'float32'> {
  return layerTensors(layer).find((t) => t.role === 'weight')!.tensor;
}
