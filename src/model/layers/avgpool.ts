/** `avgpool`: average pooling over the 1 or 2 trailing axes (ONNX AveragePool). */
import { attr } from '../../onnx/index.js';
import type { AvgPoolLayer } from '../layer-types.js';
import { poolOutputShape } from './shared.js';
import type { LayerKindSpec } from './spec.js';

export const avgpool: LayerKindSpec<AvgPoolLayer> = {
  inferShape: (layer, [x]) => poolOutputShape(layer, x, layer.kernel.map(() => 1)),
  emit(layer, { node, inputs: [x] }) {
    node('AveragePool', [x], {
      kernel_shape: attr.ints(layer.kernel), strides: attr.ints(layer.strides), pads: attr.ints(layer.pads),
      count_include_pad: attr.int(layer.countIncludePad ? 1 : 0), ceil_mode: attr.int(layer.ceilMode ? 1 : 0),
    });
  },
  parameters: () => [],
  macs: () => 0,
};
