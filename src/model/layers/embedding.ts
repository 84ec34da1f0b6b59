/** `embedding`: table lookup of int64 indices (ONNX Gather on axis 0 of the weight). */
import { attr } from '../../onnx/index.js';
import type { EmbeddingLayer } from '../layer-types.js';
import { formatShape, shapeError } from '../shape-utils.js';
import type { LayerKindSpec } from './spec.js';

export const embedding: LayerKindSpec<EmbeddingLayer> = {
  inferShape(layer, [x]) {
    if (layer.weight.dims.length !== 2) throw shapeError(layer, `weight must be [vocab, dim], found ${formatShape(layer.weight.dims)}`);
    return [...x, layer.weight.dims[1]];
  },
  emit(layer, { node, param, inputs: [x] }) {
    node('Gather', [param('weight', layer.weight), x], { axis: attr.int(0) });
  },
  parameters: (layer) => [layer.weight],
  macs: () => 0,
};
