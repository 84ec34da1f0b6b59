/**
 * One ONNX node (after constant folding) -> one IR layer. One function per operator, whose parameters follow
 * the ONNX spec's attributes and defaults; anything msat cannot represent exactly is an `ONNX_UNSUPPORTED_OP`
 * error naming the file, the node, the operator and the attribute, never a silent approximation.
 */
import { MsatError, type DataType, type Tensor } from '../core/index.js';
import { describeNode, readFloat, readInt, readInts, readWindowAttributes, unsupportedAttribute, type NodeContext } from './attributes.js';
import { constEntries, constToTensor, type ConstValue } from './constant-fold.js';
import type { Dim, LayerSpec, Shape } from './network.js';
import { formatShape, normalizeAxis, resolveReshapeTarget } from './shape-inference.js';
import { biasVector, transpose2d } from './weights.js';

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

/** Operators that become layers, in the order the error message lists them. */
export const LAYER_OPS = [
  'Conv', 'Gemm', 'MatMul', 'BatchNormalization', 'Relu', 'MaxPool', 'AveragePool', 'GlobalAveragePool',
  'Flatten', 'Reshape', 'Transpose', 'Squeeze', 'Unsqueeze', 'Add', 'Concat', 'Gather',
] as const;

/** Operators that are removed (output aliased to input). */
export const ALIAS_OPS: ReadonlySet<string> = new Set(['Identity', 'Dropout']);

type Mapper = (ctx: NodeContext, env: MappingEnv) => LayerSpec;

/** The `ONNX_UNSUPPORTED_OP` error for an operator without a mapping. */
export function unsupportedOp(ctx: NodeContext): MsatError {
  const domain = ctx.node.domain ? `${ctx.node.domain}::` : '';
  return new MsatError(
    'ONNX_UNSUPPORTED_OP',
    `${ctx.source}: node "${ctx.node.name}" uses operator ${domain}${ctx.node.opType}, which msat does not support; ` +
      `supported: ${LAYER_OPS.join(', ')}, ${[...ALIAS_OPS].join(', ')} (removed), Pad with zeros (folded into Conv/AveragePool), ` +
      'and shape/constant glue that folds away (Constant, Shape, Gather, Unsqueeze, Concat, Cast, Slice, arithmetic on constants)',
  );
}

function unsupportedUse(ctx: NodeContext, what: string): MsatError {
  return new MsatError('ONNX_UNSUPPORTED_OP', `${describeNode(ctx)}: ${what}, which msat does not support`);
}

function dynamicInput(ctx: NodeContext, env: MappingEnv, i: number, role: string): string {
  const name = ctx.node.inputs[i] ?? '';
  if (name === '' || env.constant(name) !== undefined || !env.shape(name)) {
    throw unsupportedUse(ctx, `${role} (input ${i}, "${name}") is ${name === '' ? 'missing' : 'a constant'}; msat expects a run-time tensor there`);
  }
  return name;
}

function constInput(ctx: NodeContext, env: MappingEnv, i: number, role: string): Tensor<'float32'> {
  const name = ctx.node.inputs[i] ?? '';
  const c = name === '' ? undefined : env.constant(name);
  const t = c && constToTensor(c);
  if (!t) throw unsupportedUse(ctx, `${role} (input ${i}, "${name}") is computed at run time; msat needs a constant initializer there`);
  if (t.type !== 'float32') throw unsupportedUse(ctx, `${role} "${name}" has type ${t.type}; msat expects float32`);
  return t as Tensor<'float32'>;
}

function optionalConst(ctx: NodeContext, env: MappingEnv, i: number, role: string): Tensor<'float32'> | undefined {
  return (ctx.node.inputs[i] ?? '') === '' ? undefined : constInput(ctx, env, i, role);
}

function staticSpatial(ctx: NodeContext, shape: Shape): number[] {
  const s = shape.slice(2);
  if (s.some((d) => d === 'N')) throw unsupportedUse(ctx, `input shape ${formatShape(shape)} has the batch outside axis 0`);
  return s as number[];
}

