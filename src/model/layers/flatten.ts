/** `flatten`: ONNX Flatten, in the forms that keep the batch axis. */
import { attr } from '../../onnx/index.js';
import { readInt } from '../attributes.js';
import type { FlattenLayer } from '../layer-types.js';
import { formatShape, shapeError, sizePerSample } from '../shape-utils.js';
import { dynamicInput, type OnnxMapper } from './from-onnx.js';
import { reshapeForward } from './shared.js';
import type { LayerKindSpec } from './spec.js';

const fromFlatten: OnnxMapper<FlattenLayer> = (ctx, env) => {
  const x = dynamicInput(ctx, env, 0, 'the data');
  const rank = env.shape(x)!.length;
  const raw = readInt(ctx, 'axis', 1);
  const axis = raw < 0 ? raw + rank : raw;
  return { kind: 'flatten', name: ctx.node.name, inputs: [x], output: ctx.node.outputs[0], axis };
};

export const flatten: LayerKindSpec<FlattenLayer> = {
  inferShape(layer, [x]) {
    const inner = x.slice(1, layer.axis);
    if (layer.axis < 1 || layer.axis > x.length || inner.some((d) => d !== 1)) {
      throw shapeError(layer, `axis ${layer.axis} on ${formatShape(x)} would merge the batch dimension with other axes`);
    }
    return [x[0], sizePerSample(['N', ...x.slice(layer.axis)])];
  },
  emit(layer, { node, inputs: [x] }) {
    node('Flatten', [x], { axis: attr.int(layer.axis) });
  },
  forward: reshapeForward,
  parameters: () => [],
  macs: () => 0,
  role: 'analog',
  tensors: [],
  fromOnnx: { Flatten: fromFlatten },
};
