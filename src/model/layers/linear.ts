/** `linear`: `y = x · Wᵀ + b` over the last axis (ONNX Gemm for 2-D inputs, MatMul [+ Add] otherwise). */
import { MsatError, type Tensor } from '../../core/index.js';
import { attr } from '../../onnx/index.js';
import { describeNode, readFloat, readInt, unsupportedAttribute } from '../attributes.js';
import { linear as linearOp } from '../autodiff/index.js';
import type { LinearLayer } from '../layer-types.js';
import { formatShape, requireRank, shapeError } from '../shape-utils.js';
import { biasVector, transpose2d } from '../weights.js';
import { constInput, dynamicInput, optionalConst, unsupportedUse, type OnnxMapper } from './from-onnx.js';
import { ownedTensors, perSample } from './shared.js';
import type { LayerKindSpec, TensorSlot } from './spec.js';

const tensors: TensorSlot<LinearLayer>[] = [
  { role: 'weight', field: 'weight' },
  { role: 'bias', field: 'bias' },
];

const fromGemm: OnnxMapper<LinearLayer> = (ctx, env) => {
  const x = dynamicInput(ctx, env, 0, 'input A');
  if (readInt(ctx, 'transA', 0) !== 0)
    throw unsupportedAttribute(ctx, 'transA', String(readInt(ctx, 'transA', 0)), 'transA = 0 (the data operand untransposed)');
  const b = constInput(ctx, env, 1, 'input B (the weight)');
  if (b.dims.length !== 2) throw new MsatError('ONNX_MALFORMED', `${describeNode(ctx)}: B must be 2-D, found ${formatShape(b.dims)}`);
  const alpha = readFloat(ctx, 'alpha', 1);
  const beta = readFloat(ctx, 'beta', 1);
  const weight = readInt(ctx, 'transB', 0) !== 0 ? scaled(b, alpha) : transpose2d(b, alpha);
  const c = optionalConst(ctx, env, 2, 'input C (the bias)');
  const bias = c && biasVector(c, weight.dims[0], beta);
  if (c && !bias)
    throw unsupportedUse(ctx, `bias C ${formatShape(c.dims)} varies along the batch; msat supports a bias of shape [${weight.dims[0]}] or a scalar`);
  return { kind: 'linear', name: ctx.node.name, inputs: [x], output: ctx.node.outputs[0], weight, bias };
};

function scaled(t: Tensor<'float32'>, s: number): Tensor<'float32'> {
  return s === 1 ? t : { type: 'float32', dims: [...t.dims], data: t.data.map((v) => v * s) };
}

const fromMatMul: OnnxMapper<LinearLayer> = (ctx, env) => {
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

export const linear: LayerKindSpec<LinearLayer> = {
  inferShape(layer, [x]) {
    requireRank(layer, x, 2);
    const [outF, inF] = layer.weight.dims;
    if (x[x.length - 1] !== inF) throw shapeError(layer, `weight [${outF}, ${inF}] needs ${inF} input features, found ${formatShape(x)}`);
    if (layer.bias && layer.bias.data.length !== outF) throw shapeError(layer, `bias has ${layer.bias.data.length} entries for ${outF} outputs`);
    return [...x.slice(0, -1), outF];
  },
  emit(layer, { node, param, inputs: [x], inputShapes, output, ctx }) {
    if (inputShapes[0].length === 2) {
      node('Gemm', [x, param('weight', layer.weight), ...(layer.bias ? [param('bias', layer.bias)] : [])], { transB: attr.int(1) });
    } else {
      const wT = param('weight_t', transpose2d(layer.weight));
      if (!layer.bias) node('MatMul', [x, wT]);
      // The MatMul carries the layer name so that re-importing (which fuses MatMul + Add) gives it back.
      else
        node('Add', [node('MatMul', [x, wT], {}, ctx.intermediate(`${output}_matmul`)), param('bias', layer.bias)], {}, output, `${layer.name}_bias`);
    }
  },
  forward: (_layer, { tape, inputs: [x], param }) => linearOp(tape, x, param('weight')!, param('bias')),
  parameters: ownedTensors(tensors),
  /** in · out for every position of the leading non-batch axes (`[N, T, in]` counts T times). */
  macs: (layer) => layer.weight.data.length * perSample(layer.outShape, 1, layer.outShape.length - 1),
  role: 'synaptic',
  tensors,
  init: 'fan-in-uniform',
  // A batch norm normalizes axis 1: the features only when the output is [N, features].
  absorbsBatchNorm: (layer) =>
    layer.outShape.length === 2
      ? null
      : `linear "${layer.name}" outputs rank ${layer.outShape.length}; batch-norm normalizes axis 1, which is not its feature axis`,
  absorbsAddBias: true,
  fromOnnx: { Gemm: fromGemm, MatMul: fromMatMul },
};