const conv: Mapper = (ctx, env) => {
  const x = dynamicInput(ctx, env, 0, 'the data');
  const weight = constInput(ctx, env, 1, 'the weight');
  const bias = optionalConst(ctx, env, 2, 'the bias');
  if (weight.dims.length !== 3 && weight.dims.length !== 4) {
    throw unsupportedUse(ctx, `a ${weight.dims.length - 2}-D convolution (weight ${formatShape(weight.dims)}); msat supports 1-D and 2-D`);
  }
  const w = readWindowAttributes(ctx, staticSpatial(ctx, env.shape(x)!), weight.dims.slice(2));
  if (w.kernel.some((k, i) => k !== weight.dims[2 + i])) {
    throw new MsatError('ONNX_MALFORMED', `${describeNode(ctx)}: kernel_shape [${w.kernel.join(', ')}] does not match weight ${formatShape(weight.dims)}`);
  }
  const group = readInt(ctx, 'group', 1);
  return { kind: 'conv', name: ctx.node.name, inputs: [x], output: ctx.node.outputs[0], weight, bias, strides: w.strides, pads: w.pads, dilations: w.dilations, group };
};

const gemm: Mapper = (ctx, env) => {
  const x = dynamicInput(ctx, env, 0, 'input A');
  if (readInt(ctx, 'transA', 0) !== 0) throw unsupportedAttribute(ctx, 'transA', String(readInt(ctx, 'transA', 0)), 'transA = 0 (the data operand untransposed)');
  const b = constInput(ctx, env, 1, 'input B (the weight)');
  if (b.dims.length !== 2) throw new MsatError('ONNX_MALFORMED', `${describeNode(ctx)}: B must be 2-D, found ${formatShape(b.dims)}`);
  const alpha = readFloat(ctx, 'alpha', 1);
  const beta = readFloat(ctx, 'beta', 1);
  const weight = readInt(ctx, 'transB', 0) !== 0 ? scaled(b, alpha) : transpose2d(b, alpha);
  const c = optionalConst(ctx, env, 2, 'input C (the bias)');
  const bias = c && biasVector(c, weight.dims[0], beta);
  if (c && !bias) throw unsupportedUse(ctx, `bias C ${formatShape(c.dims)} varies along the batch; msat supports a bias of shape [${weight.dims[0]}] or a scalar`);
  return { kind: 'linear', name: ctx.node.name, inputs: [x], output: ctx.node.outputs[0], weight, bias };
};

function scaled(t: Tensor<'float32'>, s: number): Tensor<'float32'> {
  return s === 1 ? t : { type: 'float32', dims: [...t.dims], data: t.data.map((v) => v * s) };
}

const matMul: Mapper = (ctx, env) => {
  const [a, b] = ctx.node.inputs;
  if (env.constant(a) !== undefined) throw unsupportedUse(ctx, 'a constant left operand (W @ x)');
  if (env.constant(b) === undefined) throw unsupportedUse(ctx, 'two run-time operands (e.g. attention)');
  const x = dynamicInput(ctx, env, 0, 'input A');
  const w = constInput(ctx, env, 1, 'input B (the weight)');
  if (w.dims.length !== 2 || env.shape(x)!.length < 2) {
    throw unsupportedUse(ctx, `operands ${formatShape(env.shape(x)!)} @ ${formatShape(w.dims)}; msat supports [N, ..., in] @ [in, out]`);
  }
  return { kind: 'linear', name: ctx.node.name, inputs: [x], output: ctx.node.outputs[0], weight: transpose2d(w) };
};

const batchNorm: Mapper = (ctx, env) => {
  const x = dynamicInput(ctx, env, 0, 'the data');
  if (readInt(ctx, 'training_mode', 0) !== 0) throw unsupportedAttribute(ctx, 'training_mode', '1', 'training_mode = 0 (inference)');
  return {
    kind: 'batchnorm', name: ctx.node.name, inputs: [x], output: ctx.node.outputs[0],
    scale: constInput(ctx, env, 1, 'scale'), bias: constInput(ctx, env, 2, 'B'),
    mean: constInput(ctx, env, 3, 'input_mean'), variance: constInput(ctx, env, 4, 'input_var'),
    epsilon: readFloat(ctx, 'epsilon', 1e-5),
  };
};

