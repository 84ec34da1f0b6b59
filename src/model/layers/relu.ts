/** `relu`: `max(x, 0)` (ONNX Relu). */
import type { ReluLayer } from '../layer-types.js';
import type { LayerKindSpec } from './spec.js';

export const relu: LayerKindSpec<ReluLayer> = {
  inferShape: (_layer, [x]) => [...x],
  emit(_layer, { node, inputs: [x] }) {
    node('Relu', [x]);
  },
  parameters: () => [],
  macs: () => 0,
};
