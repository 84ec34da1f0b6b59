/** `squeeze`: removes size-1 non-batch axes (ONNX Squeeze). */
import type { SqueezeLayer } from '../layer-types.js';
import { formatShape, shapeError } from '../shape-utils.js';
import { emitAxesOp } from './shared.js';
import type { LayerKindSpec } from './spec.js';

export const squeeze: LayerKindSpec<SqueezeLayer> = {
  inferShape(layer, [x]) {
    if (layer.axes.some((a) => a < 1 || a >= x.length || x[a] !== 1)) {
      throw shapeError(layer, `cannot squeeze axes ${formatShape(layer.axes)} of ${formatShape(x)}`);
    }
    return x.filter((_, i) => !layer.axes.includes(i));
  },
  emit: emitAxesOp,
  parameters: () => [],
  macs: () => 0,
};
