/**
 * What one layer kind provides: its output shape, its ONNX nodes, the tensors it owns and its MACs, its
 * differentiable forward for training, and declarative facts (facets) that import, conversion, simulation and
 * training read instead of testing `layer.kind`. Each module under layers/ exports one `LayerKindSpec`;
 * layers/index.ts collects them in `LAYER_KINDS`. The types live here, apart from the registry, so that the kind
 * modules and emit-layer.ts can import them without importing the registry back.
 */
import type { Tensor } from '../../core/index.js';
import type { AttributeValue } from '../../onnx/index.js';
import type { Tape, Var } from '../autodiff/tape.js';
import type { Dim, Layer, Shape } from '../layer-types.js';
import type { OnnxMapper } from './from-onnx.js';

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

/**
 * What a layer is to the SNN (conversion plan, chunk graph, calibration, energy estimate):
 * - `spiking`: replaced by a spiking node with threshold λ; calibration measures its output, the simulator keeps
 *   its membrane as state, and its spikes are what synaptic layers downstream receive.
 * - `pool`: replaced by LIPool over the kind's `window`.
 * - `synaptic`: an analog op with weights (conv, linear); its MACs per input event are the synaptic operations.
 * - `analog`: any other analog op, run on the events every step (average pools, glue, adds, batch norm).
 * - `input`: turns the network's token input into the SNN's analog input, once per sample; it is converted only
 *   when it reads a network input, and the energy estimate treats its output like one.
 */
export type LayerRole = 'spiking' | 'pool' | 'synaptic' | 'analog' | 'input';

/** The window of a `pool` kind, for LIPool (one entry per spatial axis; `pads`: all begins, then all ends). */
export interface PoolWindow {
  readonly kernel: readonly number[];
  readonly strides: readonly number[];
  readonly pads: readonly number[];
  readonly dilations: readonly number[];
  readonly ceilMode: boolean;
}

/** What a tensor is to its layer; `<layer>.<role>` names it in exported graphs, training graphs and checkpoints. */
export type TensorRole = 'weight' | 'bias' | 'scale' | 'mean' | 'var' | 'constant';

/** The fields of `L` that hold an (optional) float32 tensor. */
export type TensorField<L> = { [F in keyof L]-?: L[F] extends Tensor<'float32'> | undefined ? F : never }[keyof L];

/** One tensor a kind owns: its role, the layer field holding it, and whether the optimizer trains it. */
export interface TensorSlot<L> {
  readonly role: TensorRole;
  readonly field: TensorField<L>;
  /** A running statistic (batch norm): updated by the training forward, not by the optimizer. */
  readonly buffer?: true;
}

/**
 * How training initialises a kind's tensors: `unit-normal` N(0, 1) (embeddings, PyTorch's default);
 * `scheme` the init scheme's rule from the weight's fans (conv); `fan-in-uniform` PyTorch's default
 * U(±1/√fan_in) whatever the scheme (linear: a fan_out rule would blow up the logits).
 */
export type InitRule = 'unit-normal' | 'scheme' | 'fan-in-uniform';

/** What a kind's `forward` gets: the tape, the layer's input values, and its tensors as graph values. */
export interface ForwardContext {
  readonly tape: Tape;
  /** The layer's inputs, in `layer.inputs` order. */
  readonly inputs: readonly Var[];
  /** `'train'`: batch statistics and running-statistics updates; `'eval'`: inference semantics. */
  readonly mode: 'train' | 'eval';
  /** Running-statistics momentum (train mode). */
  readonly momentum: number;
  /** The trainable tensor of `role` as a graph input, or undefined when the layer has none. */
  param(role: TensorRole): Var | undefined;
  /** The graph input holding buffer `role` (a running statistic). */
  buffer(role: TensorRole): string;
  /** Train mode: the tensor holding the updated value of buffer `role`. */
  updateBuffer(role: TensorRole, tensor: string): void;
}

/** The per-kind functions and facts of layer type `L` (one member of the `Layer` union). */
export interface LayerKindSpec<L extends Layer> {
  /** The output shape given the input shapes (in `layer.inputs` order); throws `MODEL_SHAPE` when they do not fit. */
  inferShape(layer: Omit<L, 'outShape'>, inputs: readonly Shape[]): Dim[];
  /** Writes the ONNX node(s) computing the layer (inference semantics) into `e.output`. */
  emit(layer: L, e: LayerEmitter): void;
  /**
   * The training/evaluation forward on a tape (ops that record their gradient rules). Apart from `emit` because
   * exported graphs keep the operators a re-import maps back to this kind (Flatten, Squeeze at the graph's
   * opset, MatMul + Add of a 3-D linear), where the tape uses the forms its gradient rules need.
   */
  forward(layer: L, f: ForwardContext): Var;
  /** The float32 tensors the layer owns (weights, biases, BN statistics, constants), in a fixed order. */
  parameters(layer: L): Tensor<'float32'>[];
  /** Multiply-accumulates per sample (non-zero for `synaptic` kinds only; see summary.ts). */
  macs(layer: L): number;
  /**
   * The ONNX operators (default domain) imported as this kind, each with its mapper (one node -> one layer); the
   * unsupported-operator error lists them in registry order.
   */
  readonly fromOnnx: Readonly<Record<string, OnnxMapper<L>>>;
  readonly role: LayerRole;
  /** The LIPool window of a `pool` kind. */
  readonly window?: (layer: L) => PoolWindow;
  /** The tensors behind `parameters`, by role, in the same order (training, BN folding, bias fusion). */
  readonly tensors: readonly TensorSlot<L>[];
  readonly init?: InitRule;
  /**
   * A kind whose `weight` rows and `bias` (per output channel on axis 1) a following batch norm folds into:
   * why this layer cannot take one, or null.
   */
  readonly absorbsBatchNorm?: (layer: L) => string | null;
  /** A following Add of a constant `[out]` over the last axis becomes the `bias` of a layer that has none. */
  readonly absorbsAddBias?: true;
  /**
   * A zero Pad read by the layer folds into it on import: `pad` (ONNX order over every axis, batch and channel
   * entries 0) merged into the layer, or why not (text appended to the refusal).
   */
  readonly absorbsPad?: (layer: Omit<L, 'outShape'>, pad: readonly number[]) => Omit<L, 'outShape'> | string;
  /** The layer reads integer tensors (indices); every other kind computes on float32 only. */
  readonly acceptsIntegerInput?: true;
}
