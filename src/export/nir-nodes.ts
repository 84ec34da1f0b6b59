/**
 * The NIR node types msat writes and reads (Neuromorphic Intermediate Representation, neuromorphs/NIR), as plain
 * objects. Parameter field names are NIR's own (snake_case) because they are the HDF5 dataset names.
 */
import type { Tensor } from '../core/index.js';

/** The NIR version whose file layout `writeNir` follows (neuromorphs/NIR v1.0.7: IF has `v_reset`). */
export const NIR_VERSION = '1.0.7';

/** A float32 array parameter (row-major). */
export type NirArray = Tensor<'float32'>;

/** Graph entry point; `shape` is the per-sample input shape, e.g. `[3, 32, 32]`. */
export interface NirInput {
  readonly type: 'Input';
  readonly shape: readonly number[];
}
/** Graph exit; the sum of its incoming edges is the readout, `shape` e.g. `[10]`. */
export interface NirOutput {
  readonly type: 'Output';
  readonly shape: readonly number[];
}
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
export interface NirAffine {
  readonly type: 'Affine';
  readonly weight: NirArray;
  readonly bias: NirArray;
}
/** `W·x` (read only: the exporter always writes `Affine`, which every consumer imports). */
export interface NirLinear {
  readonly type: 'Linear';
  readonly weight: NirArray;
}
/** Integrate-and-fire: V ← V + r·x; fire when V > v_threshold, then V ← v_reset. Every array has the layer's shape. */
export interface NirIf {
  readonly type: 'IF';
  readonly r: NirArray;
  readonly v_threshold: NirArray;
  readonly v_reset: NirArray;
}
/** Elementwise product with `scale` (the layer's shape). */
export interface NirScale {
  readonly type: 'Scale';
  readonly scale: NirArray;
}
/** Flattens axes `start_dim..end_dim` of a per-sample tensor of shape `input_type`. */
export interface NirFlatten {
  readonly type: 'Flatten';
  readonly input_type?: readonly number[];
  readonly start_dim: number;
  readonly end_dim: number;
}
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
