/** `flatten`: ONNX Flatten, in the forms that keep the batch axis. */
import { attr } from '../../onnx/index.js';
import type { FlattenLayer } from '../layer-types.js';
import { formatShape, shapeError, sizePerSample } from '../shape-utils.js';
import type { LayerKindSpec } from './spec.js';

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
  parameters: () => [],
  macs: () => 0,
};