const pool = (kind: 'maxpool' | 'avgpool'): Mapper => (ctx, env) => {
  const x = dynamicInput(ctx, env, 0, 'the data');
  const shape = env.shape(x)!;
  if (shape.length !== 3 && shape.length !== 4) throw unsupportedUse(ctx, `pooling over ${formatShape(shape)}; msat supports 1-D and 2-D pooling`);
  const ceilMode = readInt(ctx, 'ceil_mode', 0) !== 0;
  const w = readWindowAttributes(ctx, staticSpatial(ctx, shape), undefined, ceilMode);
  const base = { name: ctx.node.name, inputs: [x], output: ctx.node.outputs[0], kernel: w.kernel, strides: w.strides, pads: w.pads, ceilMode };
  if (kind === 'maxpool') {
    if (readInt(ctx, 'storage_order', 0) !== 0) throw unsupportedAttribute(ctx, 'storage_order', '1', 'storage_order = 0');
    return { kind, ...base, dilations: w.dilations };
  }
  if (w.dilations.some((d) => d !== 1)) throw unsupportedAttribute(ctx, 'dilations', `[${w.dilations.join(', ')}]`, 'dilations of 1');
  return { kind, ...base, countIncludePad: readInt(ctx, 'count_include_pad', 0) !== 0 };
};

const flatten: Mapper = (ctx, env) => {
  const x = dynamicInput(ctx, env, 0, 'the data');
  const rank = env.shape(x)!.length;
  const raw = readInt(ctx, 'axis', 1);
  const axis = raw < 0 ? raw + rank : raw;
  return { kind: 'flatten', name: ctx.node.name, inputs: [x], output: ctx.node.outputs[0], axis };
};

const reshape: Mapper = (ctx, env) => {
  const x = dynamicInput(ctx, env, 0, 'the data');
  const c = env.constant(ctx.node.inputs[1] ?? '');
  if (!c) throw unsupportedUse(ctx, 'a target shape computed at run time (only shapes that fold to constants are supported)');
  const target = constEntries(c);
  const shape = resolveReshapeTarget(env.shape(x)!, target, readInt(ctx, 'allowzero', 0) === 1, env.staticBatch);
  if (!shape) {
    throw unsupportedUse(ctx, `reshaping ${formatShape(env.shape(x)!)} to ${formatShape(target)} mixes the batch dimension with other axes`);
  }
  return { kind: 'reshape', name: ctx.node.name, inputs: [x], output: ctx.node.outputs[0], shape };
};

const transpose: Mapper = (ctx, env) => {
  const x = dynamicInput(ctx, env, 0, 'the data');
  const rank = env.shape(x)!.length;
  const perm = readInts(ctx, 'perm') ?? Array.from({ length: rank }, (_, i) => rank - 1 - i);
  if (perm[0] !== 0) throw unsupportedAttribute(ctx, 'perm', `[${perm.join(', ')}]`, 'permutations that keep the batch axis first (perm[0] = 0)');
  return { kind: 'transpose', name: ctx.node.name, inputs: [x], output: ctx.node.outputs[0], perm };
};

