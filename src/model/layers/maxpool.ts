/** `maxpool`: max pooling over the 1 or 2 trailing axes (ONNX MaxPool). */
import { attr } from '../../onnx/index.js';
import type { MaxPoolLayer } from '../layer-types.js';
import { poolOutputShape } from './shared.js';
import type { LayerKindSpec } from './spec.js';

export const maxpool: LayerKindSpec<MaxPoolLayer> = {
  inferShape: (layer, [x]) => poolOutputShape(layer, x, layer.dilations),
  emit(layer, { node, inputs: [x] }) {
    node('MaxPool', [x], {
      kernel_shape: attr.ints(layer.kernel), strides: attr.ints(layer.strides), pads: attr.ints(layer.pads),
      dilations: attr.ints(layer.dilations), ceil_mode: attr.int(layer.ceilMode ? 1 : 0),
    });
  },
  parameters: () => [],
  macs: () => 0,
};
