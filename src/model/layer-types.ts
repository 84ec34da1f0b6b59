/**
 * The types of the network IR's layers: dimensions and shapes, the fields every layer has, one interface per
 * layer kind, and their union. Split from network.ts so that the per-kind modules under layers/ (which
 * network.ts reaches through the registry) can name their layer type without importing network.ts back.
 */
import type { Tensor } from '../core/index.js';

/** One dimension: a size, or `'N'` for the symbolic batch dimension. */
export type Dim = number | 'N';

/** A shape whose first entry is the batch dimension `'N'` (the rest is static). */
export type Shape = readonly Dim[];

/** Fields every layer has. */
export interface LayerBase {
  /** The ONNX node name (unique within the network), or a synthesized `<kind>_<k>`. */
  readonly name: string;
  /** Tensor names read by the layer: network inputs or outputs of earlier layers. */
  readonly inputs: readonly string[];
  /** The tensor the layer writes. */
  readonly output: string;
  /** Inferred output shape, batch dimension `'N'`. Always float32 data. */
  readonly outShape: Shape;
}

/** 1-D or 2-D convolution. `weight` is `[outC, inC/group, ...kernel]`; spatial attributes have one entry per spatial axis. */
export interface ConvLayer extends LayerBase {
  readonly kind: 'conv';
  readonly weight: Tensor<'float32'>;
  /** `[outC]`. */
  readonly bias?: Tensor<'float32'>;
  readonly strides: readonly number[];
  /** ONNX order: all begins, then all ends (`[top, left, bottom, right]` in 2-D). */
  readonly pads: readonly number[];
  readonly dilations: readonly number[];
  readonly group: number;
}

/** `y = x · Wᵀ + b` over the last axis (so it also covers `[N, T, in]` inputs). `weight` is `[out, in]` as in PyTorch. */
export interface LinearLayer extends LayerBase {
  readonly kind: 'linear';
  readonly weight: Tensor<'float32'>;
  /** `[out]`. */
  readonly bias?: Tensor<'float32'>;
}

/** Inference-mode batch normalization over axis 1; every tensor is `[C]`. */
export interface BatchNormLayer extends LayerBase {
  readonly kind: 'batchnorm';
  readonly scale: Tensor<'float32'>;
  readonly bias: Tensor<'float32'>;
  readonly mean: Tensor<'float32'>;
  readonly variance: Tensor<'float32'>;
  readonly epsilon: number;
}

/** `max(x, 0)`: calibration records its output, conversion replaces it by a spiking node. */
export interface ReluLayer extends LayerBase {
  readonly kind: 'relu';
}

/** Max pooling over the 1 or 2 trailing axes. */
export interface MaxPoolLayer extends LayerBase {
  readonly kind: 'maxpool';
  readonly kernel: readonly number[];
  readonly strides: readonly number[];
  /** ONNX order: all begins, then all ends. */
  readonly pads: readonly number[];
  readonly dilations: readonly number[];
  readonly ceilMode: boolean;
}

/** Average pooling over the 1 or 2 trailing axes. */
export interface AvgPoolLayer extends LayerBase {
  readonly kind: 'avgpool';
  readonly kernel: readonly number[];
  readonly strides: readonly number[];
  readonly pads: readonly number[];
  /** Whether padded zeros count in the divisor (PyTorch's default is true, ONNX's is false). */
  readonly countIncludePad: boolean;
  readonly ceilMode: boolean;
}

/** Mean over all axes after the channel axis, keeping them as size 1 (`[N, C, 1, 1]`). */
export interface GlobalAvgPoolLayer extends LayerBase {
  readonly kind: 'globalavgpool';
}

/** ONNX Flatten: `[N, ...d]` -> `[N·prod(d[1:axis]), prod(d[axis:])]`; import only accepts forms that keep the batch. */
export interface FlattenLayer extends LayerBase {
  readonly kind: 'flatten';
  readonly axis: number;
}

/** Reshape to a static per-sample shape: `shape[0]` is `'N'`, the rest are sizes (no -1 or 0). */
export interface ReshapeLayer extends LayerBase {
  readonly kind: 'reshape';
  readonly shape: Shape;
}

/** Axis permutation; `perm[0]` is 0 (the batch stays first). */
export interface TransposeLayer extends LayerBase {
  readonly kind: 'transpose';
  readonly perm: readonly number[];
}

/** Removes size-1 axes; `axes` are non-negative and never 0. */
export interface SqueezeLayer extends LayerBase {
  readonly kind: 'squeeze';
  readonly axes: readonly number[];
}

/** Inserts size-1 axes at `axes` (non-negative, of the output rank, never 0). */
export interface UnsqueezeLayer extends LayerBase {
  readonly kind: 'unsqueeze';
  readonly axes: readonly number[];
}

/**
 * Elementwise addition with broadcasting. Either two data inputs (a residual connection) or one data input
 * plus `constant` (a bias that was not fused).
 */
export interface AddLayer extends LayerBase {
  readonly kind: 'add';
  readonly constant?: Tensor<'float32'>;
}

/** Concatenation of data inputs along `axis` (non-negative, never 0). */
export interface ConcatLayer extends LayerBase {
  readonly kind: 'concat';
  readonly axis: number;
}

/** Table lookup: int64 indices `[N, ...]` -> `[N, ..., dim]` rows of `weight` `[vocab, dim]`. */
export interface EmbeddingLayer extends LayerBase {
  readonly kind: 'embedding';
  readonly weight: Tensor<'float32'>;
}

/** Every layer kind. Switch on `kind`. */
export type Layer =
  | ConvLayer
  | LinearLayer
  | BatchNormLayer
  | ReluLayer
  | MaxPoolLayer
  | AvgPoolLayer
  | GlobalAvgPoolLayer
  | FlattenLayer
  | ReshapeLayer
  | TransposeLayer
  | SqueezeLayer
  | UnsqueezeLayer
  | AddLayer
  | ConcatLayer
  | EmbeddingLayer;

/** The `kind` tags of `Layer`. */
export type LayerKind = Layer['kind'];

/** A layer before shape inference (what an op mapping produces). */
export type LayerSpec = Layer extends infer L ? (L extends Layer ? Omit<L, 'outShape'> : never) : never;
