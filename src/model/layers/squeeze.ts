/** `squeeze`: removes size-1 non-batch axes (ONNX Squeeze). */
import type { SqueezeLayer } from '../layer-types.js';
import { formatShape, shapeError } from '../shape-utils.js';
import { dynamicInput, staticAxes, type OnnxMapper } from './from-onnx.js';
import { emitAxesOp, reshapeForward } from './shared.js';
import type { LayerKindSpec } from './spec.js';

const fromSqueeze: OnnxMapper<SqueezeLayer> = (ctx, env) => {
  const x = dynamicInput(ctx, env, 0, 'the data');
  const shape = env.shape(x)!;
  const axes = staticAxes(ctx, env, shape.length) ?? shape.flatMap((d, i) => (i > 0 && d === 1 ? [i] : []));
  return { kind: 'squeeze', name: ctx.node.name, inputs: [x], output: ctx.node.outputs[0], axes };
};

export const squeeze: LayerKindSpec<SqueezeLayer> = {
  inferShape(layer, [x]) {
    if (layer.axes.some((a) => a < 1 || a >= x.length || x[a] !== 1)) {
      throw shapeError(layer, `cannot squeeze axes ${formatShape(layer.axes)} of ${formatShape(x)}`);
    }
    return x.filter((_, i) => !layer.axes.includes(i));
  },
  emit: emitAxesOp('Squeeze'),
  forward: reshapeForward,
  parameters: () => [],
  macs: () => 0,
  role: 'analog',
  tensors: [],
  fromOnnx: { Squeeze: fromSqueeze },
};
