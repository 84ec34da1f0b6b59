/** `reshape`: to a static per-sample shape (ONNX Reshape with a leading 0 for the batch). */
import { readInt } from '../attributes.js';
import { constEntries } from '../constant-fold.js';
import type { ReshapeLayer } from '../layer-types.js';
import { formatShape, resolveReshapeTarget, shapeError, sizePerSample } from '../shape-utils.js';
import { dynamicInput, unsupportedUse, type OnnxMapper } from './from-onnx.js';
import { int64, reshapeForward } from './shared.js';
import type { LayerKindSpec } from './spec.js';

const fromReshape: OnnxMapper<ReshapeLayer> = (ctx, env) => {
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

export const reshape: LayerKindSpec<ReshapeLayer> = {
  inferShape(layer, [x]) {
    if (layer.shape[0] !== 'N' || sizePerSample(layer.shape) !== sizePerSample(x)) {
      throw shapeError(layer, `cannot reshape ${formatShape(x)} to ${formatShape(layer.shape)}`);
    }
    return [...layer.shape];
  },
  emit(layer, { node, param, inputs: [x] }) {
    // 0 copies the (run-time) batch size; the rest is static.
    node('Reshape', [x, param('shape', int64([0, ...(layer.shape.slice(1) as number[])]))]);
  },
  forward: reshapeForward,
  parameters: () => [],
  macs: () => 0,
  role: 'analog',
  tensors: [],
  fromOnnx: { Reshape: fromReshape },
};
