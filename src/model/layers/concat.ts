/** `concat`: concatenation of data inputs along a non-batch axis (ONNX Concat). */
import { MsatError } from '../../core/index.js';
import { attr } from '../../onnx/index.js';
import { describeNode, readInt, unsupportedAttribute } from '../attributes.js';
import { concat as concatOp } from '../autodiff/index.js';
import type { ConcatLayer } from '../layer-types.js';
import { formatShape, normalizeAxis, shapeError } from '../shape-utils.js';
import { dynamicInput, type OnnxMapper } from './from-onnx.js';
import type { LayerKindSpec } from './spec.js';

const fromConcat: OnnxMapper<ConcatLayer> = (ctx, env) => {
  if (ctx.node.inputs.length === 0) throw new MsatError('ONNX_MALFORMED', `${describeNode(ctx)} has no inputs; Concat needs at least one`);
  const inputs = ctx.node.inputs.map((_, i) => dynamicInput(ctx, env, i, `operand ${i}`));
  const rank = env.shape(inputs[0])!.length;
  const raw = readInt(ctx, 'axis', 0);
  const axis = normalizeAxis(raw, rank);
  if (axis === undefined || axis === 0) throw unsupportedAttribute(ctx, 'axis', String(raw), 'a non-batch axis');
  return { kind: 'concat', name: ctx.node.name, inputs, output: ctx.node.outputs[0], axis };
};

export const concat: LayerKindSpec<ConcatLayer> = {
  inferShape(layer, inputs) {
    const x = inputs[0];
    const a = layer.axis;
    if (a < 1 || a >= x.length) throw shapeError(layer, `axis ${a} is not a non-batch axis of ${formatShape(x)}`);
    let total = 0;
    for (const s of inputs) {
      if (s.length !== x.length || s.some((d, i) => i !== a && d !== x[i])) {
        throw shapeError(layer, `inputs ${inputs.map(formatShape).join(', ')} differ outside axis ${a}`);
      }
      total += s[a] as number;
    }
    return x.map((d, i) => (i === a ? total : d));
  },
  emit(layer, { node, inputs }) {
    node('Concat', [...inputs], { axis: attr.int(layer.axis) });
  },
  forward: (layer, { tape, inputs }) => concatOp(tape, inputs, layer.axis),
  parameters: () => [],
  macs: () => 0,
  role: 'analog',
  tensors: [],
  fromOnnx: { Concat: fromConcat },
};
