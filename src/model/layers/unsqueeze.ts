/** `unsqueeze`: inserts size-1 non-batch axes (ONNX Unsqueeze). */
import { MsatError } from '../../core/index.js';
import { describeNode, readInts } from '../attributes.js';
import type { Dim, UnsqueezeLayer } from '../layer-types.js';
import { formatShape, shapeError } from '../shape-utils.js';
import { dynamicInput, staticAxes, type OnnxMapper } from './from-onnx.js';
import { emitAxesOp, reshapeForward } from './shared.js';
import type { LayerKindSpec } from './spec.js';

const fromUnsqueeze: OnnxMapper<UnsqueezeLayer> = (ctx, env) => {
  const x = dynamicInput(ctx, env, 0, 'the data');
  const count = ctx.node.inputs[1] ? (env.constant(ctx.node.inputs[1])?.values.length ?? 0) : (readInts(ctx, 'axes') ?? []).length;
  const axes = staticAxes(ctx, env, env.shape(x)!.length + count);
  if (!axes) throw new MsatError('ONNX_MALFORMED', `${describeNode(ctx)}: axes are missing`);
  return { kind: 'unsqueeze', name: ctx.node.name, inputs: [x], output: ctx.node.outputs[0], axes };
};

export const unsqueeze: LayerKindSpec<UnsqueezeLayer> = {
  inferShape(layer, [x]) {
    const rank = x.length + layer.axes.length;
    if (layer.axes.some((a) => a < 1 || a >= rank) || new Set(layer.axes).size !== layer.axes.length) {
      throw shapeError(layer, `cannot unsqueeze ${formatShape(x)} at axes ${formatShape(layer.axes)}`);
    }
    const out: Dim[] = [];
    let k = 0;
    for (let i = 0; i < rank; i++) out.push(layer.axes.includes(i) ? 1 : x[k++]);
    return out;
  },
  emit: emitAxesOp('Unsqueeze'),
  forward: reshapeForward,
  parameters: () => [],
  macs: () => 0,
  role: 'analog',
  tensors: [],
  fromOnnx: { Unsqueeze: fromUnsqueeze },
};
