/**
 * What a kind's `fromOnnx` mappers use to read one ONNX node (after constant folding): the importer's view of
 * tensors (`MappingEnv`) and the operand readers whose errors name the file, node, operator and operand.
 */
import { MsatError, type DataType, type Tensor } from '../../core/index.js';
import { describeNode, readInt, readInts, readWindowAttributes, unsupportedAttribute, type NodeContext } from '../attributes.js';
import { constEntries, constToTensor, type ConstValue } from '../constant-fold.js';
import type { Dim, Shape } from '../layer-types.js';
import { formatShape, normalizeAxis } from '../shape-utils.js';

/** What the mapping may ask about tensors (inputs are already alias-resolved). */
export interface MappingEnv {
  /** The constant value of a tensor, or undefined if it is computed at run time. */
  constant(name: string): ConstValue | undefined;
  /** The shape of a run-time tensor. */
  shape(name: string): Shape | undefined;
  /** The element type of a run-time tensor. */
  type(name: string): DataType | undefined;
  /** The batch size the model was exported with, when its inputs had a fixed batch. */
  readonly staticBatch?: number;
}

/** One ONNX operator -> a layer of kind `L` (before shape inference). */
export type OnnxMapper<L> = (ctx: NodeContext, env: MappingEnv) => Omit<L, 'outShape'>;

/** An `ONNX_UNSUPPORTED_OP` error: the node uses the operator in a way msat does not support. */
export function unsupportedUse(ctx: NodeContext, what: string): MsatError {
  return new MsatError('ONNX_UNSUPPORTED_OP', `${describeNode(ctx)}: ${what}, which msat does not support`);
}

/** The name of run-time input `i` (`role` names it in errors). */
export function dynamicInput(ctx: NodeContext, env: MappingEnv, i: number, role: string): string {
  const name = ctx.node.inputs[i] ?? '';
  if (name === '' || env.constant(name) !== undefined || !env.shape(name)) {
    throw unsupportedUse(ctx, `${role} (input ${i}, "${name}") is ${name === '' ? 'missing' : 'a constant'}; msat expects a run-time tensor there`);
  }
  return name;
}

/** The float32 constant of input `i`. */
export function constInput(ctx: NodeContext, env: MappingEnv, i: number, role: string): Tensor<'float32'> {
  const name = ctx.node.inputs[i] ?? '';
  const c = name === '' ? undefined : env.constant(name);
  const t = c && constToTensor(c);
  if (!t) throw unsupportedUse(ctx, `${role} (input ${i}, "${name}") is computed at run time; msat needs a constant initializer there`);
  if (t.type !== 'float32') throw unsupportedUse(ctx, `${role} "${name}" has type ${t.type}; msat expects float32`);
  return t as Tensor<'float32'>;
}

/** `constInput` of an optional input; undefined when it is absent. */
export function optionalConst(ctx: NodeContext, env: MappingEnv, i: number, role: string): Tensor<'float32'> | undefined {
  return (ctx.node.inputs[i] ?? '') === '' ? undefined : constInput(ctx, env, i, role);
}

/** The spatial sizes (after batch and channel) of `shape`. */
export function staticSpatial(ctx: NodeContext, shape: Shape): number[] {
  const s = shape.slice(2);
  if (s.some((d) => d === 'N')) throw unsupportedUse(ctx, `input shape ${formatShape(shape)} has the batch outside axis 0`);
  return s as number[];
}

/** A mapper of the single-input operators without attributes (Relu, GlobalAveragePool). */
export function unaryMapper<K extends string>(kind: K) {
  return (ctx: NodeContext, env: MappingEnv) => ({
    kind,
    name: ctx.node.name,
    inputs: [dynamicInput(ctx, env, 0, 'the data')],
    output: ctx.node.outputs[0],
  });
}

/** The data input and window of MaxPool/AveragePool (1-D or 2-D), read the same way for both. */
export function readPool(ctx: NodeContext, env: MappingEnv) {
  const x = dynamicInput(ctx, env, 0, 'the data');
  const shape = env.shape(x)!;
  if (shape.length !== 3 && shape.length !== 4) throw unsupportedUse(ctx, `pooling over ${formatShape(shape)}; msat supports 1-D and 2-D pooling`);
  const ceilMode = readInt(ctx, 'ceil_mode', 0) !== 0;
  const w = readWindowAttributes(ctx, staticSpatial(ctx, shape), undefined, ceilMode);
  return {
    base: { name: ctx.node.name, inputs: [x], output: ctx.node.outputs[0], kernel: w.kernel, strides: w.strides, pads: w.pads, ceilMode },
    dilations: w.dilations,
  };
}

/** Static, sorted, non-batch axes of Squeeze/Unsqueeze (input 1 from opset 13, attribute before); undefined when absent. */
export function staticAxes(ctx: NodeContext, env: MappingEnv, rank: number): number[] | undefined {
  const fromInput = ctx.node.inputs[1] ?? '';
  let axes: Dim[] | undefined;
  if (fromInput !== '') {
    const c = env.constant(fromInput);
    if (!c) throw unsupportedUse(ctx, 'axes computed at run time');
    axes = constEntries(c);
  } else axes = readInts(ctx, 'axes');
  if (!axes) return undefined;
  const norm = axes.map((a) => (typeof a === 'number' ? normalizeAxis(a, rank) : undefined));
  if (norm.some((a) => a === undefined || a === 0)) throw unsupportedAttribute(ctx, 'axes', `[${axes.join(', ')}]`, 'static non-batch axes');
  return [...new Set(norm as number[])].sort((p, q) => p - q);
}
