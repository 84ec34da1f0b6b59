/** `batchnorm`: inference-mode batch normalization over axis 1 (ONNX BatchNormalization). */
import { attr } from '../../onnx/index.js';
import type { BatchNormLayer } from '../layer-types.js';
import { formatShape, requireRank, shapeError } from '../shape-utils.js';
import type { LayerKindSpec } from './spec.js';

export const batchnorm: LayerKindSpec<BatchNormLayer> = {
  inferShape(layer, [x]) {
    requireRank(layer, x, 2);
    const c = layer.scale.data.length;
    if (x[1] !== c || [layer.bias, layer.mean, layer.variance].some((t) => t.data.length !== c)) {
      throw shapeError(layer, `statistics of ${c} channels do not match input ${formatShape(x)}`);
    }
    return [...x];
  },
  emit(layer, { node, param, inputs: [x] }) {
    node('BatchNormalization', [x, param('scale', layer.scale), param('bias', layer.bias), param('mean', layer.mean), param('var', layer.variance)], {
      epsilon: attr.float(layer.epsilon),
    });
  },
  parameters: (layer) => [layer.scale, layer.bias, layer.mean, layer.variance],
  macs: () => 0,
};
