/**
 * What one layer kind provides to the `model` layer: its output shape, its ONNX nodes, the tensors it owns and its
 * MACs. Each module under layers/ exports one `LayerKindSpec`; layers/index.ts collects them in `LAYER_KINDS`.
 * The types live here, apart from the registry, so that the kind modules and emit-layer.ts can import them
 * without importing the registry back.
 */
import type { Tensor } from '../../core/index.js';
import type { AttributeValue } from '../../onnx/index.js';
import type { Dim, Layer, Shape } from '../layer-types.js';

/** Naming and opset choices of the graph a layer is emitted into. */
export interface EmitContext {
  /** ai.onnx opset of the graph (Squeeze/Unsqueeze take their axes as an input from 13 on). */
  readonly opset: number;
  /** Adds the parameter `role` (`weight`, `bias`, ...) of the layer as an initializer; returns its name. */
  param(role: string, tensor: Tensor): string;
  /** A fresh name for an intermediate tensor, starting with `base`. */
  intermediate(base: string): string;
}

/** What `emitLayer` hands a kind's `emit`: the layer's tensor names and shapes, and node/initializer writers. */
export interface LayerEmitter {
  /** Names of the tensors the layer reads, in `layer.inputs` order. */
  readonly inputs: readonly string[];
  /** Their shapes, batch first. */
  readonly inputShapes: readonly Shape[];
  /** The tensor the layer must write. */
  readonly output: string;
  readonly ctx: EmitContext;
  /** Adds a node `op` (named `name`, default the layer name) writing `out` (default `output`); returns `out`. */
  node(op: string, ins: string[], attributes?: Record<string, AttributeValue>, out?: string, name?: string): string;
  /** `ctx.param`: adds the tensor as the layer's initializer for `role`; returns its name. */
  param(role: string, tensor: Tensor): string;
}

/** The per-kind functions of layer type `L` (one member of the `Layer` union). */
export interface LayerKindSpec<L extends Layer> {
  /** The output shape given the input shapes (in `layer.inputs` order); throws `MODEL_SHAPE` when they do not fit. */
  inferShape(layer: Omit<L, 'outShape'>, inputs: readonly Shape[]): Dim[];
  /** Writes the ONNX node(s) computing the layer (inference semantics) into `e.output`. */
  emit(layer: L, e: LayerEmitter): void;
  /** The float32 tensors the layer owns (weights, biases, BN statistics, constants), in a fixed order. */
  parameters(layer: L): Tensor<'float32'>[];
  /** Multiply-accumulates per sample (conv and linear only; see summary.ts). */
  macs(layer: L): number;
}
