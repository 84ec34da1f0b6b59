/** `reshape`: to a static per-sample shape (ONNX Reshape with a leading 0 for the batch). */
import type { ReshapeLayer } from '../layer-types.js';
import { formatShape, shapeError, sizePerSample } from '../shape-utils.js';
import { int64 } from './shared.js';
import type { LayerKindSpec } from './spec.js';

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
  parameters: () => [],
  macs: () => 0,
};
