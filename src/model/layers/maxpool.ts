/** `maxpool`: max pooling over the 1 or 2 trailing axes (ONNX MaxPool). */
import { attr } from '../../onnx/index.js';
import { readInt, unsupportedAttribute } from '../attributes.js';
import { maxPool } from '../autodiff/index.js';
import type { MaxPoolLayer } from '../layer-types.js';
import { readPool, type OnnxMapper } from './from-onnx.js';
import { poolOutputShape } from './shared.js';
import type { LayerKindSpec } from './spec.js';

const fromMaxPool: OnnxMapper<MaxPoolLayer> = (ctx, env) => {
  const { base, dilations } = readPool(ctx, env);
  if (readInt(ctx, 'storage_order', 0) !== 0) throw unsupportedAttribute(ctx, 'storage_order', '1', 'storage_order = 0');
  return { kind: 'maxpool', ...base, dilations };
};

export const maxpool: LayerKindSpec<MaxPoolLayer> = {
  inferShape: (layer, [x]) => poolOutputShape(layer, x, layer.dilations),
  emit(layer, { node, inputs: [x] }) {
    node('MaxPool', [x], {
      kernel_shape: attr.ints(layer.kernel),
      strides: attr.ints(layer.strides),
      pads: attr.ints(layer.pads),
      dilations: attr.ints(layer.dilations),
      ceil_mode: attr.int(layer.ceilMode ? 1 : 0),
    });
  },
  forward: (layer, { tape, inputs: [x] }) => maxPool(tape, x, layer),
  parameters: () => [],
  macs: () => 0,
  role: 'pool',
  window: (layer) => layer,
  tensors: [],
  fromOnnx: { MaxPool: fromMaxPool },
};
