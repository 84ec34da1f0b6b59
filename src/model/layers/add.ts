/** `add`: broadcasting addition of two data inputs, or of one data input and a constant (ONNX Add). */
import type { AddLayer } from '../layer-types.js';
import { broadcastShapes, formatShape, shapeError } from '../shape-utils.js';
import type { LayerKindSpec } from './spec.js';

export const add: LayerKindSpec<AddLayer> = {
  inferShape(layer, inputs) {
    const x = inputs[0];
    const shapes = layer.constant ? [x, layer.constant.dims] : inputs;
    if (shapes.length !== 2) throw shapeError(layer, `expects two operands, found ${shapes.length}`);
    const out = broadcastShapes(shapes[0], shapes[1]);
    if (!out || out[0] !== 'N' || out.length !== x.length) {
      throw shapeError(layer, `cannot add ${formatShape(shapes[0])} and ${formatShape(shapes[1])} without changing the batch or rank`);
    }
    return out;
  },
  emit(layer, { node, param, inputs }) {
    const [x] = inputs;
    node('Add', layer.constant ? [x, param('constant', layer.constant)] : [...inputs]);
  },
  parameters: (layer) => (layer.constant ? [layer.constant] : []),
  macs: () => 0,
};
