/**
 * The network IR the rest of msat works on: a topologically ordered list of layers over named tensors, with
 * every shape known except the batch dimension. Calibration reads every `relu` output, conversion swaps
 * `relu` for spiking nodes and `maxpool` for LIPool, and batch-norm folding merges `batchnorm` into the
 * preceding `conv`/`linear` (docs/method.md §1), so those kinds are first-class; ONNX glue is gone by now.
 */
import type { DataType, Tensor } from '../core/index.js';
import type { Layer, Shape } from './layer-types.js';
import { layerKindSpec } from './layers/index.js';

export type {
  AddLayer,
  AvgPoolLayer,
  BatchNormLayer,
  ConcatLayer,
  ConvLayer,
  Dim,
  EmbeddingLayer,
  FlattenLayer,
  GlobalAvgPoolLayer,
  Layer,
  LayerBase,
  LayerKind,
  LayerSpec,
  LinearLayer,
  MaxPoolLayer,
  ReluLayer,
  ReshapeLayer,
  Shape,
  SqueezeLayer,
  TransposeLayer,
  UnsqueezeLayer,
} from './layer-types.js';

/** A network input. `dims[0]` is `'N'`. */
export interface TensorSpec {
  readonly name: string;
  readonly type: DataType;
  readonly dims: Shape;
}

/** A whole network. */
export interface Network {
  readonly inputs: readonly TensorSpec[];
  /** Names of the network outputs (layer outputs), in the source model's order. */
  readonly outputs: readonly string[];
  /** Topological order: every layer input is a network input or the output of an earlier layer. */
  readonly layers: readonly Layer[];
  /** The source model's metadata_props. */
  readonly metadata: Readonly<Record<string, string>>;
  /** Where the network came from (a file path, or a caller-chosen label). */
  readonly source: string;
}

/** The float32 tensor parameters a layer owns (weights, biases, BN statistics, constants). */
export function layerParameters(layer: Layer): Tensor<'float32'>[] {
  return layerKindSpec(layer.kind).parameters(layer);
}