function staticAxes(ctx: NodeContext, env: MappingEnv, rank: number): number[] | undefined {
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

const squeeze: Mapper = (ctx, env) => {
  const x = dynamicInput(ctx, env, 0, 'the data');
  const shape = env.shape(x)!;
  const axes = staticAxes(ctx, env, shape.length) ?? shape.flatMap((d, i) => (i > 0 && d === 1 ? [i] : []));
  return { kind: 'squeeze', name: ctx.node.name, inputs: [x], output: ctx.node.outputs[0], axes };
};

const unsqueeze: Mapper = (ctx, env) => {
  const x = dynamicInput(ctx, env, 0, 'the data');
  const count = ctx.node.inputs[1] ? env.constant(ctx.node.inputs[1])?.values.length ?? 0 : (readInts(ctx, 'axes') ?? []).length;
  const axes = staticAxes(ctx, env, env.shape(x)!.length + count);
  if (!axes) throw new MsatError('ONNX_MALFORMED', `${describeNode(ctx)}: axes are missing`);
  return { kind: 'unsqueeze', name: ctx.node.name, inputs: [x], output: ctx.node.outputs[0], axes };
};

const add: Mapper = (ctx, env) => {
  const [a, b] = ctx.node.inputs;
  const ca = env.constant(a);
  const cb = env.constant(b);
  if (ca === undefined && cb === undefined) {
    return { kind: 'add', name: ctx.node.name, inputs: [dynamicInput(ctx, env, 0, 'A'), dynamicInput(ctx, env, 1, 'B')], output: ctx.node.outputs[0] };
  }
  const dataIndex = ca === undefined ? 0 : 1;
  const x = dynamicInput(ctx, env, dataIndex, 'the data');
  const constant = constInput(ctx, env, 1 - dataIndex, 'the constant');
  return { kind: 'add', name: ctx.node.name, inputs: [x], output: ctx.node.outputs[0], constant };
};

const concat: Mapper = (ctx, env) => {
  const inputs = ctx.node.inputs.map((_, i) => dynamicInput(ctx, env, i, `operand ${i}`));
  const rank = env.shape(inputs[0])!.length;
  const raw = readInt(ctx, 'axis', 0);
  const axis = normalizeAxis(raw, rank);
  if (axis === undefined || axis === 0) throw unsupportedAttribute(ctx, 'axis', String(raw), 'a non-batch axis');
  return { kind: 'concat', name: ctx.node.name, inputs, output: ctx.node.outputs[0], axis };
};

const gather: Mapper = (ctx, env) => {
  const weight = constInput(ctx, env, 0, 'the table (data)');
  const indices = dynamicInput(ctx, env, 1, 'the indices');
  const type = env.type(indices);
  if (weight.dims.length !== 2 || readInt(ctx, 'axis', 0) !== 0 || (type !== 'int64' && type !== 'int32')) {
    throw unsupportedUse(ctx, `Gather over ${formatShape(weight.dims)} with axis ${readInt(ctx, 'axis', 0)} and ${type} indices; msat supports embeddings (a [vocab, dim] table, axis 0, integer indices)`);
  }
  return { kind: 'embedding', name: ctx.node.name, inputs: [indices], output: ctx.node.outputs[0], weight };
};

const MAPPERS: Readonly<Record<(typeof LAYER_OPS)[number], Mapper>> = {
  Conv: conv,
  Gemm: gemm,
  MatMul: matMul,
  BatchNormalization: batchNorm,
  Relu: (ctx, env) => ({ kind: 'relu', name: ctx.node.name, inputs: [dynamicInput(ctx, env, 0, 'the data')], output: ctx.node.outputs[0] }),
  MaxPool: pool('maxpool'),
  AveragePool: pool('avgpool'),
  GlobalAveragePool: (ctx, env) => ({ kind: 'globalavgpool', name: ctx.node.name, inputs: [dynamicInput(ctx, env, 0, 'the data')], output: ctx.node.outputs[0] }),
  Flatten: flatten,
  Reshape: reshape,
  Transpose: transpose,
  Squeeze: squeeze,
  Unsqueeze: unsqueeze,
  Add: add,
  Concat: concat,
  Gather: gather,
};

/**
 * Maps one node that did not fold to a constant. Only the first output becomes a layer output; the importer
 * rejects reads of any other output (MaxPool Indices, Dropout mask).
 * @throws MsatError `ONNX_UNSUPPORTED_OP` for operators, attribute values or operand kinds msat lacks.
 */
export function mapNodeToLayer(ctx: NodeContext, env: MappingEnv): LayerSpec {
  const mapper = ctx.node.domain === '' ? (MAPPERS as Record<string, Mapper | undefined>)[ctx.node.opType] : undefined;
  if (!mapper) throw unsupportedOp(ctx);
  return mapper(ctx, env);
}
